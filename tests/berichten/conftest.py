"""Berichten fixtures: an aanvraag, the outbox run by hand, a real HTTP receiver, a fake DNS."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from regiekoppeling import outbox
from regiekoppeling.berichten import callbacks, handlers
from regiekoppeling.models import OutboxItem
from regiekoppeling.outbox import outbox_process
from tests.conftest import aanvraag_body


@pytest.fixture(autouse=True)
def berichten_handlers() -> None:
    # Another test module swaps the `bericht` handler for a stub; it must have put the real one back.
    assert outbox._handlers["bericht"] is handlers.handle_bericht
    assert outbox._handlers["webhook"] is handlers.handle_webhook


@pytest.fixture
def aanvraag(regie: Any) -> dict[str, Any]:
    response = regie.post("/api/v1/aanvragen", aanvraag_body())
    assert response.status_code == 201, response.content
    return response.json()


def run_outbox(handler: str) -> list[str | None]:
    """Process every pending item of one handler now, as the worker would once they are due."""
    items = OutboxItem.objects.filter(handler=handler, state=OutboxItem.State.PENDING)
    items.update(next_attempt_at=timezone.now())
    return [outbox_process(item_id=pk) for pk in items.order_by("id").values_list("pk", flat=True)]


def run_berichten() -> list[str | None]:
    return run_outbox("bericht")


def run_webhooks() -> list[str | None]:
    return run_outbox("webhook")


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver over real HTTP on 127.0.0.1; answers with `statuses` in turn, then 204."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        receiver: Receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver.received.append(Received(self.path, self.headers, body))
        time.sleep(receiver.delay)  # a slow receiver is what a timeout test is about: it answers late, not never
        status = receiver.statuses.pop(0) if receiver.statuses else 204
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elders")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(port=server.server_address[1])  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    # The test receiver is a deliberate, exact entry: http and a loopback address are allowed for it.
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    yield server.receiver  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Names under example.nl resolve to the address given here (no network in tests)."""
    table: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
        if host.endswith("example.nl"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(callbacks.socket, "getaddrinfo", getaddrinfo)
    return table
