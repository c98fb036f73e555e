"""Fan-out: an event becomes one bericht per party that may see it, and one webhook delivery per
(bericht, abonnement); a rerun creates nothing twice; no BSN anywhere."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core import serializers

from regiekoppeling.berichten.services import berichten_fan_out
from regiekoppeling.models import Aanvraag, Abonnement, Bericht, OutboxItem
from regiekoppeling.outbox import outbox_process
from tests.berichten.conftest import run_berichten
from tests.conftest import BSN_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def partijen(regie, andere_regie, backoffice, vreemde_backoffice):
    return regie, andere_regie, backoffice, vreemde_backoffice


def ontvangers(**filters) -> set[str]:
    return {b.ontvanger.naam for b in Bericht.objects.filter(**filters).select_related("ontvanger")}


def test_regie_and_backoffice_of_the_gemeente_see_the_event(partijen, aanvraag):
    assert run_berichten() == ["done"]

    assert ontvangers() == {"Regie", "Backoffice"}
    bericht = Bericht.objects.get(ontvanger__naam="Backoffice")
    base = settings.API_PUBLIC_URL
    assert bericht.kanaal == "voorzieningen"
    assert bericht.hoofd_object == f"{base}/aanvragen/{aanvraag['uuid']}"
    assert (bericht.resource, bericht.actie, bericht.gebeurtenis) == ("aanvraag", "create", "aanvraag_ontvangen")
    assert bericht.resource_url == f"{base}/aanvragen/{aanvraag['uuid']}"
    assert bericht.kenmerken == {"gemeente": "0363", "wet": "WMO", "status": "ontvangen"}
    assert bericht.aanmaakdatum == OutboxItem.objects.get(handler="bericht").created_at


def test_an_inactive_backoffice_sees_nothing(partijen, aanvraag):
    backoffice = partijen[2]
    backoffice.applicatie.actief = False
    backoffice.applicatie.save()
    run_berichten()
    assert ontvangers() == {"Regie"}


def test_state_changes_point_at_the_voorziening(partijen, regie, aanvraag):
    run_berichten()
    voorziening = aanvraag["voorzieningen"][0]["uuid"]
    assert regie.post(f"/api/v1/voorzieningen/{voorziening}/intrekken", {}).status_code == 200
    run_berichten()

    bericht = Bericht.objects.filter(ontvanger__naam="Regie").last()
    assert bericht.resource_url == f"{settings.API_PUBLIC_URL}/voorzieningen/{voorziening}"
    assert (bericht.gebeurtenis, bericht.actie) == ("voorziening_ingetrokken", "update")
    assert bericht.kenmerken["status"] == "ingetrokken"
    assert ontvangers(gebeurtenis="voorziening_ingetrokken") == {"Regie", "Backoffice"}


def test_no_bsn_in_any_bericht(partijen, aanvraag):
    run_berichten()
    stored = serializers.serialize("json", Bericht.objects.all())
    assert BSN_A not in stored
    assert "bsn" not in stored.lower()


def test_a_rerun_creates_nothing_twice(partijen, regie, backoffice, aanvraag):
    Abonnement.objects.create(applicatie=backoffice.applicatie, callback_url="https://hooks.example.nl/a")
    run_berichten()
    item = OutboxItem.objects.get(handler="bericht")
    before = (Bericht.objects.count(), OutboxItem.objects.filter(handler="webhook").count())
    assert before == (2, 1)

    # As if the worker died after the fan-out committed but before the item was marked done.
    assert berichten_fan_out(item=item) == []
    OutboxItem.objects.filter(pk=item.pk).update(state="pending")
    assert outbox_process(item_id=item.pk) == "done"

    assert (Bericht.objects.count(), OutboxItem.objects.filter(handler="webhook").count()) == before


def test_a_rerun_fills_in_what_is_missing(partijen, aanvraag):
    run_berichten()
    Bericht.objects.filter(ontvanger__naam="Backoffice").delete()
    assert [b.ontvanger.naam for b in berichten_fan_out(item=OutboxItem.objects.get(handler="bericht"))] == [
        "Backoffice"
    ]
    assert ontvangers() == {"Regie", "Backoffice"}


def test_one_webhook_delivery_per_bericht_and_active_abonnement(partijen, regie, andere_regie, backoffice, aanvraag):
    eigen = [
        Abonnement.objects.create(applicatie=regie.applicatie, callback_url=f"https://hooks.example.nl/{n}")
        for n in ("a", "b")
    ]
    bo = Abonnement.objects.create(applicatie=backoffice.applicatie, callback_url="https://bo.example.nl/hook")
    Abonnement.objects.create(applicatie=regie.applicatie, callback_url="https://hooks.example.nl/oud", actief=False)
    Abonnement.objects.create(applicatie=andere_regie.applicatie, callback_url="https://andere.example.nl/hook")

    run_berichten()

    items = OutboxItem.objects.filter(handler="webhook")
    aanvraag_row = Aanvraag.objects.get(uuid=aanvraag["uuid"])
    assert all(item.aanvraag_id == aanvraag_row.pk and item.state == "pending" for item in items)
    pairs = {(item.payload["bericht"], item.payload["abonnement"]) for item in items}
    regie_bericht = str(Bericht.objects.get(ontvanger=regie.applicatie).uuid)
    bo_bericht = str(Bericht.objects.get(ontvanger=backoffice.applicatie).uuid)
    assert pairs == {(regie_bericht, str(a.uuid)) for a in eigen} | {(bo_bericht, str(bo.uuid))}


def test_an_unknown_resource_is_dead_lettered(partijen, aanvraag):
    item = OutboxItem.objects.get(handler="bericht")
    item.payload = {**item.payload, "resource": "onbekend"}
    item.save()
    assert run_berichten() == ["dead"]
    item.refresh_from_db()
    assert "onbekend" in item.last_error
    assert Bericht.objects.count() == 0


def test_bericht_payload_is_json_without_personal_data(partijen, aanvraag):
    payload = OutboxItem.objects.get(handler="bericht").payload
    assert BSN_A not in json.dumps(payload)
