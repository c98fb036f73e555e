"""S3-S5: the backoffice reads aanvragen and answers with terugkoppelingen and beschikkingen."""

from __future__ import annotations

import uuid as uuidlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regiekoppeling.lifecycle.states import aanvraag_status_from_lines
from regiekoppeling.models import Aanvraag, Beschikking, OutboxItem, Terugkoppeling, Voorziening
from tests.conftest import aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def aanvraag(regie) -> dict:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line()))
    assert response.status_code == 201
    return response.json()


def feedback(api, aanvraag: dict, soort: str, **extra):
    return api.post("/api/v1/terugkoppelingen", {"aanvraag": aanvraag["uuid"], "soort": soort, **extra})


def statuses(aanvraag: dict) -> tuple[str, list[str]]:
    stored = Aanvraag.objects.get(uuid=aanvraag["uuid"])
    return stored.status, list(stored.voorzieningen.order_by("volgnummer").values_list("status", flat=True))


class TestTechnicalFeedback:
    def test_verwerkbaar_moves_everything_in_behandeling(self, backoffice, regie, aanvraag):
        response = feedback(backoffice, aanvraag, "verwerkbaar")

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["soort"] == "verwerkbaar"
        assert body["aanvraag"] == aanvraag["url"]
        assert sorted(body["voorzieningen"]) == sorted(v["url"] for v in aanvraag["voorzieningen"])
        assert statuses(aanvraag) == ("in_behandeling", ["in_behandeling", "in_behandeling"])
        # The regie sees the feedback and the new states.
        assert regie.get("/api/v1/terugkoppelingen").json()["results"][0]["uuid"] == body["uuid"]
        assert regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").json()["status"] == "in_behandeling"
        soorten = list(OutboxItem.objects.filter(aanvraag__uuid=aanvraag["uuid"]).values_list("handler", flat=True))
        assert soorten.count("bericht") == 2 and soorten.count("zaak_status") == 1

    def test_niet_verwerkbaar_with_errors(self, backoffice, aanvraag):
        fouten = [{"code": "9019", "pad": "voorzieningen.0.product", "tekst": "Product onbekend in de backoffice"}]
        response = feedback(backoffice, aanvraag, "niet_verwerkbaar", fouten=fouten)

        assert response.status_code == 201, response.content
        assert response.json()["fouten"] == fouten
        assert statuses(aanvraag) == ("niet_verwerkbaar", ["niet_verwerkbaar", "niet_verwerkbaar"])

    @pytest.mark.parametrize("soort", ["verwerkbaar", "niet_verwerkbaar"])
    def test_technical_feedback_about_some_lines_is_refused_not_ignored(self, backoffice, aanvraag, soort):
        fouten = [{"code": "9019", "tekst": "Product onbekend"}] if soort == "niet_verwerkbaar" else []
        one = [aanvraag["voorzieningen"][0]["uuid"]]
        response = feedback(backoffice, aanvraag, soort, voorzieningen=one, **({"fouten": fouten} if fouten else {}))

        assert response.status_code == 400, response.content
        assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [("voorzieningen", "not_allowed")]
        assert statuses(aanvraag) == ("ontvangen", ["ontvangen", "ontvangen"])
        assert not Terugkoppeling.objects.exists()

    def test_niet_verwerkbaar_without_errors_is_400(self, backoffice, aanvraag):
        response = feedback(backoffice, aanvraag, "niet_verwerkbaar")
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "fouten"
        assert Terugkoppeling.objects.count() == 0
        assert statuses(aanvraag) == ("ontvangen", ["ontvangen", "ontvangen"])

    def test_twice_is_409_with_the_current_state(self, backoffice, aanvraag):
        feedback(backoffice, aanvraag, "verwerkbaar")
        again = feedback(backoffice, aanvraag, "niet_verwerkbaar", fouten=[{"code": "0001", "tekst": "x"}])
        assert again.status_code == 409
        assert again.json()["huidigeStatus"] == "in_behandeling"
        assert Terugkoppeling.objects.count() == 1


