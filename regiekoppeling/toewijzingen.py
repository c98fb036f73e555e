"""Toewijzingen of granted ZIN voorzieningen (the 301 side), and the start and stop of delivery."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from . import events
from .constants import REDEN_BEEINDIGING, REDEN_WIJZIGING, Leveringsvorm
from .exceptions import DomainValidationError, InvalidParam, InvalidTransition
from .lifecycle import changes
from .lifecycle.states import ASSIGNED_STATUSES, GRANTED_STATUSES, Status
from .models import Applicatie, Toewijzing, Voorziening

VERLENGING = "04"  # reden wijziging: herbeoordeling, verlenging toewijzing


def _change(toewijzing: Toewijzing, gebeurtenis: str, actie: str, target: str | None) -> None:
    """Move the voorziening to `target` (None: its state stays) and record the change with the
    toewijzing's bericht; its zaak follows either way."""
    voorziening = toewijzing.voorziening
    aanvraag = voorziening.aanvraag
    extra = [
        events.bericht(
            gebeurtenis=gebeurtenis, resource="toewijzing", uuid=str(toewijzing.uuid), actie=actie, aanvraag=aanvraag
        )
    ]
    if target is None:
        changes.record(aanvraag=aanvraag, lines=[voorziening], gebeurtenis=gebeurtenis, extra=extra)
        return
    changes.transition(
        aanvraag=aanvraag,
        moves=[changes.Move(voorziening, target, "De voorziening")],
        gebeurtenis=gebeurtenis,
        extra=extra,
    )


@transaction.atomic
def toewijzing_create(*, voorziening: Voorziening, afzender: Applicatie, data: dict[str, Any]) -> Toewijzing:
    """Assign a granted ZIN voorziening to an aanbieder; a later one for the same voorziening is a
    wijziging and needs a reden wijziging."""
    voorziening = Voorziening.objects.select_for_update().select_related("aanvraag__gemeente").get(pk=voorziening.pk)
    aanvraag = voorziening.aanvraag
    errors: list[InvalidParam] = []
    if voorziening.leveringsvorm != Leveringsvorm.ZIN:
        errors.append(
            InvalidParam(
                "voorziening", "geen_zin", "Alleen een ZIN-voorziening wordt toegewezen (PGB gaat naar de SVB)."
            )
        )
    reden = data.get("reden_wijziging", "")
    wijziging = voorziening.status in ASSIGNED_STATUSES
    if wijziging and not reden:
        errors.append(
            InvalidParam("redenWijziging", "required", "Een nieuwe toewijzing voor deze voorziening is een wijziging.")
        )
    if reden and reden not in REDEN_WIJZIGING:
        errors.append(InvalidParam("redenWijziging", "onbekend", f"Reden wijziging {reden} bestaat niet (02-14)."))
    nummer = data["toewijzingnummer"]
    if Toewijzing.objects.filter(
        gemeente_code=aanvraag.gemeente.code, wet=aanvraag.wet, toewijzingnummer=nummer
    ).exists():
        errors.append(InvalidParam("toewijzingnummer", "9332", "Dit toewijzingnummer is al gebruikt in deze gemeente."))
    if errors:
        raise DomainValidationError(errors)
    if not wijziging and voorziening.status not in GRANTED_STATUSES:
        raise InvalidTransition(current=voorziening.status, target=Status.TOEGEWEZEN, what="De voorziening")
    toewijzing = Toewijzing.objects.create(
        voorziening=voorziening,
        afzender=afzender,
        toewijzingnummer=nummer,
        gemeente_code=aanvraag.gemeente.code,
        wet=aanvraag.wet,
        aanbieder=data["aanbieder"],
        ingangsdatum=data["ingangsdatum"],
        einddatum=data.get("einddatum"),
        reden_wijziging=reden,
    )
    if (
        wijziging
        and reden == VERLENGING
        and toewijzing.einddatum
        and (not voorziening.einddatum or toewijzing.einddatum > voorziening.einddatum)
    ):
        # Herbeoordeling, verlenging: an extension without change keeps the voorziening (DOMAIN.md 6).
        voorziening.einddatum = toewijzing.einddatum
        voorziening.save(update_fields=["einddatum", "gewijzigd_op"])
    if wijziging:
        _change(toewijzing, "toewijzing_wijziging", "create", None)
    else:
        _change(toewijzing, "toewijzing", "create", Status.TOEGEWEZEN)
    return toewijzing


@transaction.atomic
def toewijzing_start(*, toewijzing: Toewijzing, datum: dt.date) -> Toewijzing:
    """Start of delivery (the aanbieder's 305)."""
    toewijzing = (
        Toewijzing.objects.select_for_update().select_related("voorziening__aanvraag__gemeente").get(pk=toewijzing.pk)
    )
    if datum < toewijzing.ingangsdatum:
        raise DomainValidationError(
            [InvalidParam("datum", "voor_ingangsdatum", "De levering start voor de toewijzing.")]
        )
    toewijzing.start_datum = datum
    toewijzing.save(update_fields=["start_datum", "gewijzigd_op"])
    _change(toewijzing, "levering_gestart", "update", Status.IN_LEVERING)
    return toewijzing


@transaction.atomic
def toewijzing_stop(*, toewijzing: Toewijzing, datum: dt.date, reden: str) -> Toewijzing:
    """Stop of delivery (the aanbieder's 307), with a reden beeindiging from the wet's own list."""
    toewijzing = (
        Toewijzing.objects.select_for_update().select_related("voorziening__aanvraag__gemeente").get(pk=toewijzing.pk)
    )
    codes = REDEN_BEEINDIGING[toewijzing.wet]
    errors = []
    if reden not in codes:
        errors.append(
            InvalidParam(
                "redenBeeindiging", "onbekend", f"Reden beëindiging {reden} bestaat niet voor de {toewijzing.wet}."
            )
        )
    start = toewijzing.start_datum or toewijzing.ingangsdatum
    if datum < start:
        errors.append(InvalidParam("datum", "voor_start", "De levering stopt voor ze begon."))
    if errors:
        raise DomainValidationError(errors)
    toewijzing.stop_datum = datum
    toewijzing.reden_beeindiging = reden
    toewijzing.save(update_fields=["stop_datum", "reden_beeindiging", "gewijzigd_op"])
    _change(toewijzing, "levering_gestopt", "update", Status.BEEINDIGD)
    return toewijzing
