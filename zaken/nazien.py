"""Rollen a late POST added after all: found and removed by the reconciliation round.

The Zaken API refuses a second zaak with our identificatie, a second status with the same
datumStatusGezet and a second relation of one document, so a POST that timed out and is stored after
its retry made its own cannot double those. A rol has nothing unique: the retry that found no rol and
made one marks the zaak (`ROL_NAZIEN` with the moment), and once no late answer can come any more
(`ZGW_LATE_ANSWER_SECONDS`) this removes every other rol of the same roltype for the same person,
keeping the one we stored. A rol of another roltype, or for someone else, is never touched.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .clients import JSON, ZGWRequestError
from .models import Zaak, ZGWConfig
from .registration import ROL_NAZIEN, Clients, rol_bsn

logger = logging.getLogger(__name__)


def _marked_at(zaak: Zaak) -> dt.datetime | None:
    moments = [p.removeprefix(ROL_NAZIEN) for p in zaak.pogingen if p.startswith(ROL_NAZIEN)]
    return max(dt.datetime.fromisoformat(m) for m in moments) if moments else None


def in_doubt(config: ZGWConfig) -> QuerySet[Zaak]:
    """The zaken of this gemeente whose rol a late POST may have doubled."""
    return Zaak.objects.filter(aanvraag__gemeente=config.gemeente_id, pogingen__icontains=ROL_NAZIEN)


def rollen_nazien(*, clients: Clients, config: ZGWConfig) -> int:
    """Remove the doubled rollen of the marked zaken of this gemeente whose doubt is over; the number."""
    over = timezone.now() - dt.timedelta(seconds=settings.ZGW_LATE_ANSWER_SECONDS)
    removed = 0
    for zaak in in_doubt(config).exclude(rol_url="").exclude(url="").iterator(chunk_size=100):
        moment = _marked_at(zaak)
        if moment is None or moment > over:
            continue
        rollen = clients.zaken.list_rollen(zaak=zaak.url)
        ours = next((r for r in rollen if r["url"] == zaak.rol_url), None)
        for rol in [r for r in rollen if ours is not None and r is not ours and _same(r, ours)]:
            try:
                clients.zaken.delete_rol(rol["url"])
            except ZGWRequestError as exc:
                # A closed zaak may refuse (Open Zaak without zaken.geforceerd-bijwerken): shown, not retried.
                logger.warning("doubled rol %s of zaak %s not removed: %s", rol["url"], zaak.identificatie, exc)
                continue
            removed += 1
            logger.info("doubled rol %s of zaak %s removed (a late POST)", rol["url"], zaak.identificatie)
        zaak.pogingen = [p for p in zaak.pogingen if not p.startswith(ROL_NAZIEN)]
        zaak.save(update_fields=["pogingen"])
    return removed


def _same(rol: JSON, ours: JSON) -> bool:
    """The same roltype for the same person (what our rol step sends), as the Zaken API shows it."""
    return rol.get("roltype") == ours.get("roltype") and bool(rol_bsn(ours)) and rol_bsn(rol) == rol_bsn(ours)
