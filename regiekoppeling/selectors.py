"""Reads, always scoped to what the calling application may see."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

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
    lines = Voorziening.objects.select_related("product", "aanvraag")
    return qs.select_related("gemeente", "indiener", "arrangement_product").prefetch_related(
        Prefetch("voorzieningen", queryset=lines), "documenten"
    )


def documenten_visible_to(applicatie: Applicatie) -> QuerySet[Document]:
    aanvragen = aanvragen_visible_to(applicatie).values("pk")
    return Document.objects.filter(aanvraag__in=aanvragen).select_related("aanvraag")


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
