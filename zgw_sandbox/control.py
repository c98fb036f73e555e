"""The `/_sandbox/` control API: no authentication, and it only exists on the sandbox.

GET    /_sandbox/                 base URL, seed URLs and settings
GET    /_sandbox/seed             the seed URLs (same as seed.seed_urls)
POST   /_sandbox/faults           add a fault rule {"path", "kind", "method", "nth", "times", "seconds"}
GET    /_sandbox/faults           the rules with their counters
DELETE /_sandbox/faults           remove all rules
GET    /_sandbox/requests         the request log
DELETE /_sandbox/requests         clear it
GET    /_sandbox/notifications    notifications sent (or attempted) so far
DELETE /_sandbox/notifications    clear that log
POST   /_sandbox/reset            clear all data and reseed; also clears faults and both logs
GET    /_sandbox/config           {"chunkSize", "notificationCallback"}
PATCH  /_sandbox/config           change them
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .faults import rule_from_json
from .web import Request, Response, dumps

if TYPE_CHECKING:
    from .server import Sandbox


def _json(data: Any, status: int = 200) -> Response:
    return Response(status, {"Content-Type": "application/json"}, dumps(data), data, api_version=False)


def _error(detail: str, status: int = 400) -> Response:
    return _json({"detail": detail}, status)


def _config(sandbox: Sandbox) -> dict[str, Any]:
    return {"chunkSize": sandbox.ctx.chunk_size, "notificationCallback": sandbox.notifier.callback}


def handle(sandbox: Sandbox, req: Request) -> Response:
    name = req.path.removeprefix("/_sandbox").strip("/")
    method = req.method.upper()
    try:
        body = json.loads(req.body) if req.body else {}
    except ValueError:
        return _error("body is not JSON")
    try:
        return _dispatch(sandbox, name, method, body)
    except (ValueError, TypeError) as exc:
        return _error(str(exc))


def _dispatch(sandbox: Sandbox, name: str, method: str, body: Any) -> Response:
    match (name, method):
        case ("", "GET"):
            return _json({"baseUrl": sandbox.base_url, "seed": sandbox.seed, "config": _config(sandbox)})
        case ("seed", "GET"):
            return _json(sandbox.seed)
        case ("faults", "GET"):
            return _json(sandbox.faults.rules())
        case ("faults", "POST"):
            if not isinstance(body, dict):
                raise ValueError("a fault is a JSON object")
            return _json(sandbox.faults.add(rule_from_json(body)).as_dict(), 201)
        case ("faults", "DELETE"):
            sandbox.clear_faults()
            return Response(204, api_version=False)
        case ("requests", "GET"):
            return _json(sandbox.requests)
        case ("requests", "DELETE"):
            sandbox.clear_requests()
            return Response(204, api_version=False)
        case ("notifications", "GET"):
            return _json(sandbox.flush_notifications())
        case ("notifications", "DELETE"):
            sandbox.notifier.clear()
            return Response(204, api_version=False)
        case ("reset", "POST"):
            sandbox.reset()
            return _json({"seed": sandbox.seed})
        case ("config", "GET"):
            return _json(_config(sandbox))
        case ("config", "PATCH" | "PUT" | "POST"):
            if not isinstance(body, dict):
                raise ValueError("config is a JSON object")
            if "chunkSize" in body:
                sandbox.set_chunk_size(int(body["chunkSize"]))
            if "notificationCallback" in body:
                sandbox.set_notification_callback(body["notificationCallback"] or None)
            return _json(_config(sandbox))
    return _error(f"no control endpoint {method} /_sandbox/{name}", 404)
