"""Django-level error views (unknown URL, uncaught exception) as problem+json."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from .exceptions import PROBLEM_CONTENT_TYPE, problem


def respond(status: int, code: str, detail: str) -> HttpResponse:
    body = problem(status, code=code, detail=detail)
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Raised before any view: a Host not in ALLOWED_HOSTS, a malformed request (SuspiciousOperation).
    return respond(400, "bad_request", "Het verzoek is ongeldig (bijvoorbeeld een niet toegestane Host).")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return respond(403, "permission_denied", "U hebt geen toegang tot deze URL.")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return respond(404, "not_found", "Deze URL bestaat niet.")


def server_error(request: HttpRequest) -> HttpResponse:
    return respond(500, "server_error", "Er ging iets mis aan onze kant.")
