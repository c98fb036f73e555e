"""The OpenAPI document: served without authentication and made ADR-clean by one hook."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularYAMLAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from .openapi_docs import HEADERS, close_request_schemas, describe_operation, dutch, require_bodies

_PROBLEM_PROPS = {
    "type": {"type": "string", "format": "uri", "description": "URI die het fouttype identificeert."},
    "code": {"type": "string", "description": "Systeemcode van het fouttype."},
    "title": {"type": "string", "description": "Korte omschrijving van het fouttype."},
    "status": {"type": "integer", "format": "int32", "description": "De HTTP-statuscode."},
    "detail": {"type": "string", "description": "Uitleg specifiek voor dit geval."},
    "instance": {"type": "string", "description": "URN van dit voorkomen van de fout."},
}
_ERROR_RESPONSES = {
    "400": ("ValidationProblem", "Ongeldig verzoek; invalidParams noemt elk ongeldig veld."),
    "401": ("Problem", "Niet geauthenticeerd (geen, een ongeldig of een verlopen token)."),
    "403": ("Problem", "Geen toestemming."),
    "404": ("Problem", "Niet gevonden."),
    "406": ("Problem", "De Accept-header vraagt om een vorm die de API niet levert (alleen JSON)."),
    "414": ("Problem", "De request line (pad en querystring) is te lang."),
    "500": ("Problem", "Interne fout."),
}
_POST_RESPONSES = {
    "409": ("Problem", "Conflict: de statusovergang mag niet, of het verzoek met deze Idempotency-Key loopt nog."),
    "413": ("Problem", "De body is te groot."),
    "415": ("Problem", "De Content-Type van de body wordt niet ondersteund."),
    "422": ("Problem", "Deze Idempotency-Key is al gebruikt voor een ander verzoek."),
}
# Operations that call a ZGW API while the client waits (the content of a document held there).
_GATEWAY_RESPONSES = {
    "502": ("Problem", "De achterliggende API weigerde het verzoek."),
    "503": ("Problem", "De achterliggende API is niet bereikbaar of de koppeling ermee is niet goed ingesteld."),
}


def _components(result: dict[str, Any]) -> None:
    components = result.setdefault("components", {})
    components.setdefault("headers", {})["API-Version"] = {
        "description": "De volledige versie van de API.",
        "schema": {"type": "string", "example": settings.API_VERSION},
    }
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = {"type": "object", "properties": dict(_PROBLEM_PROPS), "required": ["title", "status"]}
    schemas["InvalidParam"] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "Pad van het veld (camelCase, met punten)."},
            "code": {"type": "string"},
            "reason": {"type": "string"},
        },
    }
    schemas["ValidationProblem"] = {
        "type": "object",
        "properties": {
            **_PROBLEM_PROPS,
            "invalidParams": {"type": "array", "items": {"$ref": "#/components/schemas/InvalidParam"}},
        },
        "required": ["title", "status", "invalidParams"],
    }
    responses = components.setdefault("responses", {})
    for code, (schema, description) in {**_ERROR_RESPONSES, **_POST_RESPONSES, **_GATEWAY_RESPONSES}.items():
        responses[f"Problem{code}"] = {
            "description": description,
            "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
            "content": {"application/problem+json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    responses["Problem401"]["headers"]["WWW-Authenticate"] = HEADERS["WWW-Authenticate"]
    close_request_schemas(schemas)


# W3C Trace Context: every request may carry it (middleware.trace_context_middleware), so every operation
# documents it. An invalid value is ignored, as the W3C standard says (the request starts a new trace):
# so the schema names no pattern, which would promise a 400 the server does not give.
TRACEPARENT = {
    "name": "traceparent",
    "in": "header",
    "required": False,
    "description": (
        "W3C Trace Context (versie-traceid-parentid-vlaggen). Het verzoek loopt als nieuwe span in deze trace: "
        "het logboek dataverwerkingen legt het traceId vast en elk vervolgverzoek naar de ZGW API's of een "
        "webhook geeft hem door. Een ongeldige waarde wordt genegeerd (dan begint een nieuwe trace)."
    ),
    "schema": {"type": "string"},
    "example": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
}


def _inline_nullable_refs(result: dict[str, Any]) -> None:
    """drf-spectacular writes a nullable nested object as `allOf: [$ref], nullable: true`. In OAS 3.0
    `nullable` does not widen the referenced schema, so strict validators refuse `null` there.
    Inline the referenced object with `nullable: true` on it, which says what the API does."""
    schemas = result.get("components", {}).get("schemas", {})
    for schema in list(schemas.values()):
        for name, prop in schema.get("properties", {}).items():
            refs = prop.get("allOf", [])
            if prop.get("nullable") and len(refs) == 1 and "$ref" in refs[0]:
                target = schemas[refs[0]["$ref"].rsplit("/", 1)[-1]]
                extra = {k: v for k, v in prop.items() if k != "allOf"}
                schema["properties"][name] = {**target, **extra}


# What StrictDateTimeField (filters.py) takes: year 1900-2999, an offset of at most 15:59.
DATETIME_QUERY_PATTERN = (
    r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9](\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"
)


def _query_parameters_as_checked(operation: dict[str, Any]) -> None:
    """A query parameter that is present must have a value (an empty one is a 400, as the server
    answers), and a moment is written as StrictDateTimeField takes it."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("name") == "Idempotency-Key":  # what base._KEY_PATTERN takes
            schema.update({"minLength": 1, "maxLength": 255, "pattern": "^[!#-~]{1,255}$"})
        if parameter.get("in") != "query" or schema.get("type") != "string":
            continue
        schema.setdefault("minLength", 1)
        if schema.get("format") == "date-time":
            schema["pattern"] = DATETIME_QUERY_PATTERN


