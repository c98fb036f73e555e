"""Every endpoint of the API, and how it is tried across the boundary between two gemeenten.

A probe names one request that refers to a record of the owning tenant (in the path or in the body) and
who may legitimately make it. The suite sends it as the owner (it must succeed, so the probe means
something), as every application of the other gemeente and as the owner's own applications that may
not see the record, once with the owner's record and once with an unknown value in its place.
`ROUTES` lists every (method, route) of the URL conf with the probes or test that cover it; a route
the URL conf has and `ROUTES` lacks fails `test_every_route_is_covered`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.conftest import aanvraag_body, zin_line

from .conftest import Tenant, verzoek

# Values nobody in the world has: the "unknown" counterpart of a foreign gemeente code or BSN.
UNKNOWN_CODE = "0999"
UNKNOWN_BSN = "999990044"

# (owner tenant, caller tenant, value) -> (path, body); value is the owner's record or the unknown one.
Build = Callable[[Tenant, Tenant, str], tuple[str, Any]]


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    route: str  # as in the URL conf below /api/v1/, "{uuid}" for the lookup
    ref: str  # the key in Tenant.ids of the owner's record, or "code" / "bsn"
    owner: str  # the application of the owning tenant for which the request succeeds
    build: Build
    insiders: tuple[str, ...] = ("regie2", "privacy")  # the owner's own applications that may not see it
    multipart: bool = False
    refused: bool = True  # False for a search: its answer to an outsider is an empty page, as for the unknown

    def value(self, tenant: Tenant) -> str:
        return {"code": tenant.code, "bsn": tenant.bsn}.get(self.ref) or tenant.ids[self.ref]

    def unknown(self) -> str:
        return {"code": UNKNOWN_CODE, "bsn": UNKNOWN_BSN}.get(self.ref) or str(uuid.uuid4())


def path(template: str) -> Build:
    return lambda owner, caller, value: ("/api/v1/" + template.format(uuid=value), None)


def post(template: str, body: dict[str, Any]) -> Build:
    return lambda owner, caller, value: ("/api/v1/" + template.format(uuid=value), body)


PER_APP = ("regie2", "backoffice", "privacy")  # berichten and abonnementen belong to one application
NOBODY_ELSE = ("privacy",)  # the productenboek: every regie and backoffice of the gemeente reads it


def _detail(resource: str, ref: str, insiders: tuple[str, ...] = ("regie2", "privacy")) -> Probe:
    return Probe(f"GET {resource}", "GET", f"{resource}/{{uuid}}", ref, "regie", path(f"{resource}/{{uuid}}"), insiders)


def _aanvraag(owner: Tenant, caller: Tenant, value: str) -> tuple[str, Any]:
    client = {"bsn": caller.bsn, "geboortedatum": "1950-01-01", "geslacht": "2", "achternaam": "Jansen"}
    line = zin_line(ingangsdatum="2032-01-01", einddatum="2032-12-31")
    return "/api/v1/aanvragen", aanvraag_body(line, gemeente=value, client=client)


def _besluit(caller: Tenant, **changes: str) -> dict[str, Any]:
    regel = {"voorziening": changes.pop("voorziening", caller.ids["voorziening_verwerkbaar"]), "uitkomst": "toegekend"}
    body = {"aanvraag": caller.ids["aanvraag_verwerkbaar"], "beschikkingnummer": 2, "datum": "2026-11-20"}
    return {**body, "ingangsdatum": "2031-01-01", "regels": [regel], **changes}


def _toewijzing(value: str) -> dict[str, Any]:
    return {"voorziening": value, "toewijzingnummer": 2002, "aanbieder": "12345678", "ingangsdatum": "2028-01-01"}


def _product(gemeente: str, **extra: Any) -> dict[str, Any]:
    body = {"gemeente": gemeente, "wet": "WMO", "categorie": "02", "code": "02Y01", "omschrijving": "Nieuw"}
    return {**body, "ingangsdatum": "2027-01-01", **extra}


def _document(owner: Tenant, caller: Tenant, value: str) -> tuple[str, Any]:
    return "/api/v1/documenten", {"aanvraag": value, "titel": "Verslag"}


ANTWOORD = {"producten": [{"referentieAanbieder": "REF-1", "antwoord": "in_onderzoek"}]}

PROBES: list[Probe] = [
    # --- reads of one record -------------------------------------------------------------------------
    _detail("aanvragen", "aanvraag"),
    _detail("voorzieningen", "voorziening"),
    _detail("documenten", "document"),
    Probe("GET inhoud", "GET", "documenten/{uuid}/inhoud", "document", "regie", path("documenten/{uuid}/inhoud")),
    _detail("terugkoppelingen", "terugkoppeling"),
    _detail("beschikkingen", "beschikking"),
    _detail("toewijzingen", "toewijzing"),
    _detail("signalen", "signaal"),
    _detail("berichten", "bericht", PER_APP),
    _detail("abonnementen", "abonnement_regie", PER_APP),
    _detail("producten", "product", NOBODY_ELSE),
    # --- writes on a record in the path --------------------------------------------------------------
    Probe("intrekken aanvraag", "POST", "aanvragen/{uuid}/intrekken", "aanvraag_nieuw", "regie",
          post("aanvragen/{uuid}/intrekken", {"reden": "Dubbel"})),
    Probe("intrekken voorziening", "POST", "voorzieningen/{uuid}/intrekken", "voorziening_nieuw", "regie",
          post("voorzieningen/{uuid}/intrekken", {"reden": "Dubbel"})),
    Probe("antwoord", "POST", "signalen/{uuid}/antwoord", "signaal_verzoek", "regie",
          post("signalen/{uuid}/antwoord", ANTWOORD)),
    Probe("start", "POST", "toewijzingen/{uuid}/start", "toewijzing", "backoffice",
          post("toewijzingen/{uuid}/start", {"datum": "2027-01-05"})),
    Probe("stop", "POST", "toewijzingen/{uuid}/stop", "toewijzing", "backoffice",
          post("toewijzingen/{uuid}/stop", {"datum": "2027-06-30", "redenBeeindiging": "19"})),
    Probe("PATCH product", "PATCH", "producten/{uuid}", "product", "backoffice",
          post("producten/{uuid}", {"omschrijving": "Anders"}), NOBODY_ELSE),
    Probe("DELETE product", "DELETE", "producten/{uuid}", "product", "backoffice", path("producten/{uuid}"),
          NOBODY_ELSE),
    Probe("DELETE abonnement", "DELETE", "abonnementen/{uuid}", "abonnement_regie", "regie",
          path("abonnementen/{uuid}"), PER_APP),
    # --- writes that name a record (or a gemeente, or a client) in the body ----------------------------
    Probe("aanvraag for a gemeente", "POST", "aanvragen", "code", "regie", _aanvraag, NOBODY_ELSE),
    Probe("document", "POST", "documenten", "aanvraag", "regie", _document, multipart=True),
    Probe("terugkoppeling", "POST", "terugkoppelingen", "aanvraag_nieuw", "backoffice",
          lambda o, c, v: ("/api/v1/terugkoppelingen", {"aanvraag": v, "soort": "verwerkbaar"})),
    Probe("terugkoppeling line", "POST", "terugkoppelingen", "voorziening_verwerkbaar", "backoffice",
          lambda o, c, v: ("/api/v1/terugkoppelingen", {
              "aanvraag": c.ids["aanvraag_verwerkbaar"], "soort": "in_onderzoek", "voorzieningen": [v]})),
    Probe("beschikking", "POST", "beschikkingen", "aanvraag_verwerkbaar", "backoffice",
          lambda o, c, v: ("/api/v1/beschikkingen", {**_besluit(o), "aanvraag": v})),
    Probe("beschikking regel", "POST", "beschikkingen", "voorziening_verwerkbaar", "backoffice",
          lambda o, c, v: ("/api/v1/beschikkingen", _besluit(c, voorziening=v))),
    Probe("beschikking brief", "POST", "beschikkingen", "document_verwerkbaar", "backoffice",
          lambda o, c, v: ("/api/v1/beschikkingen", _besluit(c, brief=v))),
    Probe("toewijzing", "POST", "toewijzingen", "voorziening_vrij", "backoffice",
          lambda o, c, v: ("/api/v1/toewijzingen", _toewijzing(v))),
    Probe("herindicatie", "POST", "signalen", "voorziening", "backoffice",
          lambda o, c, v: ("/api/v1/signalen", {"soort": "herindicatie", "voorziening": v})),
    Probe("verzoek for a gemeente", "POST", "signalen", "code", "backoffice",
          lambda o, c, v: ("/api/v1/signalen", {"soort": "verzoek_om_toewijzing", "verzoek": verzoek(v, o.bsn)})),
    Probe("verzoek for a client", "POST", "signalen", "bsn", "backoffice",
          lambda o, c, v: ("/api/v1/signalen", {"soort": "verzoek_om_toewijzing", "verzoek": verzoek(c.code, v)})),
    Probe("product for a gemeente", "POST", "producten", "code", "backoffice",
          lambda o, c, v: ("/api/v1/producten", _product(v)), NOBODY_ELSE),
    Probe("product onderdeel", "POST", "producten", "product", "backoffice",
          lambda o, c, v: ("/api/v1/producten", _product(c.code, categorie="10", code="10Y01", onderdelen=[v])),
          NOBODY_ELSE),
    Probe("inzage", "POST", "verwerkingen/_zoek", "bsn", "privacy",
          lambda o, c, v: ("/api/v1/verwerkingen/_zoek", {"bsn": v}), ("regie", "regie2", "backoffice"),
          refused=False),
]  # fmt: skip

# List route -> its filters that name a record of the owner (filter -> ref). Tried by every application
# of the other gemeente and by the owner's applications that see none of it (`LIST_INSIDERS`).
LISTS: dict[str, dict[str, str]] = {
    "aanvragen": {"gemeente": "code", "regieReferentie": "referentie"},
    "voorzieningen": {"aanvraag": "aanvraag", "gemeente": "code", "regieReferentie": "referentie"},
    "documenten": {"aanvraag": "aanvraag"},
    "terugkoppelingen": {},
    "beschikkingen": {},
    "toewijzingen": {},
    "signalen": {},
    "berichten": {"aanvraag": "aanvraag"},
    "abonnementen": {},
    "producten": {"gemeente": "code"},
}

LIST_INSIDERS = {"producten": NOBODY_ELSE, "berichten": ("regie2", "privacy"), "abonnementen": ("regie2", "privacy")}

# Routes covered by a test of their own (named) instead of a probe.
OWN_TESTS = {
    ("POST", "abonnementen"): "test_webhooks.py: a new abonnement receives only its own feed",
    ("GET", "openapi.json"): "test_boundary.py::test_public_documents_hold_no_tenant_data",
    ("GET", "openapi.yaml"): "test_boundary.py::test_public_documents_hold_no_tenant_data",
    ("POST", "zgw-notificaties"): "test_boundary.py::test_zgw_notificaties_refuse_every_application",
}


def covered_routes() -> dict[tuple[str, str], list[str]]:
    routes: dict[tuple[str, str], list[str]] = {}
    for probe in PROBES:
        routes.setdefault((probe.method, probe.route), []).append(probe.name)
    for route in LISTS:
        routes.setdefault(("GET", route), []).append(f"list {route}")
    for key, test in OWN_TESTS.items():
        routes.setdefault(key, []).append(test)
    return routes
