#!/usr/bin/env python
"""Registration latency: from an aanvraag accepted by the API to its zaak, status, rol and documents in
the ZGW APIs, side by side with the same ZGW calls made directly with `requests`.

One run, against the PostgreSQL and Redis of DATABASE_URL and REDIS_URL (required; use a database and a
Redis database of their own, the database is created when missing):

- the ZGW sandbox (`zgw_sandbox`) runs in this process on a free port, answering each write after Open
  Zaak 1.30's median latency (`--latency open-zaak`, the default; `none` for the bare sandbox); the demo
  gemeente is pointed at it with `zaken.demo.zgw_configure`;
- two service stacks on the same database, each gunicorn (sync workers, DEBUG off) plus a real Celery
  worker on a queue of its own (CELERY_TASK_DEFAULT_QUEUE): (a1) one worker process (`--pool=solo`),
  (aN) N processes (`--pool=prefork --concurrency N`, `--processes`, default 3); all started and
  stopped by the launcher's `Supervisor` (`devserver.launcher`), each in a session of its own;
- (a) service: POST /api/v1/aanvragen (1 voorziening) with its 2 documents inside (`documenten`,
  base64; the default `--uploads inline`) answered 201, or without them and the documents afterwards
  through POST /api/v1/documenten (multipart; `--uploads sequential` one after the other, `parallel` at once);
  measured from the 201 of the aanvraag to the last ZGW write the worker makes (the sandbox's request
  log), checked afterwards in the database;
- (b) direct, one call after another: POST zaak, status, rol, 2x enkelvoudiginformatieobject, 2x
  zaakinformatieobject, one keep-alive session and a fresh JWT per round, the catalogue looked up
  before the rounds (as the warm service has it);
- (c) direct, as parallel as the dependencies allow: the zaak and both documents at once, then status
  and rol once the zaak exists, each relation once its zaak and document exist (8 threads);
- rounds of (a1), (aN), (b) and (c) interleaved, in a rotating order; then the calls for 3 voorzieningen.

The workers run through this script (`--worker-probe`): the stock Celery worker plus, per task and per
outbox item, when it started and ended, and its time in HTTP and in the database (queries, commits, new
connections), written to a JSON-lines file, to explain where the service path spends its time. Prints
tables, writes bench/results/registration-<UTC time>.json (git-ignored), with `--json PATH` the result
in the shared contract (bench/README.md), and deletes the rows it stored. `--short`: the form
`make bench` runs. See bench/README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regiekoppeling_bench_registration \\
    REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python -m bench.registration [--short] [--json PATH]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import math
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(REPO))

from devserver.launcher import Supervisor, wait_for_http  # noqa: E402 - needs the repository on sys.path
from regiekoppeling.tokens import make_token  # noqa: E402

BSN = "999993653"  # official test range 999990000-999999999, passes the elfproef
SERVICE_CLIENT = "regiekoppeling-bench"  # the service's client id at the sandbox
DIRECT_CLIENT = "direct-bench"  # the direct sequence's: the request log tells the two apart
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}
# Products of the demo productenboek (WMO), ZIN only: OP043 cannot fire although the BSN repeats.
PRODUCTS = [("02", "02A01"), ("07", "07A01"), ("01", "01A01")]
DOCUMENTS = [
    ("Verslag keukentafelgesprek", b"%PDF-1.4 verslag keukentafelgesprek " + b"x" * 2000),
    ("Budgetplan", b"%PDF-1.4 budgetplan " + b"y" * 2000),
]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
REFERENCE_PREFIX = "bench-reg-"  # regie_referentie and Idempotency-Keys of every run, for the cleanup
ZGW_CACHE_KEYS = "regiekoppeling-zgw:*"  # KEY_PREFIX of the `zgw` cache in config/settings.py
REGISTRATION_SOORTEN = ("zaak_registratie", "document")


# --- the instrumented worker (its own process: `registration.py --worker-probe FILE -- celery args`) ----


def worker_main(probe_file: Path, celery_args: list[str]) -> None:
    """The stock Celery worker of config.celery, with a probe that records per task and per outbox item
    when it started and ended and how long it spent in HTTP (and on new TCP connections) and in the
    database (queries, commits, new connections).

    The probe patches only this process (requests' adapter, urllib3's connect, Django's commit and
    connect, the name `outbox_process` in regiekoppeling.tasks); the service code is unchanged. Its
    overhead is a few perf_counter calls per query or request.
    """
    os.chdir(REPO)
    import urllib3.connection
    from celery.signals import task_postrun, task_prerun, worker_ready
    from django.db.backends.base.base import BaseDatabaseWrapper
    from requests.adapters import HTTPAdapter

    current: dict[str, Any] = {}  # the running task's record; solo or prefork: one task per process
    record_sql = os.environ.get("BENCH_PROBE_SQL") == "1"  # --record-sql: the statements in the results
    out = probe_file.open("a", buffering=1)

    def write(record: dict[str, Any]) -> None:
        out.write(json.dumps(record) + "\n")

    def db_wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        began, sent = time.perf_counter(), time.time()
        try:
            return execute(sql, params, many, context)
        finally:
            if current:
                current["queries"] += 1
                current["db_s"] += time.perf_counter() - began
                if record_sql:
                    # When it was sent (epoch seconds, to place it among the HTTP calls), how long it took.
                    current["sql"].append(f"@{sent:.4f} {(time.perf_counter() - began) * 1000:.2f} ms {sql[:160]}")

    original_commit = BaseDatabaseWrapper._commit  # type: ignore[attr-defined]

    def timed_commit(self: Any) -> Any:
        # COMMIT of an atomic block does not pass the execute wrappers (autocommit statements do).
        began = time.perf_counter()
        try:
            return original_commit(self)
        finally:
            if current:
                current["commits"] += 1
                current["db_s"] += time.perf_counter() - began

    original_send = HTTPAdapter.send

    def timed_send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        began = time.time()
        status = None
        try:
            response = original_send(self, request, *args, **kwargs)
            status = response.status_code
            return response
        finally:
            if current:
                current["http"].append([request.method, urlsplit(request.url).path, began, time.time(), status])

    original_db_connect = BaseDatabaseWrapper.connect

    def timed_db_connect(self: Any) -> None:
        # A new PostgreSQL connection (backend start, Django's session setup): not an execute either.
        began = time.perf_counter()
        original_db_connect(self)
        if current:
            current["db_connects"] += 1
            current["db_connect_s"] += time.perf_counter() - began

    original_connect = urllib3.connection.HTTPConnection.connect

    def counted_connect(self: Any) -> None:
        began = time.perf_counter()
        original_connect(self)
        if current:
            current["connects"] += 1
            current["connect_s"] += time.perf_counter() - began

    BaseDatabaseWrapper._commit = timed_commit  # type: ignore[attr-defined]
    BaseDatabaseWrapper.connect = timed_db_connect  # type: ignore[method-assign]
    HTTPAdapter.send = timed_send  # type: ignore[method-assign]
    urllib3.connection.HTTPConnection.connect = counted_connect  # type: ignore[method-assign]

    counters = ("queries", "commits", "db_s", "db_connects", "db_connect_s", "connects", "connect_s")

    def per_item(original: Callable[..., Any]) -> Callable[..., Any]:
        """outbox_process with the counters split per item: one task may carry several items."""

        def process(*, item_id: int, **kwargs: Any) -> Any:
            before = {k: current.get(k, 0) for k in counters}
            http_before, sql_before = len(current.get("http", [])), len(current.get("sql", []))
            start = time.time()
            state = original(item_id=item_id, **kwargs)
            if current:
                current["per_item"].append(
                    {
                        "item": item_id,
                        "start": start,
                        "end": time.time(),
                        "state": state,
                        **{k: current[k] - before[k] for k in counters},
                        "http": current["http"][http_before:],
                        "sql": current["sql"][sql_before:],
                    }
                )
            return state

        process.bench_probe = True  # type: ignore[attr-defined]
        return process

    @task_prerun.connect
    def prerun(task: Any = None, args: Any = None, **_: Any) -> None:
        from django.db import connection

        import regiekoppeling.tasks

        if db_wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(db_wrapper)
        if not getattr(regiekoppeling.tasks.outbox_process, "bench_probe", False):  # the tasks call it by name
            regiekoppeling.tasks.outbox_process = per_item(regiekoppeling.tasks.outbox_process)
        first = (args or [None])[0]
        items = first if isinstance(first, list) else [first]  # process_outbox_item(id) or (ids)
        current.clear()
        current.update(
            task=task.name if task else "?",
            items=items,
            pid=os.getpid(),
            prerun=time.time(),
            queries=0,
            commits=0,
            db_s=0.0,
            db_connects=0,
            db_connect_s=0.0,
            sql=[],
            http=[],
            connects=0,
            connect_s=0.0,
            per_item=[],
        )

    @task_postrun.connect
    def postrun(**_: Any) -> None:
        if current:
            write({**current, "postrun": time.time()})
            current.clear()

    @worker_ready.connect
    def ready(**_: Any) -> None:
        write({"ready": time.time()})

    from config.celery import app

    app.worker_main(["worker", *celery_args])


class ProbeReader:
    """Reads the worker probe's JSON lines as they come; records are kept by outbox item id."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.ready = False
        self.by_item: dict[int, dict[str, Any]] = {}

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open() as handle:
            handle.seek(self.offset)
            while line := handle.readline():
                if not line.endswith("\n"):
                    break  # half written: read it next time
                self.offset += len(line.encode())
                record = json.loads(line)
                if "ready" in record:
                    self.ready = True
                for item in record.get("items", []):
                    self.by_item[item] = record

    def wait_for(self, item_ids: list[int], timeout: float = 5.0) -> dict[int, dict[str, Any]]:
        # postrun is written just after the handler has committed "done": allow a moment.
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if all(i in self.by_item for i in item_ids) or time.monotonic() > deadline:
                return {i: self.by_item[i] for i in item_ids if i in self.by_item}
            time.sleep(0.002)


