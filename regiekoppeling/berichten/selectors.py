"""Reads of the berichten side, scoped to the calling application."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ..constants import Rol
from ..models import Aanvraag, Abonnement, Applicatie, Bericht, Gemeente


def ontvangers_of(aanvraag: Aanvraag) -> list[Applicatie]:
    """Who may see the events of an aanvraag: the regie that sent it and every active backoffice
    acting for its gemeente."""
    backoffice = Q(rol=Rol.BACKOFFICE, actief=True, gemeenten=aanvraag.gemeente_id)
    return list(Applicatie.objects.filter(Q(pk=aanvraag.indiener_id) | backoffice).distinct().order_by("pk"))


def regie_of(gemeente: Gemeente) -> list[Applicatie]:
    """Who hears of a change to the productenboek of a gemeente: its active regie applications."""
    return list(Applicatie.objects.filter(rol=Rol.REGIE, actief=True, gemeenten=gemeente).order_by("pk"))


def berichten_of(applicatie: Applicatie) -> QuerySet[Bericht]:
    """The application's own feed, in feed order."""
    return Bericht.objects.filter(ontvanger=applicatie).order_by("id")


def abonnementen_of(applicatie: Applicatie) -> QuerySet[Abonnement]:
    return Abonnement.objects.filter(applicatie=applicatie, actief=True)


def abonnementen_receiving(ontvanger_ids: set[int]) -> QuerySet[Abonnement]:
    """Active abonnementen of active applications among these receivers."""
    return Abonnement.objects.filter(applicatie_id__in=ontvanger_ids, actief=True, applicatie__actief=True)
