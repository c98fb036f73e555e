"""The reconciliation round catches what notifications missed, at one list call per page of open zaken."""

from __future__ import annotations

import pytest

from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Aanvraag, Voorziening
from tests.conftest import aanvraag_body, zin_line
from tests.zaken.conftest import run_outbox
from tests.zaken.test_notificaties import set_status
from zaken.models import Toestand, Zaak
from zaken.reconcile import zaken_reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(regie, zgw) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), zin_line(ingangsdatum="2027-02-01")))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    return aanvraag


def calls(sandbox) -> list[tuple[str, str]]:
    return [(r["method"], r["path"].rstrip("/").split("/api/v1/")[-1].split("/")[0]) for r in sandbox.requests]


def test_notifications_down_an_hour_the_round_catches_up(registered, reader, sandbox):
    first, second = Voorziening.objects.filter(aanvraag=registered).order_by("volgnummer")
    # Statuses set while no notification reached us.
    status = set_status(reader, first.zaak_url, "In behandeling")
    sandbox.clear_requests()

    result = zaken_reconcile()

    assert (result.listed, result.changed, result.missing) == (2, 1, 0)
    # One list call for both open zaken (status embedded), no call per zaak.
    assert calls(sandbox) == [("GET", "zaken")]
    assert {("expand", "status"), ("einddatum__isnull", "true")} <= set(sandbox.requests[0]["query"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.zaakstatus) == (Status.IN_BEHANDELING, "In behandeling")
    assert (second.status, second.zaakstatus) == (Status.ONTVANGEN, "Ontvangen")
    zaak = Zaak.objects.get(url=first.zaak_url)
    assert (zaak.sync_bron, zaak.huidige_status_url) == ("reconciliatie", status["url"])

    sandbox.clear_requests()
    assert zaken_reconcile().changed == 0  # nothing new: again one call, nothing written
    assert calls(sandbox) == [("GET", "zaken")]


def test_a_zaak_deleted_while_nobody_listened(registered, reader, sandbox):
    first = Voorziening.objects.filter(aanvraag=registered).order_by("volgnummer").first()
    assert first is not None
    assert reader.delete(first.zaak_url).status_code == 204
    sandbox.clear_requests()

    result = zaken_reconcile()

    assert (result.listed, result.changed, result.missing) == (1, 1, 1)
    assert calls(sandbox) == [("GET", "zaken"), ("GET", "zaken")]  # the list, then the missing zaak (404)
    first.refresh_from_db()
    assert first.zaak_toestand == "verwijderd"
    assert Zaak.objects.get(url=first.zaak_url).toestand == Toestand.VERWIJDERD
    sandbox.clear_requests()
    zaken_reconcile()
    assert calls(sandbox) == [("GET", "zaken")]  # a deleted zaak is not read again


def test_an_unavailable_zaken_api_postpones(registered, sandbox):
    sandbox.add_fault("/zaken/api/v1/zaken", "503", method="GET")
    result = zaken_reconcile()
    assert (result.postponed, result.missing) == (1, 0)  # nothing counts as missing from a failed listing
    assert set(Voorziening.objects.filter(aanvraag=registered).values_list("zaakstatus", flat=True)) == {"Ontvangen"}


def test_a_zaak_we_closed_ourselves_is_read_once_then_left_alone(registered, regie, sandbox):
    first, _second = Voorziening.objects.filter(aanvraag=registered).order_by("volgnummer")
    response = regie.post(f"/api/v1/voorzieningen/{first.uuid}/intrekken", {"reden": "verhuisd"})
    assert response.status_code == 200, response.content
    assert run_outbox(registered, "zaak_status") == ["done"]  # resultaat and end status: the zaak is closed
    sandbox.clear_requests()

    result = zaken_reconcile()

    assert (result.listed, result.changed, result.missing) == (1, 0, 1)
    assert calls(sandbox) == [("GET", "zaken"), ("GET", "zaken")]  # the list, then the closed zaak once
    assert Zaak.objects.get(url=first.zaak_url).toestand == Toestand.AFGESLOTEN
    first.refresh_from_db()
    assert first.zaak_toestand == "afgesloten"
    sandbox.clear_requests()
    assert zaken_reconcile().missing == 0
    assert calls(sandbox) == [("GET", "zaken")]
