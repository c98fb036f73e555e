"""Writes of the domain. Each service is atomic, checks rules and states, and stores its outgoing
work in the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import prefetch_related_objects

from . import documents, events, rules, selectors
from .constants import Leveringsvorm, Rol
from .exceptions import DomainValidationError, InvalidParam
from .lifecycle import changes
from .lifecycle.states import LIVE_STATUSES, OPEN_STATUSES, Status, require_transition
from .models import Aanvraag, Applicatie, Document, Gemeente, Product, Voorziening
from .new_rows import products_named, rows_insert
from .outbox import outbox_publish


def _product_key(wet: str, ref: dict[str, Any]) -> str:
    return f"{wet}:{ref['categorie']}:{ref.get('code') or ''}"


def _resolve_gemeente(indiener: Applicatie, code: str) -> tuple[Gemeente | None, list[InvalidParam]]:
    gemeente = indiener.gemeenten.filter(code=code).first()
    if gemeente is not None:
        return gemeente, []
    # One answer whether the gemeente exists or not: an application learns nothing about which other
    # gemeenten the service holds (tests/isolation). The same words as the productenboek and signalen.
    return None, [InvalidParam("gemeente", "niet_toegestaan", f"Deze applicatie handelt niet voor gemeente {code}.")]


ProductIndex = dict[tuple[str, str], list[Product]]


def _gemeente_and_products(
    indiener: Applicatie, code: str, wet: str, refs: list[dict[str, Any]], *, arrangement: bool
) -> tuple[Gemeente | None, ProductIndex, list[InvalidParam]]:
    """The gemeente (when the indiener acts for it) and every version of every product the request
    names in its productenboek of this wet: (categorie, code) -> versions. The usual case is one query,
    the gemeente joined to its products; only when none of them is there does the gemeente cost its own
    (and the refusal its reason). With `arrangement` the onderdelen too (one more query): only an
    arrangement's product is asked for them."""
    index: ProductIndex = {}
    categorieen = sorted({ref["categorie"] for ref in refs})
    products = products_named(indiener_id=indiener.pk, gemeente=code, wet=wet, categorieen=categorieen)
    if arrangement:
        prefetch_related_objects(products, "onderdelen")
    for p in products:
        index.setdefault((p.categorie, p.code), []).append(p)
    if index:
        return next(iter(index.values()))[0].gemeente, index, []
    gemeente, problems = _resolve_gemeente(indiener, code)
    return gemeente, index, problems


def _resolve_product(
    gemeente: Gemeente | None, wet: str, ref: dict[str, Any], name: str, index: ProductIndex, op: dt.date
) -> tuple[Product | None, list[InvalidParam]]:
    """The version of the named product that is valid on `op` in the productenboek of the gemeente."""
    problem = rules.categorie_problem(wet, ref["categorie"])
    if problem:
        return None, [InvalidParam(f"{name}.categorie", "wet_categorie", problem)]
    if gemeente is None:  # already refused for its gemeente; there is no productenboek to look in
        return None, []
    code = ref.get("code") or ""
    versions = index.get((ref["categorie"], code), [])
    valid = [p for p in versions if p.geldig_op(op)]
    if valid:
        return valid[0], []
    field = f"{name}.code" if code else f"{name}.categorie"
    if versions:
        label = code or f"categorie {ref['categorie']}"
        geldig = "; ".join(p.geldigheid for p in versions)
        reason = f"Product {label} is op {op:%Y-%m-%d} niet geldig in het productenboek (geldig {geldig})."
        return None, [InvalidParam(field, "niet_geldig", reason)]
    if code and Product.objects.filter(gemeente=gemeente, wet=wet, code=code).exists():  # S329
        return None, [
            InvalidParam(f"{name}.code", "S329", f"Productcode {code} hoort niet bij categorie {ref['categorie']}.")
        ]
    where = f"het productenboek van gemeente {gemeente.code} ({wet})"
    if code:
        return None, [InvalidParam(field, "onbekend", f"Productcode {code} staat niet in {where}.")]
    return None, [InvalidParam(field, "onbekend", f"Categorie {ref['categorie']} staat niet in {where}.")]


def _lock_client(bsn: str) -> None:
    # Serialises concurrent aanvragen for one client, so the OP043 check cannot be raced.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"client:{bsn}"])


# Table names of the models only; every value is a parameter.
_STORED_PERIODS = (
    "SELECT p.wet, p.categorie, p.code, v.ingangsdatum, v.einddatum, v.leveringsvorm"  # noqa: S608
    f" FROM {Voorziening._meta.db_table} v JOIN {Aanvraag._meta.db_table} a ON a.id = v.aanvraag_id"
    f" JOIN {Product._meta.db_table} p ON p.id = v.product_id"
    " WHERE a.gemeente_id = %s AND a.client_bsn = %s AND v.status = ANY(%s)"
)


