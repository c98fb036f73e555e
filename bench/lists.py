#!/usr/bin/env python
"""Lists at a million: the backoffice's `GET /voorzieningen`, `GET /aanvragen` and its berichten feed
with 1,000,000 voorzieningen in the database, over real HTTP against gunicorn. See bench/README.md.

1. Loads (bulk SQL, `INSERT ... SELECT generate_series`) 333,334 aanvragen with 1-5 voorzieningen each
   (1,000,004), over 4 gemeenten with a regieapplicatie each; one backoffice serves 2 of them (60 %
   of the rows); a mix of statuses, three years of dates, BSNs of the test range; per aanvraag one
   outbox item and a bericht in the backoffice's feed. `--skip-load` keeps what an earlier run loaded.
2. The planner with and without statistics of the configuration tables (gemeenten, applicaties and
   their relation): the list queries EXPLAINed with those statistics removed, as on a fresh
   deployment where autovacuum never analysed them, and after `configuration_analyse()`.
3. Per case (first page, `status`, `gewijzigdVanaf`, a deep page, the feed) and per level (1 and 8
   clients, closed loop, keep-alive sessions): p50 and p95 in the client; the queries of each case
   (in process, the same view) with EXPLAIN (ANALYZE, BUFFERS) of the slowest list query.
4. The processing log's share: a read's `verwerkingen_log_reads` for 100 objects, with and without
   the subjects in hand.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regiekoppeling_lists \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python -m bench.lists
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import math
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import requests

REPO = Path(__file__).resolve().parent.parent
# The other benchmarks are imported by their names, as bench/status_sync.py does (bench/ is no package).
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from aanvragen_load import (  # noqa: E402 - needs bench/ on sys.path
    RESULTS_DIR,
    CpuProbe,
    busy_cores,
    git_revision,
    machine,
    percentile,
    server_env,
    start_gunicorn,
    valid_test_bsns,
)
from registration import ensure_database  # noqa: E402

from devserver.launcher import Supervisor, wait_for_http  # noqa: E402

PREFIX = "bench-l-"
# Gemeenten (CBS code, share of the aanvragen in twentieths); the backoffice serves the first two.
GEMEENTEN = [("0363", 8), ("0518", 4), ("0599", 5), ("0344", 3)]
BACKOFFICE_GEMEENTEN = ["0363", "0518"]
# Status of a voorziening (and of an aanvraag), in twentieths: most are decided and running.
STATUS_MIX = (
    ["ontvangen"] * 1 + ["in_behandeling"] * 1 + ["toegekend"] * 5 + ["afgewezen"] * 1 + ["ingetrokken"] * 1
    + ["toegewezen"] * 4 + ["in_levering"] * 5 + ["beeindigd"] * 2
)  # fmt: skip
RARE_STATUS = "in_onderzoek"  # a handful, set on every 1000th line


# --- Django in this process (loading, EXPLAIN, the logboek measurement) ----------------------------


def require_environment() -> None:
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing:
        sys.exit(f"{' and '.join(missing)} required: a PostgreSQL database and a Redis database of this bench's own")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for key, value in server_env().items():
        os.environ.setdefault(key, value)
    import django

    django.setup()


def insert_select(model: Any, exprs: dict[str, str], source: str, params: dict[str, Any]) -> int:
    """INSERT INTO <model's table> (every column) SELECT <exprs> FROM <source>: columns not in `exprs`
    get their model default as a parameter, so a column added later does not break the loader."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in exprs:
            values.append(exprs[field.name])
            continue
        if not field.has_default() and not field.null:
            raise RuntimeError(f"{model.__name__}.{field.name}: no default, give an expression")
        key = f"default_{field.column}"
        params[key] = field.get_db_prep_save(field.get_default(), connection)
        values.append(f"%({key})s")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


@dataclass
class Party:
    client_id: str
    secret: str
    applicatie_id: int


def ensure_party(naam: str, rol: str, codes: list[str]) -> Party:
    """An application of the bench with a fresh secret (rotated when it exists from an earlier run)."""
    from regiekoppeling import credentials
    from regiekoppeling.models import Credential

    onboarded = credentials.applicatie_create(naam=naam, rol=rol, gemeente_codes=codes, client_id=naam)
    if onboarded.secret is None:
        Credential.objects.filter(applicatie=onboarded.credential.applicatie).exclude(
            pk=onboarded.credential.pk
        ).delete()
        onboarded.credential.client_id = f"{naam}-old-{time.time_ns()}"
        onboarded.credential.save(update_fields=["client_id"])
        made = credentials.credential_create(applicatie=onboarded.credential.applicatie, client_id=naam)
        return Party(naam, made.secret, onboarded.credential.applicatie_id)
    return Party(naam, onboarded.secret, onboarded.credential.applicatie_id)