class TestFunctionalFeedback:
    def test_afgewezen_with_reden_for_one_line(self, backoffice, aanvraag):
        feedback(backoffice, aanvraag, "verwerkbaar")
        pgb = aanvraag["voorzieningen"][1]["uuid"]
        response = feedback(
            backoffice,
            aanvraag,
            "afgewezen",
            voorzieningen=[pgb],
            redenAfwijzing="2",
            toelichting="Past niet binnen budget",
        )

        assert response.status_code == 201, response.content
        assert response.json()["redenAfwijzing"] == "2"
        assert statuses(aanvraag) == ("in_behandeling", ["in_behandeling", "afgewezen"])

    def test_local_reden_code(self, backoffice, aanvraag):
        feedback(backoffice, aanvraag, "verwerkbaar")
        assert feedback(backoffice, aanvraag, "afgewezen", redenAfwijzing="GEEN-IND").status_code == 201
        assert statuses(aanvraag) == ("afgewezen", ["afgewezen", "afgewezen"])

    @pytest.mark.parametrize("reden", [None, "0", "10", "x"])
    def test_afgewezen_needs_a_valid_reden(self, backoffice, aanvraag, reden):
        feedback(backoffice, aanvraag, "verwerkbaar")
        extra = {} if reden is None else {"redenAfwijzing": reden}
        response = feedback(backoffice, aanvraag, "afgewezen", **extra)
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "redenAfwijzing"

    def test_in_onderzoek(self, backoffice, aanvraag):
        feedback(backoffice, aanvraag, "verwerkbaar")
        assert feedback(backoffice, aanvraag, "in_onderzoek").status_code == 201
        assert statuses(aanvraag) == ("in_onderzoek", ["in_onderzoek", "in_onderzoek"])

    def test_afwijzen_before_verwerkbaar_is_409(self, backoffice, aanvraag):
        response = feedback(backoffice, aanvraag, "afgewezen", redenAfwijzing="3")
        assert response.status_code == 409
        assert response.json()["huidigeStatus"] == "ontvangen"

    def test_line_of_another_aanvraag_is_400(self, backoffice, regie, aanvraag):
        other = regie.post(
            "/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum="2028-01-01", einddatum="2028-06-30"))
        )
        feedback(backoffice, aanvraag, "verwerkbaar")
        foreign_line = other.json()["voorzieningen"][0]["uuid"]
        response = feedback(backoffice, aanvraag, "in_onderzoek", voorzieningen=[foreign_line])
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "voorzieningen.0"


class TestAccess:
    def test_foreign_gemeente_is_404(self, vreemde_backoffice, aanvraag):
        response = feedback(vreemde_backoffice, aanvraag, "verwerkbaar")
        assert response.status_code == 404
        assert Terugkoppeling.objects.count() == 0

    def test_regie_may_not_give_feedback(self, regie, aanvraag):
        assert feedback(regie, aanvraag, "verwerkbaar").status_code == 403

    def test_other_regie_does_not_see_it(self, backoffice, andere_regie, aanvraag):
        feedback(backoffice, aanvraag, "verwerkbaar")
        assert andere_regie.get("/api/v1/terugkoppelingen").json()["count"] == 0


def beschik(api, aanvraag: dict, regels: list[dict], **extra):
    body = {
        "aanvraag": aanvraag["uuid"],
        "beschikkingnummer": 202600123,
        "datum": "2026-11-20",
        "ingangsdatum": "2027-01-01",
        "vervaldatum": "2027-12-31",
        "regels": regels,
        **extra,
    }
    return api.post("/api/v1/beschikkingen", body)


