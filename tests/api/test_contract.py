"""The API does what its own OpenAPI document says: requests and responses are validated
against the served document with openapi-core (so the document cannot drift from the code)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from tests.conftest import aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> OpenAPI:
    with django_db_blocker.unblock():
        document = Client().get("/api/v1/openapi.json").json()
    # The request URL openapi-core sees is built from API_PUBLIC_URL, as the document's `servers` is.
    # problem+json is JSON; openapi-core only knows application/json by default.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(document, config=config)


def check(openapi: OpenAPI, response) -> None:
    request = DjangoOpenAPIRequest(response.wsgi_request)
    openapi.validate_response(request, DjangoOpenAPIResponse(response))


def test_create_request_and_response_match_the_document(openapi, regie):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line()))
    assert response.status_code == 201
    openapi.validate_request(DjangoOpenAPIRequest(response.wsgi_request))
    check(openapi, response)


def test_reads_match_the_document(openapi, regie):
    created = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line())).json()
    for path in [
        "/api/v1/aanvragen",
        f"/api/v1/aanvragen/{created['uuid']}",
        "/api/v1/voorzieningen",
        f"/api/v1/voorzieningen/{created['voorzieningen'][1]['uuid']}",
    ]:
        response = regie.get(path)
        assert response.status_code == 200
        check(openapi, response)


def test_errors_match_the_document(openapi, regie):
    invalid = regie.post("/api/v1/aanvragen", aanvraag_body(gemeente="9999"))
    assert invalid.status_code == 400
    check(openapi, invalid)
    missing = regie.get("/api/v1/aanvragen/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    check(openapi, missing)


def test_withdrawal_matches_the_document(openapi, regie):
    created = regie.post("/api/v1/aanvragen", aanvraag_body()).json()
    response = regie.post(f"/api/v1/aanvragen/{created['uuid']}/intrekken", {"reden": "verhuisd"})
    assert response.status_code == 200
    check(openapi, response)
    conflict = regie.post(f"/api/v1/aanvragen/{created['uuid']}/intrekken", {})
    assert conflict.status_code == 409
    check(openapi, conflict)


def test_issue_11_shapes_match_the_document(openapi, regie, backoffice):
    """Betrokkenen, a granted pgb, a 315 signaal with its bericht and answer, a herindicatie with pgb."""
    from tests.conftest import BSN_A, BSN_B

    budgethouder = {"rol": "budgethouder", "soortRelatie": "14", "bsn": BSN_B, "naam": {"achternaam": "Smit"}}
    created = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line(), betrokkenen=[budgethouder]))
    assert created.status_code == 201
    openapi.validate_request(DjangoOpenAPIRequest(created.wsgi_request))
    check(openapi, created)
    aanvraag = created.json()
    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"})
    zin, pgb = (v["uuid"] for v in aanvraag["voorzieningen"])
    regels = [{"voorziening": zin, "uitkomst": "toegekend"},
              {"voorziening": pgb, "uitkomst": "gedeeltelijk_toegekend", "pgb": {"bedrag": 1, "basis": "totaal"}}]  # fmt: skip
    body = {"aanvraag": aanvraag["uuid"], "beschikkingnummer": 9, "datum": "2026-11-20",
            "ingangsdatum": "2027-01-01", "regels": regels}  # fmt: skip
    beschikking = backoffice.post("/api/v1/beschikkingen", body)
    assert beschikking.status_code == 201, beschikking.content
    openapi.validate_request(DjangoOpenAPIRequest(beschikking.wsgi_request))
    check(openapi, beschikking)

    verzoek = {
        "berichttype": "WMO315",
        "header": {"aanbieder": "42420001", "gemeente": "0363", "identificatie": "C1", "dagtekening": "2026-11-20"},
        "client": {"bsn": BSN_A, "geboortedatum": "1950-01-01", "geslacht": "2", "naam": {"achternaam": "Jansen"}},
        "producten": [{"referentieAanbieder": "R1", "product": {"categorie": "02", "code": "02A01"},
                       "ingangsdatum": "2028-01-01", "einddatum": "2028-12-31",
                       "omvang": {"volume": 2, "eenheid": "04", "frequentie": "2"}, "verwijzer": {"type": "01"}}],
    }  # fmt: skip
    signaal = backoffice.post(
        "/api/v1/signalen", {"soort": "verzoek_om_toewijzing", "verzoek": verzoek, "aanbiederNaam": "Zorg BV"}
    )
    assert signaal.status_code == 201, signaal.content
    check(openapi, signaal)
    assert signaal.json()["bericht"]["aanbieder"] == {"agbCode": "42420001", "naam": "Zorg BV"}
    answer = regie.post(
        f"/api/v1/signalen/{signaal.json()['uuid']}/antwoord",
        {"producten": [{"referentieAanbieder": "R1", "antwoord": "afgewezen", "redenAfwijzing": "2"}]},
    )
    assert answer.status_code == 200
    check(openapi, answer)
    herindicatie = backoffice.post("/api/v1/signalen", {"soort": "herindicatie", "voorziening": pgb})
    assert herindicatie.status_code == 201
    check(openapi, herindicatie)
    assert herindicatie.json()["herindicatie"]["pgb"]["bedrag"] == 1


def test_code_fields_document_every_value_with_its_name():
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    described = {
        ("Betrokkene", "vertegenwoordiging"): "06 = Voogdij",
        ("Betrokkene", "soortRelatie"): "11 = Voogd",
        ("Omvang", "eenheid"): "16 = Dagdeel (4 uur)",
        ("Omvang", "frequentie"): "6 = Totaal binnen geldigheidsduur",
        ("Verwijzer", "type"): "04 = Gecertificeerde instelling",
        ("Pgb", "basis"): "per_jaar = Per jaar",
        ("ClientRequest", "geboortedatumGebruik"): "2 = Dag en maand onbekend",
        ("ClientRequest", "geslacht"): "0 = Onbekend",
        ("VoorzieningInputRequest", "leveringsvorm"): "PGB = Persoonsgebonden budget",
        ("ToewijzingInputRequest", "redenWijziging"): "04 = Herbeoordeling: verlenging toewijzing",
        ("StopRequest", "redenBeeindiging"): "31 = Levering is volgens plan beëindigd",
        ("AntwoordRequest", "redenAfwijzing"): "8 = Woonplaatsbeginsel",
        ("TerugkoppelingInputRequest", "redenAfwijzing"): "3 = Geen contract",
    }
    for (schema, field), text in described.items():
        assert text in schemas[schema]["properties"][field]["description"], (schema, field)
    assert "pgbBedrag" not in schemas["Regel"]["properties"]
    assert set(schemas["Regel"]["properties"]) >= {"omvang", "pgb"}
