#!/usr/bin/env python
"""Status sync: calls and latency of the notification path, and the calls of one reconciliation round,
with N open zaken (default 10,000) of which C (default 100) get a status set elsewhere.

One process, against the PostgreSQL and Redis of DATABASE_URL and REDIS_URL (required; a database and a
Redis database of their own; the database is created and migrated when missing):

- the ZGW sandbox runs in this process; the demo gemeente is pointed at it and has an abonnement;
- N open zaken: one aanvraag is registered through the real path (outbox handler against the sandbox),
  then its aanvraag, voorziening and zaak are copied N-1 times in our database (bulk) and its zaak and
  status in the sandbox's store, so every copy is a zaak of ours, open, with its current status known;
- notification path, per change: another system POSTs a status to the sandbox (HTTP); its message is
  delivered to `POST /api/v1/zgw-notificaties` (Django's test client, in process: no network hop and no
  Notificaties API in between), and the outbox item runs at once in this process (as the worker would
  when the relay reaches it: the broker hop is not in the figure). Measured: from the message in hand
  (as the Notificaties API delivers it) to the voorziening updated with its bericht queued, so the
  Notificaties API's own delay is not in it; HTTP calls to the ZGW APIs per change. The catalogue
  cache is cold for the first change only;
- reconciliation: C further changes are set while nobody listens; then one round (`zaken_reconcile`),
  timed, with its calls counted.

Prints tables and deletes nothing: use a throwaway database. `--short` (the form `make bench` runs):
the same 10,000 open zaken, 30 changes each way; `--json PATH` writes the result in the shared
contract (bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regiekoppeling_bench_sync \\
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python -m bench.status_sync [--zaken 10000 --changes 100]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import os
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))  # also when run as `python -m bench.status_sync`

from registration import contract_head, ensure_database, percentile  # noqa: E402 - the script's directory is on sys.path

CLIENT_ID = "regiekoppeling-bench"
SECRET = "bench-secret-0123456789abcdef0123456789"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("SECRET_KEY"):
        os.environ["ALLOW_DEV_SECRET"] = "1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--no-input", "-v", "0")


def calls(sandbox: Any) -> Counter[str]:
    return Counter(f"{r['method']} {r['path'].split('/api/v1/')[-1].split('/')[0]}" for r in sandbox.requests)


def populate(sandbox: Any, n: int) -> list[Any]:
    """One aanvraag registered for real, copied to n open zaken (ours and the sandbox's)."""
    from django.db import transaction

    from regiekoppeling.models import Aanvraag, OutboxItem, Voorziening
    from regiekoppeling.outbox import outbox_process
    from zaken.models import Zaak

    template = Aanvraag.objects.order_by("-id").first()
    assert template is not None
    for item in OutboxItem.objects.filter(aanvraag=template, handler="zaak_registratie"):
        assert outbox_process(item_id=item.pk) == "done", item.last_error
    zaak = Zaak.objects.get(aanvraag=template)
    line = Voorziening.objects.get(aanvraag=template)
    store = sandbox.store
    remote_zaak = store.resolve(zaak.url, "zaken")
    remote_status = store.resolve(zaak.huidige_status_url, "statussen")
    aanvragen: list[Aanvraag] = []
    lines: list[Voorziening] = []
    zaken: list[Zaak] = []
    remote_zaken, remote_statussen = [], []
    with store.lock:
        for index in range(1, n):
            zuid, suid = str(uuid.uuid4()), str(uuid.uuid4())
            rz = copy.deepcopy(remote_zaak)
            rz.update(uuid=zuid, url=store.url("zaken", zuid), identificatie=f"BENCH-{index:06d}")
            rz.pop("_seq", None)
            remote_zaken.append(rz)
            rs = copy.deepcopy(remote_status)
            rs.update(uuid=suid, url=store.url("statussen", suid), zaak=rz["url"])
            rs.pop("_seq", None)
            remote_statussen.append(rs)
            a = copy.copy(template)
            a.pk, a.uuid = None, uuid.uuid4()
            v = copy.copy(line)
            v.pk, v.uuid, v.zaak_url = None, uuid.uuid4(), rz["url"]
            z = copy.copy(zaak)
            z.pk, z.url, z.identificatie, z.huidige_status_url = None, rz["url"], f"BENCH-{index:06d}", rs["url"]
            aanvragen.append(a)
            lines.append(v)
            zaken.append(z)
        store.put_many("zaken", remote_zaken)
        store.put_many("statussen", remote_statussen)
    with transaction.atomic():
        Aanvraag.objects.bulk_create(aanvragen, batch_size=1000)
        for a, v, z in zip(aanvragen, lines, zaken, strict=True):
            v.aanvraag, z.aanvraag = a, a
        Voorziening.objects.bulk_create(lines, batch_size=1000)
        Zaak.objects.bulk_create(zaken, batch_size=1000)
        through = Zaak.voorzieningen.through
        pairs = [through(zaak_id=z.pk, voorziening_id=v.pk) for z, v in zip(zaken, lines, strict=True)]
        through.objects.bulk_create(pairs, batch_size=1000)
    return [zaak, *zaken]


def set_status(sandbox: Any, zaak_url: str, statustype: str) -> dict[str, Any]:
    import requests

    current = sandbox.store.resolve(zaak_url, "zaken")
    assert current is not None
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(milliseconds=1)
    response = requests.post(
        f"{sandbox.base_url}/zaken/api/v1/statussen",
        json={"zaak": zaak_url, "statustype": statustype, "datumStatusGezet": moment.isoformat()},
        headers={**sandbox.auth_header(), "Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zaken", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--short", action="store_true", help="the form make bench runs: 10,000 zaken, 30 changes")
    parser.add_argument("--json", type=Path, help="write the result (bench/README.md, the JSON contract) here")
    args = parser.parse_args()
    if args.short:
        args.zaken, args.changes = 10_000, 30
    started_at, began_run = dt.datetime.now(dt.UTC), time.monotonic()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            sys.exit(f"{name} is required (a database and a Redis database of their own)")
    ensure_database(os.environ["DATABASE_URL"])
    setup_django()

    from django.core.cache import caches
    from django.test import Client
    from django.utils import timezone

    from regiekoppeling.crypto import decrypt_secret
    from regiekoppeling.demo import demo_setup
    from regiekoppeling.models import Gemeente, OutboxItem, Voorziening
    from regiekoppeling.outbox import outbox_process, set_relay
    from tests.conftest import aanvraag_body, make_applicatie, zin_line
    from zaken.abonnement import abonnement_configure
    from zaken.demo import zgw_configure
    from zaken.reconcile import zaken_reconcile
    from zgw_sandbox import start_sandbox

    # Items run in this process, by hand: no Celery message for a worker that is not there.
    set_relay(lambda ids: None)
    sandbox = start_sandbox(clients={CLIENT_ID: SECRET})
    try:
        demo_setup()
        gemeente = Gemeente.objects.get(code="0363")
        seed = sandbox.seed
        config = zgw_configure(
            gemeente=gemeente, base_url=sandbox.base_url, client_id=CLIENT_ID, secret=SECRET,
            catalogus=seed["catalogus"], bronorganisatie=seed["rsin"],
        )  # fmt: skip
        abonnement = abonnement_configure(
            config=config, notificaties_url=sandbox.base_url + "/notificaties/api/v1/", client_id=CLIENT_ID,
            secret=SECRET, callback_url="http://testserver/api/v1/zgw-notificaties",
        )  # fmt: skip
        token = decrypt_secret(abonnement.token_encrypted)
        regie = make_applicatie("Bench regie", "regie", [gemeente], f"bench-regie-{uuid.uuid4().hex[:8]}")
        from tests.conftest import Api

        api = Api(regie)
        assert api.post("/api/v1/aanvragen", aanvraag_body(zin_line())).status_code == 201
        started = time.monotonic()
        zaken = populate(sandbox, args.zaken)
        print(f"{len(zaken)} open zaken in {time.monotonic() - started:.1f} s", flush=True)
        caches["zgw"].clear()
        in_behandeling = seed["statustypen"][config.zaaktype_wmo]["In behandeling"]

        # --- notification path -------------------------------------------------------------
        sandbox.set_notification_callback("http://127.0.0.1:9/none")  # logged; delivered below
        client = Client()
        picked = random.Random(1).sample(zaken, 2 * args.changes)
        latencies, per_change = [], []
        for zaak in picked[: args.changes]:
            sandbox.notifier.clear()
            status = set_status(sandbox, zaak.url, in_behandeling)
            message = next(
                e["message"] for e in sandbox.flush_notifications() if e["message"]["resourceUrl"] == status["url"]
            )
            sandbox.clear_requests()
            t1 = time.perf_counter()  # the message is in hand: as when the Notificaties API delivers it
            response = client.post(
                "/api/v1/zgw-notificaties", message, content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
            )  # fmt: skip
            assert response.status_code == 204
            item = OutboxItem.objects.filter(handler="zaak_notificatie").latest("id")
            OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
            assert outbox_process(item_id=item.pk) == "done", OutboxItem.objects.get(pk=item.pk).last_error
            t2 = time.perf_counter()
            assert Voorziening.objects.filter(zaak_url=zaak.url, zaakstatus="In behandeling").exists()
            latencies.append((t2 - t1) * 1000)
            per_change.append(sum(calls(sandbox).values()))
        sandbox.set_notification_callback(None)
        first, rest = per_change[0], per_change[1:]
        print("\nNotification path (delivered message -> voorziening updated, bericht queued), in process")
        print("changes  calls first  calls after (max)  p50 ms  p95 ms  max ms")
        print(
            f"{len(latencies):7d}  {first:11d}  {max(rest or [0]):17d}  {percentile(latencies, 50):6.1f}  "
            f"{percentile(latencies, 95):6.1f}  {max(latencies):6.1f}"
        )

        # --- reconciliation round -------------------------------------------------------------
        for zaak in picked[args.changes :]:
            set_status(sandbox, zaak.url, in_behandeling)
        sandbox.clear_requests()
        t0 = time.perf_counter()
        result = zaken_reconcile()
        seconds = time.perf_counter() - t0
        counted = calls(sandbox)
        reconcile_rows = [
            [len(zaken), args.changes, sum(counted.values()), result.listed, result.changed, result.missing,
             round(seconds, 2)]
        ]  # fmt: skip
        print(f"\nReconciliation round, {len(zaken)} open zaken, {args.changes} changed while nobody listened")
        print("calls  by endpoint                        listed  changed  missing  seconds")
        print(
            f"{sum(counted.values()):5d}  {', '.join(f'{k} {v}' for k, v in sorted(counted.items())):33s}  "
            f"{result.listed:6d}  {result.changed:7d}  {result.missing:7d}  {seconds:7.1f}"
        )
        sandbox.clear_requests()
        t0 = time.perf_counter()
        again = zaken_reconcile()
        again_seconds = time.perf_counter() - t0
        again_calls = sum(calls(sandbox).values())
        print(
            f"{again_calls:5d}  (a second round, nothing new){'':4s}  {again.listed:6d}  "
            f"{again.changed:7d}  {again.missing:7d}  {again_seconds:7.1f}"
        )
        reconcile_rows.append(
            [len(zaken), 0, again_calls, again.listed, again.changed, again.missing, round(again_seconds, 2)]
        )
    finally:
        sandbox.stop()
    if args.json:
        notification = [len(latencies), first, max(rest or [0]), round(percentile(latencies, 50), 1),
                        round(percentile(latencies, 95), 1), round(max(latencies), 1)]  # fmt: skip
        args.json.write_text(
            json.dumps(
                contract_json(args, started_at, time.monotonic() - began_run, notification, reconcile_rows), indent=2
            )
        )
        print(f"contract JSON: {args.json}")


def contract_json(
    args: argparse.Namespace, started_at: dt.datetime, seconds: float, notification: list[Any],
    reconcile_rows: list[list[Any]],
) -> dict[str, Any]:  # fmt: skip
    """The result as bench/README.md's contract has it (collected by `make bench`)."""
    zaken, changes, round_calls = reconcile_rows[0][0], reconcile_rows[0][1], reconcile_rows[0][2]
    list_calls = math.ceil(zaken / 100)  # one zaaktype, 100 zaken per page, nobody else's open zaken
    title = f"Status sync with {zaken:,} open zaken: calls per change, reconciliation, lag"
    return {
        **contract_head("status_sync", title, started_at, seconds),
        "tables": [
            {
                "title": "Notification path, in process: message in hand -> voorziening updated, bericht queued (ms)",
                "columns": ["changes", "calls first", "calls after (max)", "lag p50 ms", "lag p95 ms", "lag max ms"],
                "rows": [notification],
            },
            {
                "title": "Reconciliation rounds (the second with nothing new)",
                "columns": ["open zaken", "changed unheard", "calls", "listed", "changed", "missing", "seconds"],
                "rows": reconcile_rows,
            },
        ],
        "anchors": [
            {
                "what": "the poll before the reconciliation: one conditional GET per open zaak",
                "value": f"{zaken:,} calls",
                "source": "README, Performance",
            },
        ],
        "aims": [
            {
                "aim": "1 call per status change once the catalogue is cached",
                "value": notification[2],
                "unit": "calls",
                "met": notification[2] <= 1,
            },
            {
                "aim": "notification path p95 under 1 s (in process)",
                "value": notification[4],
                "unit": "ms",
                "met": notification[4] < 1000,
            },
            {
                "aim": f"a reconciliation round of {zaken:,} open zaken: ceil(N / 100) list calls, none per zaak",
                "value": round_calls,
                "unit": "calls",
                "met": round_calls <= list_calls,
            },
        ],
        "plots": [],
        "notes": [
            f"{changes} changes each way; the sandbox in process (no network hop, Open Zaak's latencies not applied)",
        ],
    }


if __name__ == "__main__":
    main()
