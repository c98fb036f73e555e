"""What the OpenAPI document says beyond what drf-spectacular derives: summaries, Dutch wording for
DRF's English defaults, closed request schemas, the headers and status codes the server really sends,
links from each 201 to what a client does next, and an example for every operation.

Applied by `schema.adr_postprocessing_hook`; `tests/api/test_openapi_document.py` holds the document
to all of it (a new operation without a summary or an example fails there)."""

from __future__ import annotations

import inspect
import json
from functools import cache
from pathlib import Path
from typing import Any

from .fields import StrictSerializer
from .verzoek_schema import verzoek_schema

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")

SUMMARIES = {
    "verwerkingen_zoek": "Verwerkingen van de gegevens van een persoon opzoeken (inzage)",
    "aanvragen_list": "Aanvragen opvragen",
    "aanvragen_create": "Aanvraag indienen",
    "aanvragen_retrieve": "Aanvraag opvragen",
    "aanvragen_intrekken_create": "Aanvraag intrekken",
    "abonnementen_list": "Abonnementen opvragen",
    "abonnementen_create": "Abonnement nemen",
    "abonnementen_retrieve": "Abonnement opvragen",
    "abonnementen_destroy": "Abonnement opzeggen",
    "berichten_list": "Berichten opvragen (feed)",
    "berichten_retrieve": "Bericht opvragen",
    "beschikkingen_list": "Beschikkingen opvragen",
    "beschikkingen_create": "Beschikking vastleggen",
    "beschikkingen_retrieve": "Beschikking opvragen",
    "documenten_list": "Documenten opvragen",
    "documenten_create": "Document toevoegen",
    "documenten_retrieve": "Document opvragen",
    "documenten_inhoud_retrieve": "Inhoud van een document downloaden",
    "openapi.json_retrieve": "OpenAPI-document opvragen",
    "producten_list": "Productenboek opvragen",
    "producten_create": "Product toevoegen",
    "producten_retrieve": "Product opvragen",
    "producten_partial_update": "Product wijzigen",
    "producten_destroy": "Product verwijderen",
    "signalen_list": "Signalen opvragen",
    "signalen_create": "Signaal of verzoek (315/317) indienen",
    "signalen_retrieve": "Signaal opvragen",
    "signalen_antwoord_create": "Verzoek (315/317) beantwoorden",
    "terugkoppelingen_list": "Terugkoppelingen opvragen",
    "terugkoppelingen_create": "Terugkoppeling geven",
    "terugkoppelingen_retrieve": "Terugkoppeling opvragen",
    "toewijzingen_list": "Toewijzingen opvragen",
    "toewijzingen_create": "Voorziening toewijzen",
    "toewijzingen_retrieve": "Toewijzing opvragen",
    "toewijzingen_start_create": "Start van de levering melden",
    "toewijzingen_stop_create": "Einde van de levering melden",
    "voorzieningen_list": "Voorzieningen opvragen",
    "voorzieningen_retrieve": "Voorziening opvragen",
    "voorzieningen_intrekken_create": "Voorziening intrekken",
}

# DRF's and drf-spectacular's English defaults, as the document says them in Dutch.
DUTCH = {
    "A page number within the paginated result set.": "Paginanummer (vanaf 1).",
    "No response body": "Geen inhoud.",
    # The docstring of StrictSerializer, which drf-spectacular takes for nested objects.
    inspect.cleandoc(StrictSerializer.__doc__ or ""): (
        "Onbekende velden worden geweigerd, net als een getal of boolean waar tekst (een JSON string) verwacht wordt."
    ),
}

