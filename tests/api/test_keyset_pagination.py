"""The keyset cursor of aanvragen, voorzieningen and documenten: links, stability, bad cursors, and
the number of queries per page (the same for a deep page as for the first, and no COUNT)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regiekoppeling.api.pagination import encode_cursor
from regiekoppeling.models import Aanvraag, OutboxItem, Verwerking
from tests.conftest import aanvraag_body, zin_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def vijf(regie) -> list[str]:
    """Five aanvragen of two lines each, oldest first (uuids)."""
    made = []
    for n in range(5):
        response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), zin_line(), regieReferentie=f"K-{n}"))
        assert response.status_code == 201, response.content
        made.append(response.json()["uuid"])
    return made


def follow(api, url: str | None) -> dict[str, Any]:
    assert url is not None
    response = api.client.get(url, **api.headers())
    assert response.status_code == 200, response.content
    return response.json()


def uuids(page: dict[str, Any]) -> list[str]:
    return [item["uuid"] for item in page["results"]]


def test_next_and_previous_walk_the_list_newest_first(regie, vijf):
    first = regie.get("/api/v1/aanvragen", pageSize="2").json()
    second = follow(regie, first["next"])
    third = follow(regie, second["next"])

    assert set(first) == {"next", "previous", "results"}  # no count: nothing counts the whole scope
    assert (uuids(first), uuids(second), uuids(third)) == ([vijf[4], vijf[3]], [vijf[2], vijf[1]], [vijf[0]])
    assert first["previous"] is None and third["next"] is None
    assert "/api/v1/aanvragen?cursor=" in first["next"] and "pageSize=2" in first["next"]
    back = follow(regie, third["previous"])
    assert uuids(back) == [vijf[2], vijf[1]]
    assert uuids(follow(regie, back["previous"])) == [vijf[4], vijf[3]]
    assert follow(regie, back["previous"])["previous"] is None
    assert uuids(follow(regie, back["next"])) == [vijf[0]]


def test_a_page_does_not_shift_when_newer_rows_arrive(regie, vijf):
    first = regie.get("/api/v1/aanvragen", pageSize="2").json()
    regie.post("/api/v1/aanvragen", aanvraag_body(regieReferentie="NIEUW"))

    assert uuids(follow(regie, first["next"])) == [vijf[2], vijf[1]]
    assert regie.get("/api/v1/aanvragen", pageSize="1").json()["results"][0]["regieReferentie"] == "NIEUW"


def test_voorzieningen_and_documenten_page_the_same_way(regie, vijf):
    first = regie.get("/api/v1/voorzieningen", pageSize="3", aanvraag=vijf[4]).json()
    assert len(first["results"]) == 2 and first["next"] is None and first["previous"] is None
    pages, url = [], "/api/v1/voorzieningen?pageSize=4"
    while url:
        page = follow(regie, url)
        pages.append(uuids(page))
        url = page["next"]
    assert [len(p) for p in pages] == [4, 4, 2]
    assert len({u for p in pages for u in p}) == 10
    assert regie.get("/api/v1/documenten").json() == {"next": None, "previous": None, "results": []}


def test_an_emptied_page_links_back_to_where_it_was(regie, vijf):
    first = regie.get("/api/v1/aanvragen", pageSize="2").json()
    OutboxItem.objects.filter(aanvraag__uuid__in=vijf[:3]).delete()
    Aanvraag.objects.filter(uuid__in=vijf[:3]).delete()

    emptied = follow(regie, first["next"])
    assert emptied["results"] == [] and emptied["next"] is None
    assert uuids(follow(regie, emptied["previous"])) == [vijf[4], vijf[3]]


@pytest.mark.parametrize(
    "cursor",
    ["", "not base64!", encode_cursor(1, reader=1)[:-1] + "*", "cXVhdHNjaA", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA", "LTE"],
)
def test_a_cursor_this_service_did_not_make_is_a_400(regie, vijf, cursor):
    response = regie.client.get(f"/api/v1/aanvragen?cursor={cursor}", **regie.headers())
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["cursor"]


def test_a_list_cursor_belongs_to_its_reader(regie, andere_regie, vijf):
    """Another application of the same gemeente holding this reader's cursor gets the 400 of a made-up
    one: the cursor is the reader's own position, and its id tells nothing of other parties' rows."""
    cursor = follow(regie, "/api/v1/aanvragen?pageSize=2")["next"].split("cursor=")[1].split("&")[0]
    assert regie.get("/api/v1/aanvragen", cursor=cursor).status_code == 200
    foreign = andere_regie.get("/api/v1/aanvragen", cursor=cursor)
    made_up = andere_regie.get("/api/v1/aanvragen", cursor=encode_cursor(1, reader=0))
    assert foreign.status_code == made_up.status_code == 400
    assert foreign.json()["invalidParams"] == made_up.json()["invalidParams"]


def test_page_numbers_are_not_accepted_on_the_growing_lists(regie, vijf):
    for path in ("/api/v1/aanvragen", "/api/v1/voorzieningen", "/api/v1/documenten"):
        response = regie.get(path, page="2")
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["code"] == "unknown_parameter"


def test_the_feed_refuses_a_backwards_cursor(regie):
    response = regie.get("/api/v1/berichten", cursor=encode_cursor(5, reader=regie.applicatie.pk, backwards=True))
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "cursor"


def statements(api, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = api.client.get(url, **api.headers())
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries]


# The page, the processing log's INSERT, and for aanvragen their voorzieningen, documenten and what they
# show of other tables (gemeente, indiener, arrangement product: `page_parts.related_of`); the subjects
# come with the page, so no SELECT of aanvragen for the log. The credential is cached per process
# (CREDENTIAL_CACHE_SECONDS), so a warm-up request takes its query out of the counts.
EXPECTED = {"/api/v1/aanvragen": 5, "/api/v1/voorzieningen": 2, "/api/v1/documenten": 2}


@pytest.mark.parametrize("path", list(EXPECTED))
def test_queries_per_page_are_fixed_and_never_count(regie, vijf, path):
    statements(regie, f"{path}?pageSize=1")  # warms the credential cache
    first = statements(regie, f"{path}?pageSize=2")
    deep_cursor = follow(regie, f"{path}?pageSize=2").get("next") or f"{path}?pageSize=2"
    deep = statements(regie, deep_cursor)
    everything = statements(regie, f"{path}?pageSize=100")

    if path == "/api/v1/documenten":  # no documents: nothing shown, so nothing logged
        assert len(first) == len(everything) == EXPECTED[path] - 1
    else:
        assert len(first) == len(deep) == len(everything) == EXPECTED[path]
    assert not [sql for sql in first + deep + everything if "COUNT(" in sql.upper()]


def test_a_list_read_logs_every_subject_without_reading_the_aanvragen_again(regie, vijf):
    Verwerking.objects.all().delete()
    sql = statements(regie, "/api/v1/voorzieningen?pageSize=100")

    assert Verwerking.objects.filter(actie="lezen").count() == 5  # one row per aanvraag (subject)
    assert sum(len(v.objecten) for v in Verwerking.objects.all()) == 10
    assert [s.split("(")[0] for s in sql if s.startswith("INSERT")] == ['INSERT INTO "regiekoppeling_verwerking" ']
    assert not [s for s in sql if 'FROM "regiekoppeling_aanvraag" WHERE "regiekoppeling_aanvraag"."id" IN' in s]


def test_a_page_without_filter_parameters_builds_no_filterset_and_a_filter_still_filters(regie, vijf, monkeypatch):
    from django_filters import FilterSet

    built = []
    original = FilterSet.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(FilterSet, "__init__", counting)
    first = regie.get("/api/v1/aanvragen", pageSize="2").json()
    assert uuids(first) == [vijf[4], vijf[3]] and uuids(follow(regie, first["next"])) == [vijf[2], vijf[1]]
    assert built == []
    assert uuids(regie.get("/api/v1/aanvragen", regieReferentie="K-1").json()) == [vijf[1]]
    assert uuids(regie.get("/api/v1/aanvragen", pageSize="2", regieReferentie="K-3").json()) == [vijf[3]]
    assert built == ["AanvraagFilter", "AanvraagFilter"]
    wrong = regie.get("/api/v1/aanvragen", status="onbekend")
    assert wrong.status_code == 400 and "status" in wrong.content.decode()