def _stored_periods(gemeente: Gemeente, bsn: str) -> list[tuple[str, rules.Period, str]]:
    """The client's live lines in this gemeente (product key, period, leveringsvorm), for OP043. One
    statement as written: the ORM's building of this join was a tenth of an intake's CPU."""
    with connection.cursor() as cursor:
        cursor.execute(_STORED_PERIODS, [gemeente.pk, bsn, [str(status) for status in LIVE_STATUSES]])
        rows = cursor.fetchall()
    return [(f"{w}:{c}:{code}", (ing, eind), vorm) for w, c, code, ing, eind, vorm in rows]


def _line_period(line: dict[str, Any]) -> rules.Period:
    start: dt.date = line["ingangsdatum"]
    return start, line.get("einddatum")


@transaction.atomic
def aanvraag_create(*, indiener: Applicatie, data: dict[str, Any]) -> Aanvraag:
    """Accept an aanvraag of a regieapplicatie: check every rule, store it with its lines and the
    documents sent with it, and queue its ZGW registration and the message to the backoffice."""
    if indiener.rol != Rol.REGIE:
        raise PermissionError("Alleen een regieapplicatie dient aanvragen in.")
    wet = data["wet"]
    refs = [line["product"] for line in data["voorzieningen"]]
    if data.get("arrangement_product") is not None:
        refs.append(data["arrangement_product"])
    gemeente, index, problems = _gemeente_and_products(
        indiener, data["gemeente"], wet, refs, arrangement=data.get("arrangement_product") is not None
    )
    errors: list[InvalidParam] = list(problems)
    errors += rules.arrangement_problems(data)
    errors += rules.betrokkenen_problems(data)
    client_data = data["client"]
    errors += rules.geboortedatum_problems(client_data["geboortedatum"], client_data.get("geboortedatum_gebruik", ""))
    arrangement_product = None
    if data.get("arrangement_product") is not None and not errors:
        first_day = min(line["ingangsdatum"] for line in data["voorzieningen"])
        arrangement_product, problems = _resolve_product(
            gemeente, wet, data["arrangement_product"], "arrangementProduct", index, first_day
        )
        errors += problems

    products: list[Product | None] = []
    for i, line in enumerate(data["voorzieningen"]):
        name = f"voorzieningen.{i}.product"
        product, problems = _resolve_product(gemeente, wet, line["product"], name, index, line["ingangsdatum"])
        products.append(product)
        errors += problems
        errors += rules.line_problems(i, line)
        if product is not None:
            errors += rules.productenboek_problems(i, line, product, arrangement=arrangement_product)
        errors += rules.verwijzer_problems(i, wet, line.get("verwijzer"))

    attachments, problems = documents.attachments_checked(data.get("documenten") or [])
    errors += problems

    bsn = data["client"]["bsn"]
    if gemeente is not None:
        _lock_client(bsn)
        new_lines = [
            (i, _product_key(wet, line["product"]), _line_period(line), line["leveringsvorm"])
            for i, line in enumerate(data["voorzieningen"])
        ]
        errors += rules.op043_problems(new_lines, _stored_periods(gemeente, bsn))
    if errors:
        raise DomainValidationError(errors)
    assert gemeente is not None

    client = data["client"]
    aanvraag = Aanvraag(
        gemeente=gemeente,
        wet=wet,
        indiener=indiener,
        regie_referentie=data.get("regie_referentie", ""),
        gezinsplan_zaak=data.get("gezinsplan_zaak", ""),
        is_arrangement=data.get("is_arrangement", False),
        arrangement_product=arrangement_product,
        toelichting=data.get("toelichting", ""),
        client_bsn=bsn,
        client_geboortedatum=client["geboortedatum"],
        client_geboortedatum_gebruik=client.get("geboortedatum_gebruik", ""),
        client_geslacht=client["geslacht"],
        client_voornamen=client.get("voornamen", ""),
        client_voorvoegsel=client.get("voorvoegsel", ""),
        client_achternaam=client["achternaam"],
        betrokkenen=[_plain(b) for b in data.get("betrokkenen") or []],
    )
    rows_insert([aanvraag])
    lines = [
        _build_voorziening(aanvraag, i + 1, product, line)
        for i, (product, line) in enumerate(zip(products, data["voorzieningen"], strict=True))
    ]
    rows_insert(lines)
    outbox_publish(
        aanvraag=aanvraag,
        events=[
            events.aanvraag_ontvangen(aanvraag),
            events.bericht(
                gebeurtenis="aanvraag_ontvangen",
                resource="aanvraag",
                uuid=str(aanvraag.uuid),
                actie="create",
                aanvraag=aanvraag,
                kenmerken={"status": aanvraag.status},
            ),
        ],
    )
    stored = documents.attachments_store(aanvraag=aanvraag, indiener=indiener, attachments=attachments)
    _prefetched(aanvraag, voorzieningen=lines, documenten=stored)
    return aanvraag


