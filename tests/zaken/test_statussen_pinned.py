"""What `zaken/statussen.py` does at each step, pinned so that removing or bending it fails (issue 15):
a zaak without url is not registered yet, the same step twice writes nothing, a status set elsewhere is
copied with its own moment, every refusal is recorded on the lines, and the `unique` recovery of a
resultaat applies only to `unique`."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from regiekoppeling.models import Aanvraag, Voorziening
from tests.conftest import zin_line
from tests.zaken.conftest import run_outbox
from tests.zaken.test_statussen import registered, statustype_of
from zaken import catalogus, statussen
from zaken.clients import ZGWRequestError
from zaken.mapping import StateMapping
from zaken.models import Zaak

pytestmark = pytest.mark.django_db

TYPES = [
    catalogus.Statustype("http://catalogi.example/statustypen/1", "Ontvangen", 1, False),
    catalogus.Statustype("http://catalogi.example/statustypen/2", "In behandeling", 2, False),
]


def one_zaak(regie: Any) -> tuple[Aanvraag, Zaak]:
    aanvraag = registered(regie, zin_line())
    return aanvraag, Zaak.objects.get(aanvraag=aanvraag)


def line_of(aanvraag: Aanvraag) -> Voorziening:
    return Voorziening.objects.get(aanvraag=aanvraag)


def refusal(code: str) -> ZGWRequestError:
    body = {"invalidParams": [{"name": "zaak", "code": code, "reason": "..."}]}
    return ZGWRequestError("POST", "http://zaken.example/resultaten", 400, body)


def test_a_zaak_without_url_is_not_registered_yet(regie, zgw):
    aanvraag, zaak = one_zaak(regie)
    Zaak.objects.filter(pk=zaak.pk).update(url="")

    with pytest.raises(statussen.ZaakNotRegisteredError, match="nog niet"):
        statussen.zaakstatus_update(aanvraag_id=aanvraag.pk, voorziening_uuids=[str(line_of(aanvraag).uuid)])


def test_the_same_step_again_writes_nothing_and_clears_an_old_problem(regie, backoffice, zgw, reader, sandbox):
    aanvraag, zaak = one_zaak(regie)
    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "verwerkbaar"})
    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    (remote,) = reader.zaken()
    zaak.refresh_from_db()
    assert zaak.huidige_status_url == remote["status"]  # our record of the step just set
    gezet = zaak.status_gezet_op
    Voorziening.objects.filter(aanvraag=aanvraag).update(zaakstatus_fout="Een oud probleem.")
    sandbox.clear_requests()

    statussen.zaakstatus_update(aanvraag_id=aanvraag.pk, voorziening_uuids=[str(line_of(aanvraag).uuid)])

    # Seen from the zaak's own status: no lookup among its statussen as for a step to send again.
    assert [r["path"] for r in sandbox.requests if r["path"] == "/zaken/api/v1/statussen"] == []
    assert reader.json("/zaken/api/v1/statussen", zaak=remote["url"])["count"] == 2
    zaak.refresh_from_db()
    assert zaak.status_gezet_op == gezet  # not set again
    assert line_of(aanvraag).zaakstatus_fout == ""  # the zaak follows its lines again


def test_a_late_item_never_takes_the_zaak_a_step_back(regie, backoffice, zgw, reader):
    aanvraag, _ = one_zaak(regie)
    for soort in ("verwerkbaar", "in_onderzoek"):
        backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": soort})
        assert run_outbox(aanvraag, "zaak_status") == ["done"]
    line = line_of(aanvraag)

    statussen.zaakstatus_update(
        aanvraag_id=aanvraag.pk, voorziening_uuids=[str(line.uuid)], statussen={str(line.uuid): "in_behandeling"}
    )

    (remote,) = reader.zaken()
    assert statustype_of(reader, remote) == "In onderzoek"
    assert reader.json("/zaken/api/v1/statussen", zaak=remote["url"])["count"] == 3


def test_the_end_status_is_the_last_type_when_none_is_marked_eindstatus(regie, zgw, reader, no_eindstatus_marked):
    aanvraag, _ = one_zaak(regie)
    regie.post(f"/api/v1/aanvragen/{aanvraag.uuid}/intrekken", {})

    assert run_outbox(aanvraag, "zaak_status") == ["done"]

    (remote,) = reader.zaken()
    assert statustype_of(reader, remote) == "Afgehandeld"


def test_a_status_set_elsewhere_is_copied_with_its_own_moment_and_only_once(regie, zgw):
    aanvraag, zaak = one_zaak(regie)
    fetched: list[str] = []

    def get_status(url: str) -> dict[str, str]:
        fetched.append(url)
        return {"statustype": TYPES[1].url, "datumStatusGezet": "2026-11-01T10:00:00Z"}

    clients: Any = SimpleNamespace(zaken=SimpleNamespace(get_status=get_status))
    remote = {"status": "http://zaken.example/statussen/9"}

    statussen.record_current_status(clients, zaak, remote, TYPES)

    moment = dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    stored = Zaak.objects.get(pk=zaak.pk)
    assert (stored.huidige_status_url, stored.status_gezet_op) == (remote["status"], moment)
    line = line_of(aanvraag)
    assert (line.zaakstatus, line.zaakstatus_gezet_op) == ("In behandeling", moment)

    fetched.clear()
    statussen.record_current_status(clients, stored, remote, TYPES)
    assert fetched == []  # what we recorded already is not read again


def test_an_unmapped_state_is_recorded_on_the_lines(regie, zgw):
    aanvraag, zaak = one_zaak(regie)

    wanted = statussen.mapped_statustype(zaak, "in_onderzoek", StateMapping(False, "", ""), TYPES)

    assert wanted is None
    assert line_of(aanvraag).zaakstatus_fout == (
        "Status 'In onderzoek' heeft geen statustype-koppeling voor dit zaaktype; de zaak houdt haar status."
    )


def test_a_statustype_the_zaaktype_lacks_is_recorded_and_refused(regie, zgw):
    aanvraag, zaak = one_zaak(regie)

    with pytest.raises(catalogus.CatalogusError, match="bestaat niet bij het zaaktype"):
        statussen.mapped_statustype(zaak, "in_onderzoek", StateMapping(True, "Onderzoek", ""), TYPES)

    assert line_of(aanvraag).zaakstatus_fout == (
        "Statustype 'Onderzoek' (voor status 'In onderzoek') bestaat niet bij het zaaktype; "
        "kies een van: Ontvangen, In behandeling."
    )


def test_a_resultaattype_the_zaaktype_lacks_is_recorded_and_refused(regie, zgw, monkeypatch):
    aanvraag, zaak = one_zaak(regie)

    def missing(client: Any, *, zaaktype_url: str, omschrijving: str) -> str:
        raise catalogus.CatalogusError(f"Resultaattype '{omschrijving}' bestaat niet.")

    monkeypatch.setattr(statussen.catalogus, "resultaattype_url", missing)
    clients: Any = SimpleNamespace(catalogi=None)

    with pytest.raises(catalogus.CatalogusError):
        statussen.resolved_resultaattype(clients, zaak, "Vervallen")

    assert line_of(aanvraag).zaakstatus_fout == "Resultaattype 'Vervallen' bestaat niet."


def resultaat_clients(error: ZGWRequestError) -> Any:
    def create_resultaat(**kwargs: Any) -> dict[str, str]:
        raise error

    return SimpleNamespace(
        zaken=SimpleNamespace(
            create_resultaat=create_resultaat,
            list_resultaten=lambda zaak: [{"url": "http://zaken.example/resultaten/1"}],
        )
    )


def test_a_resultaat_the_zaak_has_already_is_taken(regie, zgw):
    _, zaak = one_zaak(regie)

    found = statussen.create_resultaat(resultaat_clients(refusal("unique")), zaak, resultaattype="http://rt/1")

    assert found == "http://zaken.example/resultaten/1"


def test_another_refusal_of_a_resultaat_is_raised_even_when_one_exists(regie, zgw):
    _, zaak = one_zaak(regie)

    with pytest.raises(ZGWRequestError, match="answered 400"):
        statussen.create_resultaat(resultaat_clients(refusal("invalid")), zaak, resultaattype="http://rt/1")
