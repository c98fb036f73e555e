"""Django-level error views (unknown URL, uncaught exception) as problem+json."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from .exceptions import PROBLEM_CONTENT_TYPE, problem


def respond(status: int, code: str, detail: str) -> HttpResponse:
    body = problem(status, code=code, detail=detail)
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return respond(404, "not_found", "Deze URL bestaat niet.")


def server_error(request: HttpRequest) -> HttpResponse:
    return respond(500, "server_error", "Er ging iets mis aan onze kant.")
