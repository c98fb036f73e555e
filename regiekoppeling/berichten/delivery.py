"""POST one bericht to one webhook: signed, without following redirects, checked where it connects.

Classification follows the outbox: 2xx is delivered; 408, 429, 5xx, timeouts and connection errors
raise a retryable error (the outbox retries with backoff and dead-letters after its limit); any other
answer (4xx, 3xx) is permanent, as is a callback URL that is no longer allowed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .. import tracecontext
from ..models import Abonnement, Bericht
from ..outbox import PermanentError
from .callbacks import CallbackRefused, address_allowed, check_callback_url

SIGNATURE_HEADER = "X-Regiekoppeling-Signature"
# Lets a receiver drop a redelivery of a message it already has (retries may repeat a delivery).
BERICHT_HEADER = "X-Regiekoppeling-Bericht"
RETRYABLE_STATUSES = {408, 429}


class DeliveryFailed(Exception):
    """A transient failure: the outbox tries again later."""


def notificatie(bericht: Bericht) -> dict[str, Any]:
    """The message as the Notificaties API shapes it (the webhook body)."""
    return {
        "kanaal": bericht.kanaal,
        "hoofdObject": bericht.hoofd_object,
        "resource": bericht.resource,
        "resourceUrl": bericht.resource_url,
        "actie": bericht.actie,
        "aanmaakdatum": bericht.aanmaakdatum.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "kenmerken": bericht.kenmerken,
    }


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _checked_peer(sock: socket.socket, host: str) -> socket.socket:
    # The name was checked before the request, but DNS may answer differently now (rebinding):
    # check the address this socket is actually connected to before anything is sent.
    address = str(sock.getpeername()[0])
    if not address_allowed(host, address):
        sock.close()
        raise CallbackRefused(f"Host {host} wijst nu naar een niet-publiek adres ({address}).")
    return sock


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked_peer(super()._new_conn(), self.host)


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked_peer(super()._new_conn(), self.host)


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def _session() -> requests.Session:
    session = requests.Session()
    # No proxies or .netrc credentials from the environment: the address check must see the receiver.
    session.trust_env = False
    adapter = _CheckedAdapter(max_retries=0)  # retries belong to the outbox, with backoff
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def deliver(*, bericht: Bericht, abonnement: Abonnement) -> None:
    try:
        check_callback_url(abonnement.callback_url)  # the allow-list may have changed since creation
    except CallbackRefused as exc:
        raise PermanentError(f"callbackUrl geweigerd: {exc}") from None
    body = json.dumps(notificatie(bericht), separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"regiekoppeling/{settings.API_VERSION}",
        SIGNATURE_HEADER: sign(abonnement.secret, body),
        BERICHT_HEADER: str(bericht.uuid),
        **tracecontext.outgoing(),
    }
    if abonnement.auth:
        headers["Authorization"] = abonnement.auth
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        with _session() as session:
            # stream=True: the status is all we need; a large answer is never read.
            response = session.post(
                abonnement.callback_url,
                data=body,
                headers=headers,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
            )
            response.close()
    except CallbackRefused as exc:
        raise PermanentError(f"callbackUrl geweigerd: {exc}") from None
    status = response.status_code
    if 200 <= status < 300:
        return
    if status >= 500 or status in RETRYABLE_STATUSES:
        raise DeliveryFailed(f"HTTP {status} van {abonnement.callback_url}")
    what = "een doorverwijzing (niet gevolgd)" if 300 <= status < 400 else "een weigering"
    raise PermanentError(f"HTTP {status} van {abonnement.callback_url}: {what}")