def _plain(value: Any) -> Any:
    """Validated input (ordered dicts) as plain JSON values for a JSONField."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _prefetched(aanvraag: Aanvraag, *, voorzieningen: list[Voorziening], documenten: list[Document]) -> None:
    """The caller usually shows the aanvraag right away: hand it over as if prefetched, so showing it
    costs no second round of queries for what was just written (querysets with their result cache
    filled, exactly what `prefetch_related` leaves behind)."""
    aanvraag._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "voorzieningen": selectors.answered_with(
            Voorziening.objects.filter(aanvraag=aanvraag).order_by("volgnummer"), voorzieningen
        ),
        # Most aanvragen come without documents: an empty queryset is cheaper to build than a filter.
        "documenten": selectors.answered_with(
            Document.objects.filter(aanvraag=aanvraag) if documenten else Document.objects.none(), documenten
        ),
    }


def _build_voorziening(
    aanvraag: Aanvraag, volgnummer: int, product: Product | None, line: dict[str, Any]
) -> Voorziening:
    assert product is not None
    omvang = line.get("omvang") or {}
    pgb = line.get("pgb") or {}
    verwijzer = line.get("verwijzer") or {}
    is_pgb = line["leveringsvorm"] == Leveringsvorm.PGB
    return Voorziening(
        aanvraag=aanvraag,
        volgnummer=volgnummer,
        product=product,
        leveringsvorm=line["leveringsvorm"],
        omvang_volume=omvang.get("volume"),
        omvang_eenheid=omvang.get("eenheid", ""),
        omvang_frequentie=omvang.get("frequentie", ""),
        budget=line.get("budget"),
        pgb_bedrag=pgb.get("bedrag"),
        pgb_basis=pgb.get("basis", ""),
        # The PGB period defaults to the period of the voorziening itself.
        pgb_periode_ingangsdatum=pgb.get("ingangsdatum") or (line["ingangsdatum"] if is_pgb else None),
        pgb_periode_einddatum=pgb.get("einddatum") or (line.get("einddatum") if is_pgb else None),
        pgb_tariefreferentie=pgb.get("tariefreferentie", ""),
        ingangsdatum=line["ingangsdatum"],
        einddatum=line.get("einddatum"),
        aanbieder=line.get("aanbieder", ""),
        verwijzer_type=verwijzer.get("type", ""),
        verwijzer_naam=verwijzer.get("naam", ""),
        verwijzer_zorgverlenerscode=verwijzer.get("zorgverlenerscode", ""),
        toelichting=line.get("toelichting", ""),
    )


@transaction.atomic
def aanvraag_withdraw(*, aanvraag: Aanvraag, reden: str = "") -> Aanvraag:
    """Withdraw an aanvraag and every line that is still open (the regie changed its mind)."""
    aanvraag = Aanvraag.objects.select_for_update().get(pk=aanvraag.pk)
    require_transition(aanvraag.status, Status.INGETROKKEN, what="De aanvraag")
    lines = list(aanvraag.voorzieningen.select_for_update().filter(status__in=OPEN_STATUSES))
    for line in lines:
        line.reden_intrekking = reden
    changes.transition(
        aanvraag=aanvraag,
        moves=[changes.Move(line, Status.INGETROKKEN) for line in lines],
        gebeurtenis="aanvraag_ingetrokken",
        fields=["reden_intrekking"],
        # Withdrawn, whatever its already decided lines say.
        aanvraag_status=Status.INGETROKKEN,
        aanvraag_fields={"reden_intrekking": reden},
        announce_lines=True,
    )
    return aanvraag


@transaction.atomic
def voorziening_withdraw(*, voorziening: Voorziening, reden: str = "") -> Voorziening:
    """Withdraw one open line. When no line of the aanvraag is left, the aanvraag is withdrawn too."""
    aanvraag = Aanvraag.objects.select_for_update().get(pk=voorziening.aanvraag_id)
    voorziening = Voorziening.objects.select_for_update().get(pk=voorziening.pk)
    voorziening.reden_intrekking = reden
    changes.transition(
        aanvraag=aanvraag,
        moves=[changes.Move(voorziening, Status.INGETROKKEN, "De voorziening")],
        gebeurtenis="voorziening_ingetrokken",
        fields=["reden_intrekking"],
        announce_lines=True,
    )
    if aanvraag.status == Status.INGETROKKEN:
        aanvraag.reden_intrekking = reden
        aanvraag.save(update_fields=["reden_intrekking", "gewijzigd_op"])
    return voorziening
