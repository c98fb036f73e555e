"""Outgoing notifications, shaped like the notificatie-*.json samples (Notificaties API 1.0.0 messages).

Like Open Zaak, one message per successful write (create, update, partial_update, destroy), sent after
the write is stored, asynchronously, never for a 4xx: to the fixed callback (command line) and to every
abonnement of the sandbox's Notificaties API that takes it (`notificaties.py`). Delivery is best effort:
one attempt per receiver from a background thread; the outcome is kept in `sent` so tests can see what
went out.
"""

from __future__ import annotations

import json
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from .auth import make_token
from .fields import fmt_datetime, now

NOTIFICATION_JWT_LIFETIME = 43200  # Open Zaak's outgoing JWT carries exp = iat + 12 h


def message(
    kanaal: str, hoofd_object: str, resource: str, resource_url: str, actie: str, kenmerken: dict[str, str]
) -> dict[str, Any]:
    return {
        "kanaal": kanaal,
        "hoofdObject": hoofd_object,
        "resource": resource,
        "resourceUrl": resource_url,
        "actie": actie,
        "aanmaakdatum": None,  # filled in when the write is committed
        "kenmerken": kenmerken,
    }


class Notifier:
    def __init__(
        self,
        callback: str | None,
        auth: tuple[str, str] | str | None,
        timeout: float = 5.0,
        subscribers: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None,
    ) -> None:
        """`auth`: (client_id, secret) for a ZGW JWT like Open Zaak sends, or a literal Authorization value
        (e.g. "Token abc" for a receiver that checks a static token). `subscribers`: the (callbackUrl,
        auth) of the abonnementen that take a message."""
        self.callback = callback
        self.subscribers = subscribers
        self.auth = auth
        self.timeout = timeout
        self.sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="zgw-sandbox-notify", daemon=True)
        self._thread.start()

    def emit(self, msg: dict[str, Any]) -> None:
        msg = {**msg, "aanmaakdatum": fmt_datetime(now())}
        self._queue.put(msg)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every emitted message has been attempted (for tests)."""
        done = threading.Event()
        self._queue.put({"_flush": done})
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=self.timeout + 1)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if "_flush" in item:
                item["_flush"].set()
                continue
            if self.callback:
                self._deliver(item, self.callback, self.auth)
            for callback, auth in self.subscribers(item) if self.subscribers else []:
                self._deliver(item, callback, auth)

    def _deliver(self, msg: dict[str, Any], callback: str, auth: tuple[str, str] | str | None) -> None:
        headers = {"Content-Type": "application/json", "Accept": "*/*", "User-Agent": "Open Zaak"}
        if isinstance(auth, str):
            headers["Authorization"] = auth
        elif auth:
            client_id, secret = auth
            token = make_token(client_id, secret, exp_after=NOTIFICATION_JWT_LIFETIME)
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(callback, json.dumps(msg).encode(), headers, method="POST")  # noqa: S310
        outcome: dict[str, Any] = {"url": callback, "message": msg}
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                outcome["status"] = response.status
        except urllib.error.HTTPError as exc:
            outcome["status"] = exc.code
        except (OSError, ValueError) as exc:  # best effort: a receiver that is down is not our problem
            outcome["error"] = repr(exc)
        with self._lock:
            self.sent.append(outcome)

    def log(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.sent)

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()
