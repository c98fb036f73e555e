"""ZGW JWT authentication the way Open Zaak 1.30 does it (commonground-api-common's JWTAuth).

- HS256, signed with the secret of the `client_id` claim; no `exp` needed.
- The token's age is checked from `iat`: older than 3600 s is 403 `jwt-expired`.
- Every failure is a 403 (never 401), with the codes seen in the auth-*-403 samples.
- A known client has every scope ("heeftAlleAutorisaties"): the sandbox does not model autorisaties.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt

from . import errors

JWT_EXPIRY = 3600  # seconds, commonground-api-common's default


def authenticate(authorization: str | None, clients: Mapping[str, str]) -> str:
    """Return the client_id of a valid `Authorization: Bearer <JWT>` header or raise a 403 ApiError."""
    prefix = "Bearer "
    if not authorization or not authorization.startswith(prefix):
        raise errors.permission_denied()
    encoded = authorization[len(prefix) :]
    try:
        unverified: dict[str, Any] = jwt.decode(encoded, algorithms=["HS256"], options={"verify_signature": False})
    except jwt.DecodeError:
        raise errors.permission_denied(
            "jwt-decode-error", "JWT could not be decoded. Possibly you made a copy-paste mistake."
        ) from None
    client_id = unverified.get("client_id")
    if not client_id:
        raise errors.permission_denied("missing-client-identifier", "Client identifier is niet aanwezig in JWT")
    secret = clients.get(client_id)
    if not secret:
        raise errors.permission_denied("invalid-client-identifier", "Client identifier bestaat niet")
    try:
        payload: dict[str, Any] = jwt.decode(encoded, secret, algorithms=["HS256"], options={"verify_iat": False})
    except jwt.InvalidSignatureError:
        raise errors.permission_denied("invalid-jwt-signature", "Client credentials zijn niet geldig") from None
    except jwt.ExpiredSignatureError:
        raise errors.permission_denied("jwt-expired", "De JWT die gebruikt is voor dit verzoek is verlopen") from None
    except jwt.InvalidTokenError:
        raise errors.permission_denied(
            "jwt-decode-error", "JWT could not be decoded. Possibly you made a copy-paste mistake."
        ) from None
    iat = payload.get("iat")
    if not isinstance(iat, int | float):
        raise errors.permission_denied(
            "jwt-missing-iat-claim", "De JWT die gebruikt is voor dit verzoek bevat geen 'iat' claim"
        )
    if iat + JWT_EXPIRY < time.time():
        raise errors.permission_denied("jwt-expired", "De JWT die gebruikt is voor dit verzoek is verlopen")
    return str(client_id)


def make_token(client_id: str, secret: str, *, iat: float | None = None, exp_after: int | None = None) -> str:
    """A ZGW JWT with the claims zgw-consumers sends; for tests, the CLI and outgoing notifications."""
    issued = int(time.time() if iat is None else iat)
    claims: dict[str, Any] = {
        "iss": client_id,
        "iat": issued,
        "client_id": client_id,
        "user_id": client_id,
        "user_representation": client_id,
    }
    if exp_after is not None:
        claims["exp"] = issued + exp_after
    return jwt.encode(claims, secret, algorithm="HS256")
