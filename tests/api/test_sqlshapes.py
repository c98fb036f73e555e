"""`api/sqlshapes.py`: the voorzieningen list page's JSON written by PostgreSQL is what
`representations.voorziening_shown` (and so the serializer) shows, over every branch, in two time
zones, indented too; its timestamps are Python's `isoformat` over a range of moments and zones."""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regiekoppeling.api import sqlshapes
from regiekoppeling.api.representations import _iso
from regiekoppeling.models import Voorziening
from tests.api.test_representations import serialized, variety  # noqa: F401 - the fixture of every branch

pytestmark = pytest.mark.django_db

ZONES = ["Europe/Amsterdam", "UTC", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"]


def moments() -> list[datetime.datetime]:
    utc = datetime.UTC
    base = [
        datetime.datetime(2027, 1, 5, 9, 30, 15, 123456, tzinfo=utc),
        datetime.datetime(2027, 1, 5, 9, 30, 15, tzinfo=utc),  # no microseconds: none written
        datetime.datetime(2027, 1, 5, 9, 30, 15, 1, tzinfo=utc),
        datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=utc),  # the hour before summer time
        datetime.datetime(2026, 3, 29, 1, 0, 0, tzinfo=utc),  # summer time begins in Amsterdam
        datetime.datetime(2026, 10, 25, 0, 30, tzinfo=utc),  # the hour that comes twice
        datetime.datetime(2026, 10, 25, 1, 30, tzinfo=utc),
        datetime.datetime(2026, 12, 31, 23, 59, 59, 500000, tzinfo=utc),  # another day and year locally
        datetime.datetime(1937, 6, 1, 12, 0, tzinfo=utc),  # Amsterdam +00:20 (an offset of 1909-1937)
        datetime.datetime(1920, 6, 1, 12, 0, tzinfo=utc),  # Amsterdam summer +01:19:32: seconds in the offset
        datetime.datetime(1999, 12, 31, 23, 0, tzinfo=utc),
    ]
    return base + [datetime.datetime(2026, 1, 1, tzinfo=utc) + datetime.timedelta(hours=37 * n) for n in range(60)]


@pytest.mark.parametrize("zone", ZONES)
def test_a_moment_is_written_as_pythons_isoformat(zone):
    values = moments()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sqlshapes.moment('m', zone)} FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS t(m, n) ORDER BY n",
            [values],
        )
        written = [row[0] for row in cursor.fetchall()]
    assert written == [_iso(value, ZoneInfo(zone)) for value in values]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sqlshapes.moment('NULL::timestamptz', zone)}")
        assert cursor.fetchone() == (None,)


def test_a_moment_with_seconds_in_its_offset_is_in_the_checks():
    # The check above means something only if a case of each kind is in it.
    offsets = {str(_iso(m, ZoneInfo("Europe/Amsterdam")))[19:] for m in moments()}
    assert any(o.count(":") == 2 for o in offsets) and any(o.startswith(".") for o in offsets)
    assert any(not o.startswith(".") for o in offsets)


@pytest.mark.parametrize("name", ["", "Europe/Amsterdam'; DROP TABLE x; --", "1UTC", "a b"])
def test_a_zone_that_is_no_zone_name_is_refused(name):
    with pytest.raises(ValueError, match="not a time zone name"):
        sqlshapes.moment("m", name)


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC"])
def test_the_list_page_is_what_the_serializer_shows(regie, variety, settings, zone):  # noqa: F811
    settings.TIME_ZONE = zone
    lines = sorted((o for o in variety if type(o) is Voorziening), key=lambda o: -o.pk)
    with timezone.override(zone):
        expected = [serialized(o) for o in lines]
    response = regie.get("/api/v1/voorzieningen")
    assert response.json()["results"] == expected
    # Written by PostgreSQL (its json_build_object's spacing), except the line with registration errors.
    assert response.content.count(b'"uuid" : "') == len(lines) - 1
    assert any(line["registratieFouten"] for line in expected)
    indented = regie.client.get("/api/v1/voorzieningen", **regie.headers(HTTP_ACCEPT="application/json; indent=2"))
    assert indented.status_code == 200, indented.content
    assert b'\n  "results": [' in indented.content
    assert json.loads(indented.content)["results"] == expected
    # Every line by PostgreSQL, the closed zaak with its statusFout (the failed line's) among them.
    Voorziening.objects.update(registratie_fouten=[])
    # An amount on a ZIN line (the API refuses it; a row may still hold it) is no pgb.
    Voorziening.objects.filter(pk=lines[0].pk, leveringsvorm="ZIN").update(pgb_bedrag=5)
    assert Voorziening.objects.filter(leveringsvorm="ZIN", pgb_bedrag=5).exists()
    with timezone.override(zone):
        expected = [serialized(Voorziening.objects.select_related("aanvraag", "product").get(pk=o.pk)) for o in lines]
    response = regie.get("/api/v1/voorzieningen")
    assert response.content.count(b'"uuid" : "') == len(lines)
    assert response.json()["results"] == expected
    assert {line["zaak"]["toestand"] for line in expected if line["zaak"]} == {"open", "afgesloten"}


def test_a_page_is_one_query_and_the_log_without_failed_lines_and_one_more_with(regie, variety):  # noqa: F811
    with CaptureQueriesContext(connection) as with_failed:
        assert regie.get("/api/v1/voorzieningen").status_code == 200
    Voorziening.objects.update(registratie_fouten=[])
    with CaptureQueriesContext(connection) as without:
        assert regie.get("/api/v1/voorzieningen").status_code == 200
    assert len(with_failed) == len(without) + 1
    selects = [q["sql"] for q in without.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1 and "json_build_object" in selects[0], selects