# --- setup ------------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist (connecting to `postgres` on the same server)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)


def service_env(media_dir: Path) -> dict[str, str]:
    """Environment of gunicorn, the worker and this process's Django: production settings, shared media."""
    env = dict(os.environ)
    env["DEBUG"] = "0"
    env.setdefault("LOG_LEVEL", "WARNING")
    env["PRIVATE_MEDIA_ROOT"] = str(media_dir)  # the API stores uploads here, the worker reads them
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    if not env.get("SECRET_KEY"):
        env["ALLOW_DEV_SECRET"] = "1"
    return env


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(what: str, predicate: Callable[[], bool], supervisor: Supervisor, timeout: float = 60.0) -> None:
    """RuntimeError when one of the supervisor's children dies first or after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        supervisor.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready within {timeout:.0f} s")
        time.sleep(0.1)


class ConnectionCounter:
    """Counts TCP connections the sandbox accepts (its server starts a thread per connection).

    Wraps the server's process_request in this process; the sandbox code is unchanged.
    """

    def __init__(self, sandbox: Any) -> None:
        self.count = 0
        httpd = sandbox._httpd  # the ThreadingHTTPServer; no public hook for connections
        original = httpd.process_request

        def counted(request: Any, client_address: Any) -> None:
            self.count += 1
            original(request, client_address)

        httpd.process_request = counted


def clear_zgw_cache() -> int:
    """Empty the catalogue cache (the `zgw` cache in Redis) so the next registration looks everything up."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(match=ZGW_CACHE_KEYS))
    if keys:
        client.delete(*keys)
    return len(keys)


def delete_with_dependants(queryset: Any) -> int:
    """Delete the rows and, first, whatever protects them (berichten of an outbox item, zaken of an
    aanvraag, ...): the schema grows, this benchmark should not need to follow every new table."""
    from django.db.models import ProtectedError, RestrictedError

    for _ in range(20):
        try:
            return int(queryset.delete()[0])
        except (ProtectedError, RestrictedError) as exc:
            blockers = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            by_model: dict[Any, list[Any]] = {}
            for obj in blockers:
                by_model.setdefault(type(obj), []).append(obj.pk)
            for model, pks in by_model.items():
                delete_with_dependants(model._default_manager.filter(pk__in=pks))
    raise RuntimeError(f"could not delete {queryset.model.__name__} rows")


def cleanup() -> str:
    """Delete every aanvraag this benchmark ever stored here (they carry REFERENCE_PREFIX) with what hangs
    on them: the OP043 check reads every live voorziening of the client, so leftovers slow down later runs."""
    from django.db import transaction

    from regiekoppeling.models import Aanvraag, IdempotencyRecord, OutboxItem

    with transaction.atomic():
        aanvragen = Aanvraag.objects.filter(regie_referentie__startswith=REFERENCE_PREFIX)
        count = aanvragen.count()
        outbox = delete_with_dependants(OutboxItem.objects.filter(aanvraag__in=aanvragen))
        delete_with_dependants(aanvragen)
        keys = IdempotencyRecord.objects.filter(key__startswith=REFERENCE_PREFIX).delete()[0]
    return f"{count} aanvragen, {outbox} outbox items, {keys} idempotency records"


# --- (a) the service path ---------------------------------------------------------------------------


def log_time(entry: dict[str, Any]) -> float:
    """The sandbox records each request (UTC, microseconds) when its answer is ready, before sending it."""
    return dt.datetime.fromisoformat(entry["time"]).timestamp()


def count_calls(log: list[dict[str, Any]]) -> dict[str, int]:
    gets = sum(1 for e in log if e["method"] == "GET")
    writes = sum(1 for e in log if e["method"] in WRITES)
    refused = sum(1 for e in log if not 200 <= (e["status"] or 0) < 300)  # counted in get/write too
    return {"get": gets, "write": writes, "other": len(log) - gets - writes, "refused": refused}


@dataclass
class Round:
    variant: str  # service_1 | service_n | direct_seq | direct_par (see LABELS)
    voorzieningen: int
    cache: str  # warm | cold (service); the direct variants keep their own lookups
    latency_ms: float  # the measure compared: see the README
    calls: dict[str, int]
    connections: int
    registered: bool  # everything there in the end (a refused call that the service recovered from is fine)
    extra: dict[str, Any] = field(default_factory=dict)
    background: float = math.nan  # cores busy with other work just before the round (--quiet)
    waited_s: float = 0.0  # how long the round waited for that


