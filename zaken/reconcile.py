"""The reconciliation round: catch what notifications missed, at a cost that follows the changes.

The Zaken API has no "changed since" query, so a round asks, per gemeente and zaaktype, for the open
zaken with their current status embedded (`GET /zaken?zaaktype=..&bronorganisatie=..
&einddatum__isnull=true&expand=status`): one request per page of 100 zaken, however many changed, and
no request per zaak. A zaak whose embedded status is not the one we know is followed with that status
(no further call: the statustype comes from the cached catalogue). A zaak of ours that is no longer in
the open list was closed or deleted: only those are read one by one (one or two calls each).

Pages are handled one at a time (memory bounded by a page). A Zaken API that is down postpones that
zaaktype to the next round; nothing is marked as missing from a listing that did not finish.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import islice

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import catalogus, follow
from .clients import JSON, ZGWRequestError, ZGWUnavailableError
from .models import SyncBron, Toestand, Zaak, ZaakNotificatie, ZGWConfig
from .nazien import in_doubt, rollen_nazien
from .notificaties import zaak_check
from .registration import Clients, open_clients

logger = logging.getLogger(__name__)
PAGE = 100


@dataclass
class Round:
    listed: int = 0  # open zaken of ours found in the listings
    changed: int = 0  # zaken whose status (or existence) changed
    missing: int = 0  # zaken of ours not in the open list, read one by one
    postponed: int = 0  # zaaktypen left for the next round (Zaken API unavailable)
    rollen_verwijderd: int = 0  # rollen a late POST added beside ours (zaken/nazien.py)


def _ours(config: ZGWConfig) -> QuerySet[Zaak]:
    # The hoofdzaak stands for the aanvraag and follows its lines; only the zaken of voorzieningen count.
    return (
        Zaak.objects.filter(aanvraag__gemeente=config.gemeente_id, toestand=Toestand.OPEN)
        .exclude(url="")
        .exclude(soort=Zaak.Soort.HOOFDZAAK)
    )


def zaken_reconcile() -> Round:
    result = Round()
    for config in ZGWConfig.objects.select_related("zaken_service", "catalogi_service"):
        zaaktypen = list(_ours(config).values_list("zaaktype", flat=True).distinct().order_by("zaaktype"))
        if not zaaktypen and not in_doubt(config).exists():
            continue
        with ExitStack() as stack:
            clients = open_clients(config, stack)
            for zaaktype in zaaktypen:
                try:
                    _reconcile_zaaktype(clients, config, zaaktype, result)
                except ZGWUnavailableError as exc:
                    result.postponed += 1
                    logger.warning("reconciliation of zaaktype %s postponed: %s", zaaktype, exc)
            try:
                result.rollen_verwijderd += rollen_nazien(clients=clients, config=config)
            except ZGWUnavailableError as exc:
                logger.warning("doubled rollen of gemeente %s left for the next round: %s", config.gemeente_id, exc)
    return result


def _chunks(items: Iterator[JSON]) -> Iterator[list[JSON]]:
    while chunk := list(islice(items, PAGE)):
        yield chunk


def _reconcile_zaaktype(clients: Clients, config: ZGWConfig, zaaktype: str, result: Round) -> None:
    started = timezone.now()
    ours = _ours(config).filter(zaaktype=zaaktype)
    types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaaktype)
    listing = clients.zaken.list_open_zaken(zaaktype=zaaktype, bronorganisatie=config.bronorganisatie)
    for chunk in _chunks(listing):
        known = {z.url: z for z in ours.select_related("aanvraag").filter(url__in=[r["url"] for r in chunk])}
        for remote in chunk:
            zaak = known.get(remote["url"])
            if zaak is None:
                continue  # not one of ours (or not open in our records)
            result.listed += 1
            status = (remote.get("_expand") or {}).get("status")
            if status and status["url"] != zaak.huidige_status_url:
                uitkomst = follow.zaakstatus_follow(zaak=zaak, status=status, types=types, bron=SyncBron.RECONCILIATIE)
                result.changed += uitkomst == ZaakNotificatie.Uitkomst.VERWERKT
        # Seen in this round: the rest of ours is what left the open list.
        Zaak.objects.filter(pk__in=[z.pk for z in known.values()]).update(gesynchroniseerd_op=timezone.now())
    missing = ours.filter(aangemaakt_op__lt=started).filter(
        Q(gesynchroniseerd_op__lt=started) | Q(gesynchroniseerd_op__isnull=True)
    )
    for zaak in missing.select_related("aanvraag").iterator(chunk_size=PAGE):
        result.missing += 1
        try:
            uitkomst = zaak_check(clients, zaak, bron=SyncBron.RECONCILIATIE)
        except ZGWRequestError as exc:
            follow.sync_failed(zaak=zaak, bron=SyncBron.RECONCILIATIE, detail=str(exc))
            continue
        result.changed += uitkomst == ZaakNotificatie.Uitkomst.VERWERKT
