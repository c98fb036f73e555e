"""A webhook receiver for the fault suite: records every delivery and refuses a share of them.

A refused delivery (500, or no answer at all: the connection is closed) must come again with the same
`X-Regiekoppeling-Bericht` id and the same body; the checks compare the recorded deliveries with the
feeds. The signature is verified over the exact bytes received, as a real receiver must.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivery:
    path: str
    bericht: str  # the X-Regiekoppeling-Bericht header
    body: bytes
    signed: bool
    accepted: bool


@dataclass
class Receiver:
    fail_rate: float
    seed: int = 7
    secrets: dict[str, str] = field(default_factory=dict)  # path -> secret of its abonnement
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)  # noqa: S311 - fault injection, not crypto
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.receive(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def receive(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        secret = self.secrets.get(handler.path, "")
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        signed = bool(secret) and hmac.compare_digest(handler.headers.get("X-Regiekoppeling-Signature", ""), expected)
        with self._lock:
            roll = self._random.random()
        accepted = roll >= self.fail_rate
        with self._lock:
            self.deliveries.append(
                Delivery(handler.path, handler.headers.get("X-Regiekoppeling-Bericht", ""), body, signed, accepted)
            )
        if not accepted and roll < self.fail_rate / 2:
            handler.close_connection = True  # no answer at all: the sender cannot know it arrived
            return
        handler.send_response(204 if accepted else 500)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per path: the accepted ids, how often each id came, the body of each id, ids whose body
        differed between deliveries, and deliveries with a bad signature."""
        with self._lock:
            deliveries = list(self.deliveries)
        out: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"accepted": set(), "times": defaultdict(int), "bodies": {}, "unstable": set(), "unsigned": 0}
        )
        for d in deliveries:
            entry = out[d.path]
            entry["times"][d.bericht] += 1
            if d.accepted:
                entry["accepted"].add(d.bericht)
            if entry["bodies"].setdefault(d.bericht, d.body) != d.body:
                entry["unstable"].add(d.bericht)
            entry["unsigned"] += not d.signed
        return dict(out)
