"""Aanvragen, voorzieningen and documenten as the API shows them, written out by hand.

The serializers in `serializers.py` define these shapes (the OpenAPI document is generated from
them) and remain the reference: `tests/api/test_representations.py` holds every function here equal
to `camelize(Serializer(obj).data)` over every branch. What DRF spends per object (a field tree
walked field by field, `get_attribute`, `to_representation` per field, then the renderer's camelCase
walk) was most of the CPU of a list page: 0.3-0.6 ms per voorziening and 1.5-2 ms per aanvraag with
its lines and documents (bench/README.md, "lists.py"); these functions build the camelCase dict
directly, and the renderer passes their output on as it is (`Camelized`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.utils import timezone

from ..models import Aanvraag, Bericht, Document, Voorziening
from ..page_parts import Related
from .links import PLACEHOLDER, detail_url
from .moments import iso
from .prototypes import item_represented
from .renderers import Camelized, CamelizedList, camelize
from .serializers import BetrokkeneSerializer, RegistratieFoutSerializer, omvang_of, pgb_of, verwijzer_of, zaak_of


class Shapes:
    """What one response shares: the links' templates (the request's host and scheme) and the
    time zone datetimes are shown in."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context
        self.zone = timezone.get_current_timezone()
        self.links: dict[str, tuple[str, str]] = {}

    def link(self, view_name: str, uuid: Any) -> str:
        """`links.detail_url`, its template split around the uuid once per response."""
        around = self.links.get(view_name)
        if around is None:
            before, after = detail_url(self.context, view_name, PLACEHOLDER).split(PLACEHOLDER)
            around = self.links[view_name] = (before, after)
        return f"{around[0]}{uuid}{around[1]}"

    def moment(self, value: datetime.datetime | str | None) -> str | None:
        """A DateTimeField of DRF: in the current time zone, ISO 8601, UTC as `Z`."""
        return _iso(value, self.zone)


# A DateTimeField of DRF showing a datetime, or PostgreSQL's text of one (rows of `page_parts`), in a
# zone: ISO 8601, UTC as `Z`.
_iso = iso


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _fouten(fouten: list[Any]) -> list[Any]:
    # Rare (a registration that failed), and free-form inside: DRF's own field tree, camelCased as the
    # renderer would.
    return [camelize(item_represented(RegistratieFoutSerializer, fout)) for fout in fouten] if fouten else []


def _product(product: Any) -> dict[str, str] | None:
    if product is None:
        return None
    return {"categorie": str(product.categorie), "code": str(product.code), "omschrijving": str(product.omschrijving)}


def _aanvraag_uuid(v: Voorziening) -> Any:
    # A line of `selectors.voorzieningen_shown_to` carries it as a value; others have their aanvraag
    # (the lines of `selectors.lines_shown_of` get it from their aanvraag's answer).
    shown = getattr(v, "shown_aanvraag_uuid", None)
    return v.aanvraag.uuid if shown is None else shown


def _line_product(v: Voorziening) -> dict[str, str] | None:
    """A line's product: from the values `selectors.voorzieningen_shown_to` and `lines_shown_of` carry
    (`shown_product_categorie`, ...), else from the related instance."""
    try:
        categorie = v.shown_product_categorie  # type: ignore[attr-defined]
    except AttributeError:
        return _product(v.product)
    if categorie is None:
        return None
    return {
        "categorie": str(categorie),
        "code": str(v.shown_product_code),  # type: ignore[attr-defined]
        "omschrijving": str(v.shown_product_omschrijving),  # type: ignore[attr-defined]
    }


def _zaak(v: Voorziening) -> dict[str, Any] | None:
    """`zaak_of`: its `statusGezetOp` is a datetime the renderer writes as DRF's encoder does (as it
    was read: UTC, `Z`); from a row of `page_parts` it is PostgreSQL's text, written here the same."""
    zaak = zaak_of(v)
    if zaak is not None and isinstance(zaak["statusGezetOp"], str):
        zaak["statusGezetOp"] = iso(zaak["statusGezetOp"], datetime.UTC)
    return zaak


