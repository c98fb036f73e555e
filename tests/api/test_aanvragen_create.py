"""S1, S2, S8: a regieapplicatie sends ZIN, PGB and arrangement voorzieningen."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from regiekoppeling.models import Aanvraag, OutboxItem, Voorziening
from tests.conftest import BSN_A, aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


def test_links_come_from_the_public_url_not_from_the_host(regie, settings):
    # Behind a proxy the Host is an internal name; a client must not steer our links with it either.
    settings.API_PUBLIC_URL = "https://regie.gemeente.example/koppeling/api/v1"
    headers = regie.headers(HTTP_IDEMPOTENCY_KEY="k-1", HTTP_HOST="127.0.0.1:9999")
    response = regie.client.generic(
        "POST", "/api/v1/aanvragen", json.dumps(aanvraag_body()), "application/json", **headers
    )
    listed = regie.client.get("/api/v1/aanvragen", {"pageSize": 1}, **regie.headers(HTTP_HOST="localhost:1"))
    regie.post("/api/v1/aanvragen", aanvraag_body(regieReferentie="TWEEDE"))
    paged = regie.client.get("/api/v1/aanvragen", {"pageSize": 1}, **regie.headers(HTTP_HOST="localhost:1"))

    uuid = Aanvraag.objects.get(regie_referentie="GP-2026-001").uuid
    assert response.status_code == 201, response.content
    assert response["Location"] == f"https://regie.gemeente.example/koppeling/api/v1/aanvragen/{uuid}"
    assert response.json()["voorzieningen"][0]["url"].startswith("https://regie.gemeente.example/koppeling/api/v1/")
    assert listed.json()["results"][0]["url"].startswith("https://regie.gemeente.example/koppeling/api/v1/")
    assert paged.json()["next"].startswith("https://regie.gemeente.example/koppeling/api/v1/aanvragen?cursor=")
    assert paged.json()["next"].endswith("&pageSize=1")


def test_zin_and_pgb_lines_are_accepted_with_their_state(regie):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line(aanbieder="12345678")))

    assert response.status_code == 201, response.json()
    data = response.json()
    aanvraag = Aanvraag.objects.get()
    assert response["Location"] == f"{settings.API_PUBLIC_URL}/aanvragen/{aanvraag.uuid}"
    assert data["url"] == response["Location"]
    assert data["uuid"] == str(aanvraag.uuid)
    assert data["gemeente"] == "0363"
    assert data["wet"] == "WMO"
    assert data["status"] == "ontvangen"
    assert data["regieReferentie"] == "GP-2026-001"
    assert data["client"] == {
        "bsn": BSN_A,
        "geboortedatum": "1950-01-01",
        "geboortedatumGebruik": "",
        "geslacht": "2",
        "voornamen": "Maria",
        "voorvoegsel": "",
        "achternaam": "Jansen",
    }
    zin, pgb = data["voorzieningen"]
    assert zin["volgnummer"] == 1
    assert zin["status"] == "ontvangen"
    assert zin["product"] == {"categorie": "02", "code": "02A01", "omschrijving": "Individuele begeleiding"}
    assert zin["leveringsvorm"] == "ZIN"
    assert zin["omvang"] == {"volume": 4, "eenheid": "04", "frequentie": "2"}
    assert zin["pgb"] is None
    assert zin["budget"] is None
    assert zin["aanvraag"] == data["url"]
    # The PGB amount travels with the voorziening; its period defaults to that of the line.
    assert pgb["leveringsvorm"] == "PGB"
    assert pgb["pgb"] == {
        "bedrag": 125000,
        "basis": "per_maand",
        "ingangsdatum": "2027-01-01",
        "einddatum": "2027-12-31",
        "tariefreferentie": "",
    }
    assert pgb["aanbieder"] == "12345678"

    stored = list(Voorziening.objects.order_by("volgnummer"))
    assert [(v.leveringsvorm, v.pgb_bedrag, v.omvang_volume) for v in stored] == [
        ("ZIN", None, 4),
        ("PGB", 125000, None),
    ]
    assert aanvraag.indiener == regie.applicatie


def test_accepted_aanvraag_stores_its_outgoing_work_in_the_outbox(regie):
    response = regie.post("/api/v1/aanvragen", aanvraag_body())

    assert response.status_code == 201
    items = list(OutboxItem.objects.order_by("id").values_list("handler", "state", "payload"))
    uuid = response.json()["uuid"]
    assert items == [
        ("zaak_registratie", "pending", {"aanvraag": uuid}),
        (
            "bericht",
            "pending",
            {
                "gebeurtenis": "aanvraag_ontvangen",
                "resource": "aanvraag",
                "uuid": uuid,
                "actie": "create",
                "aanvraag": uuid,
                "kenmerken": {"gemeente": "0363", "wet": "WMO", "status": "ontvangen"},
            },
        ),
    ]


def test_outbox_payloads_carry_no_bsn(regie):
    regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line()))

    for item in OutboxItem.objects.all():
        assert BSN_A not in str(item.payload)


def test_arrangement_of_several_products(regie):
    body = aanvraag_body(
        zin_line(),
        zin_line(product={"categorie": "07", "code": "07A01"}),
        isArrangement=True,
        arrangementProduct={"categorie": "10", "code": "10A01"},
    )
    response = regie.post("/api/v1/aanvragen", body)

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["isArrangement"] is True
    assert data["arrangementProduct"] == {
        "categorie": "10",
        "code": "10A01",
        "omschrijving": "Maatwerkarrangement thuisondersteuning",
    }
    assert [v["product"]["code"] for v in data["voorzieningen"]] == ["02A01", "07A01"]
    assert Aanvraag.objects.get().is_arrangement


def test_jeugdwet_line_with_budget_instead_of_omvang(regie):
    line = {
        "product": {"categorie": "45"},
        "leveringsvorm": "ZIN",
        "budget": 250000,
        "ingangsdatum": "2027-01-01",
        "einddatum": "2027-06-30",
        "verwijzer": {"type": "02", "zorgverlenerscode": "01234567"},
    }
    response = regie.post("/api/v1/aanvragen", aanvraag_body(line, wet="JW"))

    assert response.status_code == 201, response.json()
    voorziening = response.json()["voorzieningen"][0]
    assert voorziening["budget"] == 250000
    assert voorziening["omvang"] is None
    assert voorziening["verwijzer"] == {"type": "02", "naam": "", "zorgverlenerscode": "01234567"}


def test_pgb_and_zin_for_the_same_product_in_separate_periods_are_allowed(regie):
    first = zin_line(product={"categorie": "01", "code": "01A01"}, einddatum="2027-06-30")
    second = pgb_line(
        product={"categorie": "01", "code": "01A01"},
        omvang={"volume": 3, "eenheid": "04", "frequentie": "2"},
        ingangsdatum="2027-07-01",
    )

    response = regie.post("/api/v1/aanvragen", aanvraag_body(first, second))

    assert response.status_code == 201, response.json()
