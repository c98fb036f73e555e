"""What an aanvraag carries besides the lines: budgethouder, wettelijk vertegenwoordiger and
contactpersoon, and a verwijzer per line that follows the iWmo/iJw 3.2 rules (CD066-CD068)."""

from __future__ import annotations

import pytest

from regiekoppeling.models import Aanvraag, Voorziening
from tests.conftest import BSN_A, BSN_B, aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db

JW_LINE = {"product": {"categorie": "45", "code": "45A01"}}


def budgethouder(**extra) -> dict:
    return {"rol": "budgethouder", "soortRelatie": "14", "bsn": BSN_B, "naam": {"achternaam": "de Vries"}, **extra}


def vertegenwoordiger(**extra) -> dict:
    return {"rol": "wettelijk_vertegenwoordiger", "soortRelatie": "11", "vertegenwoordiging": "06",
            "naam": {"voornamen": "Els", "achternaam": "Bakker"}, "telefoon": "0612345678", **extra}  # fmt: skip


def refused(response, *expected: tuple[str, str]) -> None:
    assert response.status_code == 400, response.content
    assert sorted((p["name"], p["code"]) for p in response.json()["invalidParams"]) == sorted(expected)
    assert Aanvraag.objects.count() == 0 and Voorziening.objects.count() == 0


class TestBetrokkenen:
    def test_pgb_with_budgethouder_and_vertegenwoordiger_round_trips(self, regie, backoffice):
        contact = {"rol": "contactpersoon", "soortRelatie": "16", "naam": {"achternaam": "Jansen"},
                   "email": "zoon@example.nl"}  # fmt: skip
        body = aanvraag_body(pgb_line(), betrokkenen=[budgethouder(), vertegenwoordiger(soortRelatie="14",
                             vertegenwoordiging="07"), contact])  # fmt: skip
        response = regie.post("/api/v1/aanvragen", body)

        assert response.status_code == 201, response.content
        shown = backoffice.get(f"/api/v1/aanvragen/{response.json()['uuid']}").json()
        assert shown["betrokkenen"] == [
            budgethouder(),
            vertegenwoordiger(soortRelatie="14", vertegenwoordiging="07"),
            contact,
        ]

    def test_none_is_an_empty_list(self, regie):
        assert regie.post("/api/v1/aanvragen", aanvraag_body()).json()["betrokkenen"] == []

    def test_jeugdwet_ouder_as_wettelijk_vertegenwoordiger(self, regie):
        line = zin_line(**JW_LINE, verwijzer={"type": "01"})
        ouder = vertegenwoordiger(soortRelatie="10", vertegenwoordiging="06")
        response = regie.post("/api/v1/aanvragen", aanvraag_body(line, wet="JW", betrokkenen=[ouder]))
        assert response.status_code == 201, response.content

    @pytest.mark.parametrize(
        ("betrokkenen", "lines", "expected"),
        [
            ([budgethouder()], [zin_line()], [("betrokkenen.0.rol", "zonder_pgb")]),
            ([budgethouder(bsn=BSN_A)], [pgb_line()], [("betrokkenen.0.bsn", "is_client")]),
            ([{k: v for k, v in budgethouder().items() if k != "bsn"}], [pgb_line()],
             [("betrokkenen.0.bsn", "required")]),
            ([budgethouder(bsn="999993654")], [pgb_line()], [("betrokkenen.0.bsn", "invalid_bsn")]),
            ([budgethouder(), budgethouder()], [pgb_line()], [("betrokkenen.1.rol", "dubbel")]),
            ([vertegenwoordiger(vertegenwoordiging=None)], [zin_line()],
             [("betrokkenen.0.vertegenwoordiging", "null")]),
            ([{k: v for k, v in vertegenwoordiger().items() if k != "vertegenwoordiging"}], [zin_line()],
             [("betrokkenen.0.vertegenwoordiging", "required")]),
            ([vertegenwoordiger(soortRelatie="19")], [zin_line()], [("betrokkenen.0.soortRelatie", "relatie_bij_rol")]),
            ([vertegenwoordiger(vertegenwoordiging="05")], [zin_line()],
             [("betrokkenen.0.vertegenwoordiging", "invalid_choice")]),
            ([budgethouder(vertegenwoordiging="07")], [pgb_line()],
             [("betrokkenen.0.vertegenwoordiging", "niet_bij_rol")]),
            ([budgethouder(soortRelatie="02")], [pgb_line()], [("betrokkenen.0.soortRelatie", "invalid_choice")]),
            ([vertegenwoordiger(telefoon="+31612345678")], [zin_line()], [("betrokkenen.0.telefoon", "invalid")]),
            ([vertegenwoordiger(naam={})], [zin_line()], [("betrokkenen.0.naam.achternaam", "required")]),
            ([vertegenwoordiger(adres="Dam 1")], [zin_line()], [("betrokkenen.0.adres", "unknown_field")]),
            ([vertegenwoordiger()] * 4, [zin_line()], [("betrokkenen", "max_length")]),
        ],
    )  # fmt: skip
    def test_refusals_name_the_field_and_store_nothing(self, regie, betrokkenen, lines, expected):
        refused(regie.post("/api/v1/aanvragen", aanvraag_body(*lines, betrokkenen=betrokkenen)), *expected)

    def test_jeugdwet_vertegenwoordiger_is_ouder_or_voogd(self, regie):
        line = zin_line(**JW_LINE, verwijzer={"type": "01"})
        bewindvoerder = vertegenwoordiger(soortRelatie="14", vertegenwoordiging="07")
        response = regie.post("/api/v1/aanvragen", aanvraag_body(line, wet="JW", betrokkenen=[bewindvoerder]))
        refused(response, ("betrokkenen.0.soortRelatie", "relatie_bij_rol"))
        assert "10 Ouder, 11 Voogd" in response.json()["invalidParams"][0]["reason"]


