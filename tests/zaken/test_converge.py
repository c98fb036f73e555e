"""Steps that converge: every handler brings the zaak to what the lifecycle wants now, after reading
where the zaak already is; a failure on one zaak does not keep the others from their besluit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from regiekoppeling import outbox
from regiekoppeling.models import Aanvraag
from tests.conftest import pgb_line, zin_line
from tests.zaken.conftest import run_outbox, short_timeouts
from tests.zaken.test_besluiten import NUMMER, beschik, letter, private_media, registered  # noqa: F401

pytestmark = pytest.mark.django_db


def close_elsewhere(reader: Any, zaak: dict[str, Any], omschrijving: str = "Toegekend") -> None:
    """Another system (or a lost run) gives the zaak a resultaat and its end status."""
    resultaattypen = reader.json("/catalogi/api/v1/resultaattypen", zaaktype=zaak["zaaktype"])["results"]
    resultaattype = next(r["url"] for r in resultaattypen if r["omschrijving"] == omschrijving)
    assert reader.post("/zaken/api/v1/resultaten", json={"zaak": zaak["url"], "resultaattype": resultaattype}).ok
    statustypen = reader.json("/catalogi/api/v1/statustypen", zaaktype=zaak["zaaktype"])["results"]
    eind = next(s["url"] for s in statustypen if s["isEindstatus"])
    moment = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    body = {"zaak": zaak["url"], "statustype": eind, "datumStatusGezet": moment}
    assert reader.post("/zaken/api/v1/statussen", json=body).ok


def history(reader: Any, zaak_url: str) -> list[str]:
    statussen = reader.json("/zaken/api/v1/statussen", zaak=zaak_url)["results"]
    ordered = sorted(statussen, key=lambda s: s["datumStatusGezet"])
    return [reader.json(reader.json(s["statustype"])["url"])["omschrijving"] for s in ordered]


def test_a_besluit_on_a_closed_zaak_adds_no_status_and_no_second_resultaat(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, backoffice, zin_line())
    brief = letter(backoffice, aanvraag)
    run_outbox(aanvraag, "document")
    beschik(backoffice, aanvraag, "toegekend", brief)
    (zaak,) = reader.zaken()
    close_elsewhere(reader, zaak)
    before = history(reader, zaak["url"])

    assert run_outbox(aanvraag, "besluit") == ["done"]

    (besluit,) = reader.json("/besluiten/api/v1/besluiten")["results"]
    assert besluit["zaak"] == zaak["url"]
    assert len(reader.json("/besluiten/api/v1/besluitinformatieobjecten", besluit=besluit["url"])) == 1
    assert reader.json("/zaken/api/v1/resultaten", zaak=zaak["url"])["count"] == 1
    assert history(reader, zaak["url"]) == before  # no "Besluit genomen" after the end status
    assert before[-1] == "Afgehandeld"


def test_a_status_item_on_a_closed_zaak_changes_nothing(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, backoffice, zin_line())
    (zaak,) = reader.zaken()
    close_elsewhere(reader, zaak, "Afgewezen")
    before = history(reader, zaak["url"])
    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "in_onderzoek"})

    assert run_outbox(aanvraag, "zaak_status") == ["done"]

    assert history(reader, zaak["url"]) == before


def test_a_status_the_zaak_has_already_is_not_posted_again(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, backoffice, zin_line())  # verwerkbaar: "In behandeling" is set
    (zaak,) = reader.zaken()
    before = history(reader, zaak["url"])
    # An item for the same state again (a replayed event, a second worker's copy): nothing to write.
    (line,) = aanvraag.voorzieningen.all()
    payload = {
        "gebeurtenis": "terugkoppeling_verwerkbaar",
        "aanvraag": str(aanvraag.uuid),
        "voorzieningen": [str(line.uuid)],
    }
    outbox.outbox_enqueue(handler="zaak_status", aanvraag=aanvraag, payload=payload)

    assert run_outbox(aanvraag, "zaak_status") == ["done"]

    assert history(reader, zaak["url"]) == before == ["Ontvangen", "In behandeling"]


def test_a_failure_on_one_zaak_does_not_keep_the_others_from_their_besluit(regie, backoffice, zgw, reader, sandbox):
    aanvraag: Aanvraag = registered(regie, backoffice, zin_line(), pgb_line())  # a zaak per voorziening
    brief = letter(backoffice, aanvraag)
    run_outbox(aanvraag, "document")
    beschik(backoffice, aanvraag, "toegekend", brief)
    sandbox.add_fault("/besluiten/api/v1/besluiten", "500", method="POST")  # the first zaak's besluit

    assert run_outbox(aanvraag, "besluit") == ["pending"]  # retried later

    besluiten = reader.json("/besluiten/api/v1/besluiten")["results"]
    assert [b["identificatie"] for b in besluiten] == [f"{NUMMER}-2"]  # the second zaak did not wait
    assert len(reader.json("/besluiten/api/v1/besluitinformatieobjecten", besluit=besluiten[0]["url"])) == 1
    assert reader.json("/zaken/api/v1/resultaten", zaak=besluiten[0]["zaak"])["count"] == 1

    # The retry finishes the first zaak and repeats nothing on the second.
    assert run_outbox(aanvraag, "besluit") == ["done"]
    besluiten = reader.json("/besluiten/api/v1/besluiten")["results"]
    assert sorted(b["identificatie"] for b in besluiten) == [f"{NUMMER}-1", f"{NUMMER}-2"]
    for zaak in reader.zaken():
        assert reader.json("/zaken/api/v1/resultaten", zaak=zaak["url"])["count"] == 1
        assert history(reader, zaak["url"]) == ["Ontvangen", "In behandeling", "Besluit genomen"]


@pytest.mark.parametrize("soort", ["afgewezen", "in_onderzoek"])
def test_a_lost_answer_on_a_status_still_shows_where_the_zaak_is(regie, backoffice, zgw, reader, sandbox, soort):
    """Found by the lifecycle check with 20% faults: the retry saw the zaak already there (closed, or at
    the step) and left the voorziening showing the status before it."""
    aanvraag = registered(regie, backoffice, zin_line())  # "In behandeling"
    sandbox.add_fault("/zaken/api/v1/statussen", "reset_after_commit", method="POST")
    body = {"aanvraag": str(aanvraag.uuid), "soort": soort, "redenAfwijzing": "1"}
    if soort != "afgewezen":
        body.pop("redenAfwijzing")
    assert backoffice.post("/api/v1/terugkoppelingen", body).status_code == 201

    assert run_outbox(aanvraag, "zaak_status") == ["pending"]  # stored, but the answer was lost
    assert run_outbox(aanvraag, "zaak_status") == ["done"]

    (zaak,) = reader.zaken()
    expected = "Afgehandeld" if soort == "afgewezen" else "In onderzoek"
    assert history(reader, zaak["url"]) == ["Ontvangen", "In behandeling", expected]
    assert aanvraag.voorzieningen.get().zaakstatus == expected


@pytest.mark.parametrize("via", ["terugkoppeling", "besluit"])
def test_a_status_stored_after_the_timeout_and_after_the_retry_is_refused(regie, backoffice, zgw, reader, sandbox, via):
    """The first POST of the status sleeps on the server past our timeout and is stored after the retry
    made its own: the retry sent the same datumStatusGezet, so the server refuses the late one."""
    from tests.waiting import wait_for

    aanvraag = registered(regie, backoffice, zin_line())  # "In behandeling"
    short_timeouts()
    sandbox.clear_requests()
    sandbox.add_fault("/zaken/api/v1/statussen", "timeout", method="POST", seconds=2.5)
    if via == "besluit":
        beschik(backoffice, aanvraag, "afgewezen")
    else:
        body = {"aanvraag": str(aanvraag.uuid), "soort": "in_onderzoek"}
        assert backoffice.post("/api/v1/terugkoppelingen", body).status_code == 201
    handler = "besluit" if via == "besluit" else "zaak_status"

    assert run_outbox(aanvraag, handler) == ["pending"]  # gave up after 1 s
    assert run_outbox(aanvraag, handler) == ["done"]  # the first one still asleep on the server

    def finished() -> int:
        return sum(1 for r in sandbox.requests if r["method"] == "POST" and r["path"] == "/zaken/api/v1/statussen")

    assert wait_for(lambda: finished() >= 2, timeout=10), sandbox.requests
    (zaak,) = reader.zaken()
    expected = "Afgehandeld" if via == "besluit" else "In onderzoek"
    assert history(reader, zaak["url"]) == ["Ontvangen", "In behandeling", expected]


def test_the_hoofdzaak_follows_its_aanvraag_and_closes_after_its_deelzaken(regie, backoffice, zgw, reader):
    from zaken.models import ZaakStrategie

    zgw.strategie = ZaakStrategie.HOOFDZAAK
    zgw.save()
    aanvraag = registered(regie, backoffice, zin_line(), pgb_line())  # verwerkbaar: both lines in behandeling
    hoofdzaak = aanvraag.zaken.get(soort="hoofdzaak")
    assert history(reader, hoofdzaak.url) == ["Ontvangen", "In behandeling"]

    beschik(backoffice, aanvraag, "afgewezen")
    assert run_outbox(aanvraag, "besluit") == ["done"]  # closes the deelzaken
    assert run_outbox(aanvraag, "zaak_status") == ["done"]  # then the hoofdzaak

    assert history(reader, hoofdzaak.url) == ["Ontvangen", "In behandeling", "Afgehandeld"]
    remote = reader.json(hoofdzaak.url)
    assert remote["einddatum"] is not None
    assert reader.json(reader.json(remote["resultaat"])["resultaattype"])["omschrijving"] == "Afgewezen"
    for deelzaak in aanvraag.zaken.exclude(soort="hoofdzaak"):
        assert history(reader, deelzaak.url) == ["Ontvangen", "In behandeling", "Afgehandeld"]
    # A voorziening shows its own (deel)zaak's status, never the hoofdzaak's.
    assert set(aanvraag.voorzieningen.values_list("zaakstatus", flat=True)) == {"Afgehandeld"}