class Service:
    """The regieapplicatie's side of the service path: the API under gunicorn, the rows in PostgreSQL."""

    def __init__(self, base_url: str, credential: dict[str, str], gemeente: str, stamp: str) -> None:
        self.base_url = base_url
        self.credential = credential
        self.gemeente = gemeente
        self.stamp = stamp
        self.number = 0
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.extra_sessions = [requests.Session() for _ in DOCUMENTS]  # kept alive, as a client would
        for session in self.extra_sessions:
            session.headers["Accept"] = "application/json"

    def _headers(self) -> dict[str, str]:
        token = make_token(self.credential["clientId"], self.credential["secret"])
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{REFERENCE_PREFIX}{self.stamp}-{uuid.uuid4()}"}

    def body(self, voorzieningen: int) -> dict[str, Any]:
        self.number += 1
        start = dt.date.today() + dt.timedelta(days=30)
        return {
            "gemeente": self.gemeente,
            "wet": "WMO",
            "regieReferentie": f"{REFERENCE_PREFIX}{self.stamp}-{self.number}",
            "client": {
                "bsn": BSN,
                "geboortedatum": "1950-01-01",
                "geslacht": "2",
                "voornamen": "Maria",
                "achternaam": "Bench",
            },
            "voorzieningen": [
                {
                    "product": {"categorie": categorie, "code": code},
                    "leveringsvorm": "ZIN",
                    "omvang": {"volume": 4, "eenheid": "04", "frequentie": "2"},
                    "ingangsdatum": start.isoformat(),
                    "einddatum": (start + dt.timedelta(days=364)).isoformat(),
                }
                for categorie, code in PRODUCTS[:voorzieningen]
            ],
        }

    def with_documents(self, body: dict[str, Any]) -> dict[str, Any]:
        """The aanvraag with its documents inside (`documenten`, base64), as a regieapplicatie sends them."""
        documenten = [
            {
                "titel": titel,
                "bestandsnaam": f"{titel}.pdf",
                "formaat": "application/pdf",
                "inhoud": base64.b64encode(content).decode(),
            }
            for titel, content in DOCUMENTS
        ]
        return {**body, "documenten": documenten}

    def post_aanvraag(self, body: dict[str, Any]) -> requests.Response:
        return self.session.post(f"{self.base_url}/api/v1/aanvragen", json=body, headers=self._headers(), timeout=30)

    def upload(self, session: requests.Session, aanvraag: str, titel: str, content: bytes) -> float:
        """POST /documenten; returns when its 201 was in hand."""
        response = session.post(
            f"{self.base_url}/api/v1/documenten",
            data={"aanvraag": aanvraag, "titel": titel},
            files={"bestand": (f"{titel}.pdf", content, "application/pdf")},
            headers=self._headers(),
            timeout=30,
        )
        if response.status_code != 201:
            raise RuntimeError(f"POST /documenten answered {response.status_code}: {response.text[:500]}")
        return time.time()

    def upload_all(self, aanvraag: str, *, parallel: bool) -> list[float]:
        """The documents one after another on the client's session, or all at once (one connection each)."""
        if not parallel:
            return [self.upload(self.session, aanvraag, titel, content) for titel, content in DOCUMENTS]
        with ThreadPoolExecutor(max_workers=len(DOCUMENTS)) as pool:
            sessions = [self.session, *(self.extra_sessions[: len(DOCUMENTS) - 1])]
            futures = [
                pool.submit(self.upload, session, aanvraag, titel, content)
                for session, (titel, content) in zip(sessions, DOCUMENTS, strict=True)
            ]
            return sorted(f.result() for f in futures)


