"""Liveness and readiness of a web process, for a load balancer or an orchestrator.

`GET /health/live` answers 200 as long as the process serves requests: it touches no dependency, so
a database outage never makes an orchestrator restart every web process at once.

`GET /health/ready` checks what the service needs to do its work: the database (a `SELECT 1`), the
broker (one connection to CELERY_BROKER_URL) and every ZGW service a gemeente's configuration uses
(one unauthenticated GET of its API root: any answer below 500 means it is up). Each check has a short
timeout, and the outcome is kept HEALTH_CACHE_SECONDS per process behind a lock, so a storm of probes
costs Open Zaak at most one request per service per process per period. 200 when all required checks
pass, otherwise 503 as problem+json naming the failing dependencies. HEALTH_READY_REQUIRES says which
checks decide the status (README "Production deployment" on why a load balancer may want only the
database); the others are still reported.

No authentication, and nothing in the answer but check names and "ok"/"fout": no URL, host, error
text or count of anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from kombu import Connection

from regiekoppeling.api.exceptions import PROBLEM_CONTENT_TYPE, problem

OK, FOUT = "ok", "fout"


def check_database() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"database": OK}


def check_broker() -> dict[str, str]:
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options) as broker:
        broker.ensure_connection(max_retries=0)
    return {"broker": OK}


def check_zgw() -> dict[str, str]:
    """Each service of a ZGW configuration, by its API type (zrc, ztc, drc, brc) and slug."""
    from zaken.models import ZGWConfig

    services = {}
    for config in ZGWConfig.objects.select_related(
        "zaken_service", "catalogi_service", "documenten_service", "besluiten_service"
    ):
        for service in (config.zaken_service, config.catalogi_service, config.documenten_service):
            services[service.pk] = service
        services[config.besluiten_service.pk] = config.besluiten_service
    results = {}
    for service in services.values():
        name = f"zgw:{service.api_type}:{service.slug}"
        try:
            response = requests.get(
                service.api_root, timeout=settings.HEALTH_CHECK_TIMEOUT_SECONDS, allow_redirects=False
            )
            results[name] = OK if response.status_code < 500 else FOUT
        except requests.RequestException:
            results[name] = FOUT
    return results


CHECKS: dict[str, Callable[[], dict[str, str]]] = {
    "database": check_database,
    "broker": check_broker,
    "zgw": check_zgw,
}


def _run(name: str, check: Callable[[], dict[str, str]]) -> dict[str, str]:
    try:
        return check()
    except Exception:  # noqa: BLE001  (any failure of a dependency is "not ready", never a 500 of the probe)
        return {name: FOUT}


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at = float("-inf")
        self.results: dict[str, dict[str, str]] = {}

    def get(self) -> dict[str, dict[str, str]]:
        # One check at a time per process; whoever waited for it takes its outcome.
        with self.lock:
            if time.monotonic() - self.at >= settings.HEALTH_CACHE_SECONDS:
                self.results = {name: _run(name, check) for name, check in CHECKS.items()}
                self.at = time.monotonic()
            return self.results

    def clear(self) -> None:
        with self.lock:
            self.at = float("-inf")


cache = _Cache()


def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": OK})


def ready(request: HttpRequest) -> JsonResponse:
    results = cache.get()
    checks = {k: v for group in results.values() for k, v in group.items()}
    failing = sorted(k for name in settings.HEALTH_READY_REQUIRES for k, v in results.get(name, {}).items() if v != OK)
    if not failing:
        return JsonResponse({"status": OK, "checks": checks})
    body: dict[str, Any] = problem(503, code="not_ready", detail="Niet gereed: " + ", ".join(failing) + ".")
    body["checks"] = checks
    return JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
