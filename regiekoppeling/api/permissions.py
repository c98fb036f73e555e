"""The roles of the API (exported by `base` with the rest of the shared plumbing)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..constants import Rol
from ..models import Applicatie


def caller(request: Request) -> Applicatie:
    """The authenticated application (the permissions guarantee there is one)."""
    user = request.user
    if not isinstance(user, Applicatie):
        raise PermissionError("Geen geauthenticeerde applicatie.")
    return user


class IsApplicatie(BasePermission):
    """Every call is made by an authenticated application."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, Applicatie)


class IsRegie(IsApplicatie):
    message = "Alleen een regieapplicatie mag dit doen."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and caller(request).rol == Rol.REGIE


class IsBackoffice(IsApplicatie):
    message = "Alleen een backofficeapplicatie mag dit doen."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and caller(request).rol == Rol.BACKOFFICE