def wait_for_writes(sandbox: Any, expected: int, poll_s: float, timeout: float) -> None:
    """Wait, without touching PostgreSQL, until the sandbox has answered the writes a full registration
    makes (or the timeout passed: then `wait_registered` reports what is missing). Polling the database
    from the first moment cost PostgreSQL and this process CPU on the same two cores, inside the window
    measured for the service and not for the direct client."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        writes = [e for e in sandbox.requests if e["clientId"] == SERVICE_CLIENT and e["method"] in WRITES]
        if len(writes) >= expected:
            return
        time.sleep(poll_s)


def wait_registered(aanvraag_uuid: str, expected_items: int, poll_s: float, timeout: float) -> list[Any]:
    """Poll until the aanvraag's registration and document outbox items are done (or dead).

    Only decides when to read the timestamps: the latency comes from the sandbox log and the rows'
    own timestamps, so the poll interval does not show in the measurement.
    """
    from regiekoppeling.models import OutboxItem

    deadline = time.monotonic() + timeout
    while True:
        items = list(
            OutboxItem.objects.filter(aanvraag__uuid=aanvraag_uuid, handler__in=REGISTRATION_SOORTEN).values(
                "id", "handler", "state", "created_at", "updated_at", "attempts", "last_error"
            )
        )
        if len(items) == expected_items and all(i["state"] in ("done", "dead") for i in items):
            return items
        if time.monotonic() > deadline:
            raise RuntimeError(f"aanvraag {aanvraag_uuid} not registered within {timeout} s: {items}")
        time.sleep(poll_s)


def check_registered(aanvraag_uuid: str, voorzieningen: int) -> list[str]:
    """What is missing in the database after the items are done (empty: fully registered)."""
    from regiekoppeling.models import Document, OutboxItem, Voorziening
    from zaken.models import Zaak, ZaakDocument

    problems = []
    states = list(Voorziening.objects.filter(aanvraag__uuid=aanvraag_uuid).values_list("registratie", flat=True))
    if states != ["geregistreerd"] * voorzieningen:
        problems.append(f"voorzieningen {states}")
    zaken = Zaak.objects.filter(aanvraag__uuid=aanvraag_uuid).exclude(url="").exclude(status_url="").exclude(rol_url="")
    if zaken.count() != voorzieningen:
        problems.append(f"{zaken.count()} zaken with status and rol")
    documents = Document.objects.filter(aanvraag__uuid=aanvraag_uuid).exclude(informatieobject="")
    if documents.count() != len(DOCUMENTS):
        problems.append(f"{documents.count()} documents stored")
    related = ZaakDocument.objects.filter(zaak__aanvraag__uuid=aanvraag_uuid).exclude(url="").count()
    if related != voorzieningen * len(DOCUMENTS):
        problems.append(f"{related} zaakinformatieobjecten")
    dead = OutboxItem.objects.filter(aanvraag__uuid=aanvraag_uuid, state="dead").values_list("last_error", flat=True)
    problems += [f"dead item: {e[:300]}" for e in dead]
    return problems


def item_summary(entry: dict[str, Any], created_at: float, accepted: float) -> dict[str, Any]:
    """One outbox item as the worker handled it, in ms: wait (row inserted -> handler started: relay and
    queueing behind other items), wall, and where the wall went."""
    wall = entry["end"] - entry["start"]
    http = sum(end - began for _, _, began, end, _ in entry["http"])
    db = entry["db_s"] + entry["db_connect_s"]
    return {
        "wait_ms": round((entry["start"] - created_at) * 1000, 2),
        "wall_ms": round(wall * 1000, 2),
        "http_ms": round(http * 1000, 2),
        "http_requests": len(entry["http"]),
        "connects": entry["connects"],
        "connect_ms": round(entry["connect_s"] * 1000, 2),
        "db_ms": round(db * 1000, 2),
        "db_connect_ms": round(entry["db_connect_s"] * 1000, 2),
        "db_connects": entry["db_connects"],
        "queries": entry["queries"],
        "commits": entry["commits"],
        "python_ms": round((wall - http - db) * 1000, 2),
        "start_ms": round((entry["start"] - accepted) * 1000, 2),
        "end_ms": round((entry["end"] - accepted) * 1000, 2),
        **({"sql": entry["sql"]} if entry["sql"] else {}),
    }


def run_service(
    variant: str, service: Service, sandbox: Any, conns: ConnectionCounter, probe: ProbeReader,
    args: argparse.Namespace, *, voorzieningen: int, cache: str,
) -> Round:  # fmt: skip
    from regiekoppeling.models import OutboxItem

    sandbox.clear_requests()
    conns.count = 0
    body = service.body(voorzieningen)
    if args.uploads == "inline":
        body = service.with_documents(body)
    sent = time.time()
    response = service.post_aanvraag(body)
    accepted = time.time()  # "accepted": the client holds the 201
    if response.status_code != 201:
        raise RuntimeError(f"POST /aanvragen answered {response.status_code}: {response.text[:500]}")
    aanvraag = response.json()["uuid"]
    if args.uploads == "inline":
        uploaded = [accepted]  # the documents came with the aanvraag
    else:
        uploaded = service.upload_all(aanvraag, parallel=args.uploads == "parallel")

    # Per voorziening a zaak, its status and rol and a relation to each document; each document once.
    wait_for_writes(sandbox, voorzieningen * (3 + len(DOCUMENTS)) + len(DOCUMENTS), args.poll_ms / 1000, args.timeout)
    items = wait_registered(aanvraag, 1 + len(DOCUMENTS), args.poll_ms / 1000, args.timeout)
    problems = check_registered(aanvraag, voorzieningen)
    # Every item of the aanvraag, the bericht too: the solo worker runs it in between. Wait for the probe's
    # records of the registration items; the others count when they are there.
    all_items = {
        i["id"]: i for i in OutboxItem.objects.filter(aanvraag__uuid=aanvraag).values("id", "handler", "created_at")
    }
    probe.wait_for([i["id"] for i in items])
    records = probe.wait_for(list(all_items), timeout=0.05)
    log = [e for e in sandbox.requests if e["clientId"] == SERVICE_CLIENT]
    writes = [e for e in log if e["method"] in WRITES]
    end = max(log_time(e) for e in writes)  # "registered": the answer to the last ZGW write is ready
    items_done, tasks = [], []
    for item_id, item in sorted(all_items.items()):
        record = records.get(item_id)
        entry = next((e for e in (record or {}).get("per_item", []) if e["item"] == item_id), None)
        if record is None or entry is None:
            continue  # not handled (yet), e.g. a soort without handler stays pending
        summary = item_summary(entry, item["created_at"].timestamp(), accepted)
        items_done.append({"soort": item["handler"], **summary})
    for record in {(r["pid"], r["prerun"]): r for r in records.values()}.values():
        handled = sum(e["end"] - e["start"] for e in record["per_item"])
        tasks.append(
            {
                "items": len(record["items"]),
                "start_ms": round((record["prerun"] - accepted) * 1000, 2),
                "wall_ms": round((record["postrun"] - record["prerun"]) * 1000, 2),
                # Celery around the handlers: message to task, its Django fixup (closes the DB connection)
                "outside_handlers_ms": round((record["postrun"] - record["prerun"] - handled) * 1000, 2),
            }
        )
    return Round(
        variant=variant,
        voorzieningen=voorzieningen,
        cache=cache,
        latency_ms=round((end - accepted) * 1000, 2),
        calls=count_calls(log),
        connections=conns.count,
        registered=not problems,
        extra={
            "post_aanvraag_ms": round((accepted - sent) * 1000, 2),
            "uploads_done_ms": [round((t - accepted) * 1000, 2) for t in uploaded],
            "from_last_upload_ms": round((end - uploaded[-1]) * 1000, 2),
            "db_done_ms": round((max(i["updated_at"].timestamp() for i in items) - accepted) * 1000, 2),
            "first_zgw_ms": round((min(log_time(e) for e in log) - accepted) * 1000, 2),
            "zgw_writes_ms": [[e["path"].split("/")[-1], round((log_time(e) - accepted) * 1000, 2)] for e in writes],
            "items": sorted(items_done, key=lambda i: i["start_ms"]),
            "tasks": sorted(tasks, key=lambda t: t["start_ms"]),
            "problems": problems,
            "attempts": sorted(i["attempts"] for i in items),
        },
    )


# --- (b) the direct sequence --------------------------------------------------------------------------


@dataclass
class Catalogue:
    """The catalogue URLs a direct client needs; looked up once, as the service caches them."""

    catalogus: str
    rsin: str
    zaaktype: str
    statustype: str
    roltype: str
    informatieobjecttype: str


class Direct:
    """A client calling the ZGW APIs itself: one keep-alive session and a fresh JWT per round."""

    def __init__(self, sandbox: Any) -> None:
        self.base = sandbox.base_url
        self.secret = sandbox.clients[DIRECT_CLIENT]
        self.local = threading.local()
        self.sessions: list[requests.Session] = []

    @property
    def session(self) -> requests.Session:
        """This thread's session, made (with a fresh JWT) on its first call after `reset`."""
        session: requests.Session | None = getattr(self.local, "session", None)
        if session is None or session not in self.sessions:
            session = requests.Session()
            session.headers.update(
                {"Accept": "application/json", "Authorization": f"Bearer {make_token(DIRECT_CLIENT, self.secret)}"}
            )
            self.local.session = session
            self.sessions.append(session)
        return session

    def reset(self) -> None:
        """Close every session: the next round makes new ones, inside its measured time."""
        for session in self.sessions:
            session.close()
        self.sessions.clear()

    def call(self, method: str, api: str, resource: str, *, json_body: Any = None, **params: str) -> Any:
        headers = CRS if api == "zaken" else {}  # Open Zaak wants the CRS headers on /zaken only
        url = f"{self.base}/{api}/api/v1/{resource}"
        response = self.session.request(method, url, json=json_body, params=params or None, headers=headers, timeout=10)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {resource} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def zaaktype_url(self, catalogus: str) -> str:
        page = self.call("GET", "catalogi", "zaaktypen", catalogus=catalogus, identificatie="WMO-VOORZIENING")
        return str(next(z["url"] for z in page["results"] if not z.get("concept")))

    def catalogue(self, seed: dict[str, Any]) -> Catalogue:
        zaaktype = self.zaaktype_url(seed["catalogus"])
        statustypen = self.call("GET", "catalogi", "statustypen", zaaktype=zaaktype)["results"]
        roltypen = self.call("GET", "catalogi", "roltypen", zaaktype=zaaktype, omschrijvingGeneriek="initiator")
        iotypen = self.call("GET", "catalogi", "informatieobjecttypen", catalogus=seed["catalogus"])["results"]
        return Catalogue(
            catalogus=seed["catalogus"],
            rsin=seed["rsin"],
            zaaktype=zaaktype,
            statustype=min(statustypen, key=lambda s: s["volgnummer"])["url"],
            roltype=roltypen["results"][0]["url"],
            informatieobjecttype=next(t["url"] for t in iotypen if t["omschrijving"] == "Bijlage"),
        )

    def register(self, catalogue: Catalogue, voorzieningen: int) -> None:
        """The minimal sequence, one call after another, with bodies like the service's (same fields,
        same document size); the catalogue looked up before the rounds, as the warm service has it."""
        zaken = []
        for index in range(voorzieningen):
            zaak = self.post_zaak(catalogue, index)
            self.call("POST", "zaken", "statussen", json_body=status_body(zaak, catalogue))
            self.call("POST", "zaken", "rollen", json_body=rol_body(zaak, catalogue))
            zaken.append(zaak)
        documents = [self.post_document(catalogue, titel, content) for titel, content in DOCUMENTS]
        for document, (titel, _) in zip(documents, DOCUMENTS, strict=True):
            for zaak in zaken:
                self.relate(zaak, document, titel)

    def register_parallel(self, catalogue: Catalogue, voorzieningen: int) -> None:
        """The same calls, each started as soon as what it needs exists: the zaken and the documents at
        once; per zaak then its status and rol; a relation once its zaak and its document exist. A pool
        of 8 threads, each with its own keep-alive session (and a fresh JWT) made in the round."""
        zaken: dict[int, str] = {}
        documents: dict[int, str] = {}
        with ThreadPoolExecutor(max_workers=8) as pool:
            pending: dict[Future[Any], tuple[str, int]] = {}
            for index in range(voorzieningen):
                pending[pool.submit(self.post_zaak, catalogue, index)] = ("zaak", index)
            for index, (titel, content) in enumerate(DOCUMENTS):
                pending[pool.submit(self.post_document, catalogue, titel, content)] = ("document", index)
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for future in done:
                    kind, index = pending.pop(future)
                    if kind == "zaak":
                        zaak = zaken[index] = future.result()
                        for body in (status_body(zaak, catalogue), rol_body(zaak, catalogue)):
                            path = "statussen" if "statustype" in body else "rollen"
                            pending[pool.submit(self.call, "POST", "zaken", path, json_body=body)] = ("write", 0)
                        pairs = [(zaak, document, DOCUMENTS[d][0]) for d, document in documents.items()]
                    elif kind == "document":
                        document = documents[index] = future.result()
                        pairs = [(zaak, document, DOCUMENTS[index][0]) for zaak in zaken.values()]
                    else:
                        future.result()
                        pairs = []
                    for pair in pairs:
                        pending[pool.submit(self.relate, *pair)] = ("write", 0)

    def post_zaak(self, catalogue: Catalogue, index: int) -> str:
        return str(
            self.call("POST", "zaken", "zaken", json_body=zaak_body(catalogue, catalogue.zaaktype, index))["url"]
        )

    def post_document(self, catalogue: Catalogue, titel: str, content: bytes) -> str:
        body = document_body(catalogue, titel, content)
        return str(self.call("POST", "documenten", "enkelvoudiginformatieobjecten", json_body=body)["url"])

    def relate(self, zaak: str, document: str, titel: str) -> None:
        body = {"zaak": zaak, "informatieobject": document, "titel": titel}
        self.call("POST", "zaken", "zaakinformatieobjecten", json_body=body)


