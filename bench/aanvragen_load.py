#!/usr/bin/env python
"""Load benchmark: POST /api/v1/aanvragen against the service run as in production.

Starts gunicorn (`config.wsgi:application`, DEBUG off) against the PostgreSQL and Redis given by
DATABASE_URL and REDIS_URL, runs `migrate` and `demo_setup --json` first (for the regie credentials),
warms up, then loads `POST /api/v1/aanvragen` (3 ZIN voorzieningen per aanvraag, a different test
BSN per request) at each concurrency level. Every client is a thread with its own keep-alive
`requests.Session` and its own JWT. Prints a table, writes the results to bench/results/ and stops
gunicorn. See bench/README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regiekoppeling_bench \\
    REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/aanvragen_load.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import math
import os
import platform
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(REPO))

from devserver.launcher import Supervisor, wait_for_http  # noqa: E402 - needs the repository on sys.path
from regiekoppeling.tokens import make_token  # noqa: E402

ENDPOINT = "/api/v1/aanvragen"
# Products of the demo productenboek (WMO): (categorie, code).
PRODUCTS = [("02", "02A01"), ("07", "07A01"), ("01", "01A01")]


# --- test data ---------------------------------------------------------------------------------


def elfproef(bsn: str) -> bool:
    digits = [int(c) for c in bsn]
    total = sum(weight * d for weight, d in zip(range(9, 1, -1), digits[:8], strict=True)) - digits[8]
    return len(bsn) == 9 and total % 11 == 0


def valid_test_bsns() -> list[str]:
    """The official test range 999990000-999999999, only numbers that pass the elfproef (909)."""
    return [str(n) for n in range(999_990_000, 1_000_000_000) if elfproef(str(n))]


def aanvraag_body(bsn: str, reference: str, gemeente: str, start: dt.date) -> dict[str, Any]:
    # ZIN only: OP043 (PGB and ZIN of one product overlapping) cannot fire when a BSN comes round again.
    lines = [
        {
            "product": {"categorie": categorie, "code": code},
            "leveringsvorm": "ZIN",
            "omvang": {"volume": 2 + index, "eenheid": "04", "frequentie": "2"},
            "ingangsdatum": start.isoformat(),
            "einddatum": (start + dt.timedelta(days=364)).isoformat(),
        }
        for index, (categorie, code) in enumerate(PRODUCTS)
    ]
    return {
        "gemeente": gemeente,
        "wet": "WMO",
        "regieReferentie": reference,
        "client": {
            "bsn": bsn,
            "geboortedatum": "1950-01-01",
            "geslacht": "2",
            "voornamen": "Maria",
            "achternaam": "Bench",
        },
        "voorzieningen": lines,
    }


class BodySource:
    """Thread-safe supply of request bodies; the BSN changes on every request."""

    def __init__(self, gemeente: str, prefix: str) -> None:
        self.prefix = prefix  # marks this run's aanvragen and Idempotency-Keys, for the cleanup
        self._bsns = itertools.cycle(valid_test_bsns())
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._gemeente = gemeente
        self._start = dt.date.today() + dt.timedelta(days=30)

    def next(self) -> bytes:
        with self._lock:
            bsn, number = next(self._bsns), next(self._numbers)
        return json.dumps(aanvraag_body(bsn, f"{self.prefix}{number}", self._gemeente, self._start)).encode()

    def key(self) -> str:
        return f"{self.prefix}{uuid.uuid4()}"


# --- the server --------------------------------------------------------------------------------


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBUG"] = "0"  # production: no query log, no debug pages
    env.setdefault("LOG_LEVEL", "WARNING")
    if not env.get("SECRET_KEY"):
        env["ALLOW_DEV_SECRET"] = "1"
    return env


class ManageError(Exception):
    pass


def manage(*args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=server_env(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise ManageError(f"manage.py {args[0]} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


CLEANUP = """
from django.db import transaction
from regiekoppeling.models import Aanvraag, IdempotencyRecord, OutboxItem, Verwerking, Voorziening
with transaction.atomic():
    aanvragen = Aanvraag.objects.filter(regie_referentie__startswith={prefix!r})
    outbox = OutboxItem.objects.filter(aanvraag__in=aanvragen).delete()[0]
    Verwerking.objects.filter(aanvraag_uuid__in=aanvragen.values("uuid")).delete()  # the processing log
    count = aanvragen.count()
    aanvragen.delete()
    keys = IdempotencyRecord.objects.filter(key__startswith={prefix!r}).delete()[0]
