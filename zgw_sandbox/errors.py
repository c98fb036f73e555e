"""Errors in the shape Open Zaak 1.30 sends them (see the *-400/403/404/412 samples).

Every error body has `type`, `code`, `title`, `status`, `detail` and `instance`; validation errors add
`invalidParams` with `name`, `code` and `reason`. For a validation error the top-level `code` is always
`invalid` and `detail` is "Ongeldige invoer."; the specific code lives in `invalidParams[].code`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

PERMISSION_TITLE = "Je hebt geen toestemming om deze actie uit te voeren."


@dataclass
class ApiError(Exception):
    status: int
    exc_name: str  # Open Zaak puts the DRF exception class name in the `type` URL
    code: str
    title: str
    detail: str
    invalid_params: list[dict[str, str]] | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def body(self, base_url: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": f"{base_url}/ref/fouten/{self.exc_name}/",
            "code": self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": f"urn:uuid:{uuid.uuid4()}",
        }
        if self.invalid_params is not None:
            data["invalidParams"] = self.invalid_params
        return data


def validation_error(params: list[dict[str, str]]) -> ApiError:
    return ApiError(400, "ValidationError", "invalid", "Ongeldige invoer.", "Ongeldige invoer.", params)


def invalid(name: str, code: str, reason: str) -> ApiError:
    return validation_error([{"name": name, "code": code, "reason": reason}])


def not_found() -> ApiError:
    return ApiError(404, "NotFound", "not_found", "Niet gevonden.", "Niet gevonden.")


def page_not_found() -> ApiError:
    return ApiError(404, "NotFound", "not_found", "Niet gevonden.", "Ongeldige pagina.")


def permission_denied(code: str = "permission_denied", detail: str = PERMISSION_TITLE) -> ApiError:
    return ApiError(403, "PermissionDenied", code, PERMISSION_TITLE, detail)


def precondition_failed(detail: str) -> ApiError:
    return ApiError(412, "PreconditionFailed", "precondition_failed", "Voorwaarde is niet vervuld", detail)


def not_acceptable(detail: str) -> ApiError:
    return ApiError(406, "NotAcceptable", "not_acceptable", "Kan niet voldoen aan de opgegeven Accept header.", detail)


def method_not_allowed(method: str) -> ApiError:
    text = f'Methode "{method}" niet toegestaan.'
    return ApiError(405, "MethodNotAllowed", "method_not_allowed", text, text)


def parse_error(detail: str) -> ApiError:
    return ApiError(400, "ParseError", "parse_error", "Ongeldige request.", detail)


def unsupported_media_type(content_type: str) -> ApiError:
    text = f'Ongeldige media type "{content_type}" in aanvraag.'
    return ApiError(415, "UnsupportedMediaType", "unsupported_media_type", text, text)


def server_error(status: int = 500) -> ApiError:
    text = "Er is een serverfout opgetreden."
    return ApiError(status, "APIException", "error", text, text)


def integrity_error() -> ApiError:
    """What Open Zaak answers when its database refuses a write (an IntegrityError it does not handle),
    as captured in resultaten-create-concurrent-duplicate-500."""
    return ApiError(500, "APIException", "error", "Er is een serverfout opgetreden.", "Internal Server Error")


class Errors:
    """Collects field errors so that one response names every invalid field, like DRF does."""

    def __init__(self) -> None:
        self.params: list[dict[str, str]] = []

    def add(self, name: str, code: str, reason: str) -> None:
        self.params.append({"name": name, "code": code, "reason": reason})

    def has(self, name: str) -> bool:
        return any(p["name"] == name or p["name"].startswith(name + ".") for p in self.params)

    def __bool__(self) -> bool:
        return bool(self.params)

    def raise_if_any(self) -> None:
        if self.params:
            raise validation_error(self.params)
