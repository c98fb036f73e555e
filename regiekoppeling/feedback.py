"""The backoffice's answers: technical feedback, functional feedback and the beschikking.

Each service moves its lines through the lifecycle (`lifecycle.changes`), stores the answer in the
same transaction, and publishes the events for the parties (and, for a beschikking, the besluit in the
ZGW APIs).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from . import events, rules
from .constants import Leveringsvorm, retourcodes
from .exceptions import DomainValidationError, InvalidParam
from .lifecycle import changes
from .lifecycle.states import OPEN_STATUSES, Status
from .models import Aanvraag, Applicatie, Beschikking, BeschikkingRegel, Document, Terugkoppeling, Voorziening

_SOORT_TARGET = {
    Terugkoppeling.Soort.VERWERKBAAR: Status.IN_BEHANDELING,
    Terugkoppeling.Soort.NIET_VERWERKBAAR: Status.NIET_VERWERKBAAR,
    Terugkoppeling.Soort.AFGEWEZEN: Status.AFGEWEZEN,
    Terugkoppeling.Soort.IN_ONDERZOEK: Status.IN_ONDERZOEK,
}


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


@transaction.atomic
def terugkoppeling_create(*, aanvraag: Aanvraag, afzender: Applicatie, data: dict[str, Any]) -> Terugkoppeling:
    """Technical feedback (verwerkbaar or not, with errors) or functional feedback (afgewezen
    without a beschikking, in onderzoek) for all or some lines of an aanvraag."""
    aanvraag = Aanvraag.objects.select_for_update().get(pk=aanvraag.pk)
    soort = data["soort"]
    uuids = data.get("voorzieningen")
    if soort in (Terugkoppeling.Soort.VERWERKBAAR, Terugkoppeling.Soort.NIET_VERWERKBAAR) and uuids:
        # Processability is about the whole aanvraag: a list of lines would be ignored, so it is refused.
        reason = "Technische terugkoppeling geldt voor de hele aanvraag: laat voorzieningen weg."
        raise DomainValidationError([InvalidParam("voorzieningen", "not_allowed", reason)])
    lines = _locked_lines(aanvraag, uuids)
    if uuids is None and soort in (Terugkoppeling.Soort.AFGEWEZEN, Terugkoppeling.Soort.IN_ONDERZOEK):
        lines = [v for v in lines if v.status in OPEN_STATUSES]
    if soort == Terugkoppeling.Soort.NIET_VERWERKBAAR and not data.get("fouten"):
        raise DomainValidationError([InvalidParam("fouten", "required", "Niet verwerkbaar vraagt om de fouten.")])
    known = retourcodes()[aanvraag.wet]
    unknown = [
        InvalidParam(
            f"fouten.{i}.code",
            "onbekende_retourcode",
            f"Retourcode {f['code']} staat niet in de codelijst WJ001 ({aanvraag.get_wet_display()}, release 3.2).",
        )
        for i, f in enumerate(data.get("fouten") or [])
        if f["code"] not in known
    ]
    if unknown:
        raise DomainValidationError(unknown)
    if soort == Terugkoppeling.Soort.AFGEWEZEN and not data.get("reden_afwijzing"):
        raise DomainValidationError([InvalidParam("redenAfwijzing", "required", "Afwijzen vraagt om een reden.")])
    changes.check([changes.Move(line, _SOORT_TARGET[soort]) for line in lines])
    terugkoppeling = Terugkoppeling.objects.create(
        aanvraag=aanvraag,
        afzender=afzender,
        soort=soort,
        fouten=data.get("fouten", []),
        reden_afwijzing=data.get("reden_afwijzing", ""),
        toelichting=data.get("toelichting", ""),
    )
    terugkoppeling.voorzieningen.set(lines)
    gebeurtenis = f"terugkoppeling_{soort}"
    changes.transition(
        aanvraag=aanvraag,
        moves=[changes.Move(line, _SOORT_TARGET[soort]) for line in lines],
        gebeurtenis=gebeurtenis,
        extra=[
            events.bericht(
                gebeurtenis=gebeurtenis,
                resource="terugkoppeling",
                uuid=str(terugkoppeling.uuid),
                actie="create",
                aanvraag=aanvraag,
            )
        ],
    )
    return terugkoppeling


_UITKOMST_STATUS = {
    BeschikkingRegel.Uitkomst.TOEGEKEND: Status.TOEGEKEND,
    BeschikkingRegel.Uitkomst.GEDEELTELIJK_TOEGEKEND: Status.GEDEELTELIJK_TOEGEKEND,
    BeschikkingRegel.Uitkomst.AFGEWEZEN: Status.AFGEWEZEN,
}


def _asked_pgb(line: Voorziening, regel: dict[str, Any]) -> dict[str, Any]:
    """A PGB toegekend without its own `pgb` is granted as asked (a partial grant always says it)."""
    if line.leveringsvorm != Leveringsvorm.PGB or regel["uitkomst"] == BeschikkingRegel.Uitkomst.AFGEWEZEN:
        return {}
    return {
        "bedrag": line.pgb_bedrag,
        "basis": line.pgb_basis,
        "ingangsdatum": line.pgb_periode_ingangsdatum,
        "einddatum": line.pgb_periode_einddatum,
        "tariefreferentie": line.pgb_tariefreferentie,
    }


def _granted_period(line: Voorziening, regel: dict[str, Any]) -> tuple[dt.date, dt.date | None]:
    return regel.get("ingangsdatum") or line.ingangsdatum, regel.get("einddatum") or line.einddatum


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
    for i, (line, regel) in enumerate(zip(lines, regels, strict=True)):
        errors += rules.regel_problems(i, line.leveringsvorm, regel, _granted_period(line, regel))
    if errors:
        raise DomainValidationError(errors)
    moves = [changes.Move(line, _UITKOMST_STATUS[regel["uitkomst"]]) for line, regel in zip(lines, regels, strict=True)]
    changes.check(moves)
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
    for line, regel in zip(lines, regels, strict=True):
        omvang = regel.get("omvang") or {}
        pgb = regel.get("pgb") or _asked_pgb(line, regel)
        BeschikkingRegel.objects.create(
            beschikking=beschikking,
            voorziening=line,
            uitkomst=regel["uitkomst"],
            omvang_volume=omvang.get("volume"),
            omvang_eenheid=omvang.get("eenheid", ""),
            omvang_frequentie=omvang.get("frequentie", ""),
            budget=regel.get("budget"),
            pgb_bedrag=pgb.get("bedrag"),
            pgb_basis=pgb.get("basis", ""),
            # The PGB period defaults to the granted one, as the asked PGB's does to its line's.
            pgb_periode_ingangsdatum=(pgb.get("ingangsdatum") or _granted_period(line, regel)[0]) if pgb else None,
            pgb_periode_einddatum=(pgb.get("einddatum") or _granted_period(line, regel)[1]) if pgb else None,
            pgb_tariefreferentie=pgb.get("tariefreferentie", ""),
            ingangsdatum=regel.get("ingangsdatum"),
            einddatum=regel.get("einddatum"),
            reden=regel.get("reden", ""),
        )
    changes.transition(
        aanvraag=aanvraag,
        moves=moves,
        gebeurtenis="beschikking",
        # The besluit brings the zaken of the lines along (resultaat and status); the zaak event after it
        # finds them there, and brings a hoofdzaak along.
        extra=[
            events.bericht(
                gebeurtenis="beschikking",
                resource="beschikking",
                uuid=str(beschikking.uuid),
                actie="create",
                aanvraag=aanvraag,
            ),
            events.beschikking_genomen(beschikking),
        ],
    )
    return beschikking
