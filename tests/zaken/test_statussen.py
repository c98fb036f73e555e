"""Lifecycle changes reach the Zaken API: mapped statussen, and resultaat + end status at the end."""

from __future__ import annotations

import pytest

from regiekoppeling.models import Aanvraag, OutboxItem, Voorziening
from tests.conftest import aanvraag_body, pgb_line, zin_line
from tests.zaken.conftest import run_outbox

pytestmark = pytest.mark.django_db


def registered(regie, *lines, **extra) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines, **extra))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    return aanvraag


def statustype_of(reader, zaak: dict) -> str:
    return reader.json(reader.json(zaak["status"])["statustype"])["omschrijving"]


def test_verwerkbaar_and_in_onderzoek_set_the_mapped_status(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, zin_line())
    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "verwerkbaar"})
    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    assert statustype_of(reader, reader.zaken()[0]) == "In behandeling"

    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "in_onderzoek"})
    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    (zaak,) = reader.zaken()
    assert statustype_of(reader, zaak) == "In onderzoek"
    assert reader.json("/zaken/api/v1/statussen", zaak=zaak["url"])["count"] == 3
    assert Voorziening.objects.get(aanvraag=aanvraag).zaakstatus == "In onderzoek"


def test_withdrawal_closes_the_zaak_with_resultaat_ingetrokken(regie, zgw, reader):
    aanvraag = registered(regie, zin_line())
    assert regie.post(f"/api/v1/aanvragen/{aanvraag.uuid}/intrekken", {}).status_code == 200

    assert run_outbox(aanvraag, "zaak_status") == ["done"]

    (zaak,) = reader.zaken()
    assert zaak["einddatum"] is not None
    assert reader.json(reader.json(zaak["resultaat"])["resultaattype"])["omschrijving"] == "Ingetrokken"
    assert Voorziening.objects.get(aanvraag=aanvraag).zaakstatus == "Afgehandeld"


def test_shared_zaak_closes_only_when_all_its_lines_are_done(regie, zgw, reader):
    aanvraag = registered(
        regie, zin_line(), zin_line(product={"categorie": "07", "code": "07A01"}),
        isArrangement=True, arrangementProduct={"categorie": "10", "code": "10A01"},
    )  # fmt: skip
    first, second = aanvraag.voorzieningen.order_by("volgnummer")
    regie.post(f"/api/v1/voorzieningen/{first.uuid}/intrekken", {})
    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    assert reader.zaken()[0]["einddatum"] is None

    regie.post(f"/api/v1/voorzieningen/{second.uuid}/intrekken", {})
    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    assert reader.zaken()[0]["einddatum"] is not None


def test_waits_for_the_registration(regie, zgw, reader):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    regie.post(f"/api/v1/aanvragen/{aanvraag.uuid}/intrekken", {})

    # No zaak yet: the registration comes first in the aanvraag's lane, so this is not even claimed.
    assert run_outbox(aanvraag, "zaak_status") == [None]
    run_outbox(aanvraag, "zaak_registratie")
    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    assert reader.zaken()[0]["einddatum"] is not None


def test_lost_answer_creates_no_second_status(regie, backoffice, zgw, reader, sandbox):
    aanvraag = registered(regie, zin_line(), pgb_line())
    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "verwerkbaar"})
    sandbox.add_fault("/zaken/api/v1/statussen", "reset_after_commit", method="POST")

    assert run_outbox(aanvraag, "zaak_status") == ["pending"]
    assert run_outbox(aanvraag, "zaak_status") == ["done"]

    for zaak in reader.zaken():
        assert reader.json("/zaken/api/v1/statussen", zaak=zaak["url"])["count"] == 2
    assert not OutboxItem.objects.filter(aanvraag=aanvraag, state="dead").exists()
