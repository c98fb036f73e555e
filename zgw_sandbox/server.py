"""The HTTP server: a stdlib ThreadingHTTPServer in a background thread, the ZGW request pipeline and the
`/_sandbox/` control API.

Pipeline for a ZGW request, in Open Zaak's order: fault rules, then JWT authentication (403), then CRS
negotiation on /zaken (412/406), then the route's method (405), then the handler. The store is saved
before the answer goes out, and notifications are queued only for 2xx.

Requests of different clients run concurrently, each in its own thread, with no lock around a request:
only each single store operation is locked, and the store refuses what Open Zaak's database keeps
unique (`store.UNIQUE`). A request's latency (`set_latency`) is spent between the handler's checks and
its first write, as Open Zaak spends it inside one transaction; so two requests that race both pass
the checks and the second write breaks the constraint: a 500, as Open Zaak answers on an IntegrityError
(`resultaten-create-concurrent-duplicate-500`). Without overlap the handler's own check answers the 400.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import sys
import threading
import time
import traceback
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

from . import besluiten, catalogi, control, documenten, errors, latency, lifecycle, notificaties, relaties, seed, zaken
from .auth import authenticate, make_token
from .faults import FaultRule, Faults
from .notify import Notifier
from .store import Store, UniqueViolation
from .web import API_VERSIONS, JSON, Ctx, Request, Response, Router, dumps, error_response

DEFAULT_CHUNK_SIZE = 4 * 1024**3  # Open Zaak's DOCUMENTEN_UPLOAD_CHUNK_SIZE default (4 GiB)
CRS = "EPSG:4326"
REQUEST_LOG_SIZE = 10_000
LOGGED_HEADERS = ("Content-Type", "Accept", "Accept-Crs", "Content-Crs", "If-None-Match", "User-Agent", "traceparent")


def build_router() -> Router:
    router = Router()
    for module in (catalogi, zaken, lifecycle, relaties, documenten, besluiten, notificaties):
        module.register(router)
    return router


ROUTER = build_router()


def negotiate_crs(req: Request) -> None:
    """commonground-api-common's GeoMixin: writes need Content-Crs, everything but DELETE needs Accept-Crs."""
    method = req.method.upper()
    if method in ("POST", "PUT", "PATCH"):
        content_crs = req.header("Content-Crs")
        if content_crs is None:
            raise errors.precondition_failed("'Content-Crs' header ontbreekt")
        if content_crs != CRS:
            raise errors.not_acceptable(f"CRS '{content_crs}' is niet ondersteund")
    if method == "DELETE":
        return
    accept_crs = req.header("Accept-Crs")
    if accept_crs is None:
        raise errors.precondition_failed("'Accept-Crs' header ontbreekt")
    if accept_crs != CRS:
        raise errors.not_acceptable(f"CRS '{accept_crs}' is niet ondersteund")


class _Dropped(Exception):
    """The request's connection is to be closed without an answer."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    sandbox: Sandbox

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall for seconds
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that gave up (timeout fault) or a dropped connection is expected here, not an error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a requests.Session expects
    # headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK add ~40 ms each
    disable_nagle_algorithm = True
    server: _HTTPServer

    def _handle(self) -> None:
        split = urlsplit(self.path)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = self._read_chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        req = Request(self.command, split.path, parse_qsl(split.query, keep_blank_values=True), self.headers, body)
        self.server.sandbox.serve(self, req)

    def _read_chunked(self) -> bytes:
        """requests sends a generator or file-like body without a length as chunked."""
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return body
            body += self.rfile.read(size)
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815

    def send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        has_body = response.status not in (204, 304)
        if has_body:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if has_body and self.command != "HEAD":
            self.wfile.write(response.body)

    def drop(self) -> None:
        """Close the connection without an answer; SO_LINGER 0 makes it a TCP reset."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # the default logs the request line with its query string, which may hold a BSN
        if self.server.sandbox.log_requests:
            path = urlsplit(getattr(self, "path", "") or "").path  # unset when the request line was unreadable
            status = args[1] if len(args) > 1 else ""
            sys.stderr.write(f"zgw-sandbox: {self.command} {path} {status}\n")


