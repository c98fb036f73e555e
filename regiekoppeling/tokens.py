"""Client-side helper: a ZGW-style JWT for a client id and secret (used by the demo, bench and tests)."""

from __future__ import annotations

import time

import jwt


def make_token(client_id: str, secret: str, *, iat: float | None = None, user_id: str = "") -> str:
    payload = {
        "iss": client_id,
        "client_id": client_id,
        "iat": int(time.time() if iat is None else iat),
        "user_id": user_id,
        "user_representation": user_id,
    }
    return jwt.encode(payload, secret, algorithm="HS256")
