"""Lists with filters and pagination; withdrawing an aanvraag or one voorziening."""

from __future__ import annotations

import pytest

from regiekoppeling.models import Aanvraag, OutboxItem, Voorziening
from tests.conftest import BSN_B, aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def twee_aanvragen(regie):
    wmo = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line(), regieReferentie="REF-WMO")).json()
    jw_body = aanvraag_body(
        zin_line(product={"categorie": "45", "code": "45A01"}, verwijzer={"type": "03", "naam": "Dr. Visser"}),
        wet="JW",
        regieReferentie="REF-JW",
    )
    jw_body["client"]["bsn"] = BSN_B
    jw = regie.post("/api/v1/aanvragen", jw_body).json()
    return wmo, jw


def uuids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["uuid"] for item in response.json()["results"]]


def test_list_newest_first_with_full_items(regie, twee_aanvragen):
    wmo, jw = twee_aanvragen
    response = regie.get("/api/v1/aanvragen")

    data = response.json()
    assert set(data) == {"next", "previous", "results"}
    assert data["next"] is None and data["previous"] is None
    assert data["results"] == [jw, wmo]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"wet": "JW"}, ["jw"]),
        ({"regieReferentie": "REF-WMO"}, ["wmo"]),
        ({"gemeente": "0363"}, ["jw", "wmo"]),
        ({"gemeente": "0599"}, []),
        ({"status": "ontvangen"}, ["jw", "wmo"]),
        ({"status": "ingetrokken"}, []),
        ({"aangemaaktVanaf": "2000-01-01T00:00:00Z"}, ["jw", "wmo"]),
        ({"aangemaaktVanaf": "2999-01-01T00:00:00Z"}, []),
    ],
)
def test_aanvragen_filters(regie, twee_aanvragen, params, expected):
    by_name = {"wmo": twee_aanvragen[0]["uuid"], "jw": twee_aanvragen[1]["uuid"]}
    assert uuids(regie.get("/api/v1/aanvragen", **params)) == [by_name[n] for n in expected]


def test_voorzieningen_filters(regie, twee_aanvragen):
    wmo, jw = twee_aanvragen
    assert len(uuids(regie.get("/api/v1/voorzieningen"))) == 3
    assert uuids(regie.get("/api/v1/voorzieningen", wet="JW")) == [jw["voorzieningen"][0]["uuid"]]
    assert uuids(regie.get("/api/v1/voorzieningen", leveringsvorm="PGB")) == [wmo["voorzieningen"][1]["uuid"]]
    assert sorted(uuids(regie.get("/api/v1/voorzieningen", aanvraag=wmo["uuid"]))) == sorted(
        v["uuid"] for v in wmo["voorzieningen"]
    )


def test_invalid_filter_value_is_400_naming_it(regie, twee_aanvragen):
    response = regie.get("/api/v1/aanvragen", status="bestaat_niet", aangemaaktVanaf="gisteren")
    assert response.status_code == 400
    assert {p["name"] for p in response.json()["invalidParams"]} == {"status", "aangemaaktVanaf"}


def test_unknown_query_parameter_is_400(regie):
    response = regie.get("/api/v1/aanvragen", page_size="5")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "page_size"


def test_query_parameter_on_detail_is_400(regie, twee_aanvragen):
    response = regie.get(f"/api/v1/aanvragen/{twee_aanvragen[0]['uuid']}", expand="voorzieningen")
    assert response.status_code == 400


@pytest.mark.parametrize("params", [{"bsn": "999993653"}, {"clientBsn": "x"}, {"regieReferentie": "999993653"}])
def test_bsn_in_a_query_string_is_refused(regie, params, caplog):
    response = regie.get("/api/v1/aanvragen", **params)
    assert response.status_code == 400
    name = next(iter(params))
    assert response.json()["invalidParams"][0]["name"] == name
    assert "BSN" in response.json()["invalidParams"][0]["reason"]
    assert "999993653" not in response.content.decode()
    assert "999993653" not in caplog.text


