#!/usr/bin/env python
"""Memory while the tables grow: the resident size of the Celery worker (its own items and the outbox
sweep it runs for beat) and the peak memory of a reconciliation round. See bench/README.md.

- Worker and sweeper: a real Celery worker (`config.celery`, solo pool) on the database of
  DATABASE_URL. At each size the tables are loaded by `bench.lists` (10,000, 100,000 and 1,000,000
  voorzieningen, with their aanvragen, outbox items and berichten); then `--items` berichten items
  are published and relayed to the worker, and as many again are published without relay and left
  to `sweep_outbox` tasks (what beat sends). The worker's resident size (VmRSS from /proc) is read
  after each.
- Reconciliation: `zaken_reconcile()` in this process against the ZGW sandbox with 1,000 and
  10,000 open zaken (`bench.status_sync.populate`); its peak Python allocation during the round
  (tracemalloc) and this process's RSS before and after.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regiekoppeling_memory \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python -m bench.memory
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The other benchmarks are imported by their names, as bench/status_sync.py does (bench/ is no package).
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from aanvragen_load import RESULTS_DIR, git_revision, machine, server_env  # noqa: E402
from lists import load, require_environment, setup_django  # noqa: E402
from registration import ensure_database  # noqa: E402

from devserver.launcher import Supervisor  # noqa: E402


def rss_mib(pid: int | str = "self") -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return round(int(fields["VmRSS"].split()[0]) / 1024, 1), round(int(fields["VmHWM"].split()[0]) / 1024, 1)


def publish(count: int) -> list[int]:
    """`count` bericht items (as a write publishes them), for the newest aanvragen; returns their ids."""
    from django.db import transaction

    from regiekoppeling import events
    from regiekoppeling.models import Aanvraag
    from regiekoppeling.outbox import outbox_publish

    ids: list[int] = []
    aanvragen = Aanvraag.objects.select_related("gemeente").order_by("-pk")[:count]
    with transaction.atomic():
        for aanvraag in aanvragen:
            event = events.bericht(
                gebeurtenis="aanvraag_ontvangen", resource="aanvraag", uuid=str(aanvraag.uuid), actie="create",
                aanvraag=aanvraag, kenmerken={"bench": uuid.uuid4().hex[:8]},
            )  # fmt: skip
            ids += [item.pk for item in outbox_publish(aanvraag=aanvraag, events=[event])]
    return ids


def wait_done(ids: list[int], *, timeout: float, nudge: Any = None) -> float:
    from regiekoppeling.models import OutboxItem

    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if not OutboxItem.objects.filter(pk__in=ids).exclude(state=OutboxItem.State.DONE).exists():
            return time.monotonic() - began
        if nudge is not None:
            nudge()
        time.sleep(0.5)
    raise TimeoutError(f"{len(ids)} outbox items not done after {timeout} s")


def worker_rss(pid: int) -> float:
    """The worker's resident size: the main process and its children (a solo pool has none)."""
    total = rss_mib(pid)[0]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += rss_mib(child)[0]
    return round(total, 1)


def measure_worker(sizes: list[int], items: int, log: Path) -> list[list[Any]]:
    from regiekoppeling import outbox, tasks
    from regiekoppeling.models import Bericht, OutboxItem, Voorziening

    rows = []
    supervisor = Supervisor(server_env())
    try:
        worker = supervisor.spawn(
            "worker",
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
             "--purge", "--without-mingle", "--without-gossip"],
            log=log,
        )  # fmt: skip
        time.sleep(5)  # the worker keeps running while the tables grow under it
        for aanvragen in sizes:
            print(f"loading {aanvragen} aanvragen ...", flush=True)
            loaded = load(aanvragen)
            before = worker_rss(worker.pid)
            relayed = publish(items)  # relayed on commit, as every write does
            seconds_relay = wait_done(relayed, timeout=600)
            after_items = worker_rss(worker.pid)
            outbox.set_relay(lambda ids: None)
            try:
                swept = publish(items)  # only the sweep finds these
            finally:
                outbox.set_relay(lambda ids: tasks.process_outbox_items.delay(ids))
            seconds_sweep = wait_done(swept, timeout=900, nudge=tasks.sweep_outbox.delay)
            after_sweep = worker_rss(worker.pid)
            row = [
                Voorziening.objects.count(), OutboxItem.objects.count(), Bericht.objects.count(),
                before, after_items, after_sweep, round(seconds_relay, 1), round(seconds_sweep, 1),
            ]  # fmt: skip
            print(f"  {row} (load {loaded['steps_s']})", flush=True)
            rows.append(row)
    finally:
        supervisor.stop()
    return rows


