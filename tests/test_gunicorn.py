"""The product's gunicorn configuration (config/gunicorn.py), run for real: an access log that leaks
nothing, and problem+json with API-Version for what gunicorn refuses before Django sees it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from config.logsafety import BSN_MASK
from config.version import API_VERSION
from tests.conftest import BSN_A

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Gunicorn:
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def raw(self, request: bytes) -> tuple[str, dict[str, str], bytes]:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines)
        return status, headers, body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    server = Gunicorn(_free_port(), tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    with server.log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "--bind", f"127.0.0.1:{server.port}",
             "--workers", "1", "config.wsgi:application"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{server.url}/api/v1/", timeout=10)
            break
        # The first request loads the application: on a loaded machine that takes seconds.
        except (requests.ConnectionError, requests.Timeout):
            assert process.poll() is None and time.monotonic() < deadline, server.log.read_text()
            time.sleep(0.2)
    yield server
    process.terminate()
    process.wait(timeout=20)


def test_the_access_log_masks_and_escapes_the_path(gunicorn: Gunicorn) -> None:
    for path in (f"/api/v1/aanvragen/{BSN_A}", "/api/v1/x%0A127.0.0.1%20-%20forged", f"/api/v1/y?bsn={BSN_A}"):
        requests.get(f"{gunicorn.url}{path}", timeout=5)
    time.sleep(0.5)
    text = gunicorn.log.read_text()
    lines = text.splitlines()
    access = [line for line in lines if '"GET /api/v1/' in line]
    assert BSN_A not in text
    assert any(f"/api/v1/aanvragen/{BSN_MASK} " in line for line in access), lines
    assert any("/api/v1/x\\x0a127.0.0.1 - forged " in line for line in access), lines
    assert not any(line.startswith("127.0.0.1 - forged") for line in lines), lines


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
        (b"GET /api/v1/aanvragen HTTP/1.1\r\nHost: 127.0.0.1\r\nX Bad Header: 1\r\n\r\n", 400),
        (b"GET /api/v1/aanvragen HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (b"G\x01T /api/v1/aanvragen HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    ],
    ids=["request-line-too-long", "bad-header-name", "header-too-large", "bad-method"],
)
def test_what_gunicorn_refuses_is_problem_json_with_api_version(
    gunicorn: Gunicorn, request_bytes: bytes, status: int
) -> None:
    line, headers, body = gunicorn.raw(request_bytes)

    assert line.startswith(f"HTTP/1.1 {status} "), line
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["API-Version"] == API_VERSION
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["detail"] and "aaaa" not in problem["detail"]


def test_a_host_django_refuses_is_problem_json(gunicorn: Gunicorn) -> None:
    response = requests.get(f"{gunicorn.url}/api/v1/aanvragen", headers={"Host": "evil.example"}, timeout=5)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["API-Version"] == API_VERSION
    assert response.json()["code"] == "bad_request"


def test_health_with_the_database_and_the_broker_down(tmp_path: Path) -> None:
    """Liveness needs nothing; readiness names what is down. PostgreSQL and Redis are not stopped for
    this (they are shared): this gunicorn is pointed at a port where nothing listens."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/regiekoppeling?connect_timeout=2",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    with (tmp_path / "gunicorn.log").open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "config.wsgi:application"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                live = requests.get(f"http://127.0.0.1:{port}/health/live", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        ready = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=20)
    finally:
        process.terminate()
        process.wait(timeout=20)

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.headers["Content-Type"] == "application/problem+json"
    assert ready.headers["API-Version"] == API_VERSION
    body = ready.json()
    # Without the database the ZGW configuration cannot be read either.
    assert body["checks"] == {"database": "fout", "broker": "fout", "zgw": "fout"}
    assert body["detail"] == "Niet gereed: broker, database, zgw."
    assert "127.0.0.1" not in ready.text and "postgres" not in ready.text
