"""The abonnement at the Notificaties API: registered and checked by a command, and the whole path over
real HTTP (the sandbox's Notificaties side delivering to our callback on a live server)."""

from __future__ import annotations

import time

import pytest
from django.core.management import CommandError, call_command

from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Aanvraag, Voorziening
from tests.conftest import aanvraag_body, zin_line
from tests.zaken.conftest import CLIENT_ID, SECRET, run_outbox
from tests.zaken.test_notificaties import berichten, process, set_status
from zaken.models import NotificatieAbonnement, ZaakNotificatie


def register(sandbox, callback: str, *extra: str) -> None:
    call_command(
        "zgw_notificaties",
        "--notificaties-url",
        sandbox.base_url + "/notificaties/api/v1/",
        "--client-id",
        CLIENT_ID,
        "--callback-url",
        callback,
        *extra,
    )


@pytest.mark.django_db
def test_the_command_registers_once_and_checks(zgw, sandbox, reader, monkeypatch, capsys):
    monkeypatch.setenv("NOTIFICATIES_CLIENT_SECRET", SECRET)
    register(sandbox, "https://koppeling.example/api/v1/zgw-notificaties")
    assert '"geregistreerd": true' in capsys.readouterr().out
    abonnement = NotificatieAbonnement.objects.get()
    remote = reader.json(abonnement.abonnement_url)
    assert remote["callbackUrl"] == "https://koppeling.example/api/v1/zgw-notificaties"
    assert remote["auth"].startswith("Token ") and len(remote["auth"]) > 40
    assert remote["kanalen"] == [{"naam": "zaken", "filters": {"bronorganisatie": zgw.bronorganisatie}}]

    register(sandbox, "https://koppeling.example/api/v1/zgw-notificaties")  # right already: left alone
    assert '"geregistreerd": false' in capsys.readouterr().out
    assert len(reader.json("/notificaties/api/v1/abonnement")) == 1
    call_command("zgw_notificaties", "--check")

    assert reader.delete(abonnement.abonnement_url).status_code == 204
    with pytest.raises(CommandError, match="niet te lezen"):
        call_command("zgw_notificaties", "--check")
    register(sandbox, "https://koppeling.example/api/v1/zgw-notificaties")
    assert '"geregistreerd": true' in capsys.readouterr().out
    call_command("zgw_notificaties", "--check")


@pytest.mark.django_db
def test_the_command_needs_its_arguments(zgw, monkeypatch):
    monkeypatch.delenv("NOTIFICATIES_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("ZGW_CLIENT_SECRET", raising=False)
    with pytest.raises(
        CommandError, match="--notificaties-url, --client-id, --callback-url, NOTIFICATIES_CLIENT_SECRET"
    ):
        call_command("zgw_notificaties")
    assert not NotificatieAbonnement.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_status_set_in_the_sandbox_reaches_the_voorziening_over_http(
    live_server, zgw, sandbox, reader, regie, monkeypatch
):
    monkeypatch.setenv("NOTIFICATIES_CLIENT_SECRET", SECRET)
    register(sandbox, live_server.url + "/api/v1/zgw-notificaties")
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    line = Voorziening.objects.get(aanvraag=aanvraag)

    set_status(reader, line.zaak_url, "In behandeling")
    sent = sandbox.flush_notifications()
    assert {(s["message"]["resource"], s.get("status")) for s in sent} >= {("status", 204), ("zaak", 204)}
    deadline = time.monotonic() + 10
    while ZaakNotificatie.objects.filter(resource="status").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process()
    line.refresh_from_db()
    assert (line.status, line.zaakstatus) == (Status.IN_BEHANDELING, "In behandeling")
    # Which message applies the change depends on the order they arrive in (the zaak's own message may
    # come first and read the new status); exactly one does, the others are no news.
    uitkomsten = sorted(ZaakNotificatie.objects.values_list("uitkomst", flat=True))
    assert uitkomsten.count(ZaakNotificatie.Uitkomst.VERWERKT) == 1
    assert set(uitkomsten) <= {"verwerkt", "bekend", "verouderd"}
    assert len(berichten("zaak_status")) == 1
