"""Faults during registration: each step failing in turn, lost answers, refusals and bad configuration.
Afterwards there is exactly one of everything, and nothing is lost."""

from __future__ import annotations

import pytest

from regiekoppeling.models import Aanvraag, OutboxItem, Voorziening
from regiekoppeling.outbox import outbox_requeue
from tests.conftest import aanvraag_body, zin_line
from tests.waiting import wait_for
from tests.zaken.conftest import run_outbox, short_timeouts
from zaken.models import Zaak
from zaken.registration import ROL_NAZIEN

pytestmark = pytest.mark.django_db

STEPS = ["/zaken/api/v1/zaken", "/zaken/api/v1/statussen", "/zaken/api/v1/rollen"]


def send(regie, *lines, **extra) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines, **extra))
    assert response.status_code == 201
    return Aanvraag.objects.get(uuid=response.json()["uuid"])


def counts(reader, zaak_url: str) -> tuple[int, int]:
    statussen = reader.json("/zaken/api/v1/statussen", zaak=zaak_url)["count"]
    rollen = reader.json("/zaken/api/v1/rollen", zaak=zaak_url)["count"]
    return statussen, rollen


def posts_finished(sandbox, path: str) -> int:
    """The POSTs to `path` that the sandbox has finished (its request log has them once they are done)."""
    return sum(1 for r in sandbox.requests if r["method"] == "POST" and r["path"] == path)


@pytest.mark.parametrize("path", STEPS)
@pytest.mark.parametrize("kind", ["500", "reset_before", "reset_after_commit"])
def test_each_step_failing_once_creates_nothing_twice(regie, zgw, reader, sandbox, path, kind):
    aanvraag = send(regie, zin_line(), zin_line(product={"categorie": "07", "code": "07A01"}))
    # The second voorziening's step fails, after the first one went through completely.
    sandbox.add_fault(path, kind, method="POST", nth=2)

    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]
    item = OutboxItem.objects.get(aanvraag=aanvraag, handler="zaak_registratie")
    assert item.attempts == 1 and item.last_error

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    zaken = reader.zaken()
    assert len(zaken) == 2
    assert [counts(reader, z["url"]) for z in zaken] == [(1, 1), (1, 1)]
    assert set(Voorziening.objects.filter(aanvraag=aanvraag).values_list("registratie", flat=True)) == {"geregistreerd"}
    # A rol the retry had to make again may yet be doubled by the first POST: the reconciliation looks.
    in_doubt = Zaak.objects.filter(aanvraag=aanvraag, pogingen__icontains=ROL_NAZIEN).count()
    assert in_doubt == (1 if path.endswith("/rollen") and kind != "reset_after_commit" else 0)


def test_timeout_is_retried(regie, zgw, reader, sandbox):
    short_timeouts()
    aanvraag = send(regie, zin_line())
    sandbox.add_fault("/zaken/api/v1/zaken", "timeout", method="POST", seconds=2)

    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]
    assert "ZGWUnavailableError" in OutboxItem.objects.get(aanvraag=aanvraag, handler="zaak_registratie").last_error
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    # The slow first POST finishes on the server after we gave up: it must not make a second zaak.
    assert wait_for(lambda: posts_finished(sandbox, "/zaken/api/v1/zaken") >= 2, timeout=10), sandbox.requests
    assert len(reader.zaken()) == 1


def registered_past_a_late_post(regie, reader, sandbox, path: str) -> list:
    """Registered while the first POST to `path` sleeps on the server past our timeout (1 s): it is stored
    after the retry, which ran at once, looked for it, found nothing and sent its own. The zaken."""
    short_timeouts()
    aanvraag = send(regie, zin_line())
    sandbox.add_fault(path, "timeout", method="POST", seconds=2.5)
    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert wait_for(lambda: posts_finished(sandbox, path) >= 2, timeout=10), sandbox.requests
    return reader.zaken()


def test_a_status_that_arrives_after_the_timeout_is_not_made_twice(regie, zgw, reader, sandbox):
    """The slow first POST of the status is stored by the server after we gave up and after the retry
    looked for it: the retry sends the same datumStatusGezet, so one of the two is refused ('unique')."""
    [zaak] = registered_past_a_late_post(regie, reader, sandbox, "/zaken/api/v1/statussen")
    assert counts(reader, zaak["url"]) == (1, 1)
    refused = [r for r in sandbox.requests if r["path"] == "/zaken/api/v1/statussen" and r["status"] == 400]
    assert len(refused) == 1


@pytest.mark.parametrize("generiek", ["initiator", "behandelaar"])
def test_a_rol_that_arrives_after_the_timeout_is_refused_or_removed(regie, zgw, reader, sandbox, settings, generiek):
    """The late first POST of the rol comes after the retry made its own. A second initiator is refused by
    the Zaken API (Open Zaak: `max-occurences`); a rol of another kind has nothing to be refused by and
    doubles: the retry notes the doubt and the reconciliation, once no late answer can come any more,
    removes the extra rol of ours and keeps the one we stored."""
    from zaken.reconcile import zaken_reconcile

    zgw.roltype_omschrijving_generiek = generiek
    zgw.save()
    [zaak_json] = registered_past_a_late_post(regie, reader, sandbox, "/zaken/api/v1/rollen")
    doubled = generiek != "initiator"
    assert counts(reader, zaak_json["url"]) == (1, 2 if doubled else 1)
    refused = [r for r in sandbox.requests if r["path"] == "/zaken/api/v1/rollen" and r["status"] == 400]
    assert len(refused) == (0 if doubled else 1)
    zaak = Zaak.objects.get(url=zaak_json["url"])

    settings.ZGW_LATE_ANSWER_SECONDS = 3600
    zaken_reconcile()
    assert counts(reader, zaak_json["url"]) == (1, 2 if doubled else 1)  # a late answer may still come

    settings.ZGW_LATE_ANSWER_SECONDS = 0
    assert zaken_reconcile().rollen_verwijderd == (1 if doubled else 0)
    rollen = reader.json("/zaken/api/v1/rollen", zaak=zaak.url)["results"]
    assert [r["url"] for r in rollen] == [zaak.rol_url]
    zaak.refresh_from_db()
    assert not [p for p in zaak.pogingen if p.startswith("rol:")]
    assert zaken_reconcile().rollen_verwijderd == 0  # done once


