"""S6 and S7: herindicatie signals, and forwarded 315/317 requests with the regie's answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from regiekoppeling.models import Aanvraag, OutboxItem, Signaal, Voorziening
from regiekoppeling.signalen import herindicatie_raise_due
from tests.conftest import BSN_A, aanvraag_body, failing_statements, pgb_line, zin_line

pytestmark = pytest.mark.django_db
EXAMPLES = Path(settings.BASE_DIR).parent / "shared" / "iwmo" / "iwmo-3.2" / "examples"


def granted(regie, backoffice, *lines) -> dict:
    aanvraag = regie.post("/api/v1/aanvragen", aanvraag_body(*lines)).json()
    assert (
        backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"}).status_code
        == 201
    )
    regels = [{"voorziening": v["uuid"], "uitkomst": "toegekend"} for v in aanvraag["voorzieningen"]]
    body = {
        "aanvraag": aanvraag["uuid"],
        "beschikkingnummer": 77,
        "datum": "2026-11-20",
        "ingangsdatum": "2027-01-01",
        "regels": regels,
    }
    assert backoffice.post("/api/v1/beschikkingen", body).status_code == 201
    return aanvraag


def assign(backoffice, voorziening: str, nummer: int) -> None:
    body = {
        "voorziening": voorziening,
        "toewijzingnummer": nummer,
        "aanbieder": "12345678",
        "ingangsdatum": "2027-01-01",
    }
    assert backoffice.post("/api/v1/toewijzingen", body).status_code == 201


class TestHerindicatie:
    def test_a_voorziening_the_backoffice_may_not_see_is_not_found(self, regie, backoffice, vreemde_backoffice):
        aanvraag = granted(regie, backoffice, zin_line())
        line = aanvraag["voorzieningen"][0]["uuid"]
        body = {"soort": "herindicatie", "voorziening": line}

        foreign = vreemde_backoffice.post("/api/v1/signalen", body)
        missing = backoffice.post("/api/v1/signalen", {"soort": "herindicatie"})

        assert (foreign.status_code, foreign.json()["detail"]) == (404, "Voorziening niet gevonden.")
        assert missing.status_code == 400
        assert [p["name"] for p in missing.json()["invalidParams"]] == ["voorziening"]
        assert not Signaal.objects.exists()

    def test_posted_by_the_backoffice_with_what_the_regie_needs(self, regie, backoffice):
        aanvraag = granted(regie, backoffice, zin_line())
        line = aanvraag["voorzieningen"][0]["uuid"]
        assign(backoffice, line, 555)
        response = backoffice.post(
            "/api/v1/signalen", {"soort": "herindicatie", "voorziening": line, "deadline": "2027-11-30"}
        )

        assert response.status_code == 201, response.content
        signaal = regie.get(f"/api/v1/signalen/{response.json()['uuid']}").json()
        assert signaal["soort"] == "herindicatie"
        assert signaal["bron"] == "backoffice"
        assert signaal["deadline"] == "2027-11-30"
        assert signaal["herindicatie"]["beschikkingnummer"] == 77
        assert signaal["herindicatie"]["toewijzingnummer"] == 555
        assert signaal["herindicatie"]["aanbieder"] == "12345678"
        assert signaal["herindicatie"]["einddatum"] == "2027-12-31"
        assert signaal["herindicatie"]["omvang"] == {"volume": 4, "eenheid": "04", "frequentie": "2"}
        assert BSN_A not in str(OutboxItem.objects.filter(handler="bericht").values_list("payload", flat=True))

    def test_raised_once_when_the_einddatum_comes_within_the_lead_time(self, regie, backoffice, settings):
        settings.HERINDICATIE_TERMIJN_DAGEN = 30
        aanvraag = granted(regie, backoffice, zin_line(einddatum="2027-12-31"))
        assign(backoffice, aanvraag["voorzieningen"][0]["uuid"], 1)

        assert herindicatie_raise_due(today=dt.date(2027, 11, 30)) == 0  # 31 days before: not yet
        assert herindicatie_raise_due(today=dt.date(2027, 12, 1)) == 1
        assert herindicatie_raise_due(today=dt.date(2027, 12, 2)) == 0  # once per voorziening
        signaal = Signaal.objects.get()
        assert (signaal.bron, signaal.deadline) == ("termijn", dt.date(2027, 12, 31))

    def test_a_run_that_read_its_candidates_before_another_run_raised_them_adds_nothing(
        self, regie, backoffice, settings, monkeypatch
    ):
        # Two beat runs at once: the second read its candidates before the first committed. It must
        # neither raise a second signal nor run an insert that fails (PostgreSQL logs those with values).

        from regiekoppeling import signalen

        settings.HERINDICATIE_TERMIJN_DAGEN = 30
        aanvraag = granted(regie, backoffice, zin_line(einddatum="2027-12-31"))
        assign(backoffice, aanvraag["voorzieningen"][0]["uuid"], 1)
        stale = list(signalen.herindicatie_candidates(today=dt.date(2027, 12, 1)))
        assert herindicatie_raise_due(today=dt.date(2027, 12, 1)) == 1
        monkeypatch.setattr(signalen, "herindicatie_candidates", lambda today: stale)
        with failing_statements() as failed:
            assert herindicatie_raise_due(today=dt.date(2027, 12, 1)) == 0

        assert failed == []
        assert Signaal.objects.count() == 1

    def test_lead_time_per_gemeente(self, regie, backoffice, gemeente):
        gemeente.herindicatie_termijn_dagen = 90
        gemeente.save()
        aanvraag = granted(regie, backoffice, zin_line(einddatum="2027-12-31"))
        assign(backoffice, aanvraag["voorzieningen"][0]["uuid"], 1)
        assert herindicatie_raise_due(today=dt.date(2027, 10, 5)) == 1

    def test_not_raised_with_a_follow_up_aanvraag(self, regie, backoffice):
        aanvraag = granted(regie, backoffice, zin_line(einddatum="2027-12-31"))
        assign(backoffice, aanvraag["voorzieningen"][0]["uuid"], 1)
        vervolg = regie.post(
            "/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum="2028-01-01", einddatum="2028-12-31"))
        )
        assert vervolg.status_code == 201
        assert herindicatie_raise_due(today=dt.date(2027, 12, 20)) == 0

    def test_not_raised_for_a_line_that_is_not_running(self, regie):
        regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(einddatum="2027-01-31")))
        assert herindicatie_raise_due(today=dt.date(2027, 1, 20)) == 0


def forward_xml(backoffice, xml: bytes):
    import uuid

    headers = backoffice.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    return backoffice.client.generic("POST", "/api/v1/signalen", xml, content_type="application/xml", **headers)


class TestVerzoekOmToewijzing:
    @pytest.fixture
    def example(self, regie, gemeente) -> bytes:
        """The official WMO315 example, addressed to our gemeente and our client."""
        import re

        xml = (EXAMPLES / "WMO315.xml").read_bytes().decode()
        xml = re.sub(r"<(\w+:)?Ontvanger>\d{4}</", lambda m: f"<{m.group(1) or ''}Ontvanger>0363</", xml)
        xml = re.sub(r"<(\w+:)?Bsn>\d{9}</", lambda m: f"<{m.group(1) or ''}Bsn>{BSN_A}</", xml)
        assert regie.post("/api/v1/aanvragen", aanvraag_body(zin_line())).status_code == 201
        return xml.encode()

    def test_xml_becomes_a_signal_for_the_regie(self, regie, backoffice, example):
        response = forward_xml(backoffice, example)

        assert response.status_code == 201, response.content
        signaal = response.json()
        assert signaal["soort"] == "verzoek_om_toewijzing"
        assert signaal["producten"] and all(p["antwoord"] == "" for p in signaal["producten"])
        assert regie.get("/api/v1/signalen").json()["count"] == 1

    def test_regie_answers_per_product_and_the_backoffice_reads_it(self, regie, backoffice, example):
        signaal = forward_xml(backoffice, example).json()
        producten = signaal["producten"]
        antwoorden = [
            {"referentieAanbieder": producten[0]["referentieAanbieder"], "antwoord": "afgewezen", "redenAfwijzing": "2"}
        ]
        response = regie.post(f"/api/v1/signalen/{signaal['uuid']}/antwoord", {"producten": antwoorden})

        assert response.status_code == 200, response.content
        seen = backoffice.get(f"/api/v1/signalen/{signaal['uuid']}").json()
        assert seen["producten"][0]["antwoord"] == "afgewezen"
        assert seen["producten"][0]["redenAfwijzing"] == "2"
        again = regie.post(
            f"/api/v1/signalen/{signaal['uuid']}/antwoord",
            {"producten": [{**antwoorden[0], "antwoord": "in_onderzoek"}]},
        )
        assert again.status_code == 409

    def test_json_form_and_honoured_product_becomes_a_voorziening(self, regie, backoffice, example):
        verzoek = {
            "berichttype": "WMO315",
            "header": {"aanbieder": "42420001", "gemeente": "0363", "identificatie": "AB12", "dagtekening": "2026-11-20"},
            "client": {"bsn": BSN_A, "geboortedatum": "1950-01-01", "geslacht": "2", "naam": {"achternaam": "Jansen"}},
            "producten": [{
                "referentieAanbieder": "REF-42", "product": {"categorie": "02", "code": "02A01"},
                "ingangsdatum": "2028-01-01", "einddatum": "2028-12-31",
                "omvang": {"volume": 2, "eenheid": "04", "frequentie": "2"},
                "verwijzer": {"type": "01", "naam": "Wijkteam"},
            }],
        }  # fmt: skip
        response = backoffice.post("/api/v1/signalen", {"soort": "verzoek_om_toewijzing", "verzoek": verzoek})
        assert response.status_code == 201, response.content
        signaal = response.json()

        answer = regie.post(
            f"/api/v1/signalen/{signaal['uuid']}/antwoord",
            {"producten": [{"referentieAanbieder": "REF-42", "antwoord": "gehonoreerd"}]},
        )

        assert answer.status_code == 200, answer.content
        product = answer.json()["producten"][0]
        assert product["antwoord"] == "gehonoreerd"
        line = Voorziening.objects.get(uuid=product["voorziening"].rsplit("/", 1)[1])
        assert line.referentie_aanbieder == "REF-42"
        assert line.aanbieder == "42420001"
        assert line.aanvraag.indiener == regie.applicatie
        assert Aanvraag.objects.count() == 2

    def test_xsd_violation_lists_the_schema_errors(self, backoffice, example):
        broken = example.replace(b"<", b"<", 1).replace(b"Bsn>", b"Bsnx>", 2)
        response = forward_xml(backoffice, broken)
        assert response.status_code == 400
        assert response.json()["invalidParams"]
        assert Signaal.objects.count() == 0

    def test_xml_bomb_is_refused(self, backoffice, example):
        bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Bericht>&lol2;</Bericht>'
        response = forward_xml(backoffice, bomb)
        assert response.status_code == 400
        assert Signaal.objects.count() == 0

    def test_external_entity_is_refused(self, backoffice, example):
        xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Bericht>&e;</Bericht>'
        response = forward_xml(backoffice, xxe)
        assert response.status_code == 400
        assert "root:" not in response.content.decode()

    def test_over_25_mb_is_413(self, backoffice, settings):
        settings.IWMO_MAX_BYTES = 1000
        response = forward_xml(backoffice, b"<Bericht>" + b"x" * 2000 + b"</Bericht>")
        assert response.status_code == 413

    def test_unknown_client_is_400(self, backoffice, example):
        other = example.replace(BSN_A.encode(), b"999990019")
        response = forward_xml(backoffice, other)
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "client.bsn"

    def test_impossible_date_is_400(self, backoffice, example):
        import re

        broken = re.sub(
            rb"<(\w+:)?ToewijzingIngangsdatum>[^<]*<", rb"<\1ToewijzingIngangsdatum>2027-02-30<", example, count=1
        )
        response = forward_xml(backoffice, broken)
        assert response.status_code == 400


class TestEndOfGrant:
    def test_pgb_and_assigned_zin_end_after_their_einddatum(self, regie, backoffice):
        from regiekoppeling.lifecycle.changes import voorzieningen_end_due

        aanvraag = granted(regie, backoffice, zin_line(einddatum="2027-12-31"), pgb_line(einddatum="2027-06-30"))
        zin, pgb = (v["uuid"] for v in aanvraag["voorzieningen"])
        assign(backoffice, zin, 9)

        assert voorzieningen_end_due(today=dt.date(2027, 6, 30)) == 0
        assert voorzieningen_end_due(today=dt.date(2027, 7, 1)) == 1
        assert Voorziening.objects.get(uuid=pgb).status == "beeindigd"
        assert Voorziening.objects.get(uuid=zin).status == "toegewezen"
        assert voorzieningen_end_due(today=dt.date(2028, 1, 1)) == 1
        assert Voorziening.objects.get(uuid=zin).status == "beeindigd"
        assert Aanvraag.objects.get(uuid=aanvraag["uuid"]).status == "beeindigd"
        assert (
            OutboxItem.objects.filter(handler="zaak_status", payload__gebeurtenis="voorziening_beeindigd").count() == 2
        )

    def test_a_granted_zin_line_without_toewijzing_is_left_alone(self, regie, backoffice):
        from regiekoppeling.lifecycle.changes import voorzieningen_end_due

        granted(regie, backoffice, zin_line(einddatum="2027-03-31"))
        assert voorzieningen_end_due(today=dt.date(2027, 5, 1)) == 0


def test_extension_without_change_keeps_the_voorziening_and_gets_its_own_herindicatie(regie, backoffice, settings):
    settings.HERINDICATIE_TERMIJN_DAGEN = 30
    aanvraag = granted(regie, backoffice, zin_line(einddatum="2027-12-31"))
    line = aanvraag["voorzieningen"][0]["uuid"]
    assign(backoffice, line, 31)
    assert herindicatie_raise_due(today=dt.date(2027, 12, 10)) == 1

    # The backoffice extends the toewijzing (reden wijziging 04): same voorziening, new einddatum.
    body = {"voorziening": line, "toewijzingnummer": 32, "aanbieder": "12345678", "ingangsdatum": "2028-01-01",
            "einddatum": "2028-12-31", "redenWijziging": "04"}  # fmt: skip
    assert backoffice.post("/api/v1/toewijzingen", body).status_code == 201
    voorziening = Voorziening.objects.get(uuid=line)
    assert (voorziening.status, voorziening.einddatum) == ("toegewezen", dt.date(2028, 12, 31))

    assert herindicatie_raise_due(today=dt.date(2027, 12, 20)) == 0
    assert herindicatie_raise_due(today=dt.date(2028, 12, 10)) == 1
    deadlines = list(Signaal.objects.order_by("deadline").values_list("deadline", flat=True))
    assert deadlines == [dt.date(2027, 12, 31), dt.date(2028, 12, 31)]


def forward_xml_named(backoffice, xml: bytes, naam: str):
    import uuid

    headers = backoffice.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    return backoffice.client.generic(
        "POST", f"/api/v1/signalen?aanbiederNaam={naam}", xml, content_type="application/xml", **headers
    )


class TestWhoAsksAndWhatToAnswer:
    """S7: the regie sees the aanbieder and the message; the backoffice reads what to send back."""

    example = TestVerzoekOmToewijzing.example

    def test_signal_shows_aanbieder_and_message_identity(self, regie, backoffice, example):
        response = forward_xml_named(backoffice, example, "Zorg%20Thuis%20BV")

        assert response.status_code == 201, response.content
        seen = regie.get(f"/api/v1/signalen/{response.json()['uuid']}").json()
        assert seen["bericht"] == {
            "berichttype": "WMO315",
            "identificatie": "123456789012",
            "dagtekening": "2023-07-15",
            "aanbieder": {"agbCode": "42420001", "naam": "Zorg Thuis BV"},
        }
        assert all(p["antwoordAanAanbieder"] is None for p in seen["producten"])
        (item,) = OutboxItem.objects.filter(handler="bericht", payload__resource="signaal")
        assert item.payload["kenmerken"] == {"gemeente": "0363", "wet": "WMO", "soort": "verzoek_om_toewijzing",
                                             "aanbieder": "42420001"}  # fmt: skip

    def test_name_is_optional_and_bounded(self, backoffice, example):
        without = forward_xml(backoffice, example)
        assert without.json()["bericht"]["aanbieder"] == {"agbCode": "42420001", "naam": ""}
        too_long = forward_xml_named(backoffice, example, "x" * 201)
        assert too_long.status_code == 400
        assert [p["name"] for p in too_long.json()["invalidParams"]] == ["aanbiederNaam"]
        assert Signaal.objects.count() == 1

    def test_herindicatie_has_no_message_and_no_aanbieder_name(self, regie, backoffice):
        aanvraag = granted(regie, backoffice, zin_line())
        line = aanvraag["voorzieningen"][0]["uuid"]
        named = backoffice.post(
            "/api/v1/signalen", {"soort": "herindicatie", "voorziening": line, "aanbiederNaam": "X"}
        )
        assert named.status_code == 400
        assert [p["name"] for p in named.json()["invalidParams"]] == ["aanbiederNaam"]
        assert not Signaal.objects.exists()
        signaal = backoffice.post("/api/v1/signalen", {"soort": "herindicatie", "voorziening": line}).json()
        assert signaal["bericht"] is None

    def test_answer_per_product_is_what_the_backoffice_sends_the_aanbieder(self, regie, backoffice, example):
        signaal = forward_xml_named(backoffice, example, "Zorg Thuis BV").json()
        first, second = (p["referentieAanbieder"] for p in signaal["producten"])
        answered = regie.post(
            f"/api/v1/signalen/{signaal['uuid']}/antwoord",
            {"producten": [{"referentieAanbieder": first, "antwoord": "afgewezen", "redenAfwijzing": "3"},
                           {"referentieAanbieder": second, "antwoord": "in_onderzoek"}]},
        )  # fmt: skip

        assert answered.status_code == 200, answered.content
        seen = backoffice.get(f"/api/v1/signalen/{signaal['uuid']}").json()
        assert [p["antwoordAanAanbieder"] for p in seen["producten"]] == [
            {"soort": "afgewezen", "bericht": "319", "referentieAanbieder": first, "verzoekAntwoord": "1",
             "redenAfwijzing": "3", "toewijzingnummer": None, "voorzieningStatus": None},
            {"soort": "in_onderzoek", "bericht": "319", "referentieAanbieder": second, "verzoekAntwoord": "2",
             "redenAfwijzing": None, "toewijzingnummer": None, "voorzieningStatus": None},
        ]  # fmt: skip

    def test_honoured_product_answers_with_the_toewijzingnummer_once_assigned(self, regie, backoffice, example):
        signaal = forward_xml(backoffice, example.replace(b">ABCDE<", b">01A01<")).json()
        first = signaal["producten"][0]["referentieAanbieder"]
        url = f"/api/v1/signalen/{signaal['uuid']}"
        honoured = regie.post(
            f"{url}/antwoord", {"producten": [{"referentieAanbieder": first, "antwoord": "gehonoreerd"}]}
        )
        assert honoured.status_code == 200, honoured.content

        waiting = backoffice.get(url).json()["producten"][0]["antwoordAanAanbieder"]
        assert (waiting["soort"], waiting["bericht"], waiting["voorzieningStatus"]) == (
            "wacht_op_toewijzing", None, "ontvangen"
        )  # fmt: skip
        line = Voorziening.objects.get(referentie_aanbieder=first)
        # The honoured 315 keeps its verwijzer (type 04 with a name in the official example).
        assert (line.verwijzer_type, line.verwijzer_naam) == ("04", "Verwijzer Naam")
        aanvraag = str(line.aanvraag.uuid)
        backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": aanvraag, "soort": "verwerkbaar"})
        body = {"aanvraag": aanvraag, "beschikkingnummer": 78, "datum": "2026-11-20", "ingangsdatum": "2023-06-01",
                "regels": [{"voorziening": str(line.uuid), "uitkomst": "toegekend"}]}  # fmt: skip
        assert backoffice.post("/api/v1/beschikkingen", body).status_code == 201
        assert backoffice.post("/api/v1/toewijzingen", {"voorziening": str(line.uuid), "toewijzingnummer": 4711,
                               "aanbieder": "42420001", "ingangsdatum": "2023-06-01"}).status_code == 201  # fmt: skip

        answer = backoffice.get(url).json()["producten"][0]["antwoordAanAanbieder"]
        assert answer == {"soort": "toegewezen", "bericht": "301", "referentieAanbieder": first,
                          "verzoekAntwoord": None, "redenAfwijzing": None, "toewijzingnummer": 4711,
                          "voorzieningStatus": "toegewezen"}  # fmt: skip


def test_herindicatie_of_a_pgb_shows_the_granted_pgb(regie, backoffice):
    aanvraag = regie.post("/api/v1/aanvragen", aanvraag_body(pgb_line())).json()
    line = aanvraag["voorzieningen"][0]["uuid"]
    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"})
    pgb = {"bedrag": 900000, "basis": "per_jaar", "ingangsdatum": "2027-01-01", "einddatum": "2027-12-31"}
    body = {"aanvraag": aanvraag["uuid"], "beschikkingnummer": 79, "datum": "2026-11-20", "ingangsdatum": "2027-01-01",
            "regels": [{"voorziening": line, "uitkomst": "gedeeltelijk_toegekend", "pgb": pgb}]}  # fmt: skip
    assert backoffice.post("/api/v1/beschikkingen", body).status_code == 201

    signaal = backoffice.post("/api/v1/signalen", {"soort": "herindicatie", "voorziening": line}).json()

    assert signaal["herindicatie"]["pgb"] == {**pgb, "tariefreferentie": ""}
    assert signaal["herindicatie"]["omvang"] is None
    assert "pgbBedrag" not in signaal["herindicatie"]
