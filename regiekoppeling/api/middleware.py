"""Plain Django middleware, so non-DRF responses (404, 500, admin) are covered too."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .. import logboek, tracecontext
from .errors import respond

Middleware = Callable[[HttpRequest], HttpResponse]


def api_version_middleware(get_response: Middleware) -> Middleware:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response["API-Version"] = settings.API_VERSION
        return response

    return middleware


def trace_context_middleware(get_response: Middleware) -> Middleware:
    """Every request runs under a W3C trace: the caller's `traceparent` when valid, else a new one. The
    processing log records it and every outgoing request passes it on. Who acts (for the log) is set
    by the API once the caller is authenticated, and forgotten here when the request is done."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with tracecontext.continued(request.headers.get(tracecontext.HEADER)), logboek.acting(None):
            return get_response(request)

    return middleware


def api_referrer_policy_middleware(get_response: Middleware) -> Middleware:
    """`Referrer-Policy: no-referrer` on every /api/ response (413s and Django's 404s included). The site
    default (SECURE_REFERRER_POLICY) is `same-origin`, which the admin's forms need for the CSRF check;
    the API has no forms and keeps the stricter policy."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.path.startswith("/api/"):
            response["Referrer-Policy"] = "no-referrer"
        return response

    return middleware


# Room for the multipart envelope and the other form fields around an uploaded file.
_MULTIPART_OVERHEAD = 64 * 1024


def _limit(request: HttpRequest) -> int:
    if request.path == "/api/v1/documenten" and request.content_type == "multipart/form-data":
        return int(settings.DOCUMENT_MAX_BYTES) + _MULTIPART_OVERHEAD
    if request.path == "/api/v1/signalen":
        from ..iwmo.schemas import max_bytes  # a raw 315/317 may be as large as the standard allows

        return max_bytes() + _MULTIPART_OVERHEAD
    return int(settings.API_MAX_BODY_BYTES)


def body_size_middleware(get_response: Middleware) -> Middleware:
    """Refuse an oversized body with 413 before anything reads it."""

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return respond(400, "invalid_content_length", "Content-Length is geen getal.")
        limit = _limit(request)
        if length > limit and request.path.startswith("/api/"):
            return respond(413, "payload_too_large", f"De body is groter dan {limit} bytes.")
        return get_response(request)

    return middleware


def public_url_middleware(get_response: Middleware) -> Middleware:
    """Absolute URLs in API answers (`url` fields, `Location`, page links) are built from API_PUBLIC_URL,
    never from the request's `Host`: behind a proxy the Host is an internal name, and a client must not
    steer our links with it. The Host is still checked against ALLOWED_HOSTS first (a 400 when not)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            request.get_host()  # DisallowedHost -> 400 before anything else
            # API_PUBLIC_URL names the API root (…/api/v1); what comes before /api/v1 is the public
            # origin plus any path prefix a proxy adds. build_absolute_uri() prefixes relative paths with
            # this cached value (normally scheme://host of the request).
            origin = settings.API_PUBLIC_URL.rstrip("/").removesuffix("/api/v1")
            request._current_scheme_host = origin  # type: ignore[attr-defined]
        return get_response(request)

    return middleware
