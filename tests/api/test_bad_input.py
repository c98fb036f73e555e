"""Bad input: every case answers 400 (or 413) naming the problem, and nothing is stored."""

from __future__ import annotations

import pytest

from regiekoppeling.models import Aanvraag, IdempotencyRecord, OutboxItem, Voorziening
from tests.conftest import BSN_A, aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


def assert_refused(response, *names: str, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    found = {p["name"] for p in body.get("invalidParams", [])}
    for name in names:
        assert name in found, f"{name} not in {found}"
    assert BSN_A not in response.content.decode()
    assert Aanvraag.objects.count() == 0
    assert Voorziening.objects.count() == 0
    assert OutboxItem.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    return body


def client_with(**fields):
    client = aanvraag_body()["client"]
    client.update(fields)
    return client


@pytest.mark.parametrize(
    ("bsn", "reason_part"),
    [
        ("999993654", "elfproef"),  # fails the elfproef
        ("99999365", "9"),  # too short
        ("9999936530", "9"),  # too long
        ("000000000", "nullen"),  # all zeros passes the elfproef arithmetic but is no BSN
        ("99999365a", "9 cijfers"),
    ],
)
def test_invalid_bsn(regie, bsn, reason_part):
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(bsn=bsn))), "client.bsn")
    reason = next(p["reason"] for p in body["invalidParams"] if p["name"] == "client.bsn")
    assert reason_part in reason
    assert bsn not in reason


def test_unknown_gemeente(regie):
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(gemeente="9999")), "gemeente")
    assert body["invalidParams"][0]["code"] == "niet_toegestaan"
    assert body["invalidParams"][0]["reason"] == "Deze applicatie handelt niet voor gemeente 9999."


def test_gemeente_the_application_does_not_act_for(regie, andere_gemeente):
    # The same answer as for an unknown code: nobody learns which gemeenten the service holds.
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(gemeente="0599")), "gemeente")
    assert body["invalidParams"][0]["code"] == "niet_toegestaan"
    assert body["invalidParams"][0]["reason"] == "Deze applicatie handelt niet voor gemeente 0599."


def test_wet_categorie_mismatch(regie):
    line = zin_line(product={"categorie": "45"})  # a Jeugdwet category on a Wmo aanvraag
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.product.categorie")
    assert body["invalidParams"][0]["code"] == "wet_categorie"


def test_unknown_product_code(regie):
    line = zin_line(product={"categorie": "02", "code": "ZZ999"})
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.product.code")
    assert body["invalidParams"][0]["code"] == "onbekend"


def test_product_code_of_another_categorie_is_s329(regie):
    line = zin_line(product={"categorie": "03", "code": "02A01"})
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.product.code")
    assert body["invalidParams"][0]["code"] == "S329"


def test_omvang_together_with_budget(regie):
    line = zin_line(product={"categorie": "02"}, budget=10000)
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.budget")
    assert body["invalidParams"][0]["code"] == "omvang_en_budget"


@pytest.mark.parametrize("eenheid", ["14", "16", "83", "84"])
def test_eenheid_that_needs_a_longer_frequentie(regie, eenheid):
    line = zin_line(omvang={"volume": 2, "eenheid": eenheid, "frequentie": "1"})
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.omvang.frequentie")
    assert body["invalidParams"][0]["code"] == "frequentie_bij_eenheid"


def test_einddatum_before_ingangsdatum(regie):
    line = zin_line(ingangsdatum="2027-05-01", einddatum="2027-04-30")
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.einddatum")
    assert body["invalidParams"][0]["code"] == "voor_ingangsdatum"


def test_missing_einddatum_with_budget(regie):
    line = {"product": {"categorie": "02"}, "leveringsvorm": "ZIN", "budget": 5000, "ingangsdatum": "2027-01-01"}
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.einddatum")
    assert body["invalidParams"][0]["code"] == "required"


def test_missing_einddatum_with_frequentie_per_week(regie):
    line = zin_line()
    del line["einddatum"]
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.einddatum")
    assert body["invalidParams"][0]["code"] == "required"


def test_pgb_without_bedrag(regie):
    line = pgb_line()
    del line["pgb"]
    assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.pgb")


def test_pgb_object_without_bedrag_field(regie):
    line = pgb_line(pgb={"basis": "totaal"})
    assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.pgb.bedrag")


@pytest.mark.parametrize("bedrag", [1250.5, 1250.0, "125000", True])
def test_pgb_bedrag_that_is_not_whole_eurocent(regie, bedrag):
    line = pgb_line(pgb={"bedrag": bedrag, "basis": "totaal"})
    assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.pgb.bedrag")


@pytest.mark.parametrize("bedrag", [-1, 100_000_000])
def test_pgb_bedrag_out_of_range(regie, bedrag):
    line = pgb_line(pgb={"bedrag": bedrag, "basis": "totaal"})
    assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.pgb.bedrag")


def test_pgb_line_with_zin_budget(regie):
    line = pgb_line(budget=1000)
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.budget")
    assert body["invalidParams"][0]["code"] == "niet_bij_pgb"


def test_zin_line_with_pgb_fields(regie):
    line = zin_line(pgb={"bedrag": 1000, "basis": "totaal"})
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(line)), "voorzieningen.0.pgb")
    assert body["invalidParams"][0]["code"] == "niet_bij_zin"


