"""ZGW-style JWT authentication: HS256 signed with the application's shared secret."""

from __future__ import annotations

import time
from typing import Any

import jwt
from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ..models import Applicatie, Credential

# client_id -> (monotonic deadline, the active credential with its application); see CREDENTIAL_CACHE_SECONDS.
_credentials: dict[str, tuple[float, Credential]] = {}
# token -> (client id, the credential instance it was verified with, its payload). A client that sends
# the same token again costs no second decode and HMAC (~0.5 ms) while that credential instance is the
# cached one: the same secret, so the same verdict. Its age (iat) and the credential's validity are
# checked on every request; a token with `exp` or `nbf` is not kept (PyJWT checks those on decode).
_verified: dict[str, tuple[str, Credential, dict[str, Any]]] = {}
_VERIFIED_MAX = 512


def active_credential(client_id: str) -> Credential | None:
    """The active credential of an active application with this client id; cached a few seconds per
    process (an unknown client id is looked up every time, never cached)."""
    now = time.monotonic()
    cached = _credentials.get(client_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    credential = (
        Credential.objects.select_related("applicatie")
        .filter(client_id=client_id, actief=True, applicatie__actief=True)
        .first()
    )
    if credential is not None and settings.CREDENTIAL_CACHE_SECONDS > 0:
        _credentials[client_id] = (now + settings.CREDENTIAL_CACHE_SECONDS, credential)
    else:
        _credentials.pop(client_id, None)
    return credential


def forget_credentials(**_: Any) -> None:
    """Empty the cache: a credential or application was changed or deleted in this process (a signal
    receiver, connected in `regiekoppeling.apps`)."""
    _credentials.clear()
    _verified.clear()


class ZGWJWTAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Applicatie, dict[str, Any]] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme != self.keyword or not token.strip():
            raise exceptions.AuthenticationFailed(
                "Gebruik 'Authorization: Bearer <JWT>'.", code="invalid-authorization-header"
            )
        return self._verify(token.strip())

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return 'Bearer realm="regiekoppeling"'

    def _verify(self, token: str) -> tuple[Applicatie, dict[str, Any]]:
        seen = _verified.get(token)
        if seen is not None:
            cached = active_credential(seen[0])
            if cached is not None and cached is seen[1]:
                return self._accepted(cached, seen[2])
            _verified.pop(token, None)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise exceptions.AuthenticationFailed("Het token is geen geldige JWT.", code="jwt-decode-error") from None
        if header.get("alg") != "HS256":
            raise exceptions.AuthenticationFailed("Alleen HS256-tokens worden geaccepteerd.", code="jwt-algorithm")
        client_id = unverified.get("client_id") or unverified.get("iss")
        if not isinstance(client_id, str) or not client_id:
            raise exceptions.AuthenticationFailed("Het token bevat geen client_id.", code="missing-client-identifier")
        credential = active_credential(client_id)
        if credential is None:
            raise exceptions.AuthenticationFailed("Onbekende client_id.", code="invalid-client-identifier")
        try:
            payload = jwt.decode(
                token,
                # Stored encrypted; a key that does not fit is a server error (SecretDecryptionError).
                credential.secret,
                algorithms=["HS256"],
                options={"require": ["iat"], "verify_aud": False},
                leeway=settings.JWT_LEEWAY_SECONDS,
            )
        except jwt.MissingRequiredClaimError:
            raise exceptions.AuthenticationFailed("Het token bevat geen iat.", code="missing-iat") from None
        except jwt.ImmatureSignatureError:
            raise exceptions.AuthenticationFailed(
                "Het token is uitgegeven in de toekomst (iat).", code="jwt-iat-future"
            ) from None
        except jwt.InvalidSignatureError:
            raise exceptions.AuthenticationFailed(
                "De handtekening van het token klopt niet.", code="invalid-jwt-signature"
            ) from None
        except jwt.PyJWTError:
            raise exceptions.AuthenticationFailed("Het token is ongeldig.", code="jwt-decode-error") from None
        accepted = self._accepted(credential, payload)
        if "exp" not in payload and "nbf" not in payload:
            if len(_verified) >= _VERIFIED_MAX:
                _verified.pop(next(iter(_verified), ""), None)  # the oldest
            _verified[token] = (client_id, credential, payload)
        return accepted

    def _accepted(self, credential: Credential, payload: dict[str, Any]) -> tuple[Applicatie, dict[str, Any]]:
        """What is checked on every request, also for a token verified before: its age and the
        credential's validity."""
        age = time.time() - float(payload["iat"])
        if age > settings.JWT_MAX_AGE_SECONDS + settings.JWT_LEEWAY_SECONDS:
            raise exceptions.AuthenticationFailed("Het token is verlopen (iat te oud).", code="jwt-expired")
        if age < -settings.JWT_LEEWAY_SECONDS:
            raise exceptions.AuthenticationFailed(
                "Het token is uitgegeven in de toekomst (iat).", code="jwt-iat-future"
            )
        # After the signature: only the holder of the secret learns that it expired.
        if not credential.is_geldig():
            raise exceptions.AuthenticationFailed(
                "De credential is verlopen; gebruik de nieuwe (na roteren).", code="credential-expired"
            )
        return credential.applicatie, payload


class ZGWJWTScheme(OpenApiAuthenticationExtension):
    target_class = ZGWJWTAuthentication
    name = "JWT-ZGW"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