def test_pagination_with_page_size(regie, twee_aanvragen):
    first = regie.get("/api/v1/aanvragen", pageSize="1").json()
    second = regie.client.get(first["next"], **regie.headers()).json()
    assert len(first["results"]) == 1 and first["previous"] is None
    assert first["next"].endswith("pageSize=1") and "cursor=" in first["next"]
    assert second["results"][0]["uuid"] == twee_aanvragen[0]["uuid"] and second["next"] is None


class TestWithdrawal:
    def test_withdraw_aanvraag_withdraws_every_open_line(self, regie, twee_aanvragen):
        wmo = twee_aanvragen[0]
        OutboxItem.objects.all().delete()
        response = regie.post(f"/api/v1/aanvragen/{wmo['uuid']}/intrekken", {"reden": "Client ziet af van hulp"})

        assert response.status_code == 200, response.content
        data = response.json()
        assert data["status"] == "ingetrokken"
        assert data["redenIntrekking"] == "Client ziet af van hulp"
        assert [v["status"] for v in data["voorzieningen"]] == ["ingetrokken", "ingetrokken"]
        assert Voorziening.objects.filter(aanvraag__uuid=wmo["uuid"], status="ingetrokken").count() == 2
        # One zaak status change, and one bericht per withdrawn voorziening.
        assert sorted(OutboxItem.objects.values_list("handler", flat=True)) == ["bericht", "bericht", "zaak_status"]

    def test_withdraw_twice_is_409_with_the_current_state(self, regie, twee_aanvragen):
        wmo = twee_aanvragen[0]
        regie.post(f"/api/v1/aanvragen/{wmo['uuid']}/intrekken", {})
        again = regie.post(f"/api/v1/aanvragen/{wmo['uuid']}/intrekken", {})

        assert again.status_code == 409
        assert again["Content-Type"] == "application/problem+json"
        assert again.json()["huidigeStatus"] == "ingetrokken"

    def test_withdraw_one_line_keeps_the_aanvraag_open(self, regie, twee_aanvragen):
        wmo = twee_aanvragen[0]
        line = wmo["voorzieningen"][1]
        response = regie.post(f"/api/v1/voorzieningen/{line['uuid']}/intrekken", {"reden": "PGB niet meer nodig"})

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "ingetrokken"
        assert response.json()["redenIntrekking"] == "PGB niet meer nodig"
        assert Aanvraag.objects.get(uuid=wmo["uuid"]).status == "ontvangen"
        assert Voorziening.objects.get(uuid=wmo["voorzieningen"][0]["uuid"]).status == "ontvangen"

    def test_withdrawing_the_last_open_line_withdraws_the_aanvraag(self, regie, twee_aanvragen):
        wmo = twee_aanvragen[0]
        for line in wmo["voorzieningen"]:
            assert regie.post(f"/api/v1/voorzieningen/{line['uuid']}/intrekken", {}).status_code == 200
        assert Aanvraag.objects.get(uuid=wmo["uuid"]).status == "ingetrokken"

    def test_a_decided_line_cannot_be_withdrawn(self, regie, twee_aanvragen):
        line = twee_aanvragen[0]["voorzieningen"][0]
        Voorziening.objects.filter(uuid=line["uuid"]).update(status="toegekend")

        response = regie.post(f"/api/v1/voorzieningen/{line['uuid']}/intrekken", {})

        assert response.status_code == 409
        assert response.json()["huidigeStatus"] == "toegekend"
        assert Voorziening.objects.get(uuid=line["uuid"]).status == "toegekend"

    def test_withdrawal_with_unknown_field_is_400(self, regie, twee_aanvragen):
        response = regie.post(f"/api/v1/aanvragen/{twee_aanvragen[0]['uuid']}/intrekken", {"waarom": "x"})
        assert response.status_code == 400
        assert Aanvraag.objects.get(uuid=twee_aanvragen[0]["uuid"]).status == "ontvangen"