def test_overlapping_pgb_and_zin_for_the_same_product_in_one_aanvraag(regie):
    zin = zin_line(product={"categorie": "01", "code": "01A01"})
    pgb = pgb_line(
        product={"categorie": "01", "code": "01A01"}, omvang={"volume": 3, "eenheid": "04", "frequentie": "2"}
    )
    body = assert_refused(
        regie.post("/api/v1/aanvragen", aanvraag_body(zin, pgb)),
        "voorzieningen.0.leveringsvorm",
        "voorzieningen.1.leveringsvorm",
    )
    assert {p["code"] for p in body["invalidParams"]} == {"OP043"}


def test_overlapping_pgb_with_an_earlier_zin_voorziening_of_the_client(regie):
    first = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(product={"categorie": "01", "code": "01A01"})))
    assert first.status_code == 201
    pgb = pgb_line(
        product={"categorie": "01", "code": "01A01"},
        omvang={"volume": 3, "eenheid": "04", "frequentie": "2"},
        ingangsdatum="2027-06-01",
    )

    response = regie.post("/api/v1/aanvragen", aanvraag_body(pgb))

    assert response.status_code == 400
    assert response.json()["invalidParams"] == [
        {
            "name": "voorzieningen.0.leveringsvorm",
            "code": "OP043",
            "reason": "De client heeft voor hetzelfde product al PGB en ZIN in een overlappende periode.",
        }
    ]
    assert Aanvraag.objects.count() == 1


def test_unknown_fields_at_every_level(regie):
    body = aanvraag_body(zin_line(kleur="rood"), onbekend=1)
    body["client"]["schoenmaat"] = 44
    result = assert_refused(
        regie.post("/api/v1/aanvragen", body), "onbekend", "client.schoenmaat", "voorzieningen.0.kleur"
    )
    assert {p["code"] for p in result["invalidParams"]} == {"unknown_field"}


def test_a_number_or_boolean_where_text_is_wanted_is_refused_at_every_level(regie, backoffice):
    """DRF's CharField turns 1.5 into "1.5"; the fuzzer found `POST /aanvragen/{uuid}/intrekken` with
    `{"reden": 1.5}` accepted. Text is a JSON string, as the document says, everywhere."""
    body = aanvraag_body(zin_line(toelichting=12), regieReferentie=7)
    body["client"]["achternaam"] = True
    result = assert_refused(
        regie.post("/api/v1/aanvragen", body), "regieReferentie", "client.achternaam", "voorzieningen.0.toelichting"
    )
    assert {p["code"] for p in result["invalidParams"]} == {"not_a_string"}
    assert not Aanvraag.objects.exists()

    created = regie.post("/api/v1/aanvragen", aanvraag_body()).json()
    refused = regie.post(f"/api/v1/aanvragen/{created['uuid']}/intrekken", {"reden": 1.5})
    assert refused.status_code == 400
    assert [(p["name"], p["code"]) for p in refused.json()["invalidParams"]] == [("reden", "not_a_string")]
    assert regie.get(f"/api/v1/aanvragen/{created['uuid']}").json()["status"] != "ingetrokken"
    terug = {"aanvraag": created["uuid"], "soort": "niet_verwerkbaar", "toelichting": 0}
    refused = backoffice.post("/api/v1/terugkoppelingen", terug)
    assert refused.status_code == 400
    assert ("toelichting", "not_a_string") in [(p["name"], p["code"]) for p in refused.json()["invalidParams"]]


def test_empty_voorzieningen_list(regie):
    assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body() | {"voorzieningen": []}), "voorzieningen")


def test_every_invalid_field_is_listed_at_once(regie):
    body = aanvraag_body(zin_line(leveringsvorm="XYZ"), wet="ABC")
    body["client"]["geslacht"] = "9"
    result = assert_refused(
        regie.post("/api/v1/aanvragen", body), "wet", "client.geslacht", "voorzieningen.0.leveringsvorm"
    )
    assert len(result["invalidParams"]) == 3


def test_every_rule_violation_is_listed_at_once(regie):
    lines = [zin_line(ingangsdatum="2027-05-01", einddatum="2027-04-30"), zin_line(product={"categorie": "45"})]
    assert_refused(
        regie.post("/api/v1/aanvragen", aanvraag_body(*lines)),
        "voorzieningen.0.einddatum",
        "voorzieningen.1.product.categorie",
    )


def test_arrangement_with_one_line(regie):
    assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), isArrangement=True)), "voorzieningen")


def test_arrangement_product_outside_the_arrangement_categorie(regie):
    body = aanvraag_body(
        zin_line(), zin_line(), isArrangement=True, arrangementProduct={"categorie": "02", "code": "02A01"}
    )
    assert_refused(regie.post("/api/v1/aanvragen", body), "arrangementProduct.categorie")


def test_oversized_body_is_413(regie, settings):
    settings.API_MAX_BODY_BYTES = 2000
    body = aanvraag_body(toelichting="x" * 1900)
    assert_refused(regie.post("/api/v1/aanvragen", body), status=413)


def test_malformed_json(regie):
    body = assert_refused(regie.post("/api/v1/aanvragen", None, raw=b'{"gemeente": "0363",'), "body")
    assert body["code"] == "parse_error"


def test_json_that_is_not_an_object(regie):
    assert_refused(regie.post("/api/v1/aanvragen", [1, 2, 3]), "nonFieldErrors")
