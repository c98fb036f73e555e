"""The backoffice's answers: technical feedback, functional feedback and the beschikking.

Each service checks the lifecycle table for every line it moves, stores the answer and its lines'
new states in one transaction, and queues the messages for the parties (and, for a beschikking, the
besluit in the ZGW APIs) in the outbox.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .constants import OPEN_STATUSES, Status, require_transition
from .events import bericht, zaak_status
from .exceptions import DomainValidationError, InvalidParam
from .models import (
    Aanvraag,
    Applicatie,
    Beschikking,
    BeschikkingRegel,
    Document,
    OutboxItem,
    Terugkoppeling,
    Voorziening,
)
from .outbox import outbox_enqueue_many

_SOORT_TARGET = {
    Terugkoppeling.Soort.VERWERKBAAR: Status.IN_BEHANDELING,
    Terugkoppeling.Soort.NIET_VERWERKBAAR: Status.NIET_VERWERKBAAR,
    Terugkoppeling.Soort.AFGEWEZEN: Status.AFGEWEZEN,
    Terugkoppeling.Soort.IN_ONDERZOEK: Status.IN_ONDERZOEK,
}
_OPEN_PRIORITY = [Status.IN_ONDERZOEK, Status.IN_BEHANDELING, Status.ONTVANGEN]


def aanvraag_status_from_lines(statuses: list[str]) -> str:
    """The aanvraag's status follows its lines: their common state; while some are open, the most
    advanced open state; once all are decided, the overall outcome."""
    live = [s for s in statuses if s != Status.INGETROKKEN] or statuses
    if len(set(live)) == 1:
        return live[0]
    for status in _OPEN_PRIORITY:
        if status in live:
            return status
    granted = {Status.TOEGEKEND, Status.GEDEELTELIJK_TOEGEKEND, Status.TOEGEWEZEN, Status.IN_LEVERING}
    return Status.GEDEELTELIJK_TOEGEKEND if granted & set(live) else Status.AFGEWEZEN


def _locked_lines(aanvraag: Aanvraag, uuids: list[str] | None, name: str = "voorzieningen.{}") -> list[Voorziening]:
    lines = list(aanvraag.voorzieningen.select_for_update().order_by("volgnummer"))
    if uuids is None:
        return lines
    by_uuid = {str(v.uuid): v for v in lines}
    missing = [
        InvalidParam(name.format(i), "hoort_niet_bij_aanvraag", "Deze voorziening hoort niet bij de aanvraag.")
        for i, u in enumerate(uuids)
        if str(u) not in by_uuid
    ]
    if missing:
        raise DomainValidationError(missing)
    return [by_uuid[str(u)] for u in uuids]


def _move(lines: list[Voorziening], target: str) -> None:
    for line in lines:
        require_transition(line.status, target, what=f"Voorziening {line.volgnummer}")
    now = timezone.now()
    for line in lines:
        line.status = target
        line.gewijzigd_op = now
    Voorziening.objects.bulk_update(lines, ["status", "gewijzigd_op"])


def follow_lines(aanvraag: Aanvraag) -> None:
    statuses = list(aanvraag.voorzieningen.values_list("status", flat=True))
    aanvraag.status = aanvraag_status_from_lines(statuses)
    aanvraag.save(update_fields=["status", "gewijzigd_op"])


@transaction.atomic
def terugkoppeling_create(*, aanvraag: Aanvraag, afzender: Applicatie, data: dict[str, Any]) -> Terugkoppeling:
    """Technical feedback (verwerkbaar or not, with errors) or functional feedback (afgewezen
    without a beschikking, in onderzoek) for all or some lines of an aanvraag."""
    aanvraag = Aanvraag.objects.select_for_update().get(pk=aanvraag.pk)
    soort = data["soort"]
    uuids = data.get("voorzieningen")
    if soort in (Terugkoppeling.Soort.VERWERKBAAR, Terugkoppeling.Soort.NIET_VERWERKBAAR):
        uuids = None  # processability is about the whole aanvraag
    lines = _locked_lines(aanvraag, uuids)
    if uuids is None and soort in (Terugkoppeling.Soort.AFGEWEZEN, Terugkoppeling.Soort.IN_ONDERZOEK):
        lines = [v for v in lines if v.status in OPEN_STATUSES]
    if soort == Terugkoppeling.Soort.NIET_VERWERKBAAR and not data.get("fouten"):
        raise DomainValidationError([InvalidParam("fouten", "required", "Niet verwerkbaar vraagt om de fouten.")])
    if soort == Terugkoppeling.Soort.AFGEWEZEN and not data.get("reden_afwijzing"):
        raise DomainValidationError([InvalidParam("redenAfwijzing", "required", "Afwijzen vraagt om een reden.")])
    _move(lines, _SOORT_TARGET[soort])
    terugkoppeling = Terugkoppeling.objects.create(
        aanvraag=aanvraag,
        afzender=afzender,
        soort=soort,
        fouten=data.get("fouten", []),
        reden_afwijzing=data.get("reden_afwijzing", ""),
        toelichting=data.get("toelichting", ""),
    )
    terugkoppeling.voorzieningen.set(lines)
    follow_lines(aanvraag)
    gebeurtenis = f"terugkoppeling_{soort}"
    work = [
        bericht(
            gebeurtenis=gebeurtenis,
            resource="terugkoppeling",
            uuid=str(terugkoppeling.uuid),
            actie="create",
            aanvraag=aanvraag,
        ),
        zaak_status(gebeurtenis, aanvraag, lines),
    ]
    outbox_enqueue_many(aanvraag=aanvraag, work=work)
    return terugkoppeling


_UITKOMST_STATUS = {
    BeschikkingRegel.Uitkomst.TOEGEKEND: Status.TOEGEKEND,
    BeschikkingRegel.Uitkomst.GEDEELTELIJK_TOEGEKEND: Status.GEDEELTELIJK_TOEGEKEND,
    BeschikkingRegel.Uitkomst.AFGEWEZEN: Status.AFGEWEZEN,
}


@transaction.atomic
def beschikking_create(*, aanvraag: Aanvraag, afzender: Applicatie, data: dict[str, Any]) -> Beschikking:
    """The decision: one beschikkingnummer, dates and letter, and an outcome per voorziening."""
    aanvraag = Aanvraag.objects.select_for_update().get(pk=aanvraag.pk)
    regels = data["regels"]
    lines = _locked_lines(aanvraag, [r["voorziening"] for r in regels], "regels.{}.voorziening")
    errors = [
        InvalidParam(f"regels.{i}.voorziening", "dubbel", "Deze voorziening staat twee keer in de beschikking.")
        for i, r in enumerate(regels)
        if [x["voorziening"] for x in regels].index(r["voorziening"]) != i
    ]
    brief = None
    if data.get("brief"):
        brief = Document.objects.filter(aanvraag=aanvraag, uuid=data["brief"]).first()
        if brief is None:
            errors.append(InvalidParam("brief", "onbekend", "Dit document hoort niet bij de aanvraag."))
    if Beschikking.objects.filter(aanvraag=aanvraag, beschikkingnummer=data["beschikkingnummer"]).exists():
        errors.append(InvalidParam("beschikkingnummer", "niet_uniek", "Dit beschikkingnummer is al gebruikt."))
    if errors:
        raise DomainValidationError(errors)
    for line, regel in zip(lines, regels, strict=True):
        require_transition(line.status, _UITKOMST_STATUS[regel["uitkomst"]], what=f"Voorziening {line.volgnummer}")
    beschikking = Beschikking.objects.create(
        aanvraag=aanvraag,
        afzender=afzender,
        beschikkingnummer=data["beschikkingnummer"],
        datum=data["datum"],
        ingangsdatum=data["ingangsdatum"],
        vervaldatum=data.get("vervaldatum"),
        brief=brief,
        toelichting=data.get("toelichting", ""),
    )
    now = timezone.now()
    for line, regel in zip(lines, regels, strict=True):
        omvang = regel.get("omvang") or {}
        BeschikkingRegel.objects.create(
            beschikking=beschikking,
            voorziening=line,
            uitkomst=regel["uitkomst"],
            omvang_volume=omvang.get("volume"),
            omvang_eenheid=omvang.get("eenheid", ""),
            omvang_frequentie=omvang.get("frequentie", ""),
            budget=regel.get("budget"),
            pgb_bedrag=regel.get("pgb_bedrag"),
            ingangsdatum=regel.get("ingangsdatum"),
            einddatum=regel.get("einddatum"),
            reden=regel.get("reden", ""),
        )
        line.status = _UITKOMST_STATUS[regel["uitkomst"]]
        line.gewijzigd_op = now
    Voorziening.objects.bulk_update(lines, ["status", "gewijzigd_op"])
    follow_lines(aanvraag)
    work = [
        bericht(
            gebeurtenis="beschikking",
            resource="beschikking",
            uuid=str(beschikking.uuid),
            actie="create",
            aanvraag=aanvraag,
        ),
        (OutboxItem.Soort.BESLUIT, {"beschikking": str(beschikking.uuid)}),
    ]
    outbox_enqueue_many(aanvraag=aanvraag, work=work)
    return beschikking
