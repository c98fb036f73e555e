"""`api/moments.py` writes PostgreSQL's text of a timestamptz exactly as DRF writes the datetime, in every
zone: the texts here come from PostgreSQL itself (a UTC session, as Django's), over DST changes, zones
a whole number of hours off UTC and zones that are not, fractions with trailing zeros, none, and the
ends of the calendar."""

from __future__ import annotations

import datetime
import random
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from regiekoppeling.api.moments import _local_hour, iso

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
ZONES = ["Europe/Amsterdam", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]


def moments() -> list[datetime.datetime]:
    rng = random.Random(13)
    fixed = [
        datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # Amsterdam: the hour before summer time
        datetime.datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),  # and its first second
        datetime.datetime(2026, 10, 25, 0, 30, 0, 120000, tzinfo=UTC),  # 02:30 summer time
        datetime.datetime(2026, 10, 25, 1, 30, 0, 5, tzinfo=UTC),  # 02:30 winter time, the hour again
        datetime.datetime(2026, 12, 31, 23, 59, 59, 100, tzinfo=UTC),  # a new year in Amsterdam only
        datetime.datetime(1890, 6, 1, 12, 0, 0, 500000, tzinfo=UTC),  # local mean time: +00:19:32
        datetime.datetime(1, 1, 2, 0, 0, 0, tzinfo=UTC),
        datetime.datetime(999, 5, 1, 7, 8, 9, 10, tzinfo=UTC),
        datetime.datetime(9999, 12, 30, 12, 0, 0, 999990, tzinfo=UTC),
    ]
    start = datetime.datetime(1970, 1, 1, tzinfo=UTC)
    drawn = [start + datetime.timedelta(seconds=rng.uniform(0, 2.2e9)) for _ in range(400)]
    rounded = [m.replace(microsecond=rng.choice([0, 10, 100_000, 120_000, 999_000])) for m in drawn[:100]]
    return fixed + drawn + rounded


def texts_of(values: list[datetime.datetime]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::timestamptz[])::text", [values])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("zone", ZONES)
def test_postgresqls_text_is_shown_as_drf_shows_the_datetime(zone):
    values = moments()
    texts = texts_of(values)
    assert any(text.endswith(":00+00") for text in texts) and any(len(text) < 29 for text in texts)
    field = serializers.DateTimeField()
    with timezone.override(zone):
        tz = timezone.get_current_timezone()
        for value, text in zip(values, texts, strict=True):
            expected = field.to_representation(value)
            assert iso(value, tz) == expected, (zone, value)
            assert iso(text, tz) == expected, (zone, text)


def test_a_text_in_another_offset_or_without_one_of_ours_goes_the_datetime_way():
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    assert iso("2026-11-30 19:27:28.77+01", amsterdam) == "2026-11-30T19:27:28.770000+01:00"
    assert iso("2026-11-30 18:27:28+00", UTC) == "2026-11-30T18:27:28Z"
    assert iso("", amsterdam) is None and iso(None, amsterdam) is None


def test_only_zones_a_whole_number_of_hours_off_take_the_short_way():
    assert _local_hour("2026-11-30 18", zoneinfo.ZoneInfo("Europe/Amsterdam")) == ("2026-11-30T19", "+01:00")
    assert _local_hour("2026-12-31 23", zoneinfo.ZoneInfo("Europe/Amsterdam")) == ("2027-01-01T00", "+01:00")
    assert _local_hour("2026-11-30 18", UTC) == ("2026-11-30T18", "Z")
    assert _local_hour("2026-11-30 18", zoneinfo.ZoneInfo("America/New_York")) == ("2026-11-30T13", "-05:00")
    assert _local_hour("2026-11-30 18", zoneinfo.ZoneInfo("Asia/Kolkata")) is None
    assert _local_hour("1890-06-01 12", zoneinfo.ZoneInfo("Europe/Amsterdam")) is None
    assert _local_hour("9999-12-31 23", zoneinfo.ZoneInfo("Asia/Tokyo")) is None  # past year 9999
