"""Herindicatie signals: posted by the backoffice, or raised here when a grant is about to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from . import events
from .constants import Leveringsvorm, Wet
from .exceptions import DomainValidationError, InvalidParam, InvalidTransition
from .iwmo import Verzoek, verzoek_to_json
from .lifecycle.states import GRANTED_STATUSES, RUNNING_STATUSES, Status
from .models import Aanvraag, Applicatie, Gemeente, Signaal, SignaalProduct, Toewijzing, Voorziening
from .outbox import outbox_publish
from .services import aanvraag_create


def _queue(signaal: Signaal, voorziening: Voorziening) -> None:
    _queue_for(signaal, voorziening.aanvraag, "herindicatie")


def _kenmerken(signaal: Signaal) -> dict[str, str]:
    """The soort, and for a 315/317 the aanbieder's AGB code (an organisation, no personal data), so a
    regie can route the bericht before it reads the signaal."""
    aanbieder = (signaal.inhoud or {}).get("header", {}).get("aanbieder")
    return {"soort": signaal.soort, **({"aanbieder": aanbieder} if aanbieder else {})}


def _queue_for(signaal: Signaal, aanvraag: Aanvraag, gebeurtenis: str) -> None:
    event = events.bericht(
        gebeurtenis=gebeurtenis,
        resource="signaal",
        uuid=str(signaal.uuid),
        actie="create",
        aanvraag=aanvraag,
        kenmerken=_kenmerken(signaal),
    )
    outbox_publish(aanvraag=aanvraag, events=[event])


@transaction.atomic
def herindicatie_create(*, voorziening: Voorziening, afzender: Applicatie, data: dict[str, Any]) -> Signaal:
    """The backoffice signals that a grant needs re-assessment."""
    if voorziening.status not in RUNNING_STATUSES:
        raise DomainValidationError(
            [InvalidParam("voorziening", "niet_lopend", f"De voorziening heeft status '{voorziening.status}'.")]
        )
    signaal = Signaal.objects.create(
        soort=Signaal.Soort.HERINDICATIE,
        bron=Signaal.Bron.BACKOFFICE,
        gemeente=voorziening.aanvraag.gemeente,
        afzender=afzender,
        voorziening=voorziening,
        aanvraag=voorziening.aanvraag,
        deadline=data.get("deadline") or voorziening.einddatum,
        toelichting=data.get("toelichting", ""),
    )
    _queue(signaal, voorziening)
    return signaal


@dataclass(frozen=True)
class LeadTimes:
    """Herindicatie lead times configured outside the domain (per product, in the ZGW product mapping):
    the days for one voorziening (None: the gemeente's), and the longest, for the candidates' horizon.
    An integration registers one in its AppConfig.ready, as it registers its outbox handlers."""

    days: Callable[[Voorziening], int | None]
    longest: Callable[[], int]


_lead_times: dict[str, LeadTimes] = {}


def register_lead_times(name: str, source: LeadTimes) -> None:
    _lead_times[name] = source  # by name: a second ready() replaces, never doubles


def lead_time(voorziening: Voorziening) -> dt.timedelta:
    """The product's lead time where one is configured, else the gemeente's, else the setting."""
    for source in _lead_times.values():
        days = source.days(voorziening)
        if days is not None:
            return dt.timedelta(days=days)
    days = voorziening.aanvraag.gemeente.herindicatie_termijn_dagen
    return dt.timedelta(days=days if days is not None else settings.HERINDICATIE_TERMIJN_DAGEN)


def herindicatie_candidates(*, today: dt.date) -> QuerySet[Voorziening]:
    """Running grants whose einddatum falls within the longest configured lead time and that have
    no signal from this service yet; the per-gemeente lead time is applied per row afterwards."""
    longest = Gemeente.objects.aggregate(m=Max("herindicatie_termijn_dagen"))["m"] or 0
    longest = max([longest, settings.HERINDICATIE_TERMIJN_DAGEN, *(s.longest() for s in _lead_times.values())])
    horizon = today + dt.timedelta(days=longest)
    raised = _termijn_signalen().filter(voorziening=OuterRef("pk"), deadline=OuterRef("einddatum"))
    return (
        Voorziening.objects.filter(
            status__in=RUNNING_STATUSES, einddatum__isnull=False, einddatum__gte=today, einddatum__lte=horizon
        )
        .exclude(Exists(raised))
        .exclude(status__in=GRANTED_STATUSES, leveringsvorm=Leveringsvorm.ZIN)
        .select_related("aanvraag__gemeente", "product")
    )


def _termijn_signalen() -> QuerySet[Signaal]:
    return Signaal.objects.filter(soort=Signaal.Soort.HERINDICATIE, bron=Signaal.Bron.TERMIJN)


def _herindicatie_raised(voorziening: Voorziening) -> bool:
    return _termijn_signalen().filter(voorziening=voorziening, deadline=voorziening.einddatum).exists()


def has_follow_up(voorziening: Voorziening) -> bool:
    """A later aanvraag for the same client and product, still alive, means re-assessment runs."""
    return (
        Voorziening.objects.filter(
            aanvraag__gemeente=voorziening.aanvraag.gemeente,
            aanvraag__client_bsn=voorziening.aanvraag.client_bsn,
            product=voorziening.product,
            aanvraag__aangemaakt_op__gt=voorziening.aanvraag.aangemaakt_op,
        )
        .exclude(status__in=[Status.INGETROKKEN, Status.NIET_VERWERKBAAR, Status.AFGEWEZEN])
        .exists()
    )


def herindicatie_raise_due(*, today: dt.date | None = None) -> int:
    """Beat job: raise one herindicatie per voorziening whose einddatum is within its lead time."""
    today = today or timezone.localdate()
    raised = 0
    for voorziening in herindicatie_candidates(today=today):
        assert voorziening.einddatum is not None
        if voorziening.einddatum - lead_time(voorziening) > today or has_follow_up(voorziening):
            continue
        with transaction.atomic():
            # A parallel run may have raised it meanwhile: the row lock orders the two runs, and the
            # second sees the first's signal (no insert that fails on the unique constraint: a failing
            # statement is logged by PostgreSQL with its values).
            Voorziening.objects.select_for_update().filter(pk=voorziening.pk).first()
            if _herindicatie_raised(voorziening):
                continue
            signaal = Signaal.objects.create(
                soort=Signaal.Soort.HERINDICATIE,
                bron=Signaal.Bron.TERMIJN,
                gemeente=voorziening.aanvraag.gemeente,
                voorziening=voorziening,
                aanvraag=voorziening.aanvraag,
                deadline=voorziening.einddatum,
                toelichting="De einddatum van de voorziening nadert; er is nog geen vervolgaanvraag.",
            )
            _queue(signaal, voorziening)
        raised += 1
    return raised


# --- verzoek om toewijzing (315) / verzoek om wijziging (317) -----------------------------------

_SOORT = {"315": Signaal.Soort.VERZOEK_OM_TOEWIJZING, "317": Signaal.Soort.VERZOEK_OM_WIJZIGING}


@transaction.atomic
def verzoek_create(*, afzender: Applicatie, verzoek: Verzoek, aanbieder_naam: str = "") -> Signaal:
    """A provider's request, forwarded by the backoffice for a professional judgement by the regie of
    the client's latest aanvraag in that gemeente."""
    code = verzoek.header.gemeente
    gemeente = afzender.gemeenten.filter(code=code).first()
    if gemeente is None:
        raise DomainValidationError(
            [InvalidParam("header.gemeente", "niet_toegestaan", f"Deze applicatie handelt niet voor gemeente {code}.")]
        )
    aanvraag = (
        Aanvraag.objects.filter(gemeente=gemeente, client_bsn=verzoek.client.bsn).order_by("-aangemaakt_op").first()
    )
    if aanvraag is None:
        raise DomainValidationError(
            [
                InvalidParam(
                    "client.bsn", "geen_regie", "Voor deze client is geen aanvraag van een regieapplicatie bekend."
                )
            ]
        )
    inhoud = verzoek_to_json(verzoek)
    signaal = Signaal.objects.create(
        soort=_SOORT[verzoek.berichttype.value[-3:]],
        gemeente=gemeente,
        afzender=afzender,
        aanvraag=aanvraag,
        aanbieder_naam=aanbieder_naam,
        inhoud=inhoud,
    )
    SignaalProduct.objects.bulk_create(
        [
            SignaalProduct(signaal=signaal, volgnummer=i + 1, referentie_aanbieder=p["referentieAanbieder"], inhoud=p)
            for i, p in enumerate(inhoud["producten"])
        ]
    )
    _queue_for(signaal, aanvraag, signaal.soort)
    return signaal


def _line_from_request(product: dict[str, Any], aanbieder: str, signaal: Signaal) -> dict[str, Any]:
    """A voorziening line (the validated-input shape of `aanvraag_create`) from a requested product."""
    ref = product.get("product")
    if ref is None and product.get("toewijzingNummer") is not None:
        # A 317 product to change names only its toewijzing: take the product from there.
        toewijzing = (
            Toewijzing.objects.select_related("voorziening__product")
            .filter(gemeente_code=signaal.gemeente.code, toewijzingnummer=product["toewijzingNummer"])
            .first()
        )
        if toewijzing is not None:
            ref = {"categorie": toewijzing.voorziening.product.categorie, "code": toewijzing.voorziening.product.code}
    line: dict[str, Any] = {
        "product": {"categorie": (ref or {}).get("categorie", ""), "code": (ref or {}).get("code") or ""},
        "leveringsvorm": "ZIN",
        "ingangsdatum": dt.date.fromisoformat(product["ingangsdatum"]),
        "einddatum": dt.date.fromisoformat(product["einddatum"]) if product.get("einddatum") else None,
        "aanbieder": aanbieder,
    }
    if product.get("omvang"):
        line["omvang"] = dict(product["omvang"])
    if product.get("budget") is not None:
        line["budget"] = product["budget"]
    verwijzer = product.get("verwijzer")
    if verwijzer:
        line["verwijzer"] = {
            "type": verwijzer["type"],
            "naam": verwijzer.get("naam") or "",
            "zorgverlenerscode": verwijzer.get("zorgverlenerCode") or "",
        }
    elif signaal.aanvraag is not None and signaal.aanvraag.wet == Wet.JW:
        # A 317 names no verwijzer; the Jeugdwet needs one, and it is the gemeente whose regie honours it.
        line["verwijzer"] = {"type": "01"}
    return line


def _renamed(error: DomainValidationError, positions: list[int]) -> DomainValidationError:
    """Name the problems of the new aanvraag after the answered products, not its internal lines."""
    params = []
    for p in error.params:
        name = p.name
        for line, position in enumerate(positions):
            prefix = f"voorzieningen.{line}"
            if name == prefix or name.startswith(prefix + "."):
                name = f"producten.{position}" + name[len(prefix) :]
        params.append(InvalidParam(name, p.code, p.reason))
    return DomainValidationError(params)


@transaction.atomic
def verzoek_answer(*, signaal: Signaal, regie: Applicatie, antwoorden: list[dict[str, Any]]) -> Signaal:
    """The regie's judgement per requested product. Honoured products become the voorzieningen of
    one new aanvraag that keeps each ReferentieAanbieder."""
    signaal = Signaal.objects.select_for_update(of=("self",)).select_related("gemeente", "aanvraag").get(pk=signaal.pk)
    if signaal.soort == Signaal.Soort.HERINDICATIE or signaal.aanvraag is None:
        raise DomainValidationError([InvalidParam("producten", "geen_verzoek", "Dit signaal is geen verzoek.")])
    # A 315 names each product by its own ReferentieAanbieder; a 317 has one reference for the whole
    # request, so its answer covers all its products (as a 319 does).
    products: dict[str, list[SignaalProduct]] = {}
    for product in signaal.producten.all():
        products.setdefault(product.referentie_aanbieder, []).append(product)
    errors = [
        InvalidParam(f"producten.{i}.referentieAanbieder", "onbekend", "Dit product staat niet in het verzoek.")
        for i, a in enumerate(antwoorden)
        if a["referentie_aanbieder"] not in products
    ]
    if errors:
        raise DomainValidationError(errors)
    for answer in antwoorden:
        for product in products[answer["referentie_aanbieder"]]:
            if product.antwoord in (SignaalProduct.Antwoord.GEHONOREERD, SignaalProduct.Antwoord.AFGEWEZEN):
                raise InvalidTransition(
                    current=product.antwoord, target=answer["antwoord"], what=f"Product {product.referentie_aanbieder}"
                )
    chosen = [
        (i, product)
        for i, a in enumerate(antwoorden)
        if a["antwoord"] == SignaalProduct.Antwoord.GEHONOREERD
        for product in products[a["referentie_aanbieder"]]
    ]
    new_lines = _honour(signaal, regie, chosen) if chosen else {}
    now = timezone.now()
    for answer in antwoorden:
        for product in products[answer["referentie_aanbieder"]]:
            product.antwoord = answer["antwoord"]
            product.reden_afwijzing = answer.get("reden_afwijzing", "")
            product.toelichting = answer.get("toelichting", "")
            product.voorziening = new_lines.get(product.pk)
            product.beantwoord_op = now
            product.save()
    _queue_for(signaal, signaal.aanvraag, "verzoek_beantwoord")
    return signaal


def _honour(signaal: Signaal, regie: Applicatie, chosen: list[tuple[int, SignaalProduct]]) -> dict[int, Voorziening]:
    original = signaal.aanvraag
    assert original is not None
    aanbieder = signaal.inhoud.get("header", {}).get("aanbieder", "")
    data = {
        "gemeente": signaal.gemeente.code,
        "wet": original.wet,
        "regie_referentie": original.regie_referentie,
        "toelichting": f"Gehonoreerd verzoek van aanbieder {aanbieder} (signaal {signaal.uuid}).",
        "client": {
            "bsn": original.client_bsn,
            "geboortedatum": original.client_geboortedatum,
            "geboortedatum_gebruik": original.client_geboortedatum_gebruik,
            "geslacht": original.client_geslacht,
            "voornamen": original.client_voornamen,
            "voorvoegsel": original.client_voorvoegsel,
            "achternaam": original.client_achternaam,
        },
        "voorzieningen": [_line_from_request(p.inhoud, aanbieder, signaal) for _, p in chosen],
    }
    try:
        aanvraag = aanvraag_create(indiener=regie, data=data)
    except DomainValidationError as exc:
        raise _renamed(exc, [i for i, _ in chosen]) from None
    lines = list(aanvraag.voorzieningen.order_by("volgnummer"))
    for line, (_, product) in zip(lines, chosen, strict=True):
        line.referentie_aanbieder = product.referentie_aanbieder
    Voorziening.objects.bulk_update(lines, ["referentie_aanbieder"])
    return {product.pk: line for line, (_, product) in zip(lines, chosen, strict=True)}