def adr_postprocessing_hook(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add what the Dutch API Design Rules demand on every operation: the API-Version header on
    2xx/3xx responses and problem+json error responses (400 included)."""
    _inline_nullable_refs(result)
    _components(result)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            _query_parameters_as_checked(operation)
            operation.setdefault("parameters", []).append(dict(TRACEPARENT))
            describe_operation(operation, method)
            require_bodies(operation, result["components"]["schemas"])
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if code[0] in "23" and "$ref" not in response:
                    response.setdefault("headers", {})["API-Version"] = {"$ref": "#/components/headers/API-Version"}
            if path == "/openapi.json" and "200" in responses:
                responses["200"]["headers"]["access-control-allow-origin"] = {
                    "description": "CORS: het document is voor iedereen leesbaar.",
                    "schema": {"type": "string", "example": "*"},
                }
            if path.startswith("/producten") and method == "get":  # the productenboek's reads carry an ETag
                for code in ("200", "304"):
                    if code in responses:
                        responses[code].setdefault("headers", {})["ETag"] = {
                            "description": "Versie van dit antwoord; stuur hem terug in If-None-Match.",
                            "schema": {"type": "string"},
                        }
            extra = _ERROR_RESPONSES if method != "post" else {**_ERROR_RESPONSES, **_POST_RESPONSES}
            if method == "patch":
                extra = {**_ERROR_RESPONSES, "413": _POST_RESPONSES["413"], "415": _POST_RESPONSES["415"]}
            if path.endswith("/inhoud"):
                extra = {**extra, **_GATEWAY_RESPONSES}
            for code in extra:
                responses.setdefault(code, {"$ref": f"#/components/responses/Problem{code}"})
    dutch(result)
    return result


def year_pattern(first: int, last: int) -> str:
    """A regex alternation that matches exactly the four-digit years first..last."""
    parts, year = [], first
    while year <= last:
        if year % 100 == 0 and year + 99 <= last:
            parts.append(f"{year // 100}[0-9]{{2}}")
            year += 100
        elif year % 10 == 0 and year + 9 <= last:
            parts.append(f"{year // 10}[0-9]")
            year += 10
        else:
            parts.append(str(year))
            year += 1
    return "|".join(parts)


def date_pattern(first: dt.date, last: dt.date) -> str:
    """YYYY-MM-DD with a year in first.year..last.year: the range as far as a pattern can say it
    (the exact first and last day stay a 400 naming the field)."""
    return f"^({year_pattern(first.year, last.year)})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class StrictDateFieldExtension(OpenApiSerializerFieldExtension):
    """StrictDateField in the document: a date with the pattern of its range."""

    target_class = "regiekoppeling.api.fields.StrictDateField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field = self.target
        latest = field.latest() if callable(field.latest) else field.latest
        return {"type": "string", "format": "date", "pattern": date_pattern(field.earliest, latest)}


class OpenAPIJSONView(SpectacularJSONAPIView):
    @extend_schema(tags=["openapi"], description="Dit OpenAPI-document (JSON).", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class OpenAPIYAMLView(SpectacularYAMLAPIView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response
