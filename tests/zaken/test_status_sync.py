"""A status set in the Zaken API by another system flows back into the voorziening (poll with ETag)."""

from __future__ import annotations

import datetime as dt

import pytest

from regiekoppeling.models import Aanvraag, Voorziening
from tests.conftest import aanvraag_body, zin_line
from tests.zaken.conftest import run_outbox
from zaken.sync import zaakstatus_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(regie, zgw) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    return aanvraag


def test_status_set_elsewhere_reaches_the_voorziening(registered, reader, sandbox):
    zaak = reader.zaken()[0]
    statustypen = reader.json("/catalogi/api/v1/statustypen", zaaktype=zaak["zaaktype"])["results"]
    in_behandeling = next(t for t in statustypen if t["omschrijving"] == "In behandeling")
    ontvangen = reader.json(zaak["status"])  # set by the registration
    # The status with the latest datumStatusGezet is the current one. One microsecond after Ontvangen is
    # later than it, and already past (the Zaken API refuses a datumStatusGezet in the future).
    gezet = dt.datetime.fromisoformat(ontvangen["datumStatusGezet"]) + dt.timedelta(microseconds=1)
    created = reader.post(
        "/zaken/api/v1/statussen",
        json={"zaak": zaak["url"], "statustype": in_behandeling["url"], "datumStatusGezet": gezet.isoformat()},
    )
    assert created.status_code == 201, created.text

    assert zaakstatus_sync() == 1

    line = Voorziening.objects.get(aanvraag=registered)
    assert line.zaakstatus == "In behandeling"
    assert line.zaakstatus_gezet_op == gezet


def test_unchanged_zaak_costs_one_304(registered, sandbox):
    assert zaakstatus_sync() == 0  # first poll learns the ETag
    sandbox.clear_requests()

    assert zaakstatus_sync() == 0

    assert [(r["method"], r["status"]) for r in sandbox.requests] == [("GET", 304)]
    assert Voorziening.objects.get(aanvraag=registered).zaakstatus == "Ontvangen"


def test_unavailable_zaken_api_postpones(registered, sandbox):
    sandbox.add_fault("/zaken/api/v1/zaken/*", "503", method="GET")
    assert zaakstatus_sync() == 0
    assert Voorziening.objects.get(aanvraag=registered).zaakstatus == "Ontvangen"