def test_persistent_5xx_is_dead_lettered_after_the_limit(regie, zgw, reader, sandbox, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    aanvraag = send(regie, zin_line())
    sandbox.add_fault("/zaken/api/v1/zaken", "503", method="POST", times=10)

    states = [run_outbox(aanvraag, "zaak_registratie") for _ in range(3)]

    assert states == [["pending"], ["pending"], ["dead"]]
    item = OutboxItem.objects.get(aanvraag=aanvraag, handler="zaak_registratie")
    assert "gave up after 3 attempts" in item.last_error
    assert reader.zaken() == []
    # The voorziening says so, instead of waiting forever.
    line = Voorziening.objects.get(aanvraag=aanvraag)
    assert line.registratie == "mislukt"
    assert line.registratie_fouten[0]["detail"].startswith("Opgegeven, een beheerder kan het opnieuw proberen: ")


def test_a_waiting_line_says_why_until_it_is_registered(regie, zgw, reader, sandbox):
    aanvraag = send(regie, zin_line())
    sandbox.add_fault("/zaken/api/v1/zaken", "503", method="POST")

    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]
    line = Voorziening.objects.get(aanvraag=aanvraag)
    assert line.registratie == "wacht"
    assert line.registratie_fouten[0]["detail"].startswith("Vertraagd, wordt opnieuw geprobeerd: ")
    assert "503" in line.registratie_fouten[0]["detail"]

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    line.refresh_from_db()
    assert (line.registratie, line.registratie_fouten) == ("geregistreerd", [])


def failed(aanvraag: Aanvraag) -> list:
    lines = list(Voorziening.objects.filter(aanvraag=aanvraag))
    assert {v.registratie for v in lines} == {"mislukt"}
    return lines[0].registratie_fouten


def test_unknown_zaaktype_is_permanent_and_visible(regie, zgw, sandbox):
    zgw.zaaktype_wmo = "BESTAAT-NIET"
    zgw.save()
    aanvraag = send(regie, zin_line())
    sandbox.clear_requests()

    assert run_outbox(aanvraag, "zaak_registratie") == ["dead"]

    fouten = failed(aanvraag)
    assert "BESTAAT-NIET" in fouten[0]["detail"]
    assert not [r for r in sandbox.requests if r["method"] == "POST"]
    body = regie.get(f"/api/v1/aanvragen/{aanvraag.uuid}").json()
    assert body["voorzieningen"][0]["registratie"] == "mislukt"
    assert "BESTAAT-NIET" in body["voorzieningen"][0]["registratieFouten"][0]["detail"]


def test_concept_zaaktype_is_permanent(regie, zgw):
    zgw.zaaktype_wmo = "WMO-CONCEPT"
    zgw.save()
    aanvraag = send(regie, zin_line())
    assert run_outbox(aanvraag, "zaak_registratie") == ["dead"]
    assert "concept" in failed(aanvraag)[0]["detail"]


def test_retry_after_fixing_the_configuration(regie, zgw, reader):
    zgw.zaaktype_wmo = "TYPFOUT"
    zgw.save()
    aanvraag = send(regie, zin_line())
    assert run_outbox(aanvraag, "zaak_registratie") == ["dead"]
    assert failed(aanvraag)

    # The administrator corrects the configuration and re-queues (the admin action calls this).
    zgw.zaaktype_wmo = "WMO-VOORZIENING"
    zgw.save()
    outbox_requeue(item_ids=list(OutboxItem.objects.filter(aanvraag=aanvraag).values_list("pk", flat=True)))
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    (zaak,) = reader.zaken()
    assert counts(reader, zaak["url"]) == (1, 1)
    line = Voorziening.objects.get(aanvraag=aanvraag)
    assert (line.registratie, line.registratie_fouten) == ("geregistreerd", [])


def test_remote_invalid_params_are_shown(regie, zgw, sandbox):
    aanvraag = send(regie, zin_line(), gezinsplanZaak="https://elders.example/zaken/api/v1/zaken/1")

    assert run_outbox(aanvraag, "zaak_registratie") == ["dead"]

    fouten = failed(aanvraag)
    assert [p["name"] for p in fouten[0]["invalid_params"]] == ["relevanteAndereZaken.0.url"]


def test_no_zgw_configuration_is_permanent(regie, gemeente):
    aanvraag = send(regie, zin_line())
    assert run_outbox(aanvraag, "zaak_registratie") == ["dead"]
    assert "Geen ZGW-configuratie" in failed(aanvraag)[0]["detail"]
