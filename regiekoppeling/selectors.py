"""Reads, always scoped to what the calling application may see."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Model, Prefetch, QuerySet

from . import page_parts
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
_PRODUCT_SHOWN = page_parts.PRODUCT_SHOWN
_SUBJECT = ("aanvraag__uuid", "aanvraag__client_bsn", "aanvraag__gemeente_id")  # the processing log's subject
_PRODUCT_PATHS = tuple(f"product__{name}" for name in _PRODUCT_SHOWN)


def _shown_name(path: str) -> str:
    """The attribute a related column is carried under on a line: `product__code` -> `shown_product_code`."""
    return f"shown_{path.replace('__', '_')}"


def aanvragen_shown_to(applicatie: Applicatie) -> QuerySet[Aanvraag]:
    """`aanvragen_visible_to`, loading what a list or detail response shows and no more: the aanvraag's
    own columns as a row (`page_parts.ShownRows`: attributes and `pk` as an instance has them), no
    join; its gemeente's code, its indiener's name and its arrangement product come from
    `page_parts.related_of`, its lines and documents from `lines_shown_of` and `documenten_shown_of`
    (rows)."""
    shown = aanvragen_visible_to(applicatie).select_related(None).prefetch_related(None).only(*_own_fields(Aanvraag))
    shown._iterable_class = page_parts.ShownRows  # rows, not instances: only shown, never saved
    return shown


# A page's lines and documents are read as rows (named tuples), not model instances, by statements
# written once (`page_parts.py`): an instance per row cost twice what reading the row did, and the ORM's
# query building and converters as much again (bench/README.md, "lists.py"). A row carries the columns
# `representations.py` reads under their model attribute names.
LineRow = Any  # a Voorziening's columns, and its product's shown columns as `shown_product_*`
DocumentRow = Any  # the columns of a Document in `page_parts.DOCUMENT_SHOWN`


def lines_shown_of(aanvraag_ids: list[int]) -> dict[int, list[LineRow]]:
    """The lines of these aanvragen (already scoped: ids the caller may see), in the order of
    `Voorziening.Meta.ordering`, by aanvraag id, each as a line of `voorzieningen_shown_to` carries its
    product; one query."""
    return page_parts.lines_of(aanvraag_ids)


def documenten_shown_of(aanvraag_ids: list[int]) -> dict[int, list[DocumentRow]]:
    """The documents of these aanvragen (already scoped), in the order of `Document.Meta.ordering`, by
    aanvraag id; one query."""
    return page_parts.documenten_of(aanvraag_ids)


def voorzieningen_shown_to(applicatie: Applicatie) -> QuerySet[Voorziening]:
    """`voorzieningen_visible_to`, loading what a list or detail response shows and no more: the
    aanvraag's uuid and the processing log's subject, and the product's three shown columns, come as
    values on the line (`shown_*`), not as model instances of their own (two thirds of a page's
    instances, about a sixth of its CPU)."""
    related = {_shown_name(path): F(path) for path in (*_SUBJECT, *_PRODUCT_PATHS)}
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


def answered_with[M: Model](queryset: QuerySet[M], rows: list[M]) -> QuerySet[M]:
    """`queryset` answering with `rows` without a query, as `prefetch_related` leaves a relation: for
    rows just written, which the caller shows or uses right away."""
    queryset._result_cache = rows  # type: ignore[attr-defined]
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    return queryset