# The next run starts from tables without this run's dead rows and with current statistics (the OP043
# check's plan depends on them): deleting a run's rows leaves both behind.
from django.db import connection
models = (Aanvraag, Voorziening, OutboxItem, Verwerking, IdempotencyRecord)
with connection.cursor() as cursor:
    cursor.execute("VACUUM (ANALYZE) " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))
print(count, outbox, keys)
"""


def cleanup(prefix: str) -> None:
    """Delete what this run stored, so the next run starts from the same database size (the OP043
    check reads every live voorziening of the client, and test BSNs come round again)."""
    try:
        aanvragen, outbox, keys = manage("shell", "-c", CLEANUP.format(prefix=prefix)).strip().splitlines()[-1].split()
        print(f"cleanup: {aanvragen} aanvragen, {outbox} outbox items, {keys} idempotency records deleted")
    except (ManageError, ValueError) as exc:
        last = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
        print(f"cleanup failed ({last}); the rows of this run start with {prefix!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(
    supervisor: Supervisor, *, workers: int, worker_class: str, threads: int, log: Path
) -> tuple[subprocess.Popen[str], str]:
    """gunicorn as a child of the launcher's Supervisor, which starts it in a session of its own (the
    CPU probe counts that process group) and stops the master, then the rest of the group. Server
    output (gunicorn and Django logging) goes to the log file, not between the results. Returns the
    master process and the base URL."""
    port = free_port()
    # The product's own configuration (config/gunicorn.py, as `make run` and a deployment start it):
    # its access log line per request is part of what a request costs.
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "-c", "python:config.gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", worker_class,
        "--threads", str(threads),
        "--log-level", "warning",
    ]  # fmt: skip
    return supervisor.spawn("gunicorn", command, log=log), f"http://127.0.0.1:{port}"


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Sample:
    latency: float
    status: int


@dataclass
class LevelResult:
    clients: int
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    # CPU milliseconds per request, by process group (the load generator shares the machine).
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    other_busy_cores: float = math.nan
    statuses: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


GROUPS = ("client", "gunicorn", "postgres", "redis")


@dataclass
class CpuSnapshot:
    processes: dict[int, tuple[str, float]]  # pid -> (group, CPU seconds so far)
    client: float
    machine: float


class CpuProbe:
    """CPU time of the load generator, gunicorn, PostgreSQL, Redis and the whole machine, from /proc.

    Counted per process, so a process that starts or ends during a level (another user's test run)
    cannot make a group negative. Only the processes that serve this benchmark count: gunicorn's
    process group, the PostgreSQL backends of the benchmark database, the Redis server on REDIS_URL's
    port.
    """

    def __init__(self, gunicorn_pgid: int, database: str, redis_port: int) -> None:
        self.gunicorn_pgid = gunicorn_pgid
        # Backends show "postgres: <user> <database> <host> <state>" as their command line.
        self.backend_marker = f" {database} "
        self.redis_marker = f":{redis_port}"

    def snapshot(self) -> CpuSnapshot:
        processes: dict[int, tuple[str, float]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                raw = stat.read_text()
                comm = raw[raw.index("(") + 1 : raw.rindex(")")]
                fields = raw[raw.rindex(")") + 2 :].split()
                if int(fields[2]) == self.gunicorn_pgid:
                    group = "gunicorn"
                elif comm == "postgres" and self.backend_marker in (stat.parent / "cmdline").read_text():
                    group = "postgres"
                elif comm.startswith("redis-server") and self.redis_marker in (stat.parent / "cmdline").read_text():
                    group = "redis"
                else:
                    continue
            except (OSError, ValueError):
                continue  # the process ended meanwhile
            processes[int(stat.parent.name)] = (group, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
        ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / CLOCK_TICKS  # all but idle and iowait
        return CpuSnapshot(processes=processes, client=time.process_time(), machine=busy)

    @staticmethod
    def used(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
        """CPU seconds per group between two snapshots."""
        used = dict.fromkeys(GROUPS, 0.0)
        used["client"] = after.client - before.client
        for pid, (group, seconds) in after.processes.items():
            used[group] += seconds - before.processes.get(pid, (group, 0.0))[1]
        used["machine"] = after.machine - before.machine
        return used


def busy_cores(seconds: float = 2.0) -> float:
    """Cores busy on the machine while this benchmark is idle: the background it competes with."""

    def busy() -> float:
        ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(ticks[:8]) - ticks[3] - ticks[4]) / CLOCK_TICKS

    before = busy()
    time.sleep(seconds)
    return round((busy() - before) / seconds, 2)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class RequestsPoster:
    """The first client: a keep-alive `requests.Session` (about 1 ms of CPU per request)."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.url = base_url + ENDPOINT
        self.session = requests.Session()
        self.session.headers.update(headers)

    def post(self, body: bytes, key: str) -> tuple[int, bytes]:
        response = self.session.post(self.url, data=body, headers={"Idempotency-Key": key}, timeout=30)
        return response.status_code, response.content

    def close(self) -> None:
        self.session.close()


class HttpClientPoster:
    """A lighter client: `http.client` on one connection, reopened when the server closes it (gunicorn's
    sync worker answers `Connection: close`). The request is the same; the client's own CPU is less."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parsed = urlparse(base_url)
        self.connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=30)
        self.headers = headers

    def post(self, body: bytes, key: str) -> tuple[int, bytes]:
        headers = {**self.headers, "Idempotency-Key": key, "Content-Length": str(len(body))}
        try:
            return self._post(body, headers)
        except ConnectionError:  # a kept-alive connection the server closed meanwhile: once more, same key
            self.connection.close()
            return self._post(body, headers)

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        self.connection.request("POST", ENDPOINT, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        if response.will_close:
            self.connection.close()
        return response.status, content

    def close(self) -> None:
        self.connection.close()


CLIENTS: dict[str, type[HttpClientPoster] | type[RequestsPoster]] = {
    "http.client": HttpClientPoster,
    "requests": RequestsPoster,
}


def client_loop(
    *,
    base_url: str,
    credential: dict[str, str],
    bodies: BodySource,
    start: threading.Barrier,
    deadline: list[float],
    max_requests: int | None,
    samples: list[Sample],
    errors: list[str],
    client: str,
) -> None:
    token = make_token(credential["clientId"], credential["secret"])  # fresh JWT per client
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
    poster = CLIENTS[client](base_url, headers)
    start.wait()
    done = 0
    while time.perf_counter() < deadline[0] and (max_requests is None or done < max_requests):
        body, key = bodies.next(), bodies.key()
        began = time.perf_counter()
        try:
            status, content = poster.post(body, key)
            if status != 201 and len(errors) < 5:
                errors.append(f"{status} {content[:300].decode(errors='replace')}")
        except (OSError, http.client.HTTPException, requests.RequestException) as exc:
            status = 0
            if len(errors) < 5:
                errors.append(f"{type(exc).__name__}: {exc}")
        samples.append(Sample(time.perf_counter() - began, status))
        done += 1
    poster.close()


def run_level(
    *,
    base_url: str,
    credential: dict[str, str],
    bodies: BodySource,
    clients: int,
    duration: float,
    total: int | None,
    probe: CpuProbe,
    client: str,
) -> LevelResult:
    samples: list[Sample] = []  # list.append is atomic under the GIL
    errors: list[str] = []
    start = threading.Barrier(clients + 1)
    deadline = [math.inf]
    per_client = math.ceil(total / clients) if total else None
    threads = [
        threading.Thread(
            target=client_loop,
            kwargs={
                "base_url": base_url,
                "credential": credential,
                "bodies": bodies,
                "start": start,
                "deadline": deadline,
                "max_requests": per_client,
                "samples": samples,
                "errors": errors,
                "client": client,
            },
            daemon=True,
        )
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    cpu_before = probe.snapshot()
    deadline[0] = time.perf_counter() + (duration if total is None else 3600.0)
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    used = CpuProbe.used(cpu_before, probe.snapshot())

    ok = sorted(s.latency * 1000 for s in samples if s.status == 201)
    statuses: dict[str, int] = {}
    for s in samples:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    return LevelResult(
        clients=clients,
        requests=len(samples),
        errors=sum(1 for s in samples if s.status != 201),
        seconds=round(seconds, 3),
        requests_per_second=round(len(samples) / seconds, 1) if seconds else 0.0,
        p50_ms=round(percentile(ok, 50), 1),
        p95_ms=round(percentile(ok, 95), 1),
        p99_ms=round(percentile(ok, 99), 1),
        max_ms=round(ok[-1], 1) if ok else math.nan,
        cpu_ms_per_request={k: round(v * 1000 / len(samples), 2) for k, v in used.items()} if samples else {},
        # Cores busy with anything but our processes (kernel networking, other users): a noise indicator.
        other_busy_cores=round((used["machine"] - sum(used[g] for g in GROUPS)) / seconds, 2),
        statuses=statuses,
        error_examples=errors,
    )


# --- reporting ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else None
    except Exception as exc:  # noqa: BLE001 - informational only
        info["postgresql"] = f"unknown ({type(exc).__name__})"
    try:
        import redis

        info["redis"] = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).info("server")["redis_version"]
    except Exception as exc:  # noqa: BLE001 - informational only
        info["redis"] = f"unknown ({type(exc).__name__})"
    info["hypervisor"] = "yes" if "hypervisor" in Path("/proc/cpuinfo").read_text() else "no"
    return info


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' (uncommitted changes)' if dirty else ''}"


def table(results: list[LevelResult]) -> str:
    head = f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    rows = [
        f"{r.clients:>7} {r.requests:>8} {r.errors:>6} {r.requests_per_second:>7.1f} "
        f"{r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.p99_ms:>7.1f}"
        for r in results
    ]
    return "\n".join([head, *rows])


def cpu_table(results: list[LevelResult]) -> str:
    names = ["client", "gunicorn", "postgres", "redis", "machine"]
    head = f"{'clients':>7} " + " ".join(f"{n:>9}" for n in names) + f" {'other cores':>11}"
    rows = [
        f"{r.clients:>7} "
        + " ".join(f"{r.cpu_ms_per_request.get(n, math.nan):>9.2f}" for n in names)
        + f" {r.other_busy_cores:>11.2f}"
        for r in results
    ]
    return "\n".join([head, *rows])


def parse_args() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,8,32", help="comma-separated client counts (default 1,8,32)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level (default 10)")
    parser.add_argument(
        "--requests", type=int, default=None, help="requests per level instead of a duration (split over the clients)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds, not measured (default 3)")
    parser.add_argument(
        "--workers", type=int, default=2 * cores + 1, help=f"gunicorn workers (default 2*cores+1 = {2 * cores + 1})"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (default 1)")
    parser.add_argument("--skip-setup", action="store_true", help="do not run migrate (demo_setup always runs)")
    parser.add_argument("--keep-data", action="store_true", help="keep the aanvragen this run stored")
    parser.add_argument("--label", default="", help="free text stored with the results")
    parser.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="http.client",
        help="load generator per client (default http.client)",
    )
    parser.add_argument(
        "--short", action="store_true", help=f"short form for `make bench`: {SHORT_DURATION:g} s per level, same levels"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the result in the bench contract here")
    args = parser.parse_args()
    if args.short:
        args.duration, args.warmup = SHORT_DURATION, SHORT_WARMUP
    return args


# --short: the same levels (1, 8, 32 clients) and body, shorter: the whole run well within ~4 minutes.
SHORT_DURATION = 6.0
SHORT_WARMUP = 2.0
AIM_MS = 50.0  # p95 at 8 clients (issue 13)
AIM_CLIENTS = 8
ANCHORS = [
    {"what": "Open Zaak 1.30 POST /zaken at 8 clients (gunicorn 3 workers, same kind of machine)",
     "value": "26.8/s, p95 392 ms", "source": "issue 13"},
    {"what": "this endpoint before issue 13 at 8 clients (e83e070, 3 lines)",
     "value": "97.8/s, p50 80 ms, p95 115 ms; 15-21 ms CPU per request", "source": "issue 13, bench/README.md"},
]  # fmt: skip


def contract(
    args: argparse.Namespace, results: list[LevelResult], *, started: dt.datetime, background: float
) -> dict[str, Any]:
    """The result in the shared bench contract (bench/README.md): tables, anchors, the aim, a plot."""
    at_aim = next((r for r in results if r.clients == AIM_CLIENTS), None)
    p95 = at_aim.p95_ms if at_aim is not None else math.nan
    names = ["client", "gunicorn", "postgres", "redis", "machine"]
    return {
        "benchmark": "intake",
        "title": "POST /api/v1/aanvragen (3 voorzieningen) under load",
        "command": " ".join(["python -m bench.aanvragen_load", *sys.argv[1:]]),
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "tables": [
            {
                "title": "Latency of 201 responses, measured in the client (closed loop)",
                "columns": ["clients", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"],
                "rows": [
                    [r.clients, r.requests, r.errors, r.requests_per_second, r.p50_ms, r.p95_ms, r.p99_ms]
                    for r in results
                ],
            },
            {
                "title": "CPU milliseconds per request (machine = all cores); other cores = busy with anything else",
                "columns": ["clients", *names, "other cores"],
                "rows": [
                    [r.clients, *(r.cpu_ms_per_request.get(n, math.nan) for n in names), r.other_busy_cores]
                    for r in results
                ],
            },
        ],
        "anchors": ANCHORS,
        "aims": [
            {
                "aim": f"p95 < {AIM_MS:g} ms at {AIM_CLIENTS} clients",
                "value": p95,
                "unit": "ms",
                "met": bool(at_aim is not None and at_aim.errors == 0 and p95 < AIM_MS),
            }
        ],
        "plots": [
            {
                "file": "intake_latency.png",
                "title": "POST /aanvragen: latency against concurrency",
                "xlabel": "clients",
                "ylabel": "ms",
                "xscale": "linear",
                "yscale": "linear",
                "series": [
                    {"label": label, "x": [r.clients for r in results], "y": [getattr(r, field) for r in results]}
                    for label, field in (("p50", "p50_ms"), ("p95", "p95_ms"))
                ],
            }
        ],
        "notes": [
            f"gunicorn {args.workers} workers ({args.worker_class}, {args.threads} thread(s)); client {args.client}; "
            f"{args.duration:g} s per level after {args.warmup:g} s warm-up",
            f"background before the run: {background} busy cores of {os.cpu_count()} "
            "(a run with 'other cores' above ~0.1 was disturbed: latency is then pessimistic, CPU per request less so)",
            "load generator, gunicorn, PostgreSQL and Redis share the same cores",
        ],
    }


def main() -> None:
    started = dt.datetime.now(dt.UTC)
    revision = git_revision()  # the code that runs: read before, not after a run that may take minutes
    args = parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            sys.exit(f"{name} is required (the benchmark runs against real PostgreSQL and Redis)")
    levels = [int(x) for x in args.levels.split(",") if x.strip()]

    try:
        if not args.skip_setup:
            print("migrate ...", flush=True)
            manage("migrate", "--noinput")
        demo = json.loads(manage("demo_setup", "--json"))
    except ManageError as exc:
        sys.exit(str(exc))
    credential = next(a for a in demo["applicaties"] if a["rol"] == "regie")
    background = busy_cores()
    print(f"background load before the run: {background} busy cores of {os.cpu_count()}", flush=True)
    if background > 0.25:
        print("warning: the machine is busy with other work; the numbers below will be pessimistic", flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    bodies = BodySource(demo["gemeente"]["code"], prefix=f"bench-{stamp}-")
    log = RESULTS_DIR / f"gunicorn-{stamp}.log"
    supervisor = Supervisor(server_env())
    try:
        gunicorn, base_url = start_gunicorn(
            supervisor, workers=args.workers, worker_class=args.worker_class, threads=args.threads, log=log
        )
        try:
            wait_for_http(base_url + ENDPOINT, supervisor)  # unauthenticated: a cheap 401 proves a worker answers
        except RuntimeError as exc:
            sys.exit(f"{exc}; see {log}")
        probe = CpuProbe(
            gunicorn.pid,
            database=urlparse(os.environ["DATABASE_URL"]).path.lstrip("/"),
            redis_port=urlparse(os.environ["REDIS_URL"]).port or 6379,
        )
        print(
            f"gunicorn (pid {gunicorn.pid}) on {base_url}: "
            f"{args.workers} workers ({args.worker_class}, {args.threads} thread(s))",
            flush=True,
        )
        if args.warmup > 0:
            warm = run_level(
                base_url=base_url,
                credential=credential,
                bodies=bodies,
                clients=max(levels),
                duration=args.warmup,
                total=None,
                probe=probe,
                client=args.client,
            )
            print(f"warm-up: {warm.requests} requests, {warm.errors} errors", flush=True)
            if warm.errors:
                print("\n".join(warm.error_examples), flush=True)
            if warm.requests and warm.errors == warm.requests:
                sys.exit(f"every warm-up request failed: nothing to measure (server log: {log})")
        results = []
        for clients in levels:
            result = run_level(
                base_url=base_url,
                credential=credential,
                bodies=bodies,
                clients=clients,
                duration=args.duration,
                total=args.requests,
                probe=probe,
                client=args.client,
            )
            results.append(result)
            print(
                f"{clients} clients: {result.requests} requests, {result.errors} errors, "
                f"{result.requests_per_second} req/s, p95 {result.p95_ms} ms",
                flush=True,
            )
            for example in result.error_examples:
                print(f"  error: {example}", flush=True)
    finally:
        supervisor.stop()
        if not args.keep_data:
            cleanup(bodies.prefix)

    print()
    print(table(results))
    print()
    print("CPU milliseconds per request (machine = all cores busy); other cores = busy with anything else:")
    print(cpu_table(results))
    output = RESULTS_DIR / f"aanvragen_load-{stamp}.json"
    output.write_text(
        json.dumps(
            {
                "benchmark": "POST /api/v1/aanvragen, 3 ZIN voorzieningen",
                "when": stamp,
                "label": args.label,
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
                "config": {
                    "levels": levels,
                    "duration_s": args.duration,
                    "requests_per_level": args.requests,
                    "warmup_s": args.warmup,
                    "workers": args.workers,
                    "worker_class": args.worker_class,
                    "threads": args.threads,
                    "client": args.client,
                },
                "machine": machine(),
                "git": revision,
                "background_busy_cores_before": background,
                "latency_note": "percentiles over 201 responses, measured in the client (nearest rank)",
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    print(f"\nresults: {output.relative_to(REPO)}")
    if args.json is not None:
        args.json.write_text(json.dumps(contract(args, results, started=started, background=background), indent=2))
        print(f"contract: {args.json}")


if __name__ == "__main__":
    main()
