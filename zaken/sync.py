"""Keep the read-through zaakstatus current when another system sets a status in the Zaken API.

A beat task polls the zaken of open voorzieningen with `If-None-Match` (an unchanged zaak answers
304 without a body), so a poll costs one small request per zaak. Notifications can be lost, so this
poll is the safety net either way.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import ExitStack

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from regiekoppeling.lifecycle.states import LIVE_STATUSES

from . import catalogus, readthrough
from .clients import ZGWUnavailableError
from .models import Zaak, ZGWConfig
from .registration import Clients, open_clients

logger = logging.getLogger(__name__)


def zaken_to_sync(*, limit: int) -> QuerySet[Zaak]:
    """Registered zaken of followed voorzieningen, least recently synchronised first."""
    return (
        Zaak.objects.exclude(url="")
        .filter(voorzieningen__status__in=LIVE_STATUSES)
        .distinct()
        .select_related("aanvraag")
        .order_by("gesynchroniseerd_op", "id")[:limit]
    )


def zaakstatus_sync(*, limit: int | None = None) -> int:
    """Poll zaken for status changes; returns how many voorzieningen got a new zaakstatus."""
    changed = 0
    zaken = list(zaken_to_sync(limit=limit or settings.ZGW_STATUS_SYNC_BATCH))
    by_gemeente: dict[int, list[Zaak]] = {}
    for zaak in zaken:
        by_gemeente.setdefault(zaak.aanvraag.gemeente_id, []).append(zaak)
    for gemeente_id, group in by_gemeente.items():
        config = (
            ZGWConfig.objects.select_related("zaken_service", "catalogi_service").filter(gemeente=gemeente_id).first()
        )
        if config is None:
            continue
        with ExitStack() as stack:
            clients = open_clients(config, stack)
            for zaak in group:
                try:
                    changed += _sync_one(clients, zaak)
                except ZGWUnavailableError:
                    logger.warning("status sync of zaak %s postponed: Zaken API unavailable", zaak.pk)
    return changed


def _sync_one(clients: Clients, zaak: Zaak) -> int:
    remote, etag = clients.zaken.get_zaak_if_changed(zaak.url, etag=zaak.etag)
    zaak.gesynchroniseerd_op = timezone.now()
    fields = ["gesynchroniseerd_op"]
    updated = 0
    if remote is not None:
        zaak.etag = etag
        fields.append("etag")
        status_url = remote.get("status") or ""
        if status_url and status_url != zaak.huidige_status_url:
            status = clients.zaken.get_status(status_url)
            types = {t.url: t for t in catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)}
            statustype = types.get(status["statustype"])
            gezet = parse_datetime(status.get("datumStatusGezet") or "") or timezone.now()
            updated = readthrough.zaakstatus_set(
                zaak=zaak,
                omschrijving=statustype.omschrijving if statustype else "",
                gezet_op=gezet if gezet.tzinfo else gezet.replace(tzinfo=dt.UTC),
            )
            zaak.huidige_status_url = status_url
            fields.append("huidige_status_url")
    zaak.save(update_fields=fields)
    return updated
