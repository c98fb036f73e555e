"""Issue 14 item 5: /health/live and /health/ready (config/health.py).

The ZGW side is a small HTTP server of our own that counts the requests it gets and answers as Open
Zaak does to a request without a token (403), or 500, or is not there at all; the broker is down when
CELERY_BROKER_URL points at a closed port. A down database is tested with a real gunicorn process in
`test_gunicorn.py`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from config import health
from zaken.demo import zgw_configure

pytestmark = pytest.mark.django_db
CLOSED = "127.0.0.1:1"  # nothing listens on port 1


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Authorization")))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def open_zaak() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = []  # type: ignore[attr-defined]
    server.status = 403  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def configure(gemeente: Any, base_url: str) -> None:
    zgw_configure(
        gemeente=gemeente, base_url=base_url, client_id="regiekoppeling", secret="geheim-0123456789abcdef",
        catalogus=f"{base_url}/catalogi/api/v1/catalogussen/1", bronorganisatie="002220647",
    )  # fmt: skip


@pytest.fixture(autouse=True)
def fresh(settings: Any) -> Iterator[None]:
    settings.HEALTH_CACHE_SECONDS = 0
    health.cache.clear()
    yield
    health.cache.clear()


def get(path: str) -> tuple[int, str, dict[str, Any]]:
    response = Client().get(path)  # no Authorization: the probes need none
    return response.status_code, response["Content-Type"], json.loads(response.content)


def test_live_needs_no_dependency(django_assert_num_queries: Any, settings: Any) -> None:
    settings.CELERY_BROKER_URL = f"redis://{CLOSED}/0"
    with django_assert_num_queries(0):
        assert get("/health/live") == (200, "application/json", {"status": "ok"})


def test_ready_when_everything_answers(gemeente: Any, open_zaak: Any) -> None:
    configure(gemeente, f"http://127.0.0.1:{open_zaak.server_port}")

    status, content_type, body = get("/health/ready")

    assert (status, content_type) == (200, "application/json")
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "broker": "ok",
            "zgw:zrc:zaken-0363": "ok",
            "zgw:ztc:catalogi-0363": "ok",
            "zgw:drc:documenten-0363": "ok",
            "zgw:brc:besluiten-0363": "ok",
        },
    }
    # One unauthenticated GET of each API root: no token, no secret leaves for a probe.
    paths = sorted(p for p, _ in open_zaak.requests)
    assert paths == ["/besluiten/api/v1/", "/catalogi/api/v1/", "/documenten/api/v1/", "/zaken/api/v1/"]
    assert {auth for _, auth in open_zaak.requests} == {None}


def test_down_broker_is_503_naming_it(gemeente: Any, open_zaak: Any, settings: Any) -> None:
    configure(gemeente, f"http://127.0.0.1:{open_zaak.server_port}")
    settings.CELERY_BROKER_URL = f"redis://:broker-secret@{CLOSED}/0"

    status, content_type, body = get("/health/ready")

    assert (status, content_type) == (503, "application/problem+json")
    assert (body["code"], body["detail"]) == ("not_ready", "Niet gereed: broker.")
    assert body["checks"]["broker"] == "fout" and body["checks"]["database"] == "ok"
    assert "broker-secret" not in json.dumps(body) and CLOSED not in json.dumps(body)


@pytest.mark.parametrize("answer", ["down", 500])
def test_down_zgw_service_is_503_naming_it(gemeente: Any, andere_gemeente: Any, open_zaak: Any, answer: Any) -> None:
    configure(gemeente, f"http://127.0.0.1:{open_zaak.server_port}")
    if answer == "down":
        configure(andere_gemeente, f"http://{CLOSED}")
        failing = [f"zgw:{t}:{s}-0599" for t, s in [("brc", "besluiten"), ("drc", "documenten"), ("ztc", "catalogi"),
                                                   ("zrc", "zaken")]]  # fmt: skip
    else:
        open_zaak.status = 500
        failing = [f"zgw:{t}:{s}-0363" for t, s in [("brc", "besluiten"), ("drc", "documenten"), ("ztc", "catalogi"),
                                                   ("zrc", "zaken")]]  # fmt: skip

    status, _, body = get("/health/ready")

    assert status == 503
    assert body["detail"] == f"Niet gereed: {', '.join(sorted(failing))}."
    assert sorted(k for k, v in body["checks"].items() if v == "fout") == sorted(failing)
    assert body["checks"]["database"] == body["checks"]["broker"] == "ok"


def test_a_check_not_required_is_reported_but_does_not_decide(gemeente: Any, settings: Any) -> None:
    configure(gemeente, f"http://{CLOSED}")
    settings.HEALTH_READY_REQUIRES = ["database", "broker"]

    status, _, body = get("/health/ready")

    assert status == 200
    assert body["checks"]["zgw:zrc:zaken-0363"] == "fout"


def test_the_outcome_is_cached_so_a_probe_storm_reaches_open_zaak_once(
    gemeente: Any, open_zaak: Any, settings: Any
) -> None:
    configure(gemeente, f"http://127.0.0.1:{open_zaak.server_port}")
    settings.HEALTH_CACHE_SECONDS = 60
    for _ in range(8):
        assert get("/health/ready")[0] == 200
    assert len(open_zaak.requests) == 4  # each of the four API roots once, for eight probes

    health.cache.clear()
    get("/health/ready")
    assert len(open_zaak.requests) == 8
