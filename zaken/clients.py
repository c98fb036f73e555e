"""Typed clients for the ZGW APIs, built on zgw-consumers.

Errors are translated once, here: a 4xx is permanent (`ZGWRequestError`, with the remote
`invalidParams`), a 5xx, timeout or broken connection is retryable (`ZGWUnavailableError`).
Nothing is ever swallowed into `None` or `[]`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NotRequired, Self, TypedDict

import jwt
import requests
from zgw_consumers.client import build_client
from zgw_consumers.constants import AuthTypes
from zgw_consumers.models import Service
from zgw_consumers.nlx import NLXClient

from regiekoppeling import tracecontext
from regiekoppeling.outbox import PermanentError

from . import concurrent, pause

CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}
JSON = dict[str, Any]


class ZGWRequestError(PermanentError):
    """The remote API refused the request (4xx); repeating it cannot help."""

    def __init__(self, method: str, url: str, status: int, body: Any) -> None:
        self.status = status
        self.body = body
        self.invalid_params: list[JSON] = body.get("invalidParams", []) if isinstance(body, dict) else []
        detail = body.get("detail", "") if isinstance(body, dict) else str(body)[:200]
        super().__init__(f"{method} {url} answered {status}: {detail}", details=self.invalid_params or None)

    def has_code(self, code: str) -> bool:
        return any(p.get("code") == code for p in self.invalid_params)


class ZGWConfigurationError(PermanentError):
    """Our side of the connection cannot be used (a service without a usable JWT secret): nothing was
    sent, and repeating cannot help until an administrator fixes the service."""


class ZGWUnavailableError(Exception):
    """The remote API did not answer usefully (5xx, timeout, connection); try again later."""


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def service_upsert(*, slug: str, label: str, api_type: str, api_root: str, client_id: str, secret: str) -> Service:
    """The zgw-consumers Service of one API of a gemeente (ZGW JWT auth), created or brought up to date."""
    service, _ = Service.objects.update_or_create(
        slug=slug,
        defaults={
            "label": label,
            "api_type": api_type,
            "api_root": api_root,
            "auth_type": AuthTypes.zgw,
            "client_id": client_id,
            "secret": secret,
            "user_id": "regiekoppeling",
            "user_representation": "regiekoppeling",
            "timeout": 10,
        },
    )
    return service


class ZGWClient(NLXClient):
    """NLXClient refreshes its JWT once on a 403; subclasses add `<verb>_<resource>` methods."""

    api_type: str = ""
    extra_headers: dict[str, str] = {}

    @classmethod
    def for_service(cls, service: Service) -> Self:
        # zgw-consumers makes the JWT here: an empty or unusable secret fails before anything is sent.
        try:
            return build_client(service, client_factory=cls)
        except jwt.PyJWTError as exc:
            reason = f"{service.api_root}: geen bruikbaar JWT ({exc}); stel het secret van de dienst in."
            raise ZGWConfigurationError(reason) from exc

    def call(
        self, method: str, url: str, *, json: Any = None, params: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        headers = {
            "Accept": "application/json",
            **self.extra_headers,
            **tracecontext.outgoing(),
            **kwargs.pop("headers", {}),
        }
        server = self.base_url
        failed_lately = pause.raise_if_paused(server)
        try:
            response = self.request(method, url, json=json, params=params, headers=headers, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as exc:
            pause.note_unavailable(server)
            raise ZGWUnavailableError(f"{method} {url}: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            pause.note_unavailable(server)
            raise ZGWUnavailableError(f"{method} {url} answered {response.status_code}")
        if failed_lately:
            pause.note_answered(server)
        if response.status_code >= 400:
            raise ZGWRequestError(method, url, response.status_code, _body(response))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        concurrent.note_sending()  # its owner, waiting for it to go out, may go on (`Calls.start`)
        return super().send(request, **kwargs)

    def list_all(self, url: str, params: dict[str, str]) -> Iterator[JSON]:
        """Every item of a list endpoint, paginated (`{count, next, results}`) or a plain array."""
        page: Any = self.call("GET", url, params=params)
        while True:
            if isinstance(page, list):
                yield from page
                return
            yield from page["results"]
            if not page.get("next"):
                return
            page = self.call("GET", page["next"])


class ZaakBody(TypedDict):
    identificatie: str
    bronorganisatie: str
    verantwoordelijkeOrganisatie: str
    zaaktype: str
    startdatum: str
    omschrijving: str
    toelichting: NotRequired[str]
    vertrouwelijkheidaanduiding: NotRequired[str]
    hoofdzaak: NotRequired[str]
    relevanteAndereZaken: NotRequired[list[JSON]]
    kenmerken: NotRequired[list[JSON]]


class ZakenClient(ZGWClient):
    # Open Zaak refuses every /zaken call without these headers (412).
    extra_headers = CRS

    def create_zaak(self, body: ZaakBody) -> JSON:
        return self.call("POST", "zaken", json=body)

    def find_zaak(self, *, identificatie: str, bronorganisatie: str) -> JSON | None:
        params = {"identificatie": identificatie, "bronorganisatie": bronorganisatie}
        found = list(self.list_all("zaken", params))
        return found[0] if found else None

    def get_zaak(self, url: str) -> JSON:
        return self.call("GET", url)

    def list_open_zaken(self, *, zaaktype: str, bronorganisatie: str) -> Iterator[JSON]:
        """The open zaken of a zaaktype with their current status embedded (`_expand.status`), page by
        page as they are consumed."""
        params = {
            "zaaktype": zaaktype,
            "bronorganisatie": bronorganisatie,
            "einddatum__isnull": "true",
            "expand": "status",
        }
        return self.list_all("zaken", params)

    def get_zaak_if_changed(self, url: str, *, etag: str) -> tuple[JSON | None, str]:
        """The zaak, or None when it still has `etag` (304: no body sent, cheap to poll)."""
        headers = {"Accept": "application/json", **self.extra_headers, **tracecontext.outgoing()}
        if etag:
            headers["If-None-Match"] = etag
        try:
            response = self.request("GET", url, headers=headers)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise ZGWUnavailableError(f"GET {url}: {exc.__class__.__name__}") from exc
        if response.status_code == 304:
            return None, etag
        if response.status_code >= 500:
            raise ZGWUnavailableError(f"GET {url} answered {response.status_code}")
        if response.status_code >= 400:
            raise ZGWRequestError("GET", url, response.status_code, _body(response))
        return response.json(), response.headers.get("ETag", "")

    def create_status(self, *, zaak: str, statustype: str, datum: str, toelichting: str = "") -> JSON:
        body = {"zaak": zaak, "statustype": statustype, "datumStatusGezet": datum, "statustoelichting": toelichting}
        return self.call("POST", "statussen", json=body)

    def list_statussen(self, *, zaak: str) -> list[JSON]:
        return list(self.list_all("statussen", {"zaak": zaak}))

    def get_status(self, url: str) -> JSON:
        return self.call("GET", url)

    def create_rol(self, body: JSON) -> JSON:
        return self.call("POST", "rollen", json=body)

    def list_rollen(self, *, zaak: str) -> list[JSON]:
        return list(self.list_all("rollen", {"zaak": zaak}))

    def delete_rol(self, url: str) -> None:
        self.call("DELETE", url)

    def create_zaakinformatieobject(self, *, zaak: str, informatieobject: str, titel: str = "") -> JSON:
        body = {"zaak": zaak, "informatieobject": informatieobject, "titel": titel}
        return self.call("POST", "zaakinformatieobjecten", json=body)

    def list_zaakinformatieobjecten(self, *, zaak: str) -> list[JSON]:
        return list(self.list_all("zaakinformatieobjecten", {"zaak": zaak}))

    def create_resultaat(self, *, zaak: str, resultaattype: str, toelichting: str = "") -> JSON:
        body = {"zaak": zaak, "resultaattype": resultaattype, "toelichting": toelichting}
        return self.call("POST", "resultaten", json=body)

    def list_resultaten(self, *, zaak: str) -> list[JSON]:
        return list(self.list_all("resultaten", {"zaak": zaak}))


class BesluitenClient(ZGWClient):
    def create_besluit(self, body: JSON) -> JSON:
        return self.call("POST", "besluiten", json=body)

    def find_besluit(self, *, identificatie: str, verantwoordelijke_organisatie: str) -> JSON | None:
        params = {"identificatie": identificatie, "verantwoordelijkeOrganisatie": verantwoordelijke_organisatie}
        found = list(self.list_all("besluiten", params))
        return found[0] if found else None

    def create_besluitinformatieobject(self, *, besluit: str, informatieobject: str) -> JSON:
        return self.call(
            "POST", "besluitinformatieobjecten", json={"besluit": besluit, "informatieobject": informatieobject}
        )

    def list_besluitinformatieobjecten(self, *, besluit: str) -> list[JSON]:
        return list(self.list_all("besluitinformatieobjecten", {"besluit": besluit}))


class CatalogiClient(ZGWClient):
    def list_zaaktypen(self, *, catalogus: str, identificatie: str) -> list[JSON]:
        params = {"catalogus": catalogus, "identificatie": identificatie, "status": "alles"}
        return list(self.list_all("zaaktypen", params))

    def list_zaaktypen_in(self, *, catalogus: str) -> list[JSON]:
        return list(self.list_all("zaaktypen", {"catalogus": catalogus, "status": "alles"}))

    def get_zaaktype(self, url: str) -> JSON:
        return self.call("GET", url)

    def list_statustypen(self, *, zaaktype: str) -> list[JSON]:
        return list(self.list_all("statustypen", {"zaaktype": zaaktype}))

    def list_roltypen(self, *, zaaktype: str, omschrijving_generiek: str) -> list[JSON]:
        return list(self.list_all("roltypen", {"zaaktype": zaaktype, "omschrijvingGeneriek": omschrijving_generiek}))

    def list_resultaattypen(self, *, zaaktype: str) -> list[JSON]:
        return list(self.list_all("resultaattypen", {"zaaktype": zaaktype}))

    def list_besluittypen(self, *, catalogus: str) -> list[JSON]:
        return list(self.list_all("besluittypen", {"catalogus": catalogus}))

    def list_informatieobjecttypen(self, *, catalogus: str) -> list[JSON]:
        return list(self.list_all("informatieobjecttypen", {"catalogus": catalogus}))


class NotificatiesClient(ZGWClient):
    def create_abonnement(self, *, callback_url: str, auth: str, kanaal: str, filters: dict[str, str]) -> JSON:
        body = {"callbackUrl": callback_url, "auth": auth, "kanalen": [{"naam": kanaal, "filters": filters}]}
        return self.call("POST", "abonnement", json=body)

    def get_abonnement(self, url: str) -> JSON:
        return self.call("GET", url)

    def list_kanalen(self) -> list[JSON]:
        return list(self.list_all("kanaal", {}))
