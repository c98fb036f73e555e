"""What `zaken/besluiten.py` does at each step, pinned so that removing or bending it fails (issue 15):
every remote result is stored before the next step and a rerun finishes from there, a besluit that
exists under its identificatie is taken, a refusal fails the item as itself, a zaak closed or already
at the status gets no status from us, and the end status falls back to the last type."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from regiekoppeling.models import Aanvraag, Beschikking, OutboxItem, Voorziening
from tests.conftest import zin_line
from tests.zaken.conftest import run_outbox
from tests.zaken.test_besluiten import NUMMER, beschik, letter, private_media, registered  # noqa: F401
from tests.zaken.test_converge import close_elsewhere, history
from zaken import besluiten
from zaken.models import Besluit, Zaak

pytestmark = pytest.mark.django_db


def with_letter(regie: Any, backoffice: Any, uitkomst: str = "toegekend") -> Aanvraag:
    aanvraag = registered(regie, backoffice, zin_line())
    brief = letter(backoffice, aanvraag)
    assert run_outbox(aanvraag, "document") == ["done"]
    beschik(backoffice, aanvraag, uitkomst, brief)
    return aanvraag


def statustype_of(reader: Any, status_url: str) -> str:
    return reader.json(reader.json(status_url)["statustype"])["omschrijving"]


def test_each_result_is_stored_before_the_next_step_and_the_rerun_finishes_the_status(
    regie, backoffice, zgw, reader, sandbox
):
    aanvraag = with_letter(regie, backoffice)
    sandbox.add_fault("/zaken/api/v1/statussen", "500", method="POST")

    assert run_outbox(aanvraag, "besluit") == ["pending"]

    (remote_besluit,) = reader.json("/besluiten/api/v1/besluiten")["results"]
    (bio,) = reader.json("/besluiten/api/v1/besluitinformatieobjecten", besluit=remote_besluit["url"])
    (remote_zaak,) = reader.zaken()
    besluit = Besluit.objects.get()
    assert (besluit.url, besluit.brief_url, besluit.resultaat_url, besluit.status_url) == (
        remote_besluit["url"],
        bio["url"],
        remote_zaak["resultaat"],
        "",
    )

    assert run_outbox(aanvraag, "besluit") == ["done"]

    (remote_zaak,) = reader.zaken()
    assert statustype_of(reader, remote_zaak["status"]) == "Besluit genomen"
    assert Besluit.objects.get().status_url == remote_zaak["status"]
    zaak = Zaak.objects.get(url=remote_zaak["url"])
    assert zaak.huidige_status_url == remote_zaak["status"]
    gezet = reader.json(remote_zaak["status"])["datumStatusGezet"]
    assert zaak.status_gezet_op.isoformat().replace("+00:00", "Z") == gezet


def test_a_besluit_that_exists_under_its_identificatie_is_taken_not_created_again(
    regie, backoffice, zgw, reader, sandbox
):
    aanvraag = registered(regie, backoffice, zin_line())
    beschik(backoffice, aanvraag, "toegekend")
    (zaak,) = reader.zaken()
    body = {"identificatie": str(NUMMER), "verantwoordelijkeOrganisatie": sandbox.seed["rsin"],
            "besluittype": sandbox.seed["besluittypen"]["Beschikking"], "zaak": zaak["url"],
            "datum": "2026-11-20", "ingangsdatum": "2027-01-01"}  # fmt: skip
    existing = reader.post("/besluiten/api/v1/besluiten", json=body)  # a lost run, without our marker
    assert existing.status_code == 201, existing.text

    assert run_outbox(aanvraag, "besluit") == ["done"]

    assert [b["url"] for b in reader.json("/besluiten/api/v1/besluiten")["results"]] == [existing.json()["url"]]
    assert Besluit.objects.get().url == existing.json()["url"]


def test_a_refused_besluit_fails_the_item_with_the_refusal(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, backoffice, zin_line())
    beschik(backoffice, aanvraag, "toegekend")
    # A datum the Besluiten API refuses (in the future): a refusal is final, not retried.
    Beschikking.objects.update(datum=dt.date.today() + dt.timedelta(days=30))

    assert run_outbox(aanvraag, "besluit") == ["dead"]

    item = OutboxItem.objects.get(aanvraag=aanvraag, handler="besluit")
    assert item.last_error.startswith("permanent: POST besluiten answered 400: Ongeldige invoer.")
    assert "'name': 'datum', 'code': 'future_not_allowed'" in item.last_error


def test_a_long_toelichting_is_cut_at_1000_characters(regie, backoffice, zgw, reader, monkeypatch):
    aanvraag = registered(regie, backoffice, zin_line())
    beschik(backoffice, aanvraag, "toegekend")
    monkeypatch.setattr(besluiten, "besluit_toelichting", lambda nummer, index, total: "x" * 1001)

    assert run_outbox(aanvraag, "besluit") == ["done"]

    (besluit,) = reader.json("/besluiten/api/v1/besluiten")["results"]
    assert besluit["toelichting"] == "x" * 1000


def test_a_zaak_closed_elsewhere_shows_its_end_status_on_the_lines(regie, backoffice, zgw, reader):
    aanvraag = with_letter(regie, backoffice)
    (zaak,) = reader.zaken()
    close_elsewhere(reader, zaak)
    assert Voorziening.objects.get(aanvraag=aanvraag).zaakstatus == "In behandeling"

    assert run_outbox(aanvraag, "besluit") == ["done"]

    assert history(reader, zaak["url"])[-1] == "Afgehandeld"
    assert Voorziening.objects.get(aanvraag=aanvraag).zaakstatus == "Afgehandeld"


def test_a_zaak_at_the_wanted_status_already_gets_no_second_one(regie, backoffice, zgw, reader):
    aanvraag = with_letter(regie, backoffice)
    (zaak,) = reader.zaken()
    statustypen = reader.json("/catalogi/api/v1/statustypen", zaaktype=zaak["zaaktype"])["results"]
    genomen = next(s["url"] for s in statustypen if s["omschrijving"] == "Besluit genomen")
    moment = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    body = {"zaak": zaak["url"], "statustype": genomen, "datumStatusGezet": moment}
    set_elsewhere = reader.post("/zaken/api/v1/statussen", json=body)
    assert set_elsewhere.ok, set_elsewhere.text

    assert run_outbox(aanvraag, "besluit") == ["done"]

    assert history(reader, zaak["url"]) == ["Ontvangen", "In behandeling", "Besluit genomen"]
    assert Besluit.objects.get().status_url == set_elsewhere.json()["url"]


def test_afgewezen_ends_at_the_last_statustype_when_none_is_marked_eindstatus(
    regie, backoffice, zgw, reader, no_eindstatus_marked
):
    aanvraag = with_letter(regie, backoffice, "afgewezen")

    assert run_outbox(aanvraag, "besluit") == ["done"]

    (zaak,) = reader.zaken()
    assert history(reader, zaak["url"])[-1] == "Afgehandeld"
    assert zaak["einddatum"] is not None
