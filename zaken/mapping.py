"""Which ZGW types a voorziening gets: its product's mapping first, then the gemeente's default.

A `ProductMapping` field left empty means "the default of the ZGW-configuratie" (zaaktype per wet,
besluittype, informatieobjecttype, strategy). Statustypen and resultaattypen are mapped per zaaktype
identificatie; a zaaktype without any row of its own uses the rows of the wet's default zaaktype, so a
product zaaktype with the same statustype names needs no second mapping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, Q

from regiekoppeling import signalen
from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Aanvraag, Voorziening

from .models import ProductMapping, StatustypeMapping, ZaakStrategie, ZGWConfig

# The resultaattype (omschrijving) a state closes with when its row names none.
DEFAULT_RESULTAAT: dict[str, str] = {
    Status.TOEGEKEND: "Toegekend",
    Status.GEDEELTELIJK_TOEGEKEND: "Toegekend",
    Status.AFGEWEZEN: "Afgewezen",
    Status.NIET_VERWERKBAAR: "Afgewezen",
    Status.INGETROKKEN: "Ingetrokken",
    Status.BEEINDIGD: "Toegekend",
}


def for_products(config: ZGWConfig, product_ids: Iterable[int | None]) -> dict[int, ProductMapping]:
    ids = {pk for pk in product_ids if pk is not None}
    return {m.product_id: m for m in ProductMapping.objects.filter(config=config, product_id__in=ids)}


def zaaktype(config: ZGWConfig, wet: str, mapping: ProductMapping | None) -> str:
    return (mapping.zaaktype if mapping else "") or config.zaaktype_for(wet)


def strategie(config: ZGWConfig, mapping: ProductMapping | None) -> str:
    return (mapping.strategie if mapping else "") or config.strategie


def besluittype(config: ZGWConfig, mappings: Iterable[ProductMapping | None]) -> str:
    """The besluittype of a besluit over these lines: the first product that names one, else the default."""
    return next((m.besluittype for m in mappings if m and m.besluittype), config.besluittype)


def document_types(config: ZGWConfig, aanvraag: Aanvraag) -> tuple[str, str]:
    """(zaaktype identificatie, informatieobjecttype) of a document of this aanvraag that names no soort:
    those of the product of its first line (the arrangement product for an arrangement)."""
    first = aanvraag.voorzieningen.order_by("volgnummer").values_list("product_id", flat=True).first()
    product = aanvraag.arrangement_product_id if aanvraag.is_arrangement else first
    mapping = for_products(config, [product]).get(product) if product else None
    iotypen = mapping.informatieobjecttypen if mapping else []
    return zaaktype(config, aanvraag.wet, mapping), (iotypen[0] if iotypen else config.informatieobjecttype_bijlage)


def herindicatie_days(voorziening: Voorziening) -> int | None:
    """The lead time of the voorziening's product in its gemeente, if its mapping names one."""
    return (
        ProductMapping.objects.filter(config__gemeente=voorziening.aanvraag.gemeente_id, product=voorziening.product_id)
        .values_list("herindicatie_termijn_dagen", flat=True)
        .first()
    )


def longest_herindicatie_days() -> int:
    return ProductMapping.objects.aggregate(m=Max("herindicatie_termijn_dagen"))["m"] or 0


def register_lead_times() -> None:
    signalen.register_lead_times("zaken", signalen.LeadTimes(herindicatie_days, longest_herindicatie_days))


@dataclass(frozen=True)
class Planned:
    """One zaak of the plan before it exists: its suffix, lines, zaaktype and whether it is a deelzaak."""

    suffix: str
    lines: list[Voorziening]
    zaaktype: str
    deelzaak: bool
    gedeeld: bool


def plan(config: ZGWConfig, aanvraag: Aanvraag, lines: list[Voorziening]) -> list[Planned]:
    """The zaken of an aanvraag. An arrangement shares one zaak (its arrangement product's mapping, or the
    gemeente, may split it deliberately); other lines get one zaak each. Lines whose strategy is
    "hoofdzaak" become deelzaken of one hoofdzaak of the aanvraag (planned by the caller)."""
    mappings = for_products(config, [aanvraag.arrangement_product_id, *(v.product_id for v in lines)])
    if aanvraag.is_arrangement:
        arrangement = mappings.get(aanvraag.arrangement_product_id) if aanvraag.arrangement_product_id else None
        how = strategie(config, arrangement)
        if how != ZaakStrategie.ARRANGEMENT_GESPLITST:
            wanted = zaaktype(config, aanvraag.wet, arrangement)
            return [Planned("A", lines, wanted, how == ZaakStrategie.HOOFDZAAK, True)]
    return [
        Planned(
            str(v.volgnummer),
            [v],
            zaaktype(config, aanvraag.wet, mappings.get(v.product_id)),
            strategie(config, mappings.get(v.product_id)) == ZaakStrategie.HOOFDZAAK,
            False,
        )
        for v in lines
    ]


@dataclass(frozen=True)
class StateMapping:
    """What a lifecycle state does to a zaak of one zaaktype. `mapped` is False when no row names the
    state; an empty statustype in a row is a deliberate "no status change"."""

    mapped: bool
    statustype: str
    resultaattype: str


def state(config: ZGWConfig, *, zaaktype_identificatie: str, wet: str, status: str) -> StateMapping:
    """The zaaktype's own rows when it has any, else those of the gemeente's zaaktype for the wet: read
    in one query (the zaaktype's rows, or whether it has any, and the wet's row for the state)."""
    fallback = config.zaaktype_for(wet)
    rows = list(
        StatustypeMapping.objects.filter(config=config, zaaktype__in={zaaktype_identificatie, fallback})
        .filter(Q(zaaktype=zaaktype_identificatie) | Q(status=status))
        .order_by("pk")
        .values_list("zaaktype", "status", "statustype_omschrijving", "resultaattype_omschrijving")
    )
    own = [r for r in rows if r[0] == zaaktype_identificatie]
    chosen = own if own else [r for r in rows if r[0] == fallback]
    row = next((r for r in chosen if r[1] == status), None)
    resultaat = (row[3] if row else "") or DEFAULT_RESULTAAT.get(status, "")
    if row is None:
        return StateMapping(False, "", resultaat)
    return StateMapping(True, row[2], resultaat)


def lifecycle_state_for(config: ZGWConfig, zaaktype_identificatie: str, omschrijving: str) -> str | None:
    """The lifecycle state a statustype stands for (the mapping read the other way), or None. The one
    place the status sync asks the mapping."""
    row = StatustypeMapping.objects.filter(
        config=config, zaaktype=zaaktype_identificatie, statustype_omschrijving=omschrijving
    ).first()
    return row.status if row else None