class TestBeschikking:
    @pytest.fixture
    def in_behandeling(self, backoffice, aanvraag) -> dict:
        assert feedback(backoffice, aanvraag, "verwerkbaar").status_code == 201
        return aanvraag

    def test_one_beschikking_for_several_voorzieningen(self, backoffice, regie, in_behandeling):
        zin, pgb = (v["uuid"] for v in in_behandeling["voorzieningen"])
        regels = [
            {"voorziening": zin, "uitkomst": "toegekend", "omvang": {"volume": 3, "eenheid": "04", "frequentie": "2"},
             "ingangsdatum": "2027-01-01", "einddatum": "2027-12-31"},
            {"voorziening": pgb, "uitkomst": "gedeeltelijk_toegekend",
             "pgb": {"bedrag": 100000, "basis": "per_jaar", "ingangsdatum": "2027-02-01"}},
        ]  # fmt: skip
        response = beschik(backoffice, in_behandeling, regels)

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["beschikkingnummer"] == 202600123
        assert [r["uitkomst"] for r in body["regels"]] == ["toegekend", "gedeeltelijk_toegekend"]
        # Granted in the shapes of the aanvraag: nested omvang, one pgb shape (period defaults to the grant's).
        assert body["regels"][0]["omvang"] == {"volume": 3, "eenheid": "04", "frequentie": "2"}
        assert body["regels"][0]["pgb"] is None
        assert body["regels"][1]["pgb"] == {
            "bedrag": 100000, "basis": "per_jaar", "ingangsdatum": "2027-02-01", "einddatum": "2027-12-31",
            "tariefreferentie": "",
        }  # fmt: skip
        assert body["regels"][1]["omvang"] is None
        assert statuses(in_behandeling) == ("gedeeltelijk_toegekend", ["toegekend", "gedeeltelijk_toegekend"])
        assert regie.get(f"/api/v1/beschikkingen/{body['uuid']}").status_code == 200
        soorten = OutboxItem.objects.filter(aanvraag__uuid=in_behandeling["uuid"]).values_list("handler", flat=True)
        assert "besluit" in soorten

    def test_letter_is_a_document_of_the_aanvraag(self, backoffice, in_behandeling):
        letter = backoffice.client.post(
            "/api/v1/documenten",
            {"aanvraag": in_behandeling["uuid"], "titel": "Beschikkingsbrief",
             "bestand": SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")},
            format="multipart",
            **backoffice.headers(HTTP_IDEMPOTENCY_KEY=str(uuidlib.uuid4())),
        ).json()  # fmt: skip
        regels = [
            {"voorziening": v["uuid"], "uitkomst": "afgewezen", "reden": "Geen indicatie"}
            for v in in_behandeling["voorzieningen"]
        ]
        response = beschik(backoffice, in_behandeling, regels, brief=letter["uuid"])

        assert response.status_code == 201, response.content
        assert response.json()["brief"] == letter["url"]
        assert statuses(in_behandeling) == ("afgewezen", ["afgewezen", "afgewezen"])

    @pytest.mark.parametrize("nummer", [-1, 1_000_000_000, 12.5, "123"])
    def test_beschikkingnummer_out_of_range(self, backoffice, in_behandeling, nummer):
        regels = [{"voorziening": in_behandeling["voorzieningen"][0]["uuid"], "uitkomst": "toegekend"}]
        response = beschik(backoffice, in_behandeling, regels, beschikkingnummer=nummer)
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "beschikkingnummer"
        assert Beschikking.objects.count() == 0

    def test_line_of_another_aanvraag_is_400(self, backoffice, regie, in_behandeling):
        other = regie.post(
            "/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum="2028-01-01", einddatum="2028-06-30"))
        ).json()
        regels = [{"voorziening": other["voorzieningen"][0]["uuid"], "uitkomst": "toegekend"}]
        response = beschik(backoffice, in_behandeling, regels)
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "regels.0.voorziening"
        assert Beschikking.objects.count() == 0

    def test_wrong_state_is_409(self, backoffice, aanvraag):
        regels = [{"voorziening": aanvraag["voorzieningen"][0]["uuid"], "uitkomst": "toegekend"}]
        response = beschik(backoffice, aanvraag, regels)  # still "ontvangen"
        assert response.status_code == 409
        assert response.json()["huidigeStatus"] == "ontvangen"
        assert Beschikking.objects.count() == 0
        assert Voorziening.objects.filter(status="toegekend").count() == 0

    def test_afgewezen_line_grants_nothing(self, backoffice, in_behandeling):
        regels = [{"voorziening": in_behandeling["voorzieningen"][1]["uuid"], "uitkomst": "afgewezen",
                   "pgb": {"bedrag": 5, "basis": "totaal"}}]  # fmt: skip
        response = beschik(backoffice, in_behandeling, regels)
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "regels.0.pgb"

    def test_foreign_gemeente_is_404(self, vreemde_backoffice, in_behandeling):
        regels = [{"voorziening": in_behandeling["voorzieningen"][0]["uuid"], "uitkomst": "toegekend"}]
        assert beschik(vreemde_backoffice, in_behandeling, regels).status_code == 404


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["in_behandeling", "in_behandeling"], "in_behandeling"),
        (["in_behandeling", "afgewezen"], "in_behandeling"),
        (["in_onderzoek", "in_behandeling"], "in_onderzoek"),
        (["toegekend", "afgewezen"], "gedeeltelijk_toegekend"),
        (["afgewezen", "ingetrokken"], "afgewezen"),
        (["ingetrokken", "ingetrokken"], "ingetrokken"),
    ],
)
def test_aanvraag_status_follows_its_lines(lines, expected):
    assert aanvraag_status_from_lines(lines) == expected


