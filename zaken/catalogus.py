"""Catalogue lookups (zaaktype, statustypen, roltype, informatieobjecttype), cached.

Zaaktypen are configured by `identificatie` + catalogus because every new version gets new URLs;
the current published version is resolved here. Catalogue data changes rarely, so results are
cached for `ZGW_CATALOGUS_CACHE_SECONDS` in the `zgw` cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches

from regiekoppeling.outbox import PermanentError

from .clients import JSON, CatalogiClient


class CatalogusError(PermanentError):
    """The configuration does not match the catalogue (unknown or concept type, missing link)."""


@dataclass(frozen=True)
class Statustype:
    url: str
    omschrijving: str
    volgnummer: int
    is_eindstatus: bool


def _cached(key: str, load: Callable[[], Any]) -> Any:
    cache = caches["zgw"]
    # URLs make long keys with characters some cache backends refuse: use a digest.
    digest = hashlib.sha256(key.encode()).hexdigest()
    value = cache.get(digest)
    if value is None:
        value = load()
        cache.set(digest, value, settings.ZGW_CATALOGUS_CACHE_SECONDS)
    return value


def _valid_on(zaaktype: JSON, day: dt.date) -> bool:
    begin = zaaktype.get("beginGeldigheid")
    end = zaaktype.get("eindeGeldigheid")
    return (not begin or dt.date.fromisoformat(begin) <= day) and (not end or dt.date.fromisoformat(end) >= day)


def _current(versions: list[JSON]) -> list[JSON]:
    return [z for z in versions if not z.get("concept") and _valid_on(z, dt.date.today())]


def _latest(versions: list[JSON]) -> JSON:
    return max(versions, key=lambda z: z.get("versiedatum") or z.get("beginGeldigheid") or "")


def zaaktype(client: CatalogiClient, *, catalogus: str, identificatie: str) -> JSON:
    """The published version of a zaaktype valid today."""

    def load() -> JSON:
        versions = client.list_zaaktypen(catalogus=catalogus, identificatie=identificatie)
        published = [z for z in versions if not z.get("concept")]
        if not versions:
            raise CatalogusError(f"Zaaktype '{identificatie}' bestaat niet in catalogus {catalogus}.")
        if not published:
            raise CatalogusError(f"Zaaktype '{identificatie}' is nog niet gepubliceerd (concept).")
        current = _current(published)
        if not current:
            raise CatalogusError(f"Zaaktype '{identificatie}' heeft geen versie die vandaag geldig is.")
        return _latest(current)

    return _cached(f"zaaktype:{catalogus}:{identificatie}", load)  # type: ignore[no-any-return]


def zaaktype_by_url(client: CatalogiClient, url: str) -> JSON:
    return _cached(f"zaaktype-url:{url}", lambda: client.get_zaaktype(url))  # type: ignore[no-any-return]


def identificatie_of(client: CatalogiClient, zaaktype_url: str) -> str:
    """The identificatie of a zaaktype version (the key of its statustype mapping)."""
    return str(zaaktype_by_url(client, zaaktype_url)["identificatie"])


def statustypen(client: CatalogiClient, *, zaaktype_url: str) -> list[Statustype]:
    def load() -> list[Statustype]:
        items = client.list_statustypen(zaaktype=zaaktype_url)
        if not items:
            raise CatalogusError(f"Zaaktype {zaaktype_url} heeft geen statustypen.")
        types = [
            Statustype(i["url"], i.get("omschrijving", ""), int(i["volgnummer"]), bool(i.get("isEindstatus")))
            for i in items
        ]
        return sorted(types, key=lambda t: t.volgnummer)

    return _cached(f"statustypen:{zaaktype_url}", load)  # type: ignore[no-any-return]


def statustype(client: CatalogiClient, *, zaaktype_url: str, omschrijving: str | None) -> Statustype:
    """By omschrijving (the configured mapping), or the first one when nothing is mapped."""
    types = statustypen(client, zaaktype_url=zaaktype_url)
    if omschrijving is None:
        return types[0]
    for candidate in types:
        if candidate.omschrijving == omschrijving:
            return candidate
    raise CatalogusError(f"Zaaktype {zaaktype_url} heeft geen statustype '{omschrijving}'.")


def roltype_url(client: CatalogiClient, *, zaaktype_url: str, omschrijving_generiek: str) -> str:
    def load() -> str:
        items = client.list_roltypen(zaaktype=zaaktype_url, omschrijving_generiek=omschrijving_generiek)
        if not items:
            raise CatalogusError(f"Zaaktype {zaaktype_url} heeft geen roltype '{omschrijving_generiek}'.")
        return str(items[0]["url"])

    return _cached(f"roltype:{zaaktype_url}:{omschrijving_generiek}", load)  # type: ignore[no-any-return]


def informatieobjecttype_url(client: CatalogiClient, *, catalogus: str, omschrijving: str, zaaktype: JSON) -> str:
    """The published informatieobjecttype by omschrijving; it must be linked to the zaaktype."""

    def load() -> str:
        types = [
            t
            for t in client.list_informatieobjecttypen(catalogus=catalogus)
            if t.get("omschrijving") == omschrijving and not t.get("concept")
        ]
        if not types:
            raise CatalogusError(f"Informatieobjecttype '{omschrijving}' bestaat niet (gepubliceerd) in {catalogus}.")
        return str(types[0]["url"])

    url: str = _cached(f"iotype:{catalogus}:{omschrijving}", load)
    if url not in zaaktype.get("informatieobjecttypen", []):
        raise CatalogusError(f"Informatieobjecttype '{omschrijving}' is niet gekoppeld aan zaaktype {zaaktype['url']}.")
    return url


def resultaattype_url(client: CatalogiClient, *, zaaktype_url: str, omschrijving: str) -> str:
    def load() -> str:
        for item in client.list_resultaattypen(zaaktype=zaaktype_url):
            if item.get("omschrijving") == omschrijving:
                return str(item["url"])
        raise CatalogusError(f"Zaaktype {zaaktype_url} heeft geen resultaattype '{omschrijving}'.")

    return _cached(f"resultaattype:{zaaktype_url}:{omschrijving}", load)  # type: ignore[no-any-return]


def besluittype_url(client: CatalogiClient, *, catalogus: str, omschrijving: str, zaaktype: JSON) -> str:
    """The published besluittype by omschrijving; it must be allowed for the zaaktype."""

    def load() -> str:
        for item in client.list_besluittypen(catalogus=catalogus):
            if item.get("omschrijving") == omschrijving and not item.get("concept"):
                return str(item["url"])
        raise CatalogusError(f"Besluittype '{omschrijving}' bestaat niet (gepubliceerd) in {catalogus}.")

    url: str = _cached(f"besluittype:{catalogus}:{omschrijving}", load)
    if url not in zaaktype.get("besluittypen", []):
        raise CatalogusError(f"Besluittype '{omschrijving}' hoort niet bij zaaktype {zaaktype['url']}.")
    return url


# --- what the admin offers: the published types of a catalogus, current version ---------------------


def zaaktypen(client: CatalogiClient, *, catalogus: str) -> dict[str, JSON]:
    """Every zaaktype of the catalogus with a published version valid today: identificatie -> that version."""

    def load() -> dict[str, JSON]:
        by_identificatie: dict[str, list[JSON]] = {}
        for item in _current(client.list_zaaktypen_in(catalogus=catalogus)):
            by_identificatie.setdefault(str(item["identificatie"]), []).append(item)
        return {ident: _latest(versions) for ident, versions in sorted(by_identificatie.items())}

    return _cached(f"zaaktypen:{catalogus}", load)  # type: ignore[no-any-return]


def resultaattypen(client: CatalogiClient, *, zaaktype_url: str) -> list[str]:
    """The omschrijvingen of the zaaktype's resultaattypen."""

    def load() -> list[str]:
        return [str(i.get("omschrijving", "")) for i in client.list_resultaattypen(zaaktype=zaaktype_url)]

    return _cached(f"resultaattypen:{zaaktype_url}", load)  # type: ignore[no-any-return]


def published_names(client: CatalogiClient, *, catalogus: str, kind: str) -> dict[str, str]:
    """omschrijving -> URL of the published besluittypen or informatieobjecttypen of the catalogus."""
    lists = {"besluittypen": client.list_besluittypen, "informatieobjecttypen": client.list_informatieobjecttypen}

    def load() -> dict[str, str]:
        return {
            str(i.get("omschrijving", "")): str(i["url"])
            for i in lists[kind](catalogus=catalogus)
            if not i.get("concept")
        }

    return _cached(f"{kind}:{catalogus}", load)  # type: ignore[no-any-return]