def voorziening_shown(v: Voorziening, shapes: Shapes, *, aanvraag_uuid: Any = None) -> dict[str, Any]:
    """`VoorzieningSerializer`, camelCased. `aanvraag_uuid`: when the caller has it (an aanvraag with
    its lines), so the line's own aanvraag need not be loaded."""
    # omvang, pgb and verwijzer have no key to camelCase; the zaak comes in camelCase.
    uuid = str(v.uuid)
    return {
        "url": shapes.link("voorziening-detail", uuid),
        "uuid": uuid,
        "aanvraag": shapes.link("aanvraag-detail", aanvraag_uuid or _aanvraag_uuid(v)),
        "volgnummer": int(v.volgnummer),
        "product": _line_product(v),
        "leveringsvorm": v.leveringsvorm,
        "omvang": omvang_of(v),
        "budget": None if v.budget is None else int(v.budget),
        "pgb": pgb_of(v) if v.leveringsvorm == "PGB" else None,
        "ingangsdatum": _date(v.ingangsdatum),
        "einddatum": _date(v.einddatum),
        "aanbieder": str(v.aanbieder),
        "verwijzer": verwijzer_of(v),
        "toelichting": str(v.toelichting),
        "referentieAanbieder": str(v.referentie_aanbieder),
        "status": v.status,
        "redenIntrekking": str(v.reden_intrekking),
        "zaak": _zaak(v),
        "registratie": v.registratie,
        "registratieFouten": _fouten(v.registratie_fouten),
        "aangemaaktOp": _iso(v.aangemaakt_op, shapes.zone),
        "gewijzigdOp": _iso(v.gewijzigd_op, shapes.zone),
    }


def document_shown(
    d: Document, shapes: Shapes, *, aanvraag_uuid: Any = None, voorziening_uuids: Mapping[int, Any] | None = None
) -> dict[str, Any]:
    """`DocumentSerializer`, camelCased. `voorziening_uuids` (by id): the lines of its aanvraag, when
    the caller has them, so the document's voorziening need not be loaded."""
    if d.voorziening_id is None:
        voorziening = None
    else:
        line_uuid = voorziening_uuids.get(d.voorziening_id) if voorziening_uuids else None
        voorziening = shapes.link("voorziening-detail", line_uuid or d.voorziening.uuid)  # type: ignore[union-attr]
    uuid = str(d.uuid)
    return {
        "url": shapes.link("document-detail", uuid),
        "uuid": uuid,
        "aanvraag": shapes.link("aanvraag-detail", aanvraag_uuid or d.aanvraag.uuid),
        "voorziening": voorziening,
        "titel": str(d.titel),
        "beschrijving": str(d.beschrijving),
        "soort": str(d.soort),
        "auteur": str(d.auteur),
        "bestandsnaam": str(d.bestandsnaam),
        "formaat": str(d.formaat),
        "bestandsomvang": None if d.bestandsomvang is None else int(d.bestandsomvang),
        "informatieobject": str(d.informatieobject) if d.informatieobject else None,
        "registratie": d.registratie,
        "registratieFouten": _fouten(d.registratie_fouten),
        "aangemaaktOp": shapes.moment(d.aangemaakt_op),
        "inhoud": shapes.link("document-inhoud", uuid),
    }


def _aanvraag_related(a: Aanvraag, related: Related | None) -> tuple[Any, Any, dict[str, str] | None]:
    """Its gemeente's code, its indiener's name and its arrangement product: from what
    `page_parts.related_of` read for its page, else from its related instances."""
    if related is None:
        return a.gemeente.code, a.indiener.naam, _product(a.arrangement_product)
    product = a.arrangement_product_id
    return (
        related.gemeenten[a.gemeente_id],
        related.applicaties[a.indiener_id],
        None if product is None else related.producten[product],
    )


