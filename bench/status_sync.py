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

Prints tables and deletes nothing: use a throwaway database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regiekoppeling_bench_sync \\
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/status_sync.py [--zaken 10000 --changes 100]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
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

from registration import ensure_database, percentile  # noqa: E402 - the script's directory is on sys.path

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
    with store.lock:
        for index in range(1, n):
            zuid, suid = str(uuid.uuid4()), str(uuid.uuid4())
            rz = copy.deepcopy(remote_zaak)
            rz.update(uuid=zuid, url=store.url("zaken", zuid), identificatie=f"BENCH-{index:06d}")
            rz.pop("_seq", None)
            store.put("zaken", rz)
            rs = copy.deepcopy(remote_status)
            rs.update(uuid=suid, url=store.url("statussen", suid), zaak=rz["url"])
            rs.pop("_seq", None)
            store.put("statussen", rs)
            a = copy.copy(template)
            a.pk, a.uuid = None, uuid.uuid4()
            v = copy.copy(line)
            v.pk, v.uuid, v.zaak_url = None, uuid.uuid4(), rz["url"]
            z = copy.copy(zaak)
            z.pk, z.url, z.identificatie, z.huidige_status_url = None, rz["url"], f"BENCH-{index:06d}", rs["url"]
            aanvragen.append(a)
            lines.append(v)
            zaken.append(z)
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
    args = parser.parse_args()
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
        print(f"\nReconciliation round, {len(zaken)} open zaken, {args.changes} changed while nobody listened")
        print("calls  by endpoint                        listed  changed  missing  seconds")
        print(
            f"{sum(counted.values()):5d}  {', '.join(f'{k} {v}' for k, v in sorted(counted.items())):33s}  "
            f"{result.listed:6d}  {result.changed:7d}  {result.missing:7d}  {seconds:7.1f}"
        )
        sandbox.clear_requests()
        t0 = time.perf_counter()
        again = zaken_reconcile()
        print(
            f"{sum(calls(sandbox).values()):5d}  (a second round, nothing new){'':4s}  {again.listed:6d}  "
            f"{again.changed:7d}  {again.missing:7d}  {time.perf_counter() - t0:7.1f}"
        )
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