_UUID = "$response.body#/uuid"
_VOORZIENING = "$response.body#/voorzieningen/0/uuid"
# From each 201 (and 200 of an action) to what a client can do next with what it got back: the
# created resource's reads and actions, and the steps of the standard that take it as input.
LINKS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "aanvragen_create": {
        "AanvraagOpvragen": ("aanvragen_retrieve", {"parameters": {"uuid": _UUID}}),
        "AanvraagIntrekken": ("aanvragen_intrekken_create", {"parameters": {"uuid": _UUID}}),
        "VoorzieningOpvragen": ("voorzieningen_retrieve", {"parameters": {"uuid": _VOORZIENING}}),
        "VoorzieningIntrekken": ("voorzieningen_intrekken_create", {"parameters": {"uuid": _VOORZIENING}}),
        "TerugkoppelingGeven": ("terugkoppelingen_create", {"requestBody": {"aanvraag": _UUID}}),
        "BeschikkingVastleggen": (
            "beschikkingen_create",
            {"requestBody": {"aanvraag": _UUID, "regels": [{"voorziening": _VOORZIENING, "uitkomst": "toegekend"}]}},
        ),
        "DocumentToevoegen": ("documenten_create", {"requestBody": {"aanvraag": _UUID}}),
        # Succeeds once a beschikking granted the line (the link above, on the same aanvraag).
        "VoorzieningToewijzen": ("toewijzingen_create", {"requestBody": {"voorziening": _VOORZIENING}}),
    },
    "beschikkingen_create": {
        "BeschikkingOpvragen": ("beschikkingen_retrieve", {"parameters": {"uuid": _UUID}}),
    },
    "terugkoppelingen_create": {
        "TerugkoppelingOpvragen": ("terugkoppelingen_retrieve", {"parameters": {"uuid": _UUID}}),
    },
    "toewijzingen_create": {
        "ToewijzingOpvragen": ("toewijzingen_retrieve", {"parameters": {"uuid": _UUID}}),
        "LeveringGestart": ("toewijzingen_start_create", {"parameters": {"uuid": _UUID}}),
        "LeveringGestopt": ("toewijzingen_stop_create", {"parameters": {"uuid": _UUID}}),
    },
    "toewijzingen_start_create": {
        "LeveringGestopt": ("toewijzingen_stop_create", {"parameters": {"uuid": _UUID}}),
    },
    "documenten_create": {
        "DocumentOpvragen": ("documenten_retrieve", {"parameters": {"uuid": _UUID}}),
    },
    "signalen_create": {
        "SignaalOpvragen": ("signalen_retrieve", {"parameters": {"uuid": _UUID}}),
        "VerzoekBeantwoorden": ("signalen_antwoord_create", {"parameters": {"uuid": _UUID}}),
    },
    "abonnementen_create": {
        "AbonnementOpvragen": ("abonnementen_retrieve", {"parameters": {"uuid": _UUID}}),
        "AbonnementOpzeggen": ("abonnementen_destroy", {"parameters": {"uuid": _UUID}}),
    },
    "producten_create": {
        "ProductOpvragen": ("producten_retrieve", {"parameters": {"uuid": _UUID}}),
        "ProductWijzigen": ("producten_partial_update", {"parameters": {"uuid": _UUID}}),
        "ProductVerwijderen": ("producten_destroy", {"parameters": {"uuid": _UUID}}),
    },
}

HEADERS = {
    "Location": {
        "description": "De URL van de aangemaakte resource.",
        "schema": {"type": "string", "format": "uri"},
    },
    "Idempotent-Replayed": {
        "description": "`true` als dit het opgeslagen antwoord is op een eerder verzoek met dezelfde Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "WWW-Authenticate": {
        "description": "Hoe de applicatie zich meldt: een JWT als Bearer-token.",
        "schema": {"type": "string", "example": 'Bearer realm="regiekoppeling"'},
    },
}


@cache
def examples() -> dict[str, dict[str, Any]]:
    """Per operationId: `request` (a body) and/or `response` (status and body), taken from a real run
    of the standard's steps (see the test that checks them)."""
    loaded: dict[str, dict[str, Any]] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return loaded


# The ADR ruleset's rule for 400 answers walks `$.paths..` for any property matching /get|delete/ and
# reads `.parameters` of it: a null value there (`budget: null` in an example) crashes Spectral. So
# `budget` is optional in answers (the server still sends it, null when absent) and the examples leave
# a null one out.
NULL_OMITTED_IN_EXAMPLES = ("budget",)


def close_request_schemas(schemas: dict[str, Any]) -> None:
    """The server refuses fields it does not know (StrictSerializer): every request schema says so."""
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
    schemas["Verzoek"] = verzoek_schema()
    for schema in schemas.values():
        if "required" in schema:
            schema["required"] = [n for n in schema["required"] if n not in NULL_OMITTED_IN_EXAMPLES]


def dutch(document: Any) -> None:
    """Replace DRF's English default descriptions, wherever they appear."""
    if isinstance(document, dict):
        for key, value in document.items():
            # drf-spectacular's own texts are lazy translations, not str.
            if key == "description" and not isinstance(value, dict | list) and str(value) in DUTCH:
                document[key] = DUTCH[str(value)]
            else:
                dutch(value)
    elif isinstance(document, list):
        for item in document:
            dutch(item)


def require_bodies(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A body whose every form has required fields is itself required (drf-spectacular leaves that
    out when a request has more than one media type)."""
    body = operation.get("requestBody")
    if not body:
        return
    names = [m.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1] for m in body["content"].values()]
    if all(schemas.get(name, {}).get("required") for name in names):
        body["required"] = True


def describe_operation(operation: dict[str, Any], method: str) -> None:
    """Summary, the headers each answer carries, links and examples of one operation."""
    operation_id = operation.get("operationId", "")
    if operation_id in SUMMARIES:
        operation["summary"] = SUMMARIES[operation_id]
    responses = operation["responses"]
    idempotent = any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    for code, response in responses.items():
        if "$ref" in response:
            continue
        headers = response.setdefault("headers", {})
        if code == "201":
            headers["Location"] = HEADERS["Location"]
        if idempotent and code[0] == "2":
            headers["Idempotent-Replayed"] = HEADERS["Idempotent-Replayed"]
    for name, (target, spec) in LINKS.get(operation_id, {}).items():
        code = "201" if "201" in responses else "200"
        responses[code].setdefault("links", {})[name] = {"operationId": target, **spec}
    example = examples().get(operation_id, {})
    if "request" in example:
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            if media_type in ("application/json", "multipart/form-data"):
                media["example"] = example["request"]
    if "response" in example:
        content = responses.get(str(example["response"]["status"]), {}).get("content", {})
        for media in content.values():
            media["example"] = example["response"]["body"]