def zaak_body(catalogue: Catalogue, zaaktype: str, index: int) -> dict[str, Any]:
    return {
        "identificatie": f"DIRECT-{uuid.uuid4().hex[:16].upper()}-{index + 1}",
        "bronorganisatie": catalogue.rsin,
        "verantwoordelijkeOrganisatie": catalogue.rsin,
        "zaaktype": zaaktype,
        "startdatum": dt.date.today().isoformat(),
        "omschrijving": "Wmo: Huishoudelijke ondersteuning",
        "toelichting": "Aanvraag via de directe reeks",
        "vertrouwelijkheidaanduiding": "vertrouwelijk",
        "kenmerken": [{"kenmerk": str(uuid.uuid4()), "bron": "bench"}],
    }


def status_body(zaak: str, catalogue: Catalogue) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "zaak": zaak,
        "statustype": catalogue.statustype,
        "datumStatusGezet": now,
        "statustoelichting": "Aanvraag ontvangen",
    }


def rol_body(zaak: str, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "zaak": zaak,
        "roltype": catalogue.roltype,
        "betrokkeneType": "natuurlijk_persoon",
        "roltoelichting": "Client van de aanvraag",
        "betrokkeneIdentificatie": {
            "inpBsn": BSN,
            "geslachtsnaam": "Bench",
            "voorvoegselGeslachtsnaam": "",
            "voornamen": "Maria",
            "geboortedatum": "1950-01-01",
        },
    }


def document_body(catalogue: Catalogue, titel: str, content: bytes) -> dict[str, Any]:
    return {
        "identificatie": f"DIRECT-DOC-{uuid.uuid4().hex[:20].upper()}",
        "bronorganisatie": catalogue.rsin,
        "creatiedatum": dt.date.today().isoformat(),
        "titel": titel,
        "beschrijving": "",
        "auteur": "Demo regieapplicatie",
        "taal": "dut",
        "informatieobjecttype": catalogue.informatieobjecttype,
        "bestandsnaam": f"{titel}.pdf",
        "formaat": "application/pdf",
        "bestandsomvang": len(content),
        "vertrouwelijkheidaanduiding": "vertrouwelijk",
        "status": "definitief",
        "indicatieGebruiksrecht": False,
        "inhoud": base64.b64encode(content).decode(),
    }


def run_direct(
    direct: Direct, catalogue: Catalogue, sandbox: Any, conns: ConnectionCounter, *, voorzieningen: int, parallel: bool
) -> Round:
    direct.reset()
    sandbox.clear_requests()
    conns.count = 0
    began = time.time()
    # Sessions and JWTs are made inside the measured time: the service builds its clients per unit of work too.
    if parallel:
        direct.register_parallel(catalogue, voorzieningen)
    else:
        direct.register(catalogue, voorzieningen)
    returned = time.time()
    direct.reset()
    log = [e for e in sandbox.requests if e["clientId"] == DIRECT_CLIENT]
    end = max(log_time(e) for e in log if e["method"] in WRITES)  # the same end mark as the service's
    return Round(
        variant="direct_par" if parallel else "direct_seq",
        voorzieningen=voorzieningen,
        cache="-",
        latency_ms=round((end - began) * 1000, 2),
        calls=count_calls(log),
        connections=conns.count,
        registered=all(200 <= (e["status"] or 0) < 300 for e in log),
        extra={"client_ms": round((returned - began) * 1000, 2)},
    )


# --- statistics and reporting ------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "p90": round(percentile(values, 90), 2), "n": len(values)}


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    cpuinfo = Path("/proc/cpuinfo").read_text()
    info["cpu"] = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "?")
    info["hypervisor"] = "hypervisor" in cpuinfo
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info["postgresql"] = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        info["synchronous_commit"] = cursor.fetchone()[0]
    import redis

    info["redis"] = redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")["redis_version"]
    return info


def git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head.stdout.strip() + (" (uncommitted changes)" if dirty.stdout.strip() else "")


