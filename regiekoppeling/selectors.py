"""Reads, always scoped to what the calling application may see."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Model, Prefetch, QuerySet

from .constants import Rol
from .logboek import pseudonym
from .models import (
    Aanvraag,
    Applicatie,
    Beschikking,
    Document,
    Product,
    Signaal,
    Terugkoppeling,
    Toewijzing,
    Verwerking,
    Voorziening,
)


def aanvragen_visible_to(applicatie: Applicatie) -> QuerySet[Aanvraag]:
    """A regieapplicatie sees its own aanvragen; a backoffice those of the gemeenten it serves."""
    qs = Aanvraag.objects.filter(gemeente__in=applicatie.gemeenten.all())
    if applicatie.rol == Rol.REGIE:
        qs = qs.filter(indiener=applicatie)
    elif applicatie.rol != Rol.BACKOFFICE:
        return Aanvraag.objects.none()
    # The lines' own aanvraag is the one prefetching them (Django sets it), so it is not joined again.
    lines = Voorziening.objects.select_related("product")
    return qs.select_related("gemeente", "indiener", "arrangement_product").prefetch_related(
        Prefetch("voorzieningen", queryset=lines), "documenten"
    )


def _own_fields(model: type[Model]) -> list[str]:
    return [field.name for field in model._meta.concrete_fields]


# What the representations (api/representations.py) read of related rows; the rest is not loaded (a
# product row carries three arrays and two timestamps that cost more to load than the line itself).
_PRODUCT_SHOWN = ("categorie", "code", "omschrijving")
_SUBJECT = ("aanvraag__uuid", "aanvraag__client_bsn", "aanvraag__gemeente_id")  # the processing log's subject
_PRODUCT_PATHS = tuple(f"product__{name}" for name in _PRODUCT_SHOWN)


def aanvragen_shown_to(applicatie: Applicatie, *, lines: bool = True) -> QuerySet[Aanvraag]:
    """`aanvragen_visible_to`, loading what a list or detail response shows and no more. Without
    `lines`, the lines are left to `lines_shown_of` (a list page: rows, not model instances)."""
    shown = [*_own_fields(Aanvraag), "gemeente__code", "indiener__naam"]
    shown += [f"arrangement_product__{name}" for name in _PRODUCT_SHOWN]
    qs = aanvragen_visible_to(applicatie).prefetch_related(None).only(*shown)
    if not lines:
        return qs.prefetch_related("documenten")
    line_shown = [*_own_fields(Voorziening), *(f"product__{name}" for name in _PRODUCT_SHOWN)]
    prefetched = Prefetch("voorzieningen", queryset=Voorziening.objects.select_related("product").only(*line_shown))
    return qs.prefetch_related(prefetched, "documenten")


class LineRow:
    """A line as a list page of aanvragen shows it: its columns as attributes, and its product's. A
    model instance per line cost twice what reading the row did (bench/README.md, "lists.py")."""

    __slots__ = (*(f.attname for f in Voorziening._meta.concrete_fields), "product")
    aanvraag_id: int
    product: ProductRow


class ProductRow:
    __slots__ = _PRODUCT_SHOWN

    def __init__(self, categorie: str, code: str, omschrijving: str) -> None:
        self.categorie, self.code, self.omschrijving = categorie, code, omschrijving


def lines_shown_of(aanvraag_ids: list[int]) -> dict[int, list[LineRow]]:
    """The lines of these aanvragen (already scoped: ids of a page the caller may see), in the order of
    `Voorziening.Meta.ordering`, by aanvraag id; one query."""
    columns = [f.attname for f in Voorziening._meta.concrete_fields]
    rows = (
        Voorziening.objects.filter(aanvraag_id__in=aanvraag_ids)
        .order_by("aanvraag_id", "volgnummer")
        .values_list(*columns, *(f"product__{name}" for name in _PRODUCT_SHOWN))
    )
    products: dict[tuple[Any, ...], ProductRow] = {}
    by_aanvraag: dict[int, list[LineRow]] = {}
    width = len(columns)
    for row in rows:
        line = LineRow()
        for name, value in zip(columns, row, strict=False):
            setattr(line, name, value)
        key = row[width:]
        line.product = products.get(key) or products.setdefault(key, ProductRow(*key))
        by_aanvraag.setdefault(line.aanvraag_id, []).append(line)
    return by_aanvraag


def voorzieningen_shown_to(applicatie: Applicatie) -> QuerySet[Voorziening]:
    """`voorzieningen_visible_to`, loading what a list or detail response shows and no more: the
    aanvraag's uuid and the processing log's subject, and the product's three shown columns, come as
    values on the line (`shown_*`), not as model instances of their own (two thirds of a page's
    instances, about a sixth of its CPU)."""
    related = {f"shown_{path.replace('__', '_')}": F(path) for path in (*_SUBJECT, *_PRODUCT_PATHS)}
    return voorzieningen_visible_to(applicatie).select_related(None).only(*_own_fields(Voorziening)).annotate(**related)


def documenten_visible_to(applicatie: Applicatie) -> QuerySet[Document]:
    aanvragen = aanvragen_visible_to(applicatie).values("pk")
    return Document.objects.filter(aanvraag__in=aanvragen).select_related("aanvraag", "voorziening")


def voorzieningen_visible_to(applicatie: Applicatie) -> QuerySet[Voorziening]:
    aanvragen = aanvragen_visible_to(applicatie).values("pk")
    return Voorziening.objects.filter(aanvraag__in=aanvragen).select_related("product", "aanvraag")


def terugkoppelingen_visible_to(applicatie: Applicatie) -> QuerySet[Terugkoppeling]:
    aanvragen = aanvragen_visible_to(applicatie).values("pk")
    return (
        Terugkoppeling.objects.filter(aanvraag__in=aanvragen)
        .select_related("aanvraag")
        .prefetch_related("voorzieningen")
    )


def beschikkingen_visible_to(applicatie: Applicatie) -> QuerySet[Beschikking]:
    aanvragen = aanvragen_visible_to(applicatie).values("pk")
    return (
        Beschikking.objects.filter(aanvraag__in=aanvragen)
        .select_related("aanvraag", "brief")
        .prefetch_related("regels__voorziening")
    )


def toewijzingen_visible_to(applicatie: Applicatie) -> QuerySet[Toewijzing]:
    aanvragen = aanvragen_visible_to(applicatie).values("pk")
    return Toewijzing.objects.filter(voorziening__aanvraag__in=aanvragen).select_related("voorziening")


def signalen_visible_to(applicatie: Applicatie) -> QuerySet[Signaal]:
    """Signals about aanvragen the application may see."""
    aanvragen = aanvragen_visible_to(applicatie).values("pk")
    return (
        Signaal.objects.filter(aanvraag__in=aanvragen)
        .select_related("gemeente", "aanvraag", "voorziening__beschikking_regel__beschikking")
        .prefetch_related("producten__voorziening", "voorziening__toewijzingen")
    )


def producten_visible_to(applicatie: Applicatie) -> QuerySet[Product]:
    """The productenboek of the gemeenten the application acts for (regie and backoffice alike)."""
    if applicatie.rol not in (Rol.REGIE, Rol.BACKOFFICE):
        return Product.objects.none()
    return (
        Product.objects.filter(gemeente__in=applicatie.gemeenten.all())
        .select_related("gemeente")
        .prefetch_related("onderdelen")
        .order_by("gemeente__code", "wet", "categorie", "code", "ingangsdatum", "id")
    )


def verwerkingen_about(*, bsn: str) -> QuerySet[Verwerking]:
    """Every record about the person with this BSN, newest first (for the admin: all gemeenten)."""
    return (
        Verwerking.objects.filter(betrokkene=pseudonym(bsn))
        .select_related("applicatie", "gemeente")
        .order_by("-tijdstip", "-id")
    )


def verwerkingen_of(*, applicatie: Applicatie, bsn: str) -> QuerySet[Verwerking]:
    """Inzage: the records about the person with this BSN in the gemeenten of a privacy officer."""
    if applicatie.rol != Rol.PRIVACY:
        return Verwerking.objects.none()
    return verwerkingen_about(bsn=bsn).filter(gemeente__in=applicatie.gemeenten.all())