class Sandbox:
    """A running ZGW sandbox. Create it with `start_sandbox()`; stop it with `stop()` (or `with`)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        clients: dict[str, str],
        data_path: Path | None = None,
        notification_callback: str | None = None,
        notification_auth: tuple[str, str] | str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        log_requests: bool = False,
    ) -> None:
        if not clients:
            raise ValueError("configure at least one client_id/secret")
        self.clients = dict(clients)
        self.log_requests = log_requests
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.sandbox = self
        self.base_url = f"http://{host}:{self._httpd.server_address[1]}"
        try:
            self.store = Store(self.base_url, data_path)
            seed.install(self.store)
            self.store.save_if_dirty()
        except Exception:
            self._httpd.server_close()  # e.g. an unreadable data file: do not keep the port
            raise
        self.ctx = Ctx(self.store, chunk_size)
        self.faults = Faults()
        first_client = next(iter(self.clients.items()))
        self.notifier = Notifier(
            notification_callback,
            notification_auth or first_client,
            subscribers=lambda message: notificaties.subscribers(self.store, message),
        )
        # bounded, so that a long `make run` does not grow without end
        self._log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._log_lock = threading.Lock()
        self._generation = 0  # bumped by reset(): a delayed request from before it must not write after it
        self.latency: dict[str, float] = {}  # "METHOD resource" -> seconds (see latency.py)
        self._pending = threading.local()  # the latency this thread's request has still to spend
        self.store.before_write = self._spend_latency
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.1,), name="zgw-sandbox", daemon=True)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Sandbox:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self.notifier.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test helpers (the same operations as the control API) -------------------------------

    @property
    def seed(self) -> dict[str, Any]:
        return seed.seed_urls(self.base_url)

    def token(self, client_id: str | None = None) -> str:
        client_id = client_id or next(iter(self.clients))
        return make_token(client_id, self.clients[client_id])

    def auth_header(self, client_id: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(client_id)}"}

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def add_fault(self, path: str, kind: str, *, method: str | None = None, nth: int = 1, times: int = 1,
                  seconds: float = 5.0, rate: float | None = None, seed: int = 0) -> FaultRule:  # fmt: skip
        return self.faults.add(FaultRule(path, kind, method, nth, times, seconds, rate, seed))

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_latency(self, table: dict[str, float]) -> None:
        """Answer calls this much later (`latency.OPEN_ZAAK` is what Open Zaak takes); {} for none."""
        self.latency = dict(table)

    @property
    def notifications(self) -> list[dict[str, Any]]:
        return self.notifier.log()

    def flush_notifications(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        self.notifier.flush(timeout)
        return self.notifier.log()

    def set_chunk_size(self, size: int) -> None:
        if size < 1:
            raise ValueError("chunk size must be positive")
        self.ctx.chunk_size = size

    def set_notification_callback(self, url: str | None) -> None:
        self.notifier.callback = url

    def reset(self) -> None:
        """Back to a fresh sandbox: data cleared and reseeded, faults, request log and notifications cleared."""
        with self.store.lock:
            self._generation += 1
            self.store.clear()
            seed.install(self.store)
            self.store.save_if_dirty()
        self.clear_faults()
        self.latency = {}
        self.clear_requests()
        self.notifier.flush()
        self.notifier.clear()

    # --- request handling --------------------------------------------------------------------

    def serve(self, handler: _Handler, req: Request) -> None:
        if req.path.startswith("/_sandbox"):
            handler.send(self.control(req))
            return
        rule = self.faults.pick(req.method, req.path)
        if rule is not None and rule.kind == "reset_before":
            self._record(req, None, rule.kind)
            handler.drop()
            return
        if rule is not None and rule.kind == "timeout":
            generation = self._generation
            time.sleep(rule.seconds)
            if generation != self._generation:
                # the sandbox was reset while this request slept (the test that sent it is over): writing
                # now would leak into the next test, so drop it as a server that went away would
                handler.drop()
                return
        self._pending.delay = self.latency.get(latency.key(req.method, req.path), 0.0)
        self._pending.generation = self._generation
        try:
            if rule is not None and rule.kind.isdigit():
                self._spend_latency()
                match = ROUTER.match(req.path)
                crs = match is not None and match[0].crs
                response = self._finish(errors.server_error(int(rule.kind)), _api_of(req.path), crs)
            else:
                response = self.process(req)
            self._spend_latency()  # a request that wrote nothing (a read, a refusal) takes as long
        except _Dropped:
            handler.drop()
            return
        self._record(req, response, rule.kind if rule else None)
        if rule is not None and rule.kind == "reset_after_commit":
            handler.drop()
            return
        handler.send(response)

    def _spend_latency(self) -> None:
        """Sleep what is left of this request's latency (once), with no lock held: other requests go on
        meanwhile. A request the sandbox was reset during is dropped, as by a server that went away: it
        belongs to a test that is over, and writing now would leak into the next one."""
        delay, self._pending.delay = getattr(self._pending, "delay", 0.0), 0.0
        if not delay:
            return
        time.sleep(delay)
        if self._pending.generation != self._generation:
            raise _Dropped

    def process(self, req: Request) -> Response:
        match = ROUTER.match(req.path)
        if match is None:
            exc = errors.not_found()
            return Response(404, {"Content-Type": JSON}, dumps(exc.body(self.base_url)))
        route, params = match
        try:
            self.ctx.client_id = authenticate(req.header("Authorization"), self.clients)
            if route.crs:
                negotiate_crs(req)
            method = "get" if req.method == "HEAD" else req.method.lower()
            handler = route.methods.get(method)
            if handler is None:
                raise errors.method_not_allowed(req.method)
            response = handler(self.ctx, req, **params)
        except _Dropped:
            raise
        except errors.ApiError as exc:
            return self._finish(exc, route.api, route.crs)
        except UniqueViolation:
            # Open Zaak's IntegrityError: an unhandled exception, answered as its generic 500
            return self._finish(errors.integrity_error(), route.api, route.crs)
        except Exception:  # noqa: BLE001 - a sandbox bug: answer like a server error, show the traceback
            traceback.print_exc()
            return self._finish(errors.server_error(), route.api, route.crs)
        finally:
            self.store.save_if_dirty()
        if response.api_version:
            response.headers["API-version"] = API_VERSIONS[route.api]
        if route.crs:
            response.headers["Content-Crs"] = CRS
        if 200 <= response.status < 300:
            for message in response.notifications:
                self.notifier.emit(message)
        return response

    def _finish(self, exc: errors.ApiError, api: str | None, crs: bool) -> Response:
        response = error_response(exc, self.base_url)
        if api:
            response.headers["API-version"] = API_VERSIONS[api]
        if crs:
            response.headers["Content-Crs"] = CRS
        return response

    def _record(self, req: Request, response: Response | None, fault: str | None) -> None:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(),
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "status": response.status if response else None,
            "fault": fault,
            "clientId": _client_id(req.header("Authorization")),
            "headers": {name: req.header(name) for name in LOGGED_HEADERS if req.header(name) is not None},
            "body": _logged_body(req),
            "location": response.headers.get("Location") if response else None,
        }
        with self._log_lock:
            self._log.append(entry)

    # --- control API -------------------------------------------------------------------------

    def control(self, req: Request) -> Response:
        return control.handle(self, req)


def _api_of(path: str) -> str | None:
    first = path.strip("/").split("/", 1)[0]
    return first if first in API_VERSIONS else None


def _client_id(authorization: str | None) -> str | None:
    if not authorization or not authorization.startswith("Bearer "):
        return None
    try:
        claims = jwt.decode(authorization[7:], options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    value = claims.get("client_id")
    return str(value) if value is not None else None


def _logged_body(req: Request) -> Any:
    if not req.body:
        return None
    content_type = req.header("Content-Type") or ""
    if content_type.startswith("multipart/form-data"):
        parts = documenten.parse_multipart(content_type, req.body)
        return {"_multipart": {name: len(value) for name, value in parts.items()}}
    try:
        return req.json()
    except errors.ApiError:
        return {"_raw": req.body[:200].decode(errors="replace")}


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    clients: dict[str, str],
    data_path: Path | None = None,
    notification_callback: str | None = None,
    notification_auth: tuple[str, str] | str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    log_requests: bool = False,
) -> Sandbox:
    """Start a sandbox serving in a background thread; port 0 picks a free port (see `.base_url`)."""
    sandbox = Sandbox(
        host,
        port,
        clients=clients,
        data_path=data_path,
        notification_callback=notification_callback,
        notification_auth=notification_auth,
        chunk_size=chunk_size,
        log_requests=log_requests,
    )
    return sandbox.start()
