"""Contract checker: validates ZGW exchanges (request AND response) against the official OpenAPI documents
in `shared/zgw-oas/` with openapi-core, so neither the sandbox nor a client of it can drift from the standard.

    checker = ContractChecker()                       # reads $REGIEKOPPELING_SHARED_DIR or <repo>/../shared
    session = requests.Session()
    session.hooks["response"].append(checker.hook)    # every exchange of the session is checked
    checker.check_notification(url, headers, body)    # a message sent to the Notificaties API

The API is chosen from the URL path (`/zaken/api/v1/...` -> zaken-1.5.1.yaml, and so on); the documents'
`servers` are replaced by those relative paths, so any host and port (a sandbox on port 0) maps onto them.

Responses are validated by openapi-core (types, formats, enums, required fields) and, for 2xx bodies,
checked for fields the document does not describe (openapi-core lets those pass).

Requests. A request that breaks the standard is a violation when the server accepted it (2xx/3xx), or
always with `strict_requests=True` (what a test of the service's own client should use). A request the
server rejected (4xx) may be invalid on purpose: the sandbox tests send those.

Real Open Zaak 1.30 traffic (shared/zgw-samples) does not match the documents everywhere. Every place
where it does not is listed below, with the sample that shows it, and tolerated on purpose; anything
else is reported. Changing these lists is changing what "the standard" means for this project.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_FILES = {
    "zaken": "zaken-1.5.1.yaml",
    "catalogi": "catalogi-1.3.1.yaml",
    "documenten": "documenten-1.4.3.yaml",
    "besluiten": "besluiten-1.0.2.yaml",
    "notificaties": "notificaties-1.0.0.yaml",
}
NOTIFICATIES_FILE = SPEC_FILES["notificaties"]


def shared_dir() -> Path:
    """$REGIEKOPPELING_SHARED_DIR, else the `shared` directory next to the repository."""
    configured = os.environ.get("REGIEKOPPELING_SHARED_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared"


class ContractViolation(AssertionError):
    """An exchange that does not match the official OpenAPI document."""


# --- tolerated differences between the documents and Open Zaak 1.30 ---------------------------------


@dataclass(frozen=True)
class Quirk:
    name: str
    side: str  # "both": requests and responses; "response": responses only
    why: str
    evidence: str  # the sample in shared/zgw-samples that shows it
    apply: Callable[[str, dict[str, Any]], None]


def _walk(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in list(node.values()):
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _nullable_all_of(api: str, doc: dict[str, Any]) -> None:
    def visit(schema: dict[str, Any]) -> None:
        if schema.get("nullable") is True and "allOf" in schema and "type" not in schema:
            del schema["nullable"]
            schema["anyOf"] = [{"allOf": schema.pop("allOf")}, {"type": "object", "nullable": True, "enum": [None]}]

    _walk(doc, visit)


def _drop_content_type_parameter(api: str, doc: dict[str, Any]) -> None:
    for item in doc["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [
                    p
                    for p in operation["parameters"]
                    if not (p.get("in") == "header" and p.get("name") == "Content-Type")
                ]


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def _only(api_name: str, patch: Callable[[dict[str, Any]], None]) -> Callable[[str, dict[str, Any]], None]:
    def apply(api: str, doc: dict[str, Any]) -> None:
        if api == api_name:
            patch(doc)

    return apply


def _gezetdoor(doc: dict[str, Any]) -> None:
    _schema(doc, "Status")["properties"]["gezetdoor"]["nullable"] = True


def _contactpersoon_email(doc: dict[str, Any]) -> None:
    email = _schema(doc, "ContactPersoonRol")["properties"]["emailadres"]
    email.pop("format", None)
    email["anyOf"] = [{"format": "email"}, {"maxLength": 0}]


def _vervalreden(doc: dict[str, Any]) -> None:
    properties = _schema(doc, "Besluit")["properties"]
    properties["vervalreden"]["enum"] = [*properties["vervalreden"]["enum"], ""]
    properties["vervalredenWeergave"].pop("minLength", None)


def _not_required(schema_name: str, field: str) -> Callable[[dict[str, Any]], None]:
    def patch(doc: dict[str, Any]) -> None:
        schema = _schema(doc, schema_name)
        schema["required"] = [name for name in schema.get("required", []) if name != field]

    return patch


def _iot_zaaktypen(doc: dict[str, Any]) -> None:
    _schema(doc, "InformatieObjectType")["properties"]["zaaktypen"] = {
        "type": "array",
        "readOnly": True,
        "items": {"type": "string", "format": "uri"},
    }


UNSPECIFIED = {
    "zaaktype_retrieve": "ZaakType",
    "zaaktype_partial_update": "ZaakType",
    "informatieobjecttype_create": "InformatieObjectType",
    "informatieobjecttype_retrieve": "InformatieObjectType",
    "informatieobjecttype_update": "InformatieObjectType",
    "informatieobjecttype_partial_update": "InformatieObjectType",
    "besluittype_retrieve": "BesluitType",
    "besluittype_partial_update": "BesluitType",
}


def _specify_bodies(doc: dict[str, Any]) -> None:
    for item in doc["paths"].values():
        for operation in item.values():
            name = UNSPECIFIED.get(operation.get("operationId", "")) if isinstance(operation, dict) else None
            if name:
                content = operation["responses"]["200"]["content"]["application/json"]
                content["schema"] = {"$ref": f"#/components/schemas/{name}"}


def _zaaktype_iots(doc: dict[str, Any]) -> None:
    _schema(doc, "ZaakType")["properties"]["informatieobjecttypen"] = {
        "type": "array",
        "readOnly": True,
        "items": {"type": "string", "format": "uri"},
    }


def _iot_create_201(doc: dict[str, Any]) -> None:
    responses = doc["paths"]["/informatieobjecttypen"]["post"]["responses"]
    responses.setdefault("201", responses["200"])


QUIRKS: tuple[Quirk, ...] = (
    Quirk(
        "nullable-allof",
        "both",
        "`nullable: true` next to an `allOf` without `type` (drf-spectacular's pattern) is meant to allow null, "
        "but OAS 3.0.3 ignores nullable without a type",
        "zaken-create-201.json (zaakgeometrie: null)",
        _nullable_all_of,
    ),
    Quirk(
        "content-type-header-parameter",
        "both",
        "the documents declare Content-Type as an enum header parameter, which no multipart request (boundary) "
        "and no bodiless POST can meet; the body's media type is still checked against requestBody",
        "bestandsdelen-update-multipart-200.json, catalogi-informatieobjecttypen-publish-200.json",
        _drop_content_type_parameter,
    ),
    Quirk(
        "status-gezetdoor-null",
        "response",
        "Open Zaak answers gezetdoor: null when no rol set the status",
        "statussen-create-201.json",
        _only("zaken", _gezetdoor),
    ),
    Quirk(
        "contactpersoonrol-emailadres-blank",
        "response",
        'Open Zaak answers contactpersoonRol.emailadres: "" (not an e-mail address)',
        "rollen-create-natuurlijk-persoon-201.json",
        _only("zaken", _contactpersoon_email),
    ),
    Quirk(
        "besluit-vervalreden-blank",
        "response",
        'Open Zaak implements Besluiten 1.1.0 and answers vervalreden: "" and vervalredenWeergave: ""',
        "besluiten-create-with-zaak-201.json",
        _only("besluiten", _vervalreden),
    ),
    Quirk(
        "statustype-zaakobjecttype",
        "response",
        "StatusType requires `zaakobjecttype`; Open Zaak sends `zaakobjecttypen` instead",
        "catalogi-statustypen-list-by-zaaktype-200.json",
        _only("catalogi", _not_required("StatusType", "zaakobjecttype")),
    ),
    Quirk(
        "resultaattype-zaakobjecttypen",
        "response",
        "ResultaatType requires `zaakobjecttypen`; Open Zaak does not send it",
        "catalogi-resultaattypen-list-by-zaaktype-200.json",
        _only("catalogi", _not_required("ResultaatType", "zaakobjecttypen")),
    ),
    Quirk(
        "informatieobjecttype-zaaktypen-array",
        "response",
        "InformatieObjectType.zaaktypen is typed as a string; Open Zaak sends an array of URLs",
        "catalogi-informatieobjecttypen-publish-200.json",
        _only("catalogi", _iot_zaaktypen),
    ),
    Quirk(
        "catalogi-unspecified-bodies",
        "response",
        "catalogi-1.3.1.yaml leaves the body of zaaktype/informatieobjecttype/besluittype retrieve and update "
        "as 'Unspecified response body'; the checker uses the resource's own schema instead (stricter)",
        "catalogi-zaaktype-read-200.json",
        _only("catalogi", _specify_bodies),
    ),
    Quirk(
        "zaaktype-informatieobjecttypen-array",
        "response",
        "ZaakType.informatieobjecttypen is typed as a string; Open Zaak sends an array of URLs",
        "catalogi-zaaktype-read-200.json",
        _only("catalogi", _zaaktype_iots),
    ),
    Quirk(
        "informatieobjecttype-create-201",
        "response",
        "POST /informatieobjecttypen documents 200; Open Zaak answers 201 Created",
        "catalogi-informatieobjecttypen-create-201.json",
        _only("catalogi", _iot_create_201),
    ),
)

# Rules applied while checking a response (not document patches), each with its sample:
RESPONSE_RULES = {
    "errors-as-application-json": "4xx/5xx bodies come as application/json where the documents say "
    "application/problem+json; the body is checked against the problem+json schema (every *-400/403/404/412 sample)",
    "not-modified": "304 on a conditional GET/HEAD is undocumented; it must have no body and an ETag "
    "(zaken-read-if-none-match-304.json)",
    "head-without-body": "HEAD 200 has no body; only the documented status is checked (zaken-head-200.json)",
    "download-406-text": "406 on .../download has the bare text application/octet-stream as body "
    "(enkelvoudiginformatieobjecten-download-accept-json-406.json)",
    "undocumented-error-status": "a 4xx/5xx the operation does not list (an out-of-range page is DRF's 404, fault "
    "injection gives any 5xx) must still be a problem body: type, code, title, status, detail, instance",
    "method-not-allowed": "a 405 for a method the document does not define on the path is the right answer",
}


# Fields Open Zaak 1.30 sends that the documents do not describe. openapi-core lets undocumented fields
# pass (the schemas do not forbid additional properties), so the checker looks for them itself: any other
# undocumented field in a response is reported.
EXTENSIONS: dict[str, set[str]] = {
    # zaken-create-201 / zaken-read-closed-200 (zaak), rollen-create-natuurlijk-persoon-201 (rol)
    "zaken": {
        "_expand",
        "laatstGemuteerd",
        "laatstGeopend",
        "communicatiekanaalNaam",
        "gerelateerdeZaken",
        "eerdereOpschorting",
        "beginGeldigheid",
        "eindeGeldigheid",
        "authenticatieContext",
    },
    # enkelvoudiginformatieobjecten-create-201 (lock), -read-after-unlock-200 (_expand)
    "documenten": {"lock", "_expand"},
    # catalogi-statustypen-list-by-zaaktype-200
    "catalogi": {"zaakobjecttypen"},
    "besluiten": set(),
    "notificaties": set(),
}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _properties(
    doc: dict[str, Any], schema: dict[str, Any], value: dict[str, Any], seen: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The documented properties of an object, through $ref, allOf/anyOf/oneOf and discriminators;
    None for a free-form object. `seen` stops the loop of a discriminator whose mapped schemas include it."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return {}
        seen = seen | {schema["$ref"]}
    schema = _resolve(doc, schema)
    found: dict[str, Any] = dict(schema.get("properties", {}))
    free = not found and schema.get("additionalProperties") not in (None, False)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            nested = _properties(doc, sub, value, seen)
            if nested is None:
                free = True
            else:
                found.update(nested)
    discriminator = schema.get("discriminator")
    if discriminator and isinstance(value.get(discriminator["propertyName"]), str):
        target = discriminator.get("mapping", {}).get(value[discriminator["propertyName"]])
        if target and target not in seen:
            found.update(_properties(doc, {"$ref": target}, value, seen) or {})
    return None if free or (not found and "type" not in schema) else found


def _undocumented(
    api: str, doc: dict[str, Any], schema: dict[str, Any], value: Any, path: str, *, request: bool = False
) -> list[str]:
    schema = _resolve(doc, schema)
    if isinstance(value, list):
        items = schema.get("items")
        return _undocumented(api, doc, items, value[0], f"{path}[0]", request=request) if items and value else []
    if not isinstance(value, dict):
        return []
    documented = _properties(doc, schema, value)
    if documented is None:
        return []
    problems = []
    allowed = set() if request else EXTENSIONS[api]
    for key, item in value.items():
        if key in documented:
            problems += _undocumented(api, doc, documented[key], item, f"{path}.{key}", request=request)
        elif key not in allowed:
            problems.append(f"undocumented field {path}.{key}")
    return problems


# --- loading -------------------------------------------------------------------------------------


@functools.cache
def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    return loaded


_CONFIG = Config(extra_media_type_deserializers={"application/problem+json": json.loads})


@functools.cache
def _document(directory: Path, api: str, side: str) -> dict[str, Any]:
    """The official document with the quirks for `side` applied (a copy; the files are never changed)."""
    doc = copy.deepcopy(_load_yaml(directory / "zgw-oas" / SPEC_FILES[api]))
    doc["servers"] = [{"url": f"/{api}/api/v1"}]
    for quirk in QUIRKS:
        if quirk.side == "both" or side == "response":
            quirk.apply(api, doc)
    return doc


@functools.cache
def _openapi(directory: Path, api: str, side: str) -> OpenAPI:
    return OpenAPI.from_dict(_document(directory, api, side), config=_CONFIG)


def _describe(exc: BaseException) -> str:
    lines = []
    current: BaseException | None = exc
    while current is not None:
        lines.append(f"{type(current).__name__}: {str(current)[:300]}")
        for error in getattr(current, "schema_errors", None) or []:
            location = "/".join(str(p) for p in error.path) or "(body)"
            lines.append(f"  at {location}: {error.message[:300]}")
        current = current.__cause__
    return "\n".join(lines)


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes | None
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes


class ContractChecker:
    def __init__(self, directory: Path | None = None, *, strict_requests: bool = False) -> None:
        self.directory = (directory or shared_dir()).resolve()
        self.strict_requests = strict_requests
        self.checked: list[tuple[str, str, int]] = []  # (method, path, status) of every checked exchange
        self._tolerate_request: str | None = None

    def warm_up(self) -> None:
        """Load every document now (a few seconds), rather than at the first exchange."""
        for api in SPEC_FILES:
            for side in ("request", "response"):
                _openapi(self.directory, api, side)

    @contextlib.contextmanager
    def tolerating_invalid_requests(self, reason: str) -> Iterator[None]:
        """Replaying Open Zaak traffic that breaks the request schema (e.g. GET /zaken without Content-Crs)."""
        self._tolerate_request = reason
        try:
            yield
        finally:
            self._tolerate_request = None

    # --- entry points --------------------------------------------------------------------------

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A requests response hook: `session.hooks["response"].append(checker.hook)`."""
        self.check_response(response)
        return response

    def check_response(self, response: Any) -> None:
        """Check a `requests.Response` together with the request that produced it."""
        request = response.request
        body = request.body.encode() if isinstance(request.body, str) else request.body
        if not isinstance(body, bytes | None):
            body = None  # a streamed (generator) body is gone once sent: the request check will say so
        self.check(
            Exchange(
                request.method,
                request.url,
                dict(request.headers),
                body,
                response.status_code,
                dict(response.headers),
                response.content,
            )
        )

    def check(self, exchange: Exchange) -> None:
        split = urlsplit(exchange.url)
        if split.path.startswith("/_sandbox"):
            return  # the sandbox's own control API is not part of any standard
        api = split.path.strip("/").split("/", 1)[0]
        if api not in SPEC_FILES:
            raise ContractViolation(f"{exchange.method} {split.path}: not a path of any ZGW API document")
        problems = []
        request = self._request(exchange)
        request_problem = self._validate_request(api, request)
        if request_problem and self._tolerate_request is None:
            if self.strict_requests or exchange.status < 400:
                problems.append(f"request does not match {SPEC_FILES[api]}:\n{request_problem}")
        response_problem = self._validate_response(api, request, exchange)
        if response_problem:
            problems.append(f"response {exchange.status} does not match {SPEC_FILES[api]}:\n{response_problem}")
        self.checked.append((exchange.method, split.path, exchange.status))
        if problems:
            raise ContractViolation(f"{exchange.method} {exchange.url}\n" + "\n".join(problems))

    def check_notification(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Check a message sent to a Notificaties API (`POST <root>/notificaties`) against notificaties-1.0.0."""
        split = urlsplit(url)
        # map whatever receiver root onto the document's root
        path = "/notificaties/api/v1/" + split.path.rstrip("/").rsplit("/", 1)[-1]
        request = MockRequest(
            f"{split.scheme}://{split.netloc}", "post", path, headers=dict(headers), data=body,
            content_type=_header(headers, "Content-Type") or "",
        )  # fmt: skip
        try:
            _openapi(self.directory, "notificaties", "request").validate_request(request)
        except Exception as exc:
            raise ContractViolation(f"notification does not match {NOTIFICATIES_FILE}:\n{_describe(exc)}") from exc

    # --- validation ----------------------------------------------------------------------------

    def _request(self, exchange: Exchange) -> MockRequest:
        split = urlsplit(exchange.url)
        headers = dict(exchange.request_headers)
        return MockRequest(
            f"{split.scheme}://{split.netloc}",
            exchange.method.lower(),
            split.path,
            args=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=headers,
            data=exchange.request_body or None,
            # the full value: a multipart body cannot be parsed without its boundary parameter
            content_type=_header(headers, "Content-Type") or "application/json",
        )

    def _validate_request(self, api: str, request: MockRequest) -> str | None:
        try:
            _openapi(self.directory, api, "request").validate_request(request)
        except Exception as exc:  # noqa: BLE001 - openapi-core raises many types; all mean "invalid"
            return _describe(exc)
        # a misspelt field passes openapi-core and the server ignores it (as DRF does): data lost silently
        doc = _document(self.directory, api, "request")
        operation = _operation(doc, api, request) or {}
        content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        if content and request.body and _media_type(request.content_type) == "application/json":
            extra = _undocumented(api, doc, content["schema"], json.loads(request.body), "body", request=True)
            return "\n".join(extra) or None
        return None

    def _validate_response(self, api: str, request: MockRequest, exchange: Exchange) -> str | None:
        headers = dict(exchange.response_headers)
        content_type = _media_type(_header(headers, "Content-Type"))
        status = exchange.status
        if status == 304:  # rule not-modified
            if exchange.method not in ("GET", "HEAD") or not _header(dict(exchange.request_headers), "If-None-Match"):
                return "304 without a conditional GET"
            if exchange.response_body or not _header(headers, "ETag"):
                return "a 304 must have no body and an ETag"
            return None
        openapi = _openapi(self.directory, api, "response")
        operation = _operation(_document(self.directory, api, "response"), api, request)
        if operation is None:
            if status == 405:  # rule method-not-allowed
                return _problem_shape(exchange.response_body, status)
            return f"{exchange.method} is not documented for this path"
        responses = operation.get("responses", {})
        if exchange.method == "HEAD":  # rule head-without-body
            if exchange.response_body:
                return "HEAD answered with a body"
            return None if str(status) in responses else f"status {status} is not documented for HEAD"
        if status == 406 and request.path.endswith("/download") and content_type == "application/octet-stream":
            return None  # rule download-406-text
        if status >= 400 and str(status) not in responses:
            return _problem_shape(exchange.response_body, status)  # rule undocumented-error-status
        documented = responses.get(str(status), {}).get("content", {})
        if status >= 400 and content_type == "application/json" and "application/json" not in documented:
            content_type = "application/problem+json"  # rule errors-as-application-json
        response = MockResponse(
            exchange.response_body, status_code=status, headers=headers, content_type=content_type or ""
        )
        try:
            openapi.validate_response(request, response)
        except Exception as exc:  # noqa: BLE001 - openapi-core raises many types; all mean "invalid"
            return _describe(exc)
        schema = documented.get(content_type or "", {}).get("schema")
        # error bodies are checked by openapi-core and `_problem_shape`; some operations document a 400 as
        # `Fout` although every validation error carries `invalidParams`
        if schema and status < 400 and content_type == "application/json":
            extra = _undocumented(
                api, _document(self.directory, api, "response"), schema, json.loads(exchange.response_body), "body"
            )
            return "\n".join(extra) or None
        return None


PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}


def _problem_shape(body: bytes, status: int) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return "an error body must be JSON"
    if not isinstance(data, dict) or not PROBLEM_KEYS <= set(data) or data["status"] != status:
        return f"not a problem body for status {status}: {str(data)[:200]}"
    for param in data.get("invalidParams", []):
        if set(param) != {"name", "code", "reason"}:
            return f"invalidParams item {param} needs name, code and reason"
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _media_type(value: str | None) -> str | None:
    return value.split(";")[0].strip() if value else None


def _operation(doc: dict[str, Any], api: str, request: MockRequest) -> dict[str, Any] | None:
    """The raw operation object of the document for this request (for the response rules)."""
    prefix = f"/{api}/api/v1"
    path = request.path[len(prefix) :] if request.path.startswith(prefix) else request.path
    # literal path segments win over templates (/zaken/_zoek before /zaken/{uuid})
    for template in sorted(doc["paths"], key=lambda t: t.count("{")):
        if _matches_template(template, path):
            operation = doc["paths"][template].get(request.method)
            return operation if isinstance(operation, dict) else None
    return None


def _matches_template(template: str, path: str) -> bool:
    parts, actual = template.strip("/").split("/"), path.strip("/").split("/")
    if len(parts) != len(actual):
        return False
    return all(p == a or (p.startswith("{") and p.endswith("}")) for p, a in zip(parts, actual, strict=True))