def measure_reconcile(sizes: list[int]) -> list[list[Any]]:
    """A reconciliation round over n open zaken in the sandbox (in this process; see the docstring)."""
    from django.core.cache import caches
    from status_sync import CLIENT_ID, SECRET, populate

    from regiekoppeling.demo import demo_setup
    from regiekoppeling.models import Gemeente
    from regiekoppeling.outbox import set_relay
    from tests.conftest import Api, aanvraag_body, make_applicatie, zin_line
    from zaken.demo import zgw_configure
    from zaken.models import Zaak
    from zaken.reconcile import zaken_reconcile
    from zgw_sandbox import start_sandbox

    set_relay(lambda ids: None)  # items run here, by hand
    demo_setup()
    gemeente = Gemeente.objects.get(code="0363")
    rows = []
    for n in sizes:
        # A sandbox of its own per level (populate numbers its zaken from 1), and only its zaken in ours.
        Zaak.objects.all().delete()
        sandbox = start_sandbox(clients={CLIENT_ID: SECRET})
        try:
            seed = sandbox.seed
            zgw_configure(
                gemeente=gemeente, base_url=sandbox.base_url, client_id=CLIENT_ID, secret=SECRET,
                catalogus=seed["catalogus"], bronorganisatie=seed["rsin"],
            )  # fmt: skip
            regie = make_applicatie("Bench memory", "regie", [gemeente], f"bench-memory-{uuid.uuid4().hex[:8]}")
            assert Api(regie).post("/api/v1/aanvragen", aanvraag_body(zin_line())).status_code == 201
            populate(sandbox, n)
            caches["zgw"].clear()
            zaken_reconcile()  # warm: imports, clients, catalogue cache
            rss_before = rss_mib()[0]
            tracemalloc.start()
            began = time.perf_counter()
            result = zaken_reconcile()
            seconds = time.perf_counter() - began
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            sandbox.stop()
        row = [
            Zaak.objects.filter(toestand="open").count(), result.listed, round(peak / 2**20, 2),
            rss_before, rss_mib()[0], round(seconds, 1),
        ]  # fmt: skip
        print(f"  reconcile {row}", flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="3334,33334,333334", help="aanvragen per level (1-5 lines each)")
    parser.add_argument("--items", type=int, default=1000, help="outbox items per path and level")
    parser.add_argument("--zaken", default="1000,10000", help="open zaken per reconciliation level")
    parser.add_argument("--short", action="store_true", help="make bench: sizes 3334,33334, 200 items, zaken 1000,5000")
    parser.add_argument("--only", choices=["worker", "reconcile"], help="measure one part only")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    require_environment()
    items = 200 if args.short else args.items
    zaken = [1000, 5000] if args.short else [int(x) for x in args.zaken.split(",")]
    sizes = [3334, 33334] if args.short else [int(x) for x in args.sizes.split(",")]
    started = dt.datetime.now(dt.UTC)
    ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS_DIR / f"worker-memory-{stamp}.log"
    worker_rows = measure_worker(sizes, items, log) if args.only != "reconcile" else []
    reconcile_rows = measure_reconcile(zaken) if args.only != "worker" else []
    worker_columns = ["voorzieningen", "outbox items", "berichten", "worker MiB before", "after relayed items",
                      "after sweeps", "relayed s", "swept s"]  # fmt: skip
    reconcile_columns = ["open zaken", "listed", "peak alloc MiB", "RSS before MiB", "RSS after MiB", "seconds"]
    for title, columns, rows in (
        (f"Celery worker resident size ({items} relayed + {items} swept items per level)", worker_columns, worker_rows),
        ("Reconciliation round: peak Python allocation (tracemalloc) and RSS", reconcile_columns, reconcile_rows),
    ):
        print(f"\n{title}\n" + "  ".join(columns))
        for row in rows:
            print("  ".join(str(v) for v in row))
    growth = worker_rows[-1][5] - worker_rows[0][3] if worker_rows else float("nan")
    peak_ratio = reconcile_rows[-1][2] / reconcile_rows[0][2] if len(reconcile_rows) > 1 else float("nan")
    zaken_ratio = reconcile_rows[-1][0] / reconcile_rows[0][0] if len(reconcile_rows) > 1 else float("nan")
    aims: list[dict[str, Any]] = []
    if worker_rows:
        aims.append({"aim": "worker RSS grows < 20 MiB from the smallest to the largest tables",
                     "value": round(growth, 1), "unit": "MiB", "met": bool(growth < 20)})  # fmt: skip
    if len(reconcile_rows) > 1:
        aims.append({"aim": f"reconciliation peak grows less than the zaken ({zaken_ratio:.0f}x)",
                     "value": round(peak_ratio, 2), "unit": "x", "met": bool(peak_ratio < zaken_ratio)})  # fmt: skip
    result = {
        "benchmark": "memory",
        "title": "Memory of the worker, the sweeper and the reconciliation while the tables grow",
        "command": " ".join(["python -m bench.memory", *sys.argv[1:]]),
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "machine": machine(),
        "git": git_revision(),
        "tables": [
            {"title": "Celery worker resident size (MiB) while the tables grow", "columns": worker_columns, "rows": worker_rows},
            {"title": "Reconciliation round memory", "columns": reconcile_columns, "rows": reconcile_rows},
        ],
        "anchors": [],
        "aims": aims,
        "plots": [
            {"file": "memory_worker.png", "title": "Worker resident size against table size", "xlabel": "voorzieningen",
             "ylabel": "MiB", "xscale": "log", "yscale": "linear",
             "series": [{"label": "after relayed items", "x": [r[0] for r in worker_rows], "y": [r[4] for r in worker_rows]},
                        {"label": "after sweeps", "x": [r[0] for r in worker_rows], "y": [r[5] for r in worker_rows]}]},
        ],
        "notes": ["the worker runs the real tasks (process_outbox_items, sweep_outbox) with the solo pool"],
    }  # fmt: skip
    output = args.json or RESULTS_DIR / f"memory-{stamp}.json"
    output.write_text(json.dumps(result, indent=2, default=str))
    print(f"results: {output}")


if __name__ == "__main__":
    main()
