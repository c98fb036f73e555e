"""Reads, always scoped to what the calling application may see."""

from __future__ import annotations

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


def _shown_name(path: str) -> str:
    """The attribute a related column is carried under on a line: `product__code` -> `shown_product_code`."""
    return f"shown_{path.replace('__', '_')}"


def aanvragen_shown_to(applicatie: Applicatie) -> QuerySet[Aanvraag]:
    """`aanvragen_visible_to`, loading what a list or detail response shows and no more; their lines
    come from `lines_shown_of` (rows, not model instances)."""
    shown = [*_own_fields(Aanvraag), "gemeente__code", "indiener__naam"]
    shown += [f"arrangement_product__{name}" for name in _PRODUCT_SHOWN]
    return aanvragen_visible_to(applicatie).prefetch_related(None).prefetch_related("documenten").only(*shown)


_LINE_COLUMNS = tuple(f.attname for f in Voorziening._meta.concrete_fields)
_LINE_PRODUCT = tuple(map(_shown_name, _PRODUCT_PATHS))


class LineRow:
    """A line as an aanvraag's answer shows it: its columns as attributes and its product's shown
    columns as `shown_product_*` values, as a line of `voorzieningen_shown_to` carries them. A model
    instance per line cost twice what reading the row did (bench/README.md, "lists.py")."""

    __slots__ = (*_LINE_COLUMNS, *_LINE_PRODUCT)
    aanvraag_id: int


def lines_shown_of(aanvraag_ids: list[int]) -> dict[int, list[LineRow]]:
    """The lines of these aanvragen (already scoped: ids the caller may see), in the order of
    `Voorziening.Meta.ordering`, by aanvraag id; one query."""
    rows = (
        Voorziening.objects.filter(aanvraag_id__in=aanvraag_ids)
        .order_by("aanvraag_id", "volgnummer")
        .values_list(*_LINE_COLUMNS, *_PRODUCT_PATHS)
    )
    by_aanvraag: dict[int, list[LineRow]] = {}
    for row in rows:
        line = LineRow()
        for name, value in zip(LineRow.__slots__, row, strict=True):
            setattr(line, name, value)
        by_aanvraag.setdefault(line.aanvraag_id, []).append(line)
    return by_aanvraag


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
