"""Notifications of the Zaken API (through its Notificaties API) move the voorzieningen and tell the parties.

The messages are the sandbox's own (shaped like Open Zaak's), taken from its notification log and
delivered to our callback as the Notificaties API would; the outbox items are run by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from regiekoppeling.crypto import decrypt_secret
from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Aanvraag, OutboxItem, Voorziening
from regiekoppeling.outbox import outbox_process
from tests.conftest import aanvraag_body, zin_line
from tests.zaken.conftest import CLIENT_ID, SECRET, run_outbox
from zaken.abonnement import abonnement_configure
from zaken.demo import zgw_configure
from zaken.models import NotificatieAbonnement, SyncProbleem, Toestand, Zaak, ZaakNotificatie

pytestmark = pytest.mark.django_db
CALLBACK = "/api/v1/zgw-notificaties"
Uitkomst = ZaakNotificatie.Uitkomst


@pytest.fixture
def abonnement(zgw, sandbox) -> Iterator[NotificatieAbonnement]:
    # Nobody listens at this address: the sandbox logs each message it tries to send, and the test
    # delivers it (so the order of delivery is the test's).
    sandbox.set_notification_callback("http://127.0.0.1:9/niemand")
    yield abonnement_configure(
        config=zgw,
        notificaties_url=sandbox.base_url + "/notificaties/api/v1/",
        client_id=CLIENT_ID,
        secret=SECRET,
        callback_url="http://testserver" + CALLBACK,
    )
    sandbox.set_notification_callback(None)


@pytest.fixture
def registered(regie, abonnement) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    return aanvraag


def messages(sandbox, resource: str | None = None) -> list[dict[str, Any]]:
    sent = [entry["message"] for entry in sandbox.flush_notifications()]
    sandbox.notifier.clear()
    return [m for m in sent if resource is None or m["resource"] == resource]


def deliver(abonnement: NotificatieAbonnement, message: dict[str, Any], token: str | None = None) -> Any:
    token = token if token is not None else decrypt_secret(abonnement.token_encrypted)
    return APIClient().post(CALLBACK, message, format="json", HTTP_AUTHORIZATION=f"Token {token}")


def process() -> list[str | None]:
    """Run the due notification items (also those handed over to a zaak's lane meanwhile)."""
    states: list[tuple[int, str | None]] = []
    while True:
        due = OutboxItem.objects.filter(
            handler="zaak_notificatie", state=OutboxItem.State.PENDING, next_attempt_at__lte=timezone.now()
        ).order_by("id")
        ids = [pk for pk in due.values_list("pk", flat=True) if pk not in {s[0] for s in states}]
        if not ids:
            return [s[1] for s in states]
        states += [(pk, outbox_process(item_id=pk)) for pk in ids]


def set_status(reader, zaak_url: str, omschrijving: str) -> dict[str, Any]:
    """Another system sets a status on the zaak, just after the current one."""
    zaak = reader.json(zaak_url)
    types = reader.json("/catalogi/api/v1/statustypen", zaaktype=zaak["zaaktype"])["results"]
    wanted = next(t for t in types if t["omschrijving"] == omschrijving)
    current = reader.json(zaak["status"])
    gezet = dt.datetime.fromisoformat(current["datumStatusGezet"]) + dt.timedelta(microseconds=1)
    created = reader.post(
        "/zaken/api/v1/statussen",
        json={"zaak": zaak_url, "statustype": wanted["url"], "datumStatusGezet": gezet.isoformat()},
    )
    assert created.status_code == 201, created.text
    return created.json()


def berichten(gebeurtenis: str) -> list[OutboxItem]:
    return [
        i
        for i in OutboxItem.objects.filter(handler="bericht").order_by("id")
        if i.payload["gebeurtenis"] == gebeurtenis
    ]


def test_a_status_set_elsewhere_moves_the_voorziening_and_tells_the_parties(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)  # those of the registration
    before = line.gewijzigd_op
    status = set_status(reader, line.zaak_url, "In behandeling")
    [message] = messages(sandbox, "status")
    assert message["resourceUrl"] == status["url"] and message["hoofdObject"] == line.zaak_url

    response = deliver(abonnement, message)
    assert response.status_code == 204
    sandbox.clear_requests()
    assert process() == ["done"]

    line.refresh_from_db()
    assert (line.status, line.zaakstatus, line.zaak_toestand) == (Status.IN_BEHANDELING, "In behandeling", "open")
    assert line.gewijzigd_op > before
    registered.refresh_from_db()
    assert registered.status == Status.IN_BEHANDELING
    # One call per change: the status (its statustype is in the cached catalogue).
    assert [(r["method"], r["path"].split("/")[-2]) for r in sandbox.requests] == [("GET", "statussen")]
    [bericht] = berichten("zaak_status")
    assert bericht.payload["uuid"] == str(line.uuid)
    assert bericht.payload["kenmerken"] == {
        "gemeente": "0363",
        "wet": "WMO",
        "status": "in_behandeling",
        "zaakStatus": "In behandeling",
        "zaakToestand": "open",
    }
    # Nothing goes back to the zaak: it has this status already.
    assert not OutboxItem.objects.filter(handler="zaak_status").exists()
    zaak = Zaak.objects.get(url=line.zaak_url)
    assert zaak.sync_bron == "notificatie" and zaak.sync_vertraging is not None and zaak.sync_probleem == ""
    assert ZaakNotificatie.objects.get().uitkomst == Uitkomst.VERWERKT


def test_our_own_status_is_not_echoed(registered, abonnement, sandbox):
    own = messages(sandbox, "status")
    assert len(own) == 1  # the initial status the registration set
    sandbox.clear_requests()
    assert deliver(abonnement, own[0]).status_code == 204
    assert process() == ["done"]
    assert ZaakNotificatie.objects.get().uitkomst == Uitkomst.BEKEND
    assert sandbox.requests == []  # known by its URL: no call
    assert berichten("zaak_status") == []


def test_the_same_notification_three_times_is_stored_and_applied_once(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In behandeling")
    [message] = messages(sandbox, "status")
    assert [deliver(abonnement, message).status_code for _ in range(3)] == [204, 204, 204]
    assert ZaakNotificatie.objects.count() == 1
    assert process() == ["done"]
    assert len(berichten("zaak_status")) == 1


def test_a_wrong_token_is_401_and_nothing_is_stored(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In behandeling")
    [message] = messages(sandbox, "status")
    items = OutboxItem.objects.count()
    for token in ["verkeerd", ""]:
        response = deliver(abonnement, message, token=token)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
    response = APIClient().post(CALLBACK, message, format="json")
    assert response.status_code == 401
    assert ZaakNotificatie.objects.count() == 0 and OutboxItem.objects.count() == items


def test_a_bad_message_is_400_naming_the_field(registered, abonnement, sandbox):
    [message] = messages(sandbox, "status")
    bad = {**message, "aanmaakdatum": "gisteren", "resourceUrl": "https://elders.example/statussen/1"}
    del bad["actie"]
    response = deliver(abonnement, bad)
    assert response.status_code == 400
    names = {p["name"] for p in response.json()["invalidParams"]}
    assert names == {"aanmaakdatum", "actie"}
    # A URL of another server is never read with our credentials.
    response = deliver(abonnement, {**message, "resourceUrl": "https://elders.example/statussen/1"})
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["resourceUrl"]
    assert ZaakNotificatie.objects.count() == 0


def test_the_test_kanaal_is_answered_and_not_stored(abonnement):
    message = {
        "kanaal": "test",
        "hoofdObject": "https://example.com",
        "resource": "test",
        "resourceUrl": "https://example.com",
        "actie": "test",
        "aanmaakdatum": "2026-11-30T10:00:00Z",
        "kenmerken": {},
    }
    assert deliver(abonnement, message).status_code == 204
    assert ZaakNotificatie.objects.count() == 0


def test_an_unknown_zaak_waits_then_is_set_aside(registered, abonnement, sandbox, settings):
    [message] = messages(sandbox, "status")
    unknown = {**message, "hoofdObject": message["hoofdObject"][:-36] + "00000000-0000-4000-8000-000000000000"}
    assert deliver(abonnement, unknown).status_code == 204
    assert process() == ["pending"]  # perhaps our registration has not stored it yet
    OutboxItem.objects.filter(handler="zaak_notificatie").update(next_attempt_at=timezone.now())
    settings.ZGW_NOTIFICATIE_WACHT_SECONDS = 0
    assert process() == ["done"]
    assert ZaakNotificatie.objects.get().uitkomst == Uitkomst.ONBEKEND


def test_a_notification_before_the_registration_finished_waits_for_it(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In behandeling")
    [message] = messages(sandbox, "status")
    zaak_url = line.zaak_url
    Zaak.objects.filter(url=zaak_url).update(url="")  # as if the registration had not stored it yet
    assert deliver(abonnement, message).status_code == 204
    assert process() == ["pending"]

    Zaak.objects.filter(aanvraag=registered).update(url=zaak_url)
    OutboxItem.objects.filter(handler="zaak_notificatie").update(next_attempt_at=timezone.now())
    # Continued in the lane of the zaak's aanvraag (behind the registration), then applied.
    assert process() == ["done", "done"]
    assert OutboxItem.objects.filter(handler="zaak_notificatie", lane=f"zaak:{registered.pk}").count() == 1
    line.refresh_from_db()
    assert line.status == Status.IN_BEHANDELING


def test_a_failing_status_fetch_is_retried(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In behandeling")
    [message] = messages(sandbox, "status")
    deliver(abonnement, message)
    sandbox.add_fault("/zaken/api/v1/statussen/*", "503", method="GET")
    assert process() == ["pending"]
    assert Voorziening.objects.get(pk=line.pk).status == Status.ONTVANGEN
    OutboxItem.objects.filter(handler="zaak_notificatie").update(next_attempt_at=timezone.now())
    assert process() == ["done"]
    assert Voorziening.objects.get(pk=line.pk).status == Status.IN_BEHANDELING


def test_a_transition_the_lifecycle_does_not_allow_is_recorded_not_applied(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In levering")  # ontvangen -> in_levering is no step of the lifecycle
    deliver(abonnement, messages(sandbox, "status")[0])
    assert process() == ["done"]
    line.refresh_from_db()
    assert (line.status, line.zaakstatus) == (Status.ONTVANGEN, "In levering")
    zaak = Zaak.objects.get(url=line.zaak_url)
    assert zaak.sync_probleem == SyncProbleem.OVERGANG_GEWEIGERD
    assert "ontvangen -> in_levering" in zaak.sync_toelichting
    [bericht] = berichten("zaak_status")  # the parties see the zaak's status all the same
    assert bericht.payload["kenmerken"]["status"] == "ontvangen"


def test_an_unmapped_statustype_is_shown_and_counted(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    zaaktype = reader.json(line.zaak_url)["zaaktype"]
    resultaattype = reader.json("/catalogi/api/v1/resultaattypen", zaaktype=zaaktype)["results"][0]["url"]
    assert reader.post("/zaken/api/v1/resultaten", json={"zaak": line.zaak_url, "resultaattype": resultaattype}).ok
    set_status(reader, line.zaak_url, "Afgehandeld")  # the end status: mapped to no lifecycle state
    deliver(abonnement, messages(sandbox, "status")[0])
    assert process() == ["done"]
    line.refresh_from_db()
    assert (line.status, line.zaakstatus, line.zaak_toestand) == (Status.ONTVANGEN, "Afgehandeld", "afgesloten")
    zaak = Zaak.objects.get(url=line.zaak_url)
    assert (zaak.sync_probleem, zaak.toestand) == (SyncProbleem.NIET_GEKOPPELD, Toestand.AFGESLOTEN)


def test_a_zaak_deleted_remotely_is_shown_as_such(registered, abonnement, reader, sandbox, regie):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    assert reader.delete(line.zaak_url).status_code == 204
    [message] = messages(sandbox, "zaak")
    assert message["actie"] == "destroy"
    deliver(abonnement, message)
    assert process() == ["done"]
    line.refresh_from_db()
    assert line.zaak_toestand == "verwijderd"
    assert Zaak.objects.get(url=line.zaak_url).toestand == Toestand.VERWIJDERD
    [bericht] = berichten("zaak_status")
    assert bericht.payload["kenmerken"]["zaakToestand"] == "verwijderd"
    shown = regie.get(f"/api/v1/voorzieningen/{line.uuid}").json()["zaak"]
    assert (shown["toestand"], shown["status"]) == ("verwijderd", "Ontvangen")


def test_the_admin_counts_unmapped_and_refused_syncs_and_shows_no_token(
    registered, abonnement, reader, sandbox, admin_client
):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In levering")
    deliver(abonnement, messages(sandbox, "status")[0])
    assert process() == ["done"]

    page = admin_client.get("/admin/zaken/zaak/").content.decode()
    assert "Overgang niet toegestaan (1)" in page
    assert "Statustype niet gekoppeld aan een levensfase (0)" in page
    assert "Synchronisatie mislukt (0)" in page
    assert "notificatie" in page  # the source of the last sync
    token = decrypt_secret(abonnement.token_encrypted)
    for url in ["/admin/zaken/notificatieabonnement/", f"/admin/zaken/notificatieabonnement/{abonnement.pk}/change/"]:
        response = admin_client.get(url)
        assert response.status_code == 200 and token not in response.content.decode()
    response = admin_client.get("/admin/zaken/zaaknotificatie/")
    assert response.status_code == 200 and "Verwerkt" in response.content.decode()


def test_a_zaak_changed_elsewhere_is_read_and_its_new_status_followed(registered, abonnement, reader, sandbox):
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In behandeling")
    patched = reader.patch(
        line.zaak_url, json={"toelichting": "elders bijgewerkt"}, headers={"Content-Crs": "EPSG:4326"}
    )
    assert patched.status_code == 200, patched.text
    [update] = [m for m in messages(sandbox, "zaak") if m["actie"] == "partial_update"]
    sandbox.clear_requests()
    deliver(abonnement, update)  # the status message itself was lost
    assert process() == ["done"]
    assert [r["method"] + " " + r["path"].split("/")[-2] for r in sandbox.requests] == ["GET zaken", "GET statussen"]
    line.refresh_from_db()
    assert line.status == Status.IN_BEHANDELING


def test_a_new_zaak_needs_no_call(registered, abonnement, sandbox):
    zaak_created = messages(sandbox, "zaak")
    assert [m["actie"] for m in zaak_created] == ["create"]
    sandbox.clear_requests()
    deliver(abonnement, zaak_created[0])
    assert process() == ["done"]
    assert sandbox.requests == [] and ZaakNotificatie.objects.get().uitkomst == Uitkomst.BEKEND


def test_another_gemeentes_token_cannot_move_our_zaken(registered, abonnement, reader, sandbox, andere_gemeente):
    seed = sandbox.seed
    andere = abonnement_configure(
        config=zgw_configure(
            gemeente=andere_gemeente, base_url="http://zgw.elders.example", client_id=CLIENT_ID, secret=SECRET,
            catalogus=seed["catalogus"], bronorganisatie=seed["rsin"],
        ),
        notificaties_url="http://zgw.elders.example/notificaties/api/v1/", client_id=CLIENT_ID, secret=SECRET,
        callback_url="http://testserver" + CALLBACK,
    )  # fmt: skip
    line = Voorziening.objects.get(aanvraag=registered)
    messages(sandbox)
    set_status(reader, line.zaak_url, "In behandeling")
    response = deliver(andere, messages(sandbox, "status")[0])
    assert response.status_code == 400
    assert {p["name"] for p in response.json()["invalidParams"]} == {"hoofdObject", "resourceUrl"}
    assert not ZaakNotificatie.objects.exists()
    assert Voorziening.objects.get(pk=line.pk).status == Status.ONTVANGEN
