"""Absolute URLs in berichten, built from `API_PUBLIC_URL` (a bericht outlives the request that
caused it, so it cannot use the request's host)."""

from __future__ import annotations

from django.conf import settings

# Resource name in an event -> collection path of the API. Add a line when a new resource emits.
RESOURCE_PATHS: dict[str, str] = {
    "aanvraag": "aanvragen",
    "voorziening": "voorzieningen",
    "document": "documenten",
    "terugkoppeling": "terugkoppelingen",
    "beschikking": "beschikkingen",
    "toewijzing": "toewijzingen",
    "signaal": "signalen",
    "product": "producten",
}


class UnknownResource(KeyError):
    """An event names a resource without a path: a programming error, not a transient one."""


def resource_url(resource: str, uuid: str) -> str:
    try:
        path = RESOURCE_PATHS[resource]
    except KeyError:
        raise UnknownResource(resource) from None
    return f"{settings.API_PUBLIC_URL.rstrip('/')}/{path}/{uuid}"