def machine_busy() -> float:
    """CPU seconds all cores spent busy (not idle, not iowait) since boot."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def wait_quiet(limit: float, window: float = 0.3, max_wait: float = 60.0) -> tuple[float, float]:
    """Before a round (this benchmark idle): wait until the other work on the machine keeps fewer than
    `limit` cores busy for `window` seconds, at most `max_wait`; returns (busy cores, seconds waited)."""
    began = time.monotonic()
    while True:
        before = machine_busy()
        time.sleep(window)
        busy = (machine_busy() - before) / window
        if busy <= limit or time.monotonic() - began > max_wait:
            return round(busy, 2), round(time.monotonic() - began - window, 2)


def busy_cores(seconds: float = 2.0) -> float:
    """Cores busy on the machine while this benchmark is idle: the background it competes with."""
    before = machine_busy()
    time.sleep(seconds)
    return round((machine_busy() - before) / seconds, 2)


LABELS = {
    "service_1": "(a1) service, 1 worker process: 201 -> last write",
    "service_n": "(aN) service, N worker processes",  # N filled in by main()
    "direct_seq": "(b)  direct, one call after another",
    "direct_par": "(c)  direct, as parallel as dependencies allow",
}
SERVICES = ("service_1", "service_n")  # what the aims are about
BASELINE = "service_base"  # --baseline: other code, one worker process, measured beside ours


def compared() -> list[str]:
    """The service variants of this run: ours, and the baseline when there is one."""
    return [v for v in (*SERVICES, BASELINE) if v in LABELS]


def latency_table(rounds: list[Round], voorzieningen: int) -> tuple[str, dict[str, Any]]:
    by = {v: [r for r in rounds if r.variant == v and r.voorzieningen == voorzieningen] for v in LABELS}
    summary: dict[str, Any] = {v: stats([r.latency_ms for r in rs]) for v, rs in by.items() if rs}
    n = len(by["direct_par"])
    lines = [f"{voorzieningen} voorziening(en) + {len(DOCUMENTS)} documents, {n} rounds interleaved (ms)"]
    lines.append(f"{'':<52} {'median':>8} {'p90':>8}")
    for variant, label in LABELS.items():
        if variant in summary:
            lines.append(f"{label:<52} {summary[variant]['median']:>8.1f} {summary[variant]['p90']:>8.1f}")
    for service in compared():
        for base in ("direct_par", "direct_seq"):
            if service in summary and base in summary:
                ratio = {k: summary[service][k] / summary[base][k] for k in ("median", "p90")}
                summary[f"ratio_{service}_{base}"] = {k: round(v, 3) for k, v in ratio.items()}
                label = f"ratio {LABELS[service][:5].strip()} / {LABELS[base][:4].strip()}"
                lines.append(f"{label:<52} {ratio['median']:>7.2f}x {ratio['p90']:>7.2f}x")
    for service in compared():
        rs = by[service]
        if not rs:
            continue
        tag = LABELS[service][:5].strip()
        extra = {
            "from_last_upload": (
                [r.extra["from_last_upload_ms"] for r in rs],
                f"{tag} measured from the last upload's 201",
            ),
            "db_done": ([r.extra["db_done_ms"] for r in rs], f"{tag} until the outbox items are done in the DB"),
            "api_post_aanvraag": (
                [r.extra["post_aanvraag_ms"] for r in rs],
                f"{tag} API: POST /aanvragen (client side)",
            ),
            "api_last_upload_done": (
                [r.extra["uploads_done_ms"][-1] for r in rs],
                f"{tag} API: last upload's 201 after the aanvraag's",
            ),
        }
        for key, (values, label) in extra.items():
            summary[f"{service}_{key}"] = stats(values)
            lines.append(
                f"{label:<52} {summary[f'{service}_{key}']['median']:>8.1f} {summary[f'{service}_{key}']['p90']:>8.1f}"
            )
    return "\n".join(lines), summary


def calls_table(rows: list[tuple[str, list[Round]]]) -> tuple[str, list[dict[str, Any]]]:
    """Calls per aanvraag and per voorziening; for several rounds the most common count, and in how many
    rounds it was seen."""
    lines = [
        "HTTP calls to the ZGW APIs (sandbox request log), per aanvraag and per voorziening",
        f"{'':<36} {'voorz.':>6} {'GET':>4} {'write':>5} {'refused':>7} {'TCP conn.':>9} {'GET/vz':>7} "
        f"{'write/vz':>8} {'total/vz':>8} {'seen':>7}",
    ]
    data = []
    for label, group in rows:
        counts = Counter((r.calls["get"], r.calls["write"], r.calls["refused"], r.connections) for r in group)
        (get, write, refused, connections), seen = counts.most_common(1)[0]
        n = group[0].voorzieningen
        lines.append(
            f"{label:<36} {n:>6} {get:>4} {write:>5} {refused:>7} {connections:>9} {get / n:>7.2f} "
            f"{write / n:>8.2f} {(get + write) / n:>8.2f} {f'{seen}/{len(group)}':>7}"
        )
        data.append(
            {
                "label": label,
                "voorzieningen": n,
                "get": get,
                "write": write,
                "refused": refused,
                "connections": connections,
                "seen_in_rounds": f"{seen}/{len(group)}",
                "all_counts": {str(k): v for k, v in counts.items()},
            }
        )
    return "\n".join(lines), data


# Columns of the item table: (key in item_summary, heading, format)
ITEM_COLUMNS = [
    ("wait_ms", "wait", ".1f"),
    ("wall_ms", "wall", ".1f"),
    ("http_ms", "http", ".1f"),
    ("http_requests", "reqs", ".0f"),
    ("connects", "tcp", ".0f"),
    ("db_ms", "db", ".1f"),
    ("db_connect_ms", "db conn", ".1f"),
    ("queries", "queries", ".0f"),
    ("commits", "commits", ".0f"),
    ("python_ms", "python", ".1f"),
]


def breakdown_table(rounds: list[Round], variant: str) -> tuple[str, dict[str, Any]]:
    """Where the service path's time goes: the worker's outbox items, medians over the measured
    1-voorziening rounds."""
    service = [r for r in rounds if r.variant == variant and r.voorzieningen == 1]

    def med(values: list[float]) -> float:
        return round(statistics.median(values), 2) if values else math.nan

    per_soort: dict[str, dict[str, float]] = {}
    soorten = dict.fromkeys(i["soort"] for r in service for i in r.extra["items"])  # in order of appearance
    for soort in soorten:
        items = [i for r in service for i in r.extra["items"] if i["soort"] == soort]
        per_soort[soort] = {key: med([i[key] for i in items]) for key, _, _ in ITEM_COLUMNS}
        per_soort[soort]["per_round"] = len(items) / len(service)
    summary = {
        "per_item_soort": per_soort,
        "latency_ms": med([r.latency_ms for r in service]),
        "worker_busy_ms": med([sum(t["wall_ms"] for t in r.extra["tasks"]) for r in service]),
        "tasks_per_round": med([len(r.extra["tasks"]) for r in service]),
        "outside_handlers_ms_per_task": med([t["outside_handlers_ms"] for r in service for t in r.extra["tasks"]]),
        "first_zgw_ms": med([r.extra["first_zgw_ms"] for r in service]),
        "last_upload_done_ms": med([r.extra["uploads_done_ms"][-1] for r in service]),
    }
    lines = [
        f"{LABELS[variant][:5].strip()} service path: the worker's outbox items (ms, median per item). wait = row "
        "inserted -> handler started",
        "(relay and queueing behind other items); db includes new connections (db conn); python = wall - http - db",
        f"{'item':<17} {'/round':>6} " + " ".join(f"{title:>7}" for _, title, _ in ITEM_COLUMNS),
    ]
    for soort, s in per_soort.items():
        values = " ".join(f"{s[key]:>7{fmt}}" for key, _, fmt in ITEM_COLUMNS)
        lines.append(f"{soort:<17} {s['per_round']:>6.0f} {values}")
    lines.append(
        f"per round (median): latency {summary['latency_ms']:.1f}; worker busy {summary['worker_busy_ms']:.1f} in "
        f"{summary['tasks_per_round']:.0f} Celery tasks, {summary['outside_handlers_ms_per_task']:.1f} per task "
        f"outside the handlers;"
    )
    lines.append(
        f"first ZGW answer at {summary['first_zgw_ms']:.1f}, 2nd upload accepted at "
        f"{summary['last_upload_done_ms']:.1f} (after the aanvraag's 201)"
    )
    return "\n".join(lines), summary


# --- main --------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30, help="measured rounds of every variant (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured rounds first (default 3)")
    parser.add_argument("--rounds-3", type=int, default=5, help="rounds with 3 voorzieningen (default 5)")
    parser.add_argument("--processes", type=int, default=3, help="worker processes of (aN), prefork (default 3)")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="gunicorn sync workers per stack (default 2)")
    parser.add_argument(
        "--latency",
        default="open-zaak",
        help="the sandbox's per-call latency: open-zaak (default: Open Zaak 1.30's medians), none, or "
        "'METHOD resource=seconds,...'",
    )
    parser.add_argument(
        "--uploads",
        choices=("inline", "sequential", "parallel"),
        default="inline",
        help="the client sends its 2 documents inside the aanvraag (default: `documenten`, base64), or after "
        "its 201 through POST /documenten one after the other or at once",
    )
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.25,
        help="before each round wait (up to 60 s) until other work keeps fewer cores busy than this "
        "(default 0.25; 0: do not wait)",
    )
    parser.add_argument("--poll-ms", type=float, default=5.0, help="database poll interval (default 5 ms)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a registration")
    parser.add_argument("--keep-data", action="store_true", help="keep the aanvragen this run stored")
    parser.add_argument("--record-sql", action="store_true", help="store the worker's SQL per task in the results")
    parser.add_argument("--label", default="", help="free text stored with the results")
    parser.add_argument(
        "--short", action="store_true", help="the short form for make bench: 24 rounds, 2 warm-up, 2 with 3 "
        "voorzieningen, each round waiting (up to 60 s) for a quiet machine (about 1-2 minutes)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the result (bench/README.md, the JSON contract) here")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of other code (e.g. `git worktree add /tmp/base <rev>` with .venv linked): a third "
        "stack runs it with one worker process, interleaved with the others, as (a1b)",
    )
    parser.add_argument("--worker-probe", type=Path, help=argparse.SUPPRESS)  # internal: run as the worker
    parser.add_argument("celery_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.short:
        # 24 rounds and a quiet machine per round: with 12 and no waiting, two runs 20 minutes apart gave
        # 1.04x and 1.17x (right after the intake benchmark); the aim has a 5 % margin.
        args.rounds, args.warmup, args.rounds_3, args.quiet = 24, 2, 2, 0.25
    # Every table needs rounds of each variant (--rounds-3 0 failed at the calls table, after the run).
    for name in ("rounds", "rounds_3"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.baseline is not None and not (args.baseline / "bench" / "registration.py").is_file():
        parser.error(f"--baseline {args.baseline}: not a checkout of this project (no bench/registration.py)")
    return args


def interleaved(rounds: int, variants: list[str]) -> Iterator[str]:
    """Every round runs each variant once, the order rotating, so drift on the machine hits all alike."""
    for index in range(rounds):
        shift = index % len(variants)
        yield from variants[shift:] + variants[:shift]


@dataclass
class Stack:
    """One service deployment: gunicorn and a Celery worker on a queue of their own (shared database)."""

    variant: str
    url: str
    probe: ProbeReader
    service: Service


def start_stack(
    variant: str,
    supervisor: Supervisor,
    env: dict[str, str],
    run_dir: Path,
    args: argparse.Namespace,
    pool: list[str],
    code: Path | None = None,
) -> tuple[str, ProbeReader]:
    """gunicorn and the worker of one variant, from this checkout or from `code` (the baseline)."""
    port = free_port()
    cwd: dict[str, Any] = {"cwd": code} if code is not None else {}
    script = (code / "bench" / "registration.py") if code is not None else Path(__file__).resolve()
    queue_env = {**env, "CELERY_TASK_DEFAULT_QUEUE": f"bench-registration-{variant}"}
    probe_file = run_dir / f"worker-probe-{variant}.jsonl"
    supervisor.spawn(
        f"gunicorn {variant}",
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn",
         "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.gunicorn_workers), "--worker-class", "sync", "--log-level", "warning"],
        log=run_dir / f"gunicorn-{variant}.log", env=queue_env, **cwd,
    )  # fmt: skip
    supervisor.spawn(
        f"celery worker {variant}",
        [sys.executable, str(script), "--worker-probe", str(probe_file), "--", *pool,
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle", "--purge"],
        log=run_dir / f"worker-{variant}.log", env=queue_env, **cwd,
    )  # fmt: skip
    return f"http://127.0.0.1:{port}", ProbeReader(probe_file)


def main() -> None:
    args = parse_args()
    if args.worker_probe:
        worker_main(args.worker_probe, args.celery_args)
        return
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            sys.exit(f"{name} is required (the benchmark runs against real PostgreSQL and Redis)")
    started_at, began_run = dt.datetime.now(dt.UTC), time.monotonic()
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    run_dir = RESULTS_DIR / f"registration-{stamp}"  # server logs and the probe files
    run_dir.mkdir(parents=True)
    ensure_database(os.environ["DATABASE_URL"])
    media_dir = Path(tempfile.mkdtemp(prefix="bench-registration-media-"))
    env = service_env(media_dir)
    if args.record_sql:
        env["BENCH_PROBE_SQL"] = "1"
    os.environ.update(env)
    LABELS["service_n"] = f"(a{args.processes}) service, {args.processes} worker processes"
    if args.baseline:
        revision = subprocess.run(
            ["git", "-C", str(args.baseline), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        ours = dict(LABELS)
        LABELS.clear()
        LABELS.update({k: v for k, v in ours.items() if k in SERVICES})
        LABELS[BASELINE] = f"(a1b) baseline {revision or args.baseline}, 1 worker process"
        LABELS.update({k: v for k, v in ours.items() if k not in SERVICES})

    import django

    django.setup()
    from django.core.management import call_command

    from regiekoppeling.demo import demo_setup
    from regiekoppeling.models import Gemeente
    from zaken.demo import zgw_configure
    from zaken.models import ZaakStrategie
    from zgw_sandbox import latency, start_sandbox

    print("migrate ...", flush=True)
    call_command("migrate", "--noinput", verbosity=0)
    demo = demo_setup(data_dir=run_dir)  # the admin password file stays in the (ignored) run dir
    credential = next(a for a in demo["applicaties"] if a["rol"] == "regie")
    print(f"leftovers of earlier runs deleted: {cleanup()}", flush=True)

    # Sandbox secrets for this run only; the service and the direct client each have their own id.
    sandbox = start_sandbox(
        clients={SERVICE_CLIENT: secrets.token_urlsafe(32), DIRECT_CLIENT: secrets.token_urlsafe(32)}
    )
    latencies = {} if args.latency == "none" else latency.parse(args.latency)
    sandbox.set_latency(latencies)
    conns = ConnectionCounter(sandbox)
    seed = sandbox.seed
    config = zgw_configure(
        gemeente=Gemeente.objects.get(code=demo["gemeente"]["code"]),
        base_url=sandbox.base_url,
        client_id=SERVICE_CLIENT,
        secret=sandbox.clients[SERVICE_CLIENT],
        catalogus=seed["catalogus"],
        bronorganisatie=seed["rsin"],
    )
    config.strategie = ZaakStrategie.PER_VOORZIENING  # one zaak per voorziening (the default)
    config.save(update_fields=["strategie"])
    print(f"sandbox on {sandbox.base_url}, latency {latencies or 'none'}", flush=True)
    print(f"catalogue cache emptied ({clear_zgw_cache()} keys)", flush=True)
    background = busy_cores()
    print(f"background load before the run: {background} busy cores of {os.cpu_count()}", flush=True)

    rounds: list[Round] = []
    call_rows: list[tuple[str, list[Round]]] = []
    # The launcher's Supervisor: each process in a session of its own, stopped (SIGTERM to the main
    # process, then SIGKILL to what is left of its group) at the end, output to a log file in run_dir.
    supervisor = Supervisor(env)
    try:
        pools = {"service_1": ["--pool=solo"], "service_n": ["--pool=prefork", f"--concurrency={args.processes}"]}
        if args.baseline:
            pools[BASELINE] = ["--pool=solo"]
        stacks: dict[str, Stack] = {}
        for variant, pool in pools.items():
            code = args.baseline.resolve() if variant == BASELINE else None
            url, probe = start_stack(variant, supervisor, env, run_dir, args, pool, code)
            stacks[variant] = Stack(variant, url, probe, Service(url, credential, demo["gemeente"]["code"], stamp))
        try:
            for stack in stacks.values():
                wait_for_http(f"{stack.url}/api/v1/aanvragen", supervisor)  # a 401 without a token: it answers

                def worker_ready(probe: ProbeReader = stack.probe) -> bool:
                    probe.poll()
                    return probe.ready

                wait_until(f"celery worker {stack.variant}", worker_ready, supervisor)
        except RuntimeError as exc:
            sys.exit(f"{exc}; see the logs in {run_dir}")
        print(
            f"two stacks, each gunicorn ({args.gunicorn_workers} sync workers) + a celery worker: solo, "
            f"and prefork with {args.processes} processes; uploads {args.uploads}",
            flush=True,
        )
        direct = Direct(sandbox)
        catalogue = direct.catalogue(seed)  # once: the direct client's catalogue cache
        direct.reset()

        def one(variant: str, voorzieningen: int, cache: str = "warm") -> Round:
            background, waited = wait_quiet(args.quiet) if args.quiet > 0 else (math.nan, 0.0)
            if variant in stacks:
                stack = stacks[variant]
                result = run_service(
                    variant, stack.service, sandbox, conns, stack.probe, args, voorzieningen=voorzieningen, cache=cache
                )
            else:
                parallel = variant == "direct_par"
                result = run_direct(direct, catalogue, sandbox, conns, voorzieningen=voorzieningen, parallel=parallel)
            if not result.registered:
                raise RuntimeError(f"{variant} round not fully registered: {result.extra.get('problems')}")
            result.background = background
            result.waited_s = waited
            return result

        # The first registration runs with an empty catalogue cache: its calls show the lookups.
        cold_1 = one("service_1", 1, cache="cold")
        for variant in interleaved(args.warmup, list(LABELS)):
            one(variant, 1)
        print(f"warm-up done; {args.rounds} measured rounds ...", flush=True)
        busy_before, began = machine_busy(), time.monotonic()
        for index, variant in enumerate(interleaved(args.rounds, list(LABELS))):
            rounds.append(one(variant, 1))
            if (index + 1) % (len(LABELS) * 5) == 0:
                print(f"  {(index + 1) // len(LABELS)} rounds", flush=True)
        busy_during = round((machine_busy() - busy_before) / (time.monotonic() - began), 2)

        cleared = clear_zgw_cache()
        cold_3 = one("service_1", 3, cache="cold")
        print(f"3 voorzieningen: cache emptied ({cleared} keys), {args.rounds_3} rounds ...", flush=True)
        for variant in interleaved(args.rounds_3, list(LABELS)):
            rounds.append(one(variant, 3))

        def measured(variant: str, voorzieningen: int) -> list[Round]:
            return [r for r in rounds if r.variant == variant and r.voorzieningen == voorzieningen]

        for n, cold in ((1, cold_1), (3, cold_3)):
            call_rows.append(("(a1) service, cold catalogue cache", [cold]))
            call_rows += [(f"{LABELS[v][:5].strip()} {v.replace('_', ' ')}", measured(v, n)) for v in LABELS]
    finally:
        supervisor.stop()
        sandbox.stop()
        if not args.keep_data:
            try:
                print(f"cleanup: {cleanup()} deleted", flush=True)
            except Exception as exc:  # noqa: BLE001 - report, but keep the measurements
                print(f"cleanup failed: {exc!r:.300}; the rows of this run start with {REFERENCE_PREFIX!r}")
        shutil.rmtree(media_dir, ignore_errors=True)
    background_after = busy_cores()

    table_1, summary_1 = latency_table(rounds, 1)
    table_3, summary_3 = latency_table(rounds, 3)
    table_calls, calls = calls_table(call_rows)
    items: dict[str, Any] = {}
    tables_items = []
    for variant in compared():
        table_items, items[variant] = breakdown_table(rounds, variant)
        tables_items.append(table_items)
    for table in (table_1, table_3, table_calls, *tables_items):
        print()
        print(table)
    print()
    machine_line = (
        f"machine: busy cores before the run {background}, during the measured rounds {busy_during} "
        f"(this benchmark included), after the run {background_after}, of {os.cpu_count()}"
    )
    print(machine_line)
    late = 0
    if args.quiet > 0:
        late = sum(1 for r in rounds if r.background > args.quiet)
        print(
            f"rounds waited {sum(r.waited_s for r in rounds):.0f} s in all for a quiet machine (< {args.quiet} "
            f"busy cores); {late} of {len(rounds)} started without one (60 s limit)"
        )
    if (args.quiet > 0 and late) or (args.quiet <= 0 and max(background, background_after) > 0.25):
        print("warning: other work was running on the machine; the numbers are pessimistic and noisier")

    output = RESULTS_DIR / f"registration-{stamp}.json"
    output.write_text(
        json.dumps(
            {
                "benchmark": "aanvraag accepted -> registered in the ZGW APIs, service vs direct",
                "when": stamp,
                "label": args.label,
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
                "config": {k: v for k, v in vars(args).items() if k not in ("worker_probe", "celery_args")},
                "latency": latencies,
                "machine": machine(),
                "git": git_revision(),
                "busy_cores": {"before": background, "during_measured_rounds": busy_during, "after": background_after},
                "summary": {"1": summary_1, "3": summary_3, "calls": calls, "service_items": items},
                "rounds": [asdict(r) for r in rounds],
                "cold_rounds": [asdict(cold_1), asdict(cold_3)],
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nresults: {output.relative_to(REPO)} (server logs and probes in {run_dir.relative_to(REPO)}/)")
    if args.json:
        contract = contract_json(
            args, started_at, time.monotonic() - began_run, rounds, summary_1, summary_3, calls, latencies,
            notes=[machine_line, f"uploads: {args.uploads}; details: {output.relative_to(REPO)}"],
        )  # fmt: skip
        args.json.write_text(json.dumps(contract, indent=2, default=str))
        print(f"contract JSON: {args.json}")


def critical_path_ms(latencies: dict[str, float]) -> float:
    """The longest chain of dependent writes (1 voorziening, 2 documents) at the sandbox's latencies."""

    def ms(key: str) -> float:
        return latencies.get(key, 0.0) * 1000

    zaak = ms("POST zaken")
    return max(
        zaak + ms("POST statussen"),
        zaak + ms("POST rollen"),
        max(zaak, ms("POST enkelvoudiginformatieobjecten")) + ms("POST zaakinformatieobjecten"),
    )