class TestVerwijzer:
    @pytest.mark.parametrize(
        "verwijzer",
        [
            {"type": "02", "zorgverlenerscode": "01234567"},
            {"type": "03", "naam": "Dr. Visser"},
            {"type": "04", "naam": "GI Amsterdam"},
            {"type": "05", "zorgverlenerscode": "12345678", "naam": ""},
            {"type": "01"},
            {"type": "06"},
            {"type": "08", "naam": "Rechtbank Amsterdam"},
        ],
    )
    def test_valid_verwijzers(self, regie, verwijzer):
        response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(**JW_LINE, verwijzer=verwijzer), wet="JW"))
        assert response.status_code == 201, response.content

    @pytest.mark.parametrize(
        ("verwijzer", "expected"),
        [
            ({"type": "02"}, ("voorzieningen.0.verwijzer.zorgverlenerscode", "CD067")),
            ({"type": "04", "naam": "GI", "zorgverlenerscode": "01234567"}, ("voorzieningen.0.verwijzer.naam", "CD066")),
            ({"type": "01", "zorgverlenerscode": "01234567"}, ("voorzieningen.0.verwijzer.zorgverlenerscode", "CD068")),
            ({"type": "06", "zorgverlenerscode": "01234567"}, ("voorzieningen.0.verwijzer.zorgverlenerscode", "CD068")),
            ({"type": "07"}, ("voorzieningen.0.verwijzer.type", "invalid_choice")),
            ({"type": "02", "zorgverlenerscode": "1234567"}, ("voorzieningen.0.verwijzer.zorgverlenerscode", "invalid")),
        ],
    )  # fmt: skip
    def test_rules_of_the_standard(self, regie, verwijzer, expected):
        refused(regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(**JW_LINE, verwijzer=verwijzer), wet="JW")),
                expected)  # fmt: skip

    def test_the_rules_hold_for_the_wmo_too(self, regie):
        response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(verwijzer={"type": "02"})))
        assert response.status_code == 400, response.content
        refused(response, ("voorzieningen.0.verwijzer.zorgverlenerscode", "CD067"))

    def test_jeugdwet_line_needs_a_verwijzer(self, regie):
        lines = [zin_line(**JW_LINE, verwijzer={"type": "01"}), zin_line(**JW_LINE, ingangsdatum="2028-01-01",
                 einddatum="2028-06-30")]  # fmt: skip
        response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines, wet="JW"))
        assert response.status_code == 400, response.content
        refused(response, ("voorzieningen.1.verwijzer", "required"))

    def test_wmo_line_may_go_without(self, regie):
        assert regie.post("/api/v1/aanvragen", aanvraag_body(zin_line())).status_code == 201


class TestGeboortedatumGebruik:
    """COD170 with CS139: only the known part of the geboortedatum, the rest 01 (unknown: 1900-01-01)."""

    @pytest.mark.parametrize(
        ("datum", "gebruik"),
        [("1950-03-17", None), ("1950-03-17", ""), ("1950-03-01", "1"), ("1950-01-01", "2"), ("1900-01-01", "3")],
    )
    def test_consistent_dates_are_taken_and_shown(self, regie, datum, gebruik):
        client = {"bsn": BSN_A, "geboortedatum": datum, "geslacht": "1", "achternaam": "Jansen"}
        if gebruik is not None:
            client["geboortedatumGebruik"] = gebruik
        response = regie.post("/api/v1/aanvragen", aanvraag_body(client=client))

        assert response.status_code == 201, response.content
        shown = response.json()["client"]
        assert (shown["geboortedatum"], shown["geboortedatumGebruik"]) == (datum, gebruik or "")

    @pytest.mark.parametrize(
        ("datum", "gebruik", "expected"),
        [
            ("1950-03-17", "1", ("client.geboortedatum", "CS139")),
            ("1950-03-01", "2", ("client.geboortedatum", "CS139")),
            ("1950-01-01", "3", ("client.geboortedatum", "CS139")),
            ("1950-01-01", "4", ("client.geboortedatumGebruik", "invalid_choice")),
        ],
    )
    def test_inconsistent_dates_are_refused(self, regie, datum, gebruik, expected):
        client = {"bsn": BSN_A, "geboortedatum": datum, "geboortedatumGebruik": gebruik, "geslacht": "1",
                  "achternaam": "Jansen"}  # fmt: skip
        refused(regie.post("/api/v1/aanvragen", aanvraag_body(client=client)), expected)
