"""Issue 12, item 1: one strict input layer. Cases a fuzzer found: each is a 400 problem+json naming
the field as the client sent it, and nothing is stored."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from regiekoppeling.models import Beschikking, IdempotencyRecord, Signaal
from tests.api.test_bad_input import assert_refused, client_with
from tests.conftest import BSN_A, aanvraag_body, zin_line

pytestmark = pytest.mark.django_db


def codes(body: dict) -> dict[str, str]:
    return {p["name"]: p["code"] for p in body["invalidParams"]}


def raw_post(api, path: str, text: str):
    return api.post(path, None, raw=text.encode())


VERZOEK = {
    "berichttype": "WMO315",
    "header": {"aanbieder": "42420001", "gemeente": "0363", "identificatie": "AB12", "dagtekening": "2026-11-20"},
    "client": {"bsn": BSN_A, "geboortedatum": "1950-01-01", "geslacht": "2", "naam": {"achternaam": "Jansen"}},
    "producten": [
        {
            "referentieAanbieder": "REF-42",
            "product": {"categorie": "02", "code": "02A01"},
            "ingangsdatum": "2028-01-01",
            "einddatum": "2028-12-31",
            "omvang": {"volume": 2, "eenheid": "04", "frequentie": "2"},
            "verwijzer": {"type": "01", "naam": "Wijkteam"},
        }
    ],
}


def verzoek_body(**client: str) -> dict:
    verzoek = json.loads(json.dumps(VERZOEK))
    verzoek["client"]["naam"].update(client)
    return {"soort": "verzoek_om_toewijzing", "verzoek": verzoek}


# --- the JSON itself ------------------------------------------------------------------------------


class TestStrictJson:
    def test_nul_in_the_free_form_verzoek(self, backoffice):
        body = assert_refused(backoffice.post("/api/v1/signalen", verzoek_body(achternaam="Jan\u0000sen")))
        assert codes(body) == {"verzoek.client.naam.achternaam": "nul_character"}
        assert body["code"] == "invalid"
        assert not Signaal.objects.exists()

    def test_nul_in_a_key_of_the_verzoek(self, backoffice):
        body = verzoek_body()
        body["verzoek"]["client"]["naam"]["x\u0000"] = "y"
        result = assert_refused(backoffice.post("/api/v1/signalen", body))
        assert codes(result) == {"verzoek.client.naam.x\u0000": "nul_character"}
        assert not Signaal.objects.exists()

    def test_nul_in_a_list_item(self, backoffice):
        body = verzoek_body()
        body["verzoek"]["producten"][0]["referentieAanbieder"] = "\u0000"
        result = assert_refused(backoffice.post("/api/v1/signalen", body))
        assert codes(result) == {"verzoek.producten.0.referentieAanbieder": "nul_character"}

    def test_nul_in_an_aanvraag(self, regie):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(achternaam="\u0000"))))
        assert codes(body) == {"client.achternaam": "nul_character"}

    @pytest.mark.parametrize("depth", [33, 5000, 100_000])
    def test_nesting_deeper_than_the_limit(self, backoffice, depth):
        text = '{"soort": "verzoek_om_toewijzing", "verzoek": {"x": ' + "[" * depth + "]" * depth + "}}"
        body = assert_refused(raw_post(backoffice, "/api/v1/signalen", text), "body")
        assert codes(body) == {"body": "too_deep"}
        assert not Signaal.objects.exists()

    def test_nesting_up_to_the_limit_is_parsed(self, backoffice):
        # 32 levels: the body, the verzoek, and 30 more; the verzoek's own rules refuse the content.
        text = '{"soort": "verzoek_om_toewijzing", "verzoek": {"x": ' + "[" * 30 + "]" * 30 + "}}"
        response = raw_post(backoffice, "/api/v1/signalen", text)
        assert response.status_code == 400
        assert "too_deep" not in codes(response.json()).values()

    def test_brackets_inside_strings_do_not_count(self, regie):
        response = regie.post("/api/v1/aanvragen", aanvraag_body(toelichting="[" * 100 + '{"\\'))
        assert response.status_code == 201, response.content

    def test_duplicate_key(self, regie):
        text = json.dumps(aanvraag_body(wet="WMO"))
        text = text.replace('"wet": "WMO"', '"wet": "JW", "wet": "WMO"')
        body = assert_refused(raw_post(regie, "/api/v1/aanvragen", text))
        assert codes(body) == {"wet": "duplicate_key"}

    def test_duplicate_key_in_a_nested_object(self, regie):
        text = json.dumps(aanvraag_body()).replace('"geslacht": "2"', '"geslacht": "1", "geslacht": "2"')
        body = assert_refused(raw_post(regie, "/api/v1/aanvragen", text))
        assert codes(body) == {"client.geslacht": "duplicate_key"}

    def test_duplicate_key_in_a_list_item(self, backoffice):
        text = json.dumps(verzoek_body()).replace(
            '"referentieAanbieder": "REF-42"', '"referentieAanbieder": "A", "referentieAanbieder": "B"'
        )
        body = assert_refused(raw_post(backoffice, "/api/v1/signalen", text))
        assert codes(body) == {"verzoek.producten.0.referentieAanbieder": "duplicate_key"}

    def test_camel_and_snake_spelling_of_one_field(self, regie):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(regie_referentie="A")))
        assert codes(body) == {"regie_referentie": "duplicate_key"}

    def test_every_problem_at_once(self, backoffice):
        body = verzoek_body(achternaam="\u0000")
        text = json.dumps(body).replace('"soort": ', '"soort": "herindicatie", "soort": ')
        result = assert_refused(raw_post(backoffice, "/api/v1/signalen", text))
        assert codes(result) == {"soort": "duplicate_key", "verzoek.client.naam.achternaam": "nul_character"}

    def test_malformed_json_is_still_a_parse_error(self, regie):
        body = assert_refused(raw_post(regie, "/api/v1/aanvragen", '{"a": '), "body")
        assert body["code"] == "parse_error"

    def test_not_utf8(self, regie):
        response = regie.post("/api/v1/aanvragen", None, raw=b'{"a": "\xff"}')
        assert_refused(response, "body")

    def test_intrekken_uses_the_strict_parser_too(self, regie):
        aanvraag = regie.post("/api/v1/aanvragen", aanvraag_body()).json()
        response = raw_post(regie, f"/api/v1/aanvragen/{aanvraag['uuid']}/intrekken", '{"reden": "a", "reden": "b"}')
        assert response.status_code == 400
        assert codes(response.json()) == {"reden": "duplicate_key"}


# --- BSN --------------------------------------------------------------------------------------------


class TestStrictBsn:
    def test_full_width_digits(self, regie):
        wide = "".join(chr(ord(c) + 0xFEE0) for c in BSN_A)  # full-width digits, U+FF10..U+FF19
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(bsn=wide))))
        assert codes(body) == {"client.bsn": "invalid_bsn"}

    def test_json_number(self, regie):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(bsn=int(BSN_A)))))
        assert codes(body) == {"client.bsn": "invalid"}

    def test_surrounding_whitespace(self, regie):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(bsn=f" {BSN_A}"))))
        assert codes(body) == {"client.bsn": "invalid_bsn"}


# --- dates ------------------------------------------------------------------------------------------


class TestStrictDates:
    @pytest.mark.parametrize(
        "value", ["20270101", "2027-1-1", "2027-01-01T00:00:00", "2027-W01-1", "\uff12\uff10\uff12\uff17-01-01"]
    )
    def test_only_yyyy_mm_dd(self, regie, value):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum=value))))
        assert codes(body) == {"voorzieningen.0.ingangsdatum": "invalid"}
        assert "JJJJ-MM-DD" in body["invalidParams"][0]["reason"]

    @pytest.mark.parametrize("value", [20270101, True, None])
    def test_not_a_string(self, regie, value):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum=value))))
        assert set(codes(body)) == {"voorzieningen.0.ingangsdatum"}

    def test_impossible_date(self, regie):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum="2027-02-30"))))
        assert codes(body) == {"voorzieningen.0.ingangsdatum": "invalid"}

    @pytest.mark.parametrize(
        ("field", "value", "code"),
        [("ingangsdatum", "0001-01-01", "min_value"), ("einddatum", "9999-12-31", "max_value")],
    )
    def test_year_1_and_year_9999(self, regie, field, value, code):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(**{field: value}))))
        assert codes(body) == {f"voorzieningen.0.{field}": code}

    @pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
    def test_geboortedatum_range(self, regie, value):
        body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(geboortedatum=value))))
        assert set(codes(body)) == {"client.geboortedatum"}

    def test_geboortedatum_in_the_future(self, regie):
        tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
        body = assert_refused(
            regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(geboortedatum=tomorrow)))
        )
        assert codes(body) == {"client.geboortedatum": "max_value"}

    def test_geboortedatum_today_is_fine(self, regie):
        today = timezone.localdate().isoformat()
        response = regie.post("/api/v1/aanvragen", aanvraag_body(client=client_with(geboortedatum=today)))
        assert response.status_code == 201, response.content

    def test_beschikking_datum_in_the_future(self, regie, backoffice):
        aanvraag = regie.post("/api/v1/aanvragen", aanvraag_body()).json()
        feedback = {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"}
        assert backoffice.post("/api/v1/terugkoppelingen", feedback).status_code == 201
        records = IdempotencyRecord.objects.count()
        body = {
            "aanvraag": aanvraag["uuid"],
            "beschikkingnummer": 77,
            "datum": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "ingangsdatum": "2027-01-01",
            "regels": [{"voorziening": aanvraag["voorzieningen"][0]["uuid"], "uitkomst": "toegekend"}],
        }

        response = backoffice.post("/api/v1/beschikkingen", body)

        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert codes(response.json()) == {"datum": "max_value"}
        assert not Beschikking.objects.exists()
        assert IdempotencyRecord.objects.count() == records

    def test_herindicatie_deadline_format(self, backoffice):
        body = {"soort": "herindicatie", "voorziening": str(uuid.uuid4()), "deadline": "2027-1-1"}
        result = assert_refused(backoffice.post("/api/v1/signalen", body))
        assert codes(result) == {"deadline": "invalid"}


# --- query parameters -------------------------------------------------------------------------------


class TestStrictQueryDatetimes:
    @pytest.mark.parametrize("path", ["/api/v1/aanvragen", "/api/v1/voorzieningen"])
    @pytest.mark.parametrize("name", ["gewijzigdVanaf", "aangemaaktVanaf"])
    @pytest.mark.parametrize(
        "value", ["2026-01-01T00:00:00+25:00", "2026-01-01T00:00:00+16:00", "2026-01-01T00:00:00-23:59"]
    )
    def test_offset_out_of_range(self, regie, path, name, value):
        response = regie.get(path, **{name: value})
        body = assert_refused(response)
        assert codes(body) == {name: "invalid"}

    @pytest.mark.parametrize(
        "value",
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-01-01",
            "2026-01-01T00:00:00 01:00",  # an unencoded + became a space
            "2026-01-01T25:00:00Z",
            "\uff12\uff10\uff12\uff16-01-01T00:00:00Z",
            "2026-01-01T00:00",  # RFC 3339, the document's date-time: seconds and an offset
            "2026-01-01T00:00:00",
        ],
    )
    def test_other_bad_datetimes(self, regie, value):
        body = assert_refused(regie.get("/api/v1/aanvragen", gewijzigdVanaf=value))
        assert codes(body) == {"gewijzigdVanaf": "invalid"}

    @pytest.mark.parametrize(
        ("path", "name"),
        [
            ("/api/v1/aanvragen", "gewijzigdVanaf"),
            ("/api/v1/aanvragen", "gemeente"),
            ("/api/v1/voorzieningen", "regieReferentie"),
            ("/api/v1/documenten", "aanvraag"),
            ("/api/v1/berichten", "cursor"),
        ],
    )
    def test_a_parameter_given_empty_is_refused_not_ignored(self, regie, path, name):
        body = assert_refused(regie.get(path, **{name: ""}))
        assert codes(body) == {name: "blank"}

    @pytest.mark.parametrize(
        "value",
        ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+15:59", "2026-01-01T00:00:00.123456-15:59"],
    )
    def test_valid_datetimes(self, regie, value):
        response = regie.get("/api/v1/aanvragen", gewijzigdVanaf=value)
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("value", [0, 12.5, ["Zorg BV"]])
def test_text_of_a_signaal_is_a_json_string(backoffice, value):
    # Found by the fuzzer once it reached the 315 path: DRF's CharField took 0 as "0".
    response = backoffice.post("/api/v1/signalen", {"soort": "verzoek_om_toewijzing", "aanbiederNaam": value})
    assert response.status_code == 400
    assert "aanbiederNaam" in [p["name"] for p in response.json()["invalidParams"]]


@pytest.mark.parametrize("value", [False, 0, 7])
def test_a_uuid_is_a_json_string(backoffice, value):
    # Found by the fuzzer: DRF's UUIDField reads an integer, and so `false`, as uuid 0.
    response = backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": value, "soort": "verwerkbaar"})
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["aanvraag"]