def aanvraag_shown(
    a: Aanvraag,
    shapes: Shapes,
    *,
    lines: list[Any] | None = None,
    documenten: list[Any] | None = None,
    related: Related | None = None,
) -> dict[str, Any]:
    """`AanvraagSerializer`, camelCased, with its lines and documents (its own, or given as the rows
    of `selectors.lines_shown_of` and `documenten_shown_of`) and what it shows of other tables (its
    related instances, or `related`: `page_parts.related_of` of its page)."""
    if lines is None:
        lines = list(a.voorzieningen.all())
    if documenten is None:
        documenten = list(a.documenten.all())
    line_uuids = {line.id: line.uuid for line in lines}
    betrokkenen = a.betrokkenen or []
    gemeente, indiener, arrangement_product = _aanvraag_related(a, related)
    uuid = str(a.uuid)
    return {
        "url": shapes.link("aanvraag-detail", uuid),
        "uuid": uuid,
        "gemeente": str(gemeente),
        "wet": a.wet,
        "indiener": str(indiener),
        "regieReferentie": str(a.regie_referentie),
        "gezinsplanZaak": str(a.gezinsplan_zaak) if a.gezinsplan_zaak else None,
        "isArrangement": bool(a.is_arrangement),
        "arrangementProduct": None if arrangement_product is None else dict(arrangement_product),
        "toelichting": str(a.toelichting),
        "client": {
            "bsn": str(a.client_bsn),
            "geboortedatum": _date(a.client_geboortedatum),
            "geboortedatumGebruik": str(a.client_geboortedatum_gebruik),
            "geslacht": str(a.client_geslacht),
            "voornamen": str(a.client_voornamen),
            "voorvoegsel": str(a.client_voorvoegsel),
            "achternaam": str(a.client_achternaam),
        },
        "betrokkenen": [camelize(item_represented(BetrokkeneSerializer, b)) for b in betrokkenen],
        "voorzieningen": [voorziening_shown(line, shapes, aanvraag_uuid=uuid) for line in lines],
        "hoofdzaak": (
            {"url": a.hoofdzaak_url, "identificatie": a.hoofdzaak_identificatie} if a.hoofdzaak_url else None
        ),
        "documenten": [document_shown(d, shapes, aanvraag_uuid=uuid, voorziening_uuids=line_uuids) for d in documenten],
        "status": a.status,
        "redenIntrekking": str(a.reden_intrekking),
        "aangemaaktOp": shapes.moment(a.aangemaakt_op),
        "gewijzigdOp": shapes.moment(a.gewijzigd_op),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def bericht_shown(b: Bericht, shapes: Shapes) -> dict[str, Any]:
    """`BerichtSerializer` (api/berichten.py), camelCased: a bericht of the feed."""
    uuid = str(b.uuid)
    kenmerken = {str(k): _text(v) for k, v in b.kenmerken.items()}
    return {
        "url": shapes.link("bericht-detail", uuid),
        "uuid": uuid,
        "kanaal": _text(b.kanaal),
        "hoofdObject": _text(b.hoofd_object),
        "resource": _text(b.resource),
        "resourceUrl": _text(b.resource_url),
        "actie": _text(b.actie),
        "aanmaakdatum": _iso(b.aanmaakdatum, datetime.UTC),  # default_timezone=UTC in BerichtSerializer
        "kenmerken": camelize(kenmerken),
        "gebeurtenis": _text(b.gebeurtenis),
    }


SHOWN = {Aanvraag: aanvraag_shown, Voorziening: voorziening_shown, Document: document_shown, Bericht: bericht_shown}


class AanvraagParts(NamedTuple):
    """The lines and documents of a page of aanvragen, by aanvraag id (`selectors.lines_shown_of`,
    `selectors.documenten_shown_of`), and what they show of other tables (`page_parts.related_of`)."""

    lines: Mapping[int, list[Any]]
    documenten: Mapping[int, list[Any]]
    related: Related


def shown_many(
    instances: Iterable[Any], context: Mapping[str, Any], *, parts: AanvraagParts | None = None
) -> CamelizedList:
    """The objects of a list page, each as its detail response shows it; `parts`: the lines and
    documents of aanvragen read as rows, instead of their own."""
    shapes = Shapes(context)
    if parts is not None:
        return CamelizedList(
            aanvraag_shown(
                a,
                shapes,
                lines=parts.lines.get(a.pk, []),
                documenten=parts.documenten.get(a.pk, []),
                related=parts.related,
            )
            for a in instances
        )
    return CamelizedList(SHOWN[type(o)](o, shapes) for o in instances)  # type: ignore[operator]


def shown_one(
    instance: Aanvraag | Voorziening | Document | Bericht,
    context: Mapping[str, Any],
    *,
    parts: AanvraagParts | None = None,
) -> Camelized:
    """One object as its detail response shows it."""
    return Camelized(shown_many([instance], context, parts=parts)[0])
