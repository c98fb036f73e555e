"""Django's PostgreSQL backend, reading `timestamptz` with `datetime.fromisoformat`.

Django (5.2, psycopg 3) reads every `timestamptz` through `BaseTzLoader`, a Python subclass of
psycopg's pure-Python loader (and, being a subclass, one psycopg cannot swap for its C version). A
page of 100 aanvragen with their lines holds ~750 timestamps: about 6 us each that way, under 1 us
through `datetime.fromisoformat` (bench/README.md, "Timestamps").

Only where the two must agree: with `USE_TZ` and the session in UTC (Django's default: the
database's `TIME_ZONE` unset), PostgreSQL writes `2026-11-30 18:27:28.770775+00`, which
`fromisoformat` reads as the same aware datetime with `tzinfo=datetime.UTC`. Anything else it does
not read that way (another offset, `infinity`, BC, a five-digit year, another DateStyle) goes to
Django's loader as before. `tests/test_postgresql_backend.py` holds the two equal.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader


class UtcTimestamptzLoader(BaseTzLoader):
    """Django's loader for a UTC session (its `timezone` is what Django's cursors compare)."""

    timezone = datetime.UTC

    def load(self, data: Any) -> datetime.datetime:
        try:
            value = datetime.datetime.fromisoformat(str(data, "ascii"))
        except ValueError:
            return super().load(data)  # type: ignore[no-any-return]
        if value.tzinfo is not datetime.UTC:
            return super().load(data)  # type: ignore[no-any-return]
        return value


@functools.cache
def _utc_context(template: Any) -> Any:
    """Django's adapters template (one per process and setting) with the UTC loader registered."""
    import psycopg.adapt

    context = psycopg.adapt.AdaptersMap(template)
    context.register_loader("timestamptz", UtcTimestamptzLoader)
    return context


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        if "context" in params and settings.USE_TZ and self.timezone is datetime.UTC:
            params["context"] = _utc_context(params["context"])
        return params
