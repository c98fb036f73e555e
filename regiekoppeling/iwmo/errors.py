"""Exceptions of the iWmo/iJw module that are not a `DomainValidationError` (a 400 with invalidParams),
and the cap on how many invalidParams one answer lists."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from ..exceptions import InvalidParam

# A 25 MB bericht can break a rule a hundred thousand times; an answer listing them all helps nobody.
MAX_ERRORS = 100


def capped(params: list[InvalidParam], *, total: int | None = None, name: str, code: str) -> list[InvalidParam]:
    """The first MAX_ERRORS of `params` (of `total` found), and one entry saying how many more there are."""
    total = len(params) if total is None else total
    if total <= MAX_ERRORS:
        return params
    rest = total - MAX_ERRORS
    return [*params[:MAX_ERRORS], InvalidParam(name, code, f"En nog {rest} fouten; eerst de bovenstaande oplossen.")]


class BerichtTeGroot(Exception):
    """The XML is larger than `IWMO_MAX_BYTES`; refused before parsing (the API answers 413)."""

    def __init__(self, size: int, max_bytes: int) -> None:
        super().__init__(f"Het bericht is {size} bytes; maximaal {max_bytes} bytes toegestaan.")
        self.size = size
        self.max_bytes = max_bytes


class SchemaFout(ImproperlyConfigured):
    """An XSD is missing or does not compile: a deployment error, not the sender's fault (500)."""
