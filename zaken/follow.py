"""Follow a zaak's status as the Zaken API has it: our record of the zaak, the read-through on its
voorzieningen, their lifecycle (through the statustype mapping) and a bericht for the parties.

Both ways in use this: a notification (`notificaties.py`) and the reconciliation round
(`reconcile.py`). A status we know already (ours, or seen before) and a status older than the one we
know are no news: nothing is written and nobody is told, so statuses this service set itself are not
echoed back as changes.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from regiekoppeling.zaakstatus import voorzieningen_follow_zaak

from . import catalogus, readthrough
from .clients import JSON
from .mapping import lifecycle_state_for
from .models import SyncProbleem, Toestand, Zaak, ZaakNotificatie, ZGWConfig

Uitkomst = ZaakNotificatie.Uitkomst


def _gezet_op(status: JSON) -> dt.datetime:
    gezet = parse_datetime(str(status.get("datumStatusGezet") or "")) or timezone.now()
    return gezet if gezet.tzinfo else gezet.replace(tzinfo=dt.UTC)


def zaakstatus_follow(*, zaak: Zaak, status: JSON, types: list[catalogus.Statustype], bron: str) -> str:
    """Apply `status` (a status of this zaak, as read from the Zaken API) when it is news; returns the
    outcome (`ZaakNotificatie.Uitkomst`)."""
    url = str(status["url"])
    gezet = _gezet_op(status)
    if url == zaak.huidige_status_url:
        return Uitkomst.BEKEND
    if zaak.status_gezet_op is not None and gezet <= zaak.status_gezet_op:
        return Uitkomst.VEROUDERD
    statustype = next((t for t in types if t.url == status.get("statustype")), None)
    omschrijving = statustype.omschrijving if statustype else ""
    toestand = Toestand.AFGESLOTEN if statustype and statustype.is_eindstatus else Toestand.OPEN
    target = _lifecycle_state(zaak, omschrijving)
    with transaction.atomic():
        problem, detail = "", ""
        if zaak.soort != Zaak.Soort.HOOFDZAAK:
            readthrough.zaakstatus_set(zaak=zaak, omschrijving=omschrijving, gezet_op=gezet, toestand=toestand)
            followed = voorzieningen_follow_zaak(
                voorziening_ids=list(zaak.voorzieningen.values_list("pk", flat=True)),
                omschrijving=omschrijving,
                target=target,
                toestand=toestand,
            )
            if followed.refused:
                problem = SyncProbleem.OVERGANG_GEWEIGERD
                detail = f"Statustype '{omschrijving}': niet toegestaan: " + "; ".join(followed.refused)
            elif target is None:
                problem = SyncProbleem.NIET_GEKOPPELD
                detail = f"Statustype '{omschrijving}' is aan geen levensfase gekoppeld."
        zaak.huidige_status_url = url
        zaak.status_gezet_op = gezet
        zaak.toestand = toestand
        _synced(zaak, bron=bron, gezet=gezet, problem=problem, detail=detail)
    return Uitkomst.VERWERKT


def zaak_gone(*, zaak: Zaak, bron: str) -> str:
    """The zaak no longer exists in the Zaken API: show it on the voorzieningen and tell the parties."""
    if zaak.toestand == Toestand.VERWIJDERD:
        return Uitkomst.BEKEND
    with transaction.atomic():
        zaak.toestand = Toestand.VERWIJDERD
        if zaak.soort != Zaak.Soort.HOOFDZAAK:
            readthrough.zaak_toestand_set(zaak=zaak, toestand=Toestand.VERWIJDERD)
            line = zaak.voorzieningen.order_by("pk").first()
            voorzieningen_follow_zaak(
                voorziening_ids=list(zaak.voorzieningen.values_list("pk", flat=True)),
                omschrijving=line.zaakstatus if line else "",
                target=None,
                toestand=Toestand.VERWIJDERD,
            )
        _synced(zaak, bron=bron, gezet=None, problem="", detail="De zaak is verwijderd in de Zaken API.")
    return Uitkomst.VERWERKT


def zaak_closed_quietly(*, zaak: Zaak) -> None:
    """Closed with the status we know (our own end status): recorded and shown, no news for anyone."""
    with transaction.atomic():
        zaak.toestand = Toestand.AFGESLOTEN
        zaak.save(update_fields=["toestand"])
        readthrough.zaak_toestand_set(zaak=zaak, toestand=Toestand.AFGESLOTEN)


def _lifecycle_state(zaak: Zaak, omschrijving: str) -> str | None:
    if not omschrijving:
        return None
    aanvraag = zaak.aanvraag
    config = ZGWConfig.objects.get(gemeente=aanvraag.gemeente_id)
    return lifecycle_state_for(config, config.zaaktype_for(aanvraag.wet), omschrijving)


def _synced(zaak: Zaak, *, bron: str, gezet: dt.datetime | None, problem: str, detail: str) -> None:
    now = timezone.now()
    zaak.gesynchroniseerd_op = now
    zaak.sync_bron = bron
    zaak.sync_vertraging = max(now - gezet, dt.timedelta(0)) if gezet else None
    zaak.sync_probleem = problem
    zaak.sync_toelichting = detail
    zaak.save(
        update_fields=[
            "huidige_status_url",
            "status_gezet_op",
            "toestand",
            "gesynchroniseerd_op",
            "sync_bron",
            "sync_vertraging",
            "sync_probleem",
            "sync_toelichting",
        ]
    )


def sync_failed(*, zaak: Zaak, bron: str, detail: str) -> None:
    """A sync of this zaak failed for good (a refusal, or retries spent): counted and shown in the admin."""
    Zaak.objects.filter(pk=zaak.pk).update(
        sync_bron=bron, sync_probleem=SyncProbleem.MISLUKT, sync_toelichting=detail[:2000]
    )