class TestGrantedPgb:
    """S5: what the backoffice granted for a PGB, in the shape it was asked in (the TKB needs it)."""

    @pytest.fixture
    def in_behandeling(self, backoffice, aanvraag) -> dict:
        assert feedback(backoffice, aanvraag, "verwerkbaar").status_code == 201
        return aanvraag

    def regels(self, aanvraag: dict, **pgb_regel) -> list[dict]:
        zin, pgb = (v["uuid"] for v in aanvraag["voorzieningen"])
        return [{"voorziening": zin, "uitkomst": "toegekend"}, {"voorziening": pgb, **pgb_regel}]

    def test_toegekend_without_pgb_grants_the_asked_pgb(self, backoffice, regie, in_behandeling):
        response = beschik(backoffice, in_behandeling, self.regels(in_behandeling, uitkomst="toegekend"))

        assert response.status_code == 201, response.content
        granted = response.json()["regels"][1]["pgb"]
        assert granted == {"bedrag": 125000, "basis": "per_maand", "ingangsdatum": "2027-01-01",
                           "einddatum": "2027-12-31", "tariefreferentie": ""}  # fmt: skip
        # The regie reads the same on the beschikking.
        shown = regie.get(f"/api/v1/beschikkingen/{response.json()['uuid']}").json()
        assert shown["regels"][1]["pgb"] == granted

    @pytest.mark.parametrize(
        ("regel", "name", "code"),
        [
            ({"uitkomst": "gedeeltelijk_toegekend"}, "regels.1.pgb", "required"),
            ({"uitkomst": "toegekend", "pgb": {"bedrag": 1, "basis": "per_dag"}}, "regels.1.pgb.basis",
             "invalid_choice"),
            ({"uitkomst": "toegekend", "pgb": {"bedrag": 1, "basis": "totaal", "ingangsdatum": "2026-12-31"}},
             "regels.1.pgb.ingangsdatum", "buiten_periode"),
            ({"uitkomst": "toegekend", "einddatum": "2027-06-30",
              "pgb": {"bedrag": 1, "basis": "totaal", "einddatum": "2027-07-01"}},
             "regels.1.pgb.einddatum", "buiten_periode"),
            ({"uitkomst": "toegekend", "budget": 100}, "regels.1.budget", "niet_bij_pgb"),
        ],
    )  # fmt: skip
    def test_refusals_name_the_field_and_store_nothing(self, backoffice, in_behandeling, regel, name, code):
        response = beschik(backoffice, in_behandeling, self.regels(in_behandeling, **regel))

        assert response.status_code == 400, response.content
        assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [(name, code)]
        assert Beschikking.objects.count() == 0
        assert statuses(in_behandeling)[1] == ["in_behandeling", "in_behandeling"]

    def test_zin_line_gets_no_pgb(self, backoffice, in_behandeling):
        zin = in_behandeling["voorzieningen"][0]["uuid"]
        regels = [{"voorziening": zin, "uitkomst": "toegekend", "pgb": {"bedrag": 1, "basis": "totaal"}}]
        response = beschik(backoffice, in_behandeling, regels)
        assert response.status_code == 400
        assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [("regels.0.pgb", "niet_bij_zin")]
        assert Beschikking.objects.count() == 0


class TestRetourcodes:
    """S3: niet verwerkbaar names its errors with retourcodes of the iWmo/iJw 3.2 code list (WJ001)."""

    @pytest.mark.parametrize("code", ["0001", "9019", "S329", "9332"])
    def test_codes_of_the_list_are_taken(self, backoffice, aanvraag, code):
        response = feedback(backoffice, aanvraag, "niet_verwerkbaar", fouten=[{"code": code, "tekst": "x"}])
        assert response.status_code == 201, response.content

    @pytest.mark.parametrize("code", ["9999", "0002", "s329", "X1"])
    def test_unknown_code_is_400_naming_it_and_nothing_stored(self, backoffice, aanvraag, code):
        fouten = [{"code": "0001", "tekst": "ok"}, {"code": code, "tekst": "onbekend"}]
        response = feedback(backoffice, aanvraag, "niet_verwerkbaar", fouten=fouten)

        assert response.status_code == 400
        assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [
            ("fouten.1.code", "onbekende_retourcode")
        ]
        assert Terugkoppeling.objects.count() == 0
        assert statuses(aanvraag) == ("ontvangen", ["ontvangen", "ontvangen"])

    def test_code_longer_than_the_list_allows_is_400(self, backoffice, aanvraag):
        response = feedback(backoffice, aanvraag, "niet_verwerkbaar", fouten=[{"code": "00001", "tekst": "x"}])
        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "fouten.0.code"
