"""S5 continued: toewijzing of granted ZIN voorzieningen, start and stop of delivery."""

from __future__ import annotations

import pytest

from regiekoppeling.models import Toewijzing, Voorziening
from tests.conftest import aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(regie, backoffice) -> dict:
    aanvraag = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line())).json()
    assert (
        backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"}).status_code
        == 201
    )
    regels = [{"voorziening": v["uuid"], "uitkomst": "toegekend"} for v in aanvraag["voorzieningen"]]
    body = {
        "aanvraag": aanvraag["uuid"],
        "beschikkingnummer": 1,
        "datum": "2026-11-20",
        "ingangsdatum": "2027-01-01",
        "regels": regels,
    }
    assert backoffice.post("/api/v1/beschikkingen", body).status_code == 201
    return aanvraag


def assign(api, voorziening: str, nummer: int = 123456789, **extra):
    body = {
        "voorziening": voorziening,
        "toewijzingnummer": nummer,
        "aanbieder": "12345678",
        "ingangsdatum": "2027-01-01",
        "einddatum": "2027-12-31",
        **extra,
    }
    return api.post("/api/v1/toewijzingen", body)


def status_of(uuid: str) -> str:
    return Voorziening.objects.get(uuid=uuid).status


def test_assign_start_stop(backoffice, regie, granted):
    zin = granted["voorzieningen"][0]["uuid"]
    response = assign(backoffice, zin)

    assert response.status_code == 201, response.content
    toewijzing = response.json()
    assert toewijzing["toewijzingnummer"] == 123456789
    assert toewijzing["aanbieder"] == "12345678"
    assert status_of(zin) == "toegewezen"
    assert regie.get(f"/api/v1/toewijzingen/{toewijzing['uuid']}").status_code == 200

    started = backoffice.post(f"/api/v1/toewijzingen/{toewijzing['uuid']}/start", {"datum": "2027-01-05"})
    assert started.status_code == 200, started.content
    assert started.json()["startDatum"] == "2027-01-05"
    assert status_of(zin) == "in_levering"

    stopped = backoffice.post(
        f"/api/v1/toewijzingen/{toewijzing['uuid']}/stop", {"datum": "2027-06-30", "redenBeeindiging": "19"}
    )
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["redenBeeindiging"] == "19"
    assert status_of(zin) == "beeindigd"


def test_reden_beeindiging_differs_per_wet(backoffice, granted):
    toewijzing = assign(backoffice, granted["voorzieningen"][0]["uuid"]).json()
    # 32 exists only in the Jeugdwet list: refused for this Wmo voorziening.
    response = backoffice.post(
        f"/api/v1/toewijzingen/{toewijzing['uuid']}/stop", {"datum": "2027-06-30", "redenBeeindiging": "32"}
    )
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "redenBeeindiging"
    assert status_of(granted["voorzieningen"][0]["uuid"]) == "toegewezen"


def test_pgb_is_not_assigned(backoffice, granted):
    response = assign(backoffice, granted["voorzieningen"][1]["uuid"])
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "voorziening"
    assert Toewijzing.objects.count() == 0


def test_toewijzingnummer_unique_in_the_gemeente(backoffice, regie, granted):
    assert assign(backoffice, granted["voorzieningen"][0]["uuid"]).status_code == 201
    other = regie.post(
        "/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum="2028-01-01", einddatum="2028-06-30"))
    ).json()
    # The other voorziening is not granted, but the number check names itself regardless.
    response = assign(backoffice, other["voorzieningen"][0]["uuid"])
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["code"] == "9332"


@pytest.mark.parametrize("nummer", [-1, 1_000_000_000, "12"])
def test_toewijzingnummer_range(backoffice, granted, nummer):
    response = assign(backoffice, granted["voorzieningen"][0]["uuid"], nummer=nummer)
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "toewijzingnummer"


def test_second_toewijzing_is_a_wijziging_with_reden(backoffice, granted):
    zin = granted["voorzieningen"][0]["uuid"]
    assert assign(backoffice, zin).status_code == 201
    without = assign(backoffice, zin, nummer=2)
    assert without.status_code == 400
    assert without.json()["invalidParams"][0]["name"] == "redenWijziging"
    with_reden = assign(backoffice, zin, nummer=2, redenWijziging="04")
    assert with_reden.status_code == 201
    assert status_of(zin) == "toegewezen"
    assert Toewijzing.objects.count() == 2


def test_not_yet_granted_is_409(backoffice, regie):
    aanvraag = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line())).json()
    response = assign(backoffice, aanvraag["voorzieningen"][0]["uuid"])
    assert response.status_code == 409
    assert response.json()["huidigeStatus"] == "ontvangen"


def test_foreign_gemeente_is_404(vreemde_backoffice, granted):
    assert assign(vreemde_backoffice, granted["voorzieningen"][0]["uuid"]).status_code == 404


def test_regie_may_not_assign(regie, granted):
    assert assign(regie, granted["voorzieningen"][0]["uuid"]).status_code == 403
