"""Helpers for the ZGW sandbox tests: credentials, a contract-checked session and a notification receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from zgw_sandbox import Sandbox
from zgw_sandbox.auth import make_token
from zgw_sandbox.contract import ContractChecker

CLIENT_ID = "regiekoppeling-test"
SECRET = "sandbox-test-secret-0123456789abcdef"  # >= 32 bytes: PyJWT warns about shorter HS256 keys
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}
RSIN = "002220647"
BSN = "999993653"


class TokenAuth(requests.auth.AuthBase):
    """A fresh ZGW JWT per request, like zgw-consumers builds them."""

    def __init__(self, client_id: str = CLIENT_ID, secret: str = SECRET) -> None:
        self.client_id, self.secret = client_id, secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {make_token(self.client_id, self.secret)}"
        return request


class Zgw(requests.Session):
    """A session against the sandbox: relative paths, ZGW auth, JSON, and the contract hook."""

    def __init__(self, sandbox: Sandbox, checker: ContractChecker) -> None:
        super().__init__()
        self.base_url = sandbox.base_url
        self.seed = sandbox.seed
        self.auth = TokenAuth()
        self.headers["Accept"] = "application/json"
        self.hooks["response"].append(checker.hook)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = url.decode() if isinstance(url, bytes) else url
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", 10)
        return super().request(method, url, *args, **kwargs)

    # a few calls most tests need
    def create_zaak(
        self, identificatie: str | None = None, zaaktype: str = "WMO-VOORZIENING", **extra: Any
    ) -> dict[str, Any]:
        body = {
            "bronorganisatie": RSIN,
            "verantwoordelijkeOrganisatie": RSIN,
            "zaaktype": self.seed["zaaktypen"][zaaktype],
            "startdatum": "2026-01-05",
            **({"identificatie": identificatie} if identificatie else {}),
            **extra,
        }
        response = self.post("/zaken/api/v1/zaken", json=body, headers=CRS)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def read_zaak(self, url: str) -> dict[str, Any]:
        response = self.get(url, headers=CRS)
        assert response.status_code == 200, response.text
        return dict(response.json())


class Receiver:
    """A minimal Notificaties API: records every POST and answers 201, like the capture receiver did."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body, "json": json.loads(body)}
                )
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/notificaties"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