def load(aanvragen: int) -> dict[str, Any]:
    """The million, by bulk SQL; returns counts and seconds."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from regiekoppeling import credentials
    from regiekoppeling.models import Aanvraag, Bericht, Gemeente, OutboxItem, Product, Verwerking, Voorziening

    call_command("demo_setup", stdout=io.StringIO())  # it prints the demo secrets
    for code, _ in GEMEENTEN:
        credentials.gemeente_create(code=code, naam=f"Gemeente {code}")
    regies = {code: ensure_party(f"bench-lists-regie-{code}", "regie", [code]) for code, _ in GEMEENTEN}
    ensure_party("bench-lists-backoffice", "backoffice", BACKOFFICE_GEMEENTEN)
    ids = dict(Gemeente.objects.filter(code__in=[c for c, _ in GEMEENTEN]).values_list("code", "pk"))
    per_twentieth = [code for code, share in GEMEENTEN for _ in range(share)]
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True)[:20])
    if not products:
        raise RuntimeError("no products: demo_setup made no productenboek")
    began = time.perf_counter()
    with connection.cursor() as cursor:
        tables = [m._meta.db_table for m in (Aanvraag, OutboxItem, Bericht, Verwerking)]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    truncated = time.perf_counter() - began
    params: dict[str, Any] = {
        "n": aanvragen,
        "prefix": PREFIX,
        "gemeenten": [ids[c] for c in per_twentieth],
        "regies": [regies[c].applicatie_id for c in per_twentieth],
        "bsns": valid_test_bsns(),
        "statuses": STATUS_MIX,
        "products": products,
    }
    steps: dict[str, float] = {}
    big = [m._meta.db_table for m in (Aanvraag, Voorziening, OutboxItem, Bericht)]
    with transaction.atomic(), without_secondary_indexes(big, steps):
        fast_bulk_session()
        t = time.perf_counter()
        age = "(interval '1095 days' * (1 - g::float8 / %(n)s))"
        insert_select(
            Aanvraag,
            {
                "uuid": "gen_random_uuid()",
                "gemeente": "(%(gemeenten)s::int[])[g %% 20 + 1]",
                "wet": "CASE WHEN g %% 4 = 0 THEN 'JW' ELSE 'WMO' END",
                "indiener": "(%(regies)s::int[])[g %% 20 + 1]",
                "regie_referentie": "%(prefix)s || g",
                "client_bsn": "(%(bsns)s::text[])[g %% cardinality(%(bsns)s::text[]) + 1]",
                "client_geboortedatum": "date '1940-01-01' + (g %% 29000)",
                "client_geslacht": "CASE WHEN g %% 2 = 0 THEN '1' ELSE '2' END",
                "client_achternaam": "'Achternaam ' || (g %% 997)",
                "status": "(%(statuses)s::text[])[(g * 7) %% 20 + 1]",
                "aangemaakt_op": f"now() - {age}",
                # Most were last changed within two months of their creation; every 200th today.
                "gewijzigd_op": (
                    f"CASE WHEN g %% 200 = 0 THEN now() - (g %% 1440) * interval '1 minute' "
                    f"ELSE LEAST(now(), now() - {age} + (g %% 60) * interval '1 day') END"
                ),
            },
            "generate_series(1, %(n)s) AS g",
            params,
        )
        steps["aanvragen"] = time.perf_counter() - t
        t = time.perf_counter()
        insert_select(
            Voorziening,
            {
                "uuid": "gen_random_uuid()",
                "aanvraag": "a.id",
                "volgnummer": "v.n",
                "product": "(%(products)s::int[])[(a.id + v.n) %% cardinality(%(products)s::int[]) + 1]",
                "leveringsvorm": "CASE WHEN (a.id + v.n) %% 7 = 0 THEN 'PGB' ELSE 'ZIN' END",
                "omvang_volume": "CASE WHEN (a.id + v.n) %% 7 = 0 THEN NULL ELSE 1 + (a.id %% 12) END",
                "omvang_eenheid": "CASE WHEN (a.id + v.n) %% 7 = 0 THEN '' ELSE '04' END",
                "omvang_frequentie": "CASE WHEN (a.id + v.n) %% 7 = 0 THEN '' ELSE '2' END",
                "pgb_bedrag": "CASE WHEN (a.id + v.n) %% 7 = 0 THEN 100000 + a.id %% 500000 END",
                "pgb_basis": "CASE WHEN (a.id + v.n) %% 7 = 0 THEN 'per_jaar' ELSE '' END",
                "ingangsdatum": "a.aangemaakt_op::date + 14",
                "einddatum": "a.aangemaakt_op::date + 379",
                "status": (
                    f"CASE WHEN (a.id * 5 + v.n) %% 1000 = 0 THEN '{RARE_STATUS}' "
                    "ELSE (%(statuses)s::text[])[(a.id * 7 + v.n) %% 20 + 1] END"
                ),
                "zaak_url": "'https://zaken.example.nl/zaken/api/v1/zaken/' || a.uuid || '-' || v.n",
                "zaak_identificatie": "'ZAAK-' || a.id || '-' || v.n",
                "zaakstatus": "'Ontvangen'",
                "zaak_toestand": "'open'",
                "registratie": "'geregistreerd'",
                "aangemaakt_op": "a.aangemaakt_op",
                "gewijzigd_op": "a.gewijzigd_op",
            },
            f"{Aanvraag._meta.db_table} a CROSS JOIN LATERAL generate_series(1, 1 + a.id %% 5) AS v(n)",
            params,
        )
        steps["voorzieningen"] = time.perf_counter() - t
        t = time.perf_counter()
        insert_select(
            OutboxItem,
            {
                "uuid": "gen_random_uuid()",
                "handler": "'bericht'",
                "aanvraag": "a.id",
                "payload": "jsonb_build_object('aanvraag', a.uuid)",
                "state": "'done'",
                "attempts": "1",
                "next_attempt_at": "a.aangemaakt_op",
                "created_at": "a.aangemaakt_op",
                "updated_at": "a.aangemaakt_op",
            },
            f"{Aanvraag._meta.db_table} a",
            params,
        )
        steps["outbox items"] = time.perf_counter() - t
        t = time.perf_counter()
        params["backoffice_gemeenten"] = [ids[c] for c in BACKOFFICE_GEMEENTEN]
        params["backoffice"] = ensure_backoffice_id()
        insert_select(
            Bericht,
            {
                "uuid": "gen_random_uuid()",
                "ontvanger": "%(backoffice)s",
                "bron": "o.id",
                "aanvraag": "a.id",
                "kanaal": "'aanvragen'",
                "hoofd_object": "'https://regiekoppeling.example.nl/api/v1/aanvragen/' || a.uuid",
                "resource": "'aanvraag'",
                "resource_url": "'https://regiekoppeling.example.nl/api/v1/aanvragen/' || a.uuid",
                "actie": "'create'",
                "aanmaakdatum": "a.aangemaakt_op",
                "kenmerken": "jsonb_build_object('gemeente', '0363', 'wet', a.wet)",
                "gebeurtenis": "'aanvraag_ontvangen'",
            },
            f"{Aanvraag._meta.db_table} a JOIN {OutboxItem._meta.db_table} o ON o.aanvraag_id = a.id "
            "WHERE a.gemeente_id = ANY(%(backoffice_gemeenten)s::int[]) ORDER BY a.id",
            params,
        )
        steps["berichten"] = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}, {Voorziening._meta.db_table}")
    steps["VACUUM ANALYZE"] = time.perf_counter() - t
    counts = {m.__name__: m.objects.count() for m in (Aanvraag, Voorziening, OutboxItem, Bericht)}
    return {"counts": counts, "truncate_s": round(truncated, 2), "steps_s": {k: round(v, 1) for k, v in steps.items()}}


def fast_bulk_session() -> None:
    """Settings of this transaction for a bulk load: no fsync wait at commit, room to sort, and (as a
    superuser, which the bench database's owner is on a development machine) no foreign-key trigger
    per row: the loader's rows reference each other by construction, and the deferred checks of a
    million rows cost a minute at COMMIT."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception as exc:  # noqa: BLE001 - not a superuser: load with the checks, only slower
            print(f"foreign keys checked while loading ({type(exc).__name__})", flush=True)


@contextlib.contextmanager
def without_secondary_indexes(tables: list[str], steps: dict[str, float]) -> Iterator[None]:
    """Drop the plain indexes of `tables` (not the primary keys or unique constraints) for the load and
    build them again afterwards: one sort per index instead of a million insertions into each."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.tablename = ANY(%s) AND NOT x.indisprimary AND NOT x.indisunique",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
    steps[f"{len(indexes)} indexes built"] = time.perf_counter() - began


def ensure_backoffice_id() -> int:
    from regiekoppeling.models import Credential

    return int(Credential.objects.get(client_id="bench-lists-backoffice").applicatie_id)


# --- statistics of the configuration tables --------------------------------------------------------


def forget_configuration_statistics() -> None:
    """As on a fresh deployment: the configuration tables never analysed (reltuples -1, no column
    statistics). Needs a superuser (the bench database's owner on a development machine)."""
    from django.db import connection

    from regiekoppeling.planner_stats import configuration_tables

    with connection.cursor() as cursor:
        oids = [f"'{table}'::regclass" for table in configuration_tables()]
        cursor.execute(f"DELETE FROM pg_statistic WHERE starelid IN ({', '.join(oids)})")
        cursor.execute(f"UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid IN ({', '.join(oids)})")


# --- the cases -------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    path: str
    params: dict[str, str]


def cases(backoffice: Party) -> list[Case]:
    """Each list the backoffice reads, with a deep page 100,000 rows in (the old page 1000)."""
    from django.db import connection

    from regiekoppeling.api.pagination import encode_cursor
    from regiekoppeling.models import Aanvraag, Bericht, Voorziening

    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    gemeenten = BACKOFFICE_GEMEENTEN
    with connection.cursor() as cursor:
        # The id the client would hold as its cursor after 1000 pages of 100.
        cursor.execute(
            f"SELECT v.id FROM {Voorziening._meta.db_table} v JOIN {Aanvraag._meta.db_table} a ON a.id = v.aanvraag_id "
            "JOIN regiekoppeling_gemeente g ON g.id = a.gemeente_id WHERE g.code = ANY(%s) "
            "ORDER BY v.id DESC OFFSET 100000 LIMIT 1",
            [gemeenten],
        )
        deep_voorziening = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT a.id FROM {Aanvraag._meta.db_table} a JOIN regiekoppeling_gemeente g ON g.id = a.gemeente_id "
            "WHERE g.code = ANY(%s) ORDER BY a.id DESC OFFSET 100000 LIMIT 1",
            [gemeenten],
        )
        deep_aanvraag = cursor.fetchone()[0]
    feed = Bericht.objects.filter(ontvanger_id=backoffice.applicatie_id).order_by("id").values_list("id", flat=True)
    deep_bericht = feed[100000] if feed.count() > 100000 else feed.last()
    if deep_bericht is None:
        raise RuntimeError("the backoffice's feed is empty: load the data first (without --skip-load)")
    page = {"pageSize": "100"}
    return [
        Case("voorzieningen first page", "/api/v1/voorzieningen", page),
        Case("voorzieningen status=toegekend", "/api/v1/voorzieningen", {**page, "status": "toegekend"}),
        Case(f"voorzieningen status={RARE_STATUS}", "/api/v1/voorzieningen", {**page, "status": RARE_STATUS}),
        Case("voorzieningen gewijzigdVanaf 1 day", "/api/v1/voorzieningen", {**page, "gewijzigdVanaf": since}),
        Case("voorzieningen deep (100,000 in)", "/api/v1/voorzieningen", {**page, "cursor": encode_cursor(deep_voorziening, reader=backoffice.applicatie_id)}),
        Case("aanvragen first page", "/api/v1/aanvragen", page),
        Case("aanvragen status=toegekend", "/api/v1/aanvragen", {**page, "status": "toegekend"}),
        Case("aanvragen gewijzigdVanaf 1 day", "/api/v1/aanvragen", {**page, "gewijzigdVanaf": since}),
        Case("aanvragen deep (100,000 in)", "/api/v1/aanvragen", {**page, "cursor": encode_cursor(deep_aanvraag, reader=backoffice.applicatie_id)}),
        Case("berichten feed start", "/api/v1/berichten", page),
        Case("berichten feed 100,000 in", "/api/v1/berichten", {**page, "cursor": encode_cursor(deep_bericht, reader=backoffice.applicatie_id)}),
    ]  # fmt: skip


def token_for(party: Party) -> str:
    from regiekoppeling.tokens import make_token

    return make_token(party.client_id, party.secret)


@dataclass
class Measured:
    case: str
    clients: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    rows: int
    cpu_ms: dict[str, float]


def run_case(base_url: str, party: Party, case: Case, clients: int, seconds: float, probe: CpuProbe) -> Measured:
    url = f"{base_url}{case.path}?{urlencode(case.params)}"
    latencies: list[float] = []
    errors: list[str] = []
    rows: list[int] = []
    start = threading.Barrier(clients + 1)
    deadline = [math.inf]

    def loop() -> None:
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {token_for(party)}", "Accept": "application/json"})
        start.wait()
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            response = session.get(url, timeout=60)
            elapsed = time.perf_counter() - began
            if response.status_code == 200:
                latencies.append(elapsed * 1000)
                if not rows:
                    rows.append(len(response.json()["results"]))
            elif len(errors) < 3:
                errors.append(f"{response.status_code} {response.text[:200]}")
            else:
                errors.append("")
        session.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    before = probe.snapshot()
    deadline[0] = time.perf_counter() + seconds
    start.wait()
    for thread in threads:
        thread.join()
    used = CpuProbe.used(before, probe.snapshot())
    ok = sorted(latencies)
    count = len(ok) + len(errors)
    for example in [e for e in errors if e][:3]:
        print(f"  error: {example}", flush=True)
    return Measured(
        case=case.name,
        clients=clients,
        requests=count,
        errors=len(errors),
        p50_ms=round(percentile(ok, 50), 1),
        p95_ms=round(percentile(ok, 95), 1),
        rows=rows[0] if rows else 0,
        cpu_ms={k: round(v * 1000 / count, 2) for k, v in used.items()} if count else {},
    )


# --- in process: the queries of a case, EXPLAINed ------------------------------------------------


def queries_of(party: Party, case: Case) -> list[str]:
    """The SQL one request of this case runs, in process through the same view (Django's test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(case.path, case.params, HTTP_AUTHORIZATION=f"Bearer {token_for(party)}")
    if response.status_code != 200:
        raise RuntimeError(f"{case.name}: {response.status_code} {response.content[:300]!r}")
    return [q["sql"] for q in captured.captured_queries]


def explain(sql: str) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of a SELECT, summarised: time, buffers, estimate against actual rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    top = plan["Plan"]

    def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *[n for child in node.get("Plans", []) for n in nodes(child)]]

    # Where the statistics matter: the rows the planner expects from the scope (the applicatie's
    # gemeenten) against what came, on the first node that reads the gemeenten relation.
    scope = next((n for n in nodes(top) if n.get("Relation Name") == "regiekoppeling_applicatie_gemeenten"), None)
    return {
        "ms": round(plan["Execution Time"] + plan.get("Planning Time", 0), 2),
        "execution_ms": round(plan["Execution Time"], 2),
        "shared_hit": top.get("Shared Hit Blocks", 0),
        "shared_read": top.get("Shared Read Blocks", 0),
        "shape": " > ".join(n["Node Type"] for n in nodes(top)[:6]),
        "scope_rows": (
            f"{scope['Plan Rows']} estimated, {scope['Actual Rows']} actual x {scope.get('Actual Loops', 1)} loops"
            if scope
            else "-"
        ),
    }


def explain_case(party: Party, case: Case) -> dict[str, Any]:
    selects = [q for q in queries_of(party, case) if q.lstrip().upper().startswith("SELECT")]
    explained = [(sql, explain(sql)) for sql in selects]
    sql, slowest = max(explained, key=lambda e: e[1]["ms"])
    return {"queries": len(queries_of(party, case)), "selects": len(selects), "slowest": slowest, "sql": sql}


def logboek_cost(party: Party, rounds: int) -> dict[str, float]:
    """ms per list read of 100 voorzieningen: the log rows with the subjects in hand (as the API does
    now) and with the extra SELECT (as before), median of `rounds`; plus one voorzieningen list query."""
    from django.db import transaction

    from regiekoppeling import logboek
    from regiekoppeling.models import Applicatie, Voorziening

    page = list(Voorziening.objects.select_related("aanvraag").order_by("-pk")[:100])
    shown = [(v.aanvraag_id, str(v.uuid)) for v in page]
    subjects = {v.aanvraag_id: (v.aanvraag.uuid, v.aanvraag.client_bsn, v.aanvraag.gemeente_id) for v in page}
    actor = logboek.Actor(Applicatie.objects.get(pk=party.applicatie_id), endpoint="voorziening")
    timings: dict[str, list[float]] = {"in hand (1 INSERT)": [], "looked up (SELECT + INSERT)": []}
    with logboek.acting(actor):
        for _ in range(rounds):
            for label, known in (("in hand (1 INSERT)", subjects), ("looked up (SELECT + INSERT)", None)):
                with transaction.atomic():
                    began = time.perf_counter()
                    logboek.verwerkingen_log_reads(resource="voorziening", shown=shown, subjects=known)
                    timings[label].append((time.perf_counter() - began) * 1000)
                    transaction.set_rollback(True)
    return {label: round(statistics.median(values), 2) for label, values in timings.items()}


# --- reporting -----------------------------------------------------------------------------------


def table(title: str, columns: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(columns)]

    def line(values: list[Any]) -> str:
        cells = zip(values, widths, strict=True)
        return "  ".join(str(v).rjust(w) if i else str(v).ljust(w) for i, (v, w) in enumerate(cells))

    return "\n".join([title, line(columns), *(line(r) for r in rows)])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aanvragen", type=int, default=333_334, help="aanvragen to load (1-5 lines each)")
    parser.add_argument("--levels", default="1,8")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per case and level")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    parser.add_argument("--skip-load", action="store_true", help="measure what an earlier run loaded")
    parser.add_argument(
        "--short", action="store_true", help="make bench: 3 s per case and level, an earlier complete load reused"
    )
    parser.add_argument("--json", type=Path, help="write the result (the bench JSON contract) here")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    require_environment()
    duration = 3.0 if args.short else args.duration
    levels = [int(x) for x in args.levels.split(",")]
    started = dt.datetime.now(dt.UTC)
    ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    from regiekoppeling.models import Aanvraag
    from regiekoppeling.planner_stats import configuration_analyse

    loaded: dict[str, Any] = {}
    # --short (make bench) reuses a complete earlier load: the million takes minutes to load.
    reuse = args.short and Aanvraag.objects.filter(regie_referentie__startswith=PREFIX).count() == args.aanvragen
    if not (args.skip_load or reuse):
        print(f"loading {args.aanvragen} aanvragen ...", flush=True)
        began = time.perf_counter()
        loaded = load(args.aanvragen)
        loaded["seconds"] = round(time.perf_counter() - began, 1)
        print(f"loaded in {loaded['seconds']} s: {loaded}", flush=True)
    backoffice = ensure_party("bench-lists-backoffice", "backoffice", BACKOFFICE_GEMEENTEN)
    all_cases = cases(backoffice)

    # The planner without and with statistics of the configuration tables.
    stats_rows = []
    for label, prepare in (("never analysed", forget_configuration_statistics), ("analysed", configuration_analyse)):
        prepare()
        for case in all_cases[:5]:
            explained = explain_case(backoffice, case)["slowest"]
            stats_rows.append([label, case.name, explained["ms"], explained["shape"], explained["scope_rows"]])
    configuration_analyse()
    print(table("\nThe slowest query of each voorzieningen case, configuration tables never analysed / analysed",
                ["statistics", "case", "ms", "plan", "applicatie_gemeenten rows"], stats_rows), flush=True)  # fmt: skip

    explained_cases = {case.name: explain_case(backoffice, case) for case in all_cases}
    logboek = logboek_cost(backoffice, rounds=10 if args.short else 30)
    print(f"\nprocessing log per list read of 100 voorzieningen (ms, median): {logboek}", flush=True)

    background = busy_cores()
    print(f"\nbackground load before the run: {background} busy cores of {os.cpu_count()}", flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS_DIR / f"gunicorn-lists-{stamp}.log"
    supervisor = Supervisor(server_env())
    results: list[Measured] = []
    try:
        gunicorn, base_url = start_gunicorn(supervisor, workers=args.workers, worker_class="sync", threads=1, log=log)
        wait_for_http(base_url + "/api/v1/voorzieningen", supervisor)
        probe = CpuProbe(
            gunicorn.pid,
            database=urlparse(os.environ["DATABASE_URL"]).path.lstrip("/"),
            redis_port=urlparse(os.environ["REDIS_URL"]).port or 6379,
        )
        run_case(base_url, backoffice, all_cases[0], max(levels), 2.0, probe)  # warm-up, not measured
        for case in all_cases:
            for clients in levels:
                measured = run_case(base_url, backoffice, case, clients, duration, probe)
                results.append(measured)
                print(f"{case.name:38} {clients} clients: {measured.requests} requests, p50 {measured.p50_ms} ms,"
                      f" p95 {measured.p95_ms} ms, {measured.errors} errors", flush=True)  # fmt: skip
    finally:
        supervisor.stop()
    after = busy_cores()

    latency_rows = [
        [m.case, m.clients, m.requests, m.errors, m.rows, m.p50_ms, m.p95_ms,
         m.cpu_ms.get("gunicorn", math.nan), m.cpu_ms.get("postgres", math.nan)]
        for m in results
    ]  # fmt: skip
    latency_columns = ["case", "clients", "requests", "errors", "rows", "p50 ms", "p95 ms", "gunicorn CPU ms", "postgres CPU ms"]  # fmt: skip
    query_rows = [
        [name, e["queries"], e["slowest"]["ms"], e["slowest"]["shared_hit"], e["slowest"]["shared_read"], e["slowest"]["shape"]]
        for name, e in explained_cases.items()
    ]  # fmt: skip
    query_columns = ["case", "queries", "slowest ms", "buffers hit", "buffers read", "plan (top nodes)"]
    print()
    print(table("GET lists at a million voorzieningen (ms, client side, nearest rank)", latency_columns, latency_rows))
    print()
    print(table("Queries per request; EXPLAIN (ANALYZE, BUFFERS) of the slowest", query_columns, query_rows))
    print(f"\nbusy cores before {background}, after {after} (of {os.cpu_count()})")
    worst_8 = max((m.p95_ms for m in results if m.clients == max(levels)), default=math.nan)
    worst_1 = max((m.p95_ms for m in results if m.clients == min(levels)), default=math.nan)
    result = {
        "benchmark": "lists",
        "title": "Lists at a million voorzieningen (backoffice, keyset pages of 100)",
        "command": " ".join(["python -m bench.lists", *sys.argv[1:]]),
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "machine": machine(),
        "git": git_revision(),
        "tables": [
            {"title": "GET lists at a million voorzieningen (client side)", "columns": latency_columns, "rows": latency_rows},
            {"title": "Queries per request; EXPLAIN (ANALYZE, BUFFERS) of the slowest", "columns": query_columns, "rows": query_rows},
            {"title": "Slowest query per voorzieningen case, configuration tables never analysed / analysed",
             "columns": ["statistics", "case", "ms", "plan", "applicatie_gemeenten rows"], "rows": stats_rows},
            {"title": "Processing log per list read of 100 voorzieningen (ms, median)",
             "columns": ["subjects", "ms"], "rows": [[k, v] for k, v in logboek.items()]},
        ],
        "anchors": [
            {"what": "GET /voorzieningen first page p95 at 8 clients, before (page numbers with COUNT(*))",
             "value": "1.9 s", "source": "issue 13"},
            {"what": "GET /voorzieningen page 1000 p95 at 8 clients, before", "value": "14.5 s", "source": "issue 13"},
        ],
        "aims": [
            {"aim": f"every list p95 < 100 ms at {max(levels)} clients", "value": worst_8, "unit": "ms", "met": worst_8 < 100},
            {"aim": f"every list p95 < 100 ms at {min(levels)} client", "value": worst_1, "unit": "ms", "met": worst_1 < 100},
        ],
        "plots": [
            {"file": "lists_latency.png", "title": "List p95 against concurrency (1,000,000 voorzieningen)",
             "xlabel": "clients", "ylabel": "p95 ms", "xscale": "linear", "yscale": "linear",
             "series": [{"label": c.name, "x": [m.clients for m in results if m.case == c.name],
                         "y": [m.p95_ms for m in results if m.case == c.name]} for c in all_cases]},
        ],
        "notes": [
            f"loaded: {loaded or 'kept from an earlier run (--skip-load, or --short with a complete load)'}",
            f"busy cores before {background}, after {after}; gunicorn {args.workers} sync workers; "
            "load generator, gunicorn and PostgreSQL share the machine",
        ],
    }  # fmt: skip
    output = args.json or RESULTS_DIR / f"lists-{stamp}.json"
    output.write_text(json.dumps(result, indent=2, default=str))
    print(f"results: {output}")


if __name__ == "__main__":
    main()
