"""The database backend reads `timestamptz` through `datetime.fromisoformat`, and gets what Django's own
loader gets (regiekoppeling/postgresql/base.py)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from regiekoppeling.postgresql.base import UtcTimestamptzLoader

pytestmark = pytest.mark.django_db

LITERALS = [
    "2026-11-30 18:27:28.770775+00",
    "2026-11-30 18:27:28.77+00",
    "2026-11-30 18:27:28+00",
    "2026-03-29 02:30:00+02",  # another offset than the session's
    "0099-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2024-02-29 23:59:59.000001-11",
]
SELECT = "SELECT " + ", ".join(f"'{value}'::timestamptz" for value in LITERALS) + ", NULL::timestamptz"


def _read(*, django_loader: bool) -> tuple:
    with connection.cursor() as cursor:
        if django_loader:
            register_tzloader(datetime.UTC, cursor.cursor)  # what Django registers itself
        cursor.execute(SELECT)
        return cursor.fetchone()


def test_the_connection_reads_timestamps_with_the_fast_loader():
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, 0) is UtcTimestamptzLoader


def test_timestamps_read_equal_to_djangos_loader():
    ours, djangos = _read(django_loader=False), _read(django_loader=True)
    assert ours == djangos
    assert [None if v is None else v.tzinfo for v in ours] == [datetime.UTC] * len(LITERALS) + [None]
    assert ours[0] == datetime.datetime(2026, 11, 30, 18, 27, 28, 770775, tzinfo=datetime.UTC)
    assert ours[3] == datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)


def test_what_fromisoformat_does_not_read_goes_to_djangos_loader():
    loader = UtcTimestamptzLoader(1184, connection.connection)
    with pytest.raises(Exception, match="after year 10K"):  # as Django's loader refuses it
        loader.load(b"infinity")
    # An offset other than UTC (a session in another zone): Django's reading, not fromisoformat's.
    assert loader.load(b"2026-11-30 19:00:00+01") == datetime.datetime(2026, 11, 30, 18, 0, tzinfo=datetime.UTC)
    assert loader.load(memoryview(b"2026-11-30 18:00:00.5+00")).microsecond == 500000
