"""Every error as application/problem+json (ADR / ZGW `Fout` and `ValidatieFout`)."""

from __future__ import annotations

import http
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..exceptions import DomainValidationError, InvalidParam, InvalidTransition
from .parsers import StrictParseError

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class Unavailable(exceptions.APIException):
    status_code = 503
    default_detail = "De achterliggende API is niet bereikbaar; probeer het later opnieuw."
    default_code = "unavailable"


class BadGateway(exceptions.APIException):
    status_code = 502
    default_detail = "De achterliggende API weigerde het verzoek."
    default_code = "bad_gateway"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload-too-large"
    default_detail = "Het verzoek is groter dan toegestaan."


class InvalidQueryParams(exceptions.ValidationError):
    """Query parameters are named exactly as sent (they are not camelCased)."""

    def __init__(self, params: list[InvalidParam]) -> None:
        super().__init__({p.name: [p.reason] for p in params})
        self.params = params


def camel(name: str) -> str:
    return ".".join(camelize_re.sub(underscore_to_camel, part) for part in name.split("."))


def flatten(detail: Any, prefix: str = "") -> list[InvalidParam]:
    """Flatten DRF's nested error structure to `invalidParams` (names camelCased, dotted)."""
    if isinstance(detail, dict):
        out: list[InvalidParam] = []
        for key, value in detail.items():
            if key == "non_field_errors":  # an error of the object itself: name the object
                out += flatten(value, prefix or "nonFieldErrors")
                continue
            name = camel(str(key))
            out += flatten(value, f"{prefix}.{name}" if prefix else name)
        return out
    if isinstance(detail, list):
        if detail and all(isinstance(d, exceptions.ErrorDetail) or isinstance(d, str) for d in detail):
            return [
                InvalidParam(prefix or "nonFieldErrors", getattr(d, "code", "invalid") or "invalid", str(d))
                for d in detail
            ]
        out = []
        for index, value in enumerate(detail):
            out += flatten(value, f"{prefix}.{index}" if prefix else str(index))
        return out
    return [InvalidParam(prefix or "nonFieldErrors", getattr(detail, "code", "invalid") or "invalid", str(detail))]


def problem(status_code: int, *, code: str, detail: str, invalid: list[InvalidParam] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://regiekoppeling.example.nl/fouten/{code}",
        "code": code,
        "title": http.HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "instance": f"urn:uuid:{uuid.uuid4()}",
    }
    if invalid is not None:
        body["invalid_params"] = [{"name": p.name, "code": p.code, "reason": p.reason} for p in invalid]
    return body


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, Http404):
        return exceptions.NotFound("Niet gevonden.")
    if isinstance(exc, DjangoPermissionDenied | PermissionError):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    return exc


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainValidationError):
        body = problem(
            400, code="invalid", detail="De invoer voldoet niet aan de regels van de standaard.", invalid=exc.params
        )
        return Response(body, status=400, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, InvalidTransition):
        body = problem(409, code="ongeldige-statusovergang", detail=str(exc))
        body["huidige_status"] = exc.current
        return Response(body, status=409, content_type=PROBLEM_CONTENT_TYPE)
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, InvalidQueryParams):
        body = problem(400, code="invalid", detail="Een of meer queryparameters zijn ongeldig.", invalid=exc.params)
    elif isinstance(exc, exceptions.ValidationError):
        body = problem(
            response.status_code,
            code="invalid",
            detail="Een of meer velden zijn ongeldig.",
            invalid=flatten(exc.detail),
        )
    elif isinstance(exc, StrictParseError):
        body = problem(400, code="invalid", detail=str(exc.detail), invalid=exc.params)
    elif isinstance(exc, exceptions.ParseError):
        reason = "De body is geen geldige JSON."
        body = problem(400, code="parse_error", detail=reason, invalid=[InvalidParam("body", "parse_error", reason)])
    else:
        codes = exc.get_codes()
        body = problem(
            response.status_code, code=codes if isinstance(codes, str) else exc.default_code, detail=str(exc.detail)
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