def contract_head(benchmark: str, title: str, started_at: dt.datetime, seconds: float) -> dict[str, Any]:
    """The first fields of a result in the shared contract (bench/README.md)."""
    module = Path(sys.argv[0]).stem
    return {
        "benchmark": benchmark,
        "title": title,
        "command": " ".join(["python", "-m", f"bench.{module}", *sys.argv[1:]]),
        "started": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(seconds, 1),
    }


def contract_json(
    args: argparse.Namespace, started_at: dt.datetime, seconds: float, rounds: list[Round],
    summary_1: dict[str, Any], summary_3: dict[str, Any], calls: list[dict[str, Any]],
    latencies: dict[str, float], notes: list[str],
) -> dict[str, Any]:  # fmt: skip
    """The result as bench/README.md's contract has it (collected by `make bench`)."""
    table_rows = []
    for n, summary in ((1, summary_1), (3, summary_3)):
        for variant in LABELS:
            if variant not in summary:
                continue
            ratio = summary[variant]["median"] / summary["direct_par"]["median"]
            table_rows.append(
                [n, LABELS[variant], summary[variant]["median"], summary[variant]["p90"], summary[variant]["n"],
                 round(ratio, 3)]
            )  # fmt: skip
    call_table = [
        [c["label"], c["voorzieningen"], c["get"], c["write"], round(c["get"] / c["voorzieningen"], 2),
         round(c["write"] / c["voorzieningen"], 2), c["seen_in_rounds"]]
        for c in calls
    ]  # fmt: skip
    aims = []
    for variant in SERVICES:
        ratio = summary_1[f"ratio_{variant}_direct_par"]["median"]
        aims.append(
            {
                "aim": f"{LABELS[variant].split(':')[0]}: 201 -> last ZGW write <= 1.05x the direct parallel path "
                "(1 voorziening, 2 documents, median)",
                "value": ratio,
                "unit": "x",
                "met": ratio <= 1.05,
            }
        )
    warm = [c for c in calls if c["label"].startswith("(a") and "cold" not in c["label"] and c["voorzieningen"] == 1]
    gets = max((c["get"] for c in warm), default=0)
    aims.append(
        {"aim": "no GET per aanvraag with a warm catalogue cache", "value": gets, "unit": "GET", "met": gets == 0}
    )
    per_round = {v: [r.latency_ms for r in rounds if r.variant == v and r.voorzieningen == 1] for v in LABELS}
    critical = round(critical_path_ms(latencies), 1)
    longest = max(len(v) for v in per_round.values())
    series = [{"label": LABELS[v], "x": list(range(1, len(ys) + 1)), "y": ys} for v, ys in per_round.items()]
    series.append({"label": "critical path (sum of the sandbox's latencies)", "x": [1, longest], "y": [critical] * 2})
    title = "Registration: from the 201 of POST /aanvragen to the last ZGW write, against Open Zaak's latencies"
    return {
        **contract_head("registration", title, started_at, seconds),
        "tables": [
            {
                "title": "Registration latency, rounds interleaved (ms; ratio = median / the direct parallel median)",
                "columns": ["voorzieningen", "variant", "median ms", "p90 ms", "rounds", "ratio to (c)"],
                "rows": table_rows,
            },
            {
                "title": "HTTP calls to the ZGW APIs per aanvraag (sandbox log; most common count over the rounds)",
                "columns": ["variant", "voorzieningen", "GET", "writes", "GET/vz", "writes/vz", "seen"],
                "rows": call_table,
            },
        ],
        "anchors": [
            {
                "what": "Open Zaak 1.30 call medians on 2 cores (the sandbox's latency)",
                "value": ", ".join(f"{k.split()[1]} {v * 1000:.0f} ms" for k, v in latencies.items()) or "none",
                "source": "issue 13",
            },
            {
                "what": "critical path of 1 voorziening + 2 documents at those latencies",
                "value": f"{critical} ms",
                "source": "computed from the latencies",
            },
            {
                "what": "before (real Open Zaak): service 1.66x the parallel path with one process, 1.18x with two",
                "value": "520 / 348 ms vs 294 ms",
                "source": "issue 13",
            },
        ],
        "aims": aims,
        "plots": [
            {
                "file": "registration_rounds.png",
                "title": "Registration time per round against the critical path (1 voorziening, 2 documents)",
                "xlabel": "round",
                "ylabel": "ms",
                "xscale": "linear",
                "yscale": "linear",
                "series": series,
            }
        ],
        "notes": notes,
    }


if __name__ == "__main__":
    main()
