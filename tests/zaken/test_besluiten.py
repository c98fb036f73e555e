"""S5 zaakgericht: a beschikking becomes besluiten with the letter, resultaat and status."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from regiekoppeling.models import Aanvraag, Beschikking, Document, Voorziening
from tests.conftest import aanvraag_body, pgb_line, zin_line
from tests.zaken.conftest import run_outbox
from zaken.models import Besluit

pytestmark = pytest.mark.django_db
NUMMER = 202600042


@pytest.fixture(autouse=True)
def private_media(monkeypatch, tmp_path):
    monkeypatch.setattr(Document._meta.get_field("inhoud"), "storage", FileSystemStorage(location=str(tmp_path)))


def registered(regie, backoffice, *lines, **extra) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines, **extra))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert (
        backoffice.post(
            "/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "verwerkbaar"}
        ).status_code
        == 201
    )
    assert run_outbox(aanvraag, "zaak_status") == ["done"]  # its lane runs in order: this comes first
    return aanvraag


def letter(backoffice, aanvraag: Aanvraag) -> str:
    response = backoffice.client.post(
        "/api/v1/documenten",
        {"aanvraag": str(aanvraag.uuid), "titel": "Beschikkingsbrief", "soort": "Beschikking",
         "bestand": SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")},
        format="multipart",
        **backoffice.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())),
    )  # fmt: skip
    assert response.status_code == 201
    return response.json()["uuid"]


def beschik(backoffice, aanvraag: Aanvraag, uitkomst: str, brief: str | None = None) -> None:
    regels = [{"voorziening": str(v.uuid), "uitkomst": uitkomst} for v in aanvraag.voorzieningen.all()]
    body = {"aanvraag": str(aanvraag.uuid), "beschikkingnummer": NUMMER, "datum": "2026-11-20",
            "ingangsdatum": "2027-01-01", "regels": regels}  # fmt: skip
    if brief:
        body["brief"] = brief
    assert backoffice.post("/api/v1/beschikkingen", body).status_code == 201


def test_separate_zaken_get_one_besluit_each_with_the_same_letter(regie, backoffice, zgw, reader, sandbox):
    aanvraag = registered(regie, backoffice, zin_line(), pgb_line())
    brief = letter(backoffice, aanvraag)
    run_outbox(aanvraag, "document")
    beschik(backoffice, aanvraag, "toegekend", brief)

    assert run_outbox(aanvraag, "besluit") == ["done"], list(
        aanvraag.outbox_items.filter(handler="besluit").values_list("last_error", flat=True)
    )

    letter_url = Document.objects.get(uuid=brief).informatieobject
    besluiten = reader.json("/besluiten/api/v1/besluiten")["results"]
    assert sorted(b["identificatie"] for b in besluiten) == [f"{NUMMER}-1", f"{NUMMER}-2"]
    # One beschikking over two zaken: each besluit says it is a part, and of which beschikking.
    assert sorted(b["toelichting"] for b in besluiten) == [
        f"Beschikking {NUMMER} (besluit {n} van 2: de besluiten {NUMMER}-1 tot en met {NUMMER}-2 vormen samen "
        "deze beschikking, met één brief)"
        for n in (1, 2)
    ]
    zaken = {z["url"]: z for z in reader.zaken()}
    assert {b["zaak"] for b in besluiten} == set(zaken)
    for besluit in besluiten:
        assert besluit["besluittype"] == sandbox.seed["besluittypen"]["Beschikking"]
        bios = reader.json("/besluiten/api/v1/besluitinformatieobjecten", besluit=besluit["url"])
        assert [b["informatieobject"] for b in bios] == [letter_url]
        zaak = reader.json(besluit["zaak"])
        resultaat = reader.json(zaak["resultaat"])
        assert reader.json(resultaat["resultaattype"])["omschrijving"] == "Toegekend"
        assert reader.json(reader.json(zaak["status"])["statustype"])["omschrijving"] == "Besluit genomen"
        assert zaak["einddatum"] is None  # a grant continues: toewijzing, levering
    assert set(Voorziening.objects.filter(aanvraag=aanvraag).values_list("zaakstatus", flat=True)) == {
        "Besluit genomen"
    }


def test_shared_zaak_gets_one_besluit(regie, backoffice, zgw, reader):
    aanvraag = registered(
        regie, backoffice, zin_line(), zin_line(product={"categorie": "07", "code": "07A01"}),
        isArrangement=True, arrangementProduct={"categorie": "10", "code": "10A01"},
    )  # fmt: skip
    beschik(backoffice, aanvraag, "toegekend")

    assert run_outbox(aanvraag, "besluit") == ["done"]

    besluiten = reader.json("/besluiten/api/v1/besluiten")["results"]
    # One besluit: its identificatie is the beschikkingnummer; on a shared zaak it names each line's outcome.
    toelichting = f"Beschikking {NUMMER}: regel 1 (02A01): toegekend; regel 2 (07A01): toegekend"
    assert [(b["identificatie"], b["toelichting"]) for b in besluiten] == [(str(NUMMER), toelichting)]


def test_afgewezen_closes_the_zaak(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, backoffice, zin_line())
    beschik(backoffice, aanvraag, "afgewezen")

    assert run_outbox(aanvraag, "besluit") == ["done"]

    (zaak,) = reader.zaken()
    assert zaak["einddatum"] is not None
    assert reader.json(reader.json(zaak["resultaat"])["resultaattype"])["omschrijving"] == "Afgewezen"
    assert Voorziening.objects.get(aanvraag=aanvraag).zaakstatus == "Afgehandeld"


def test_waits_for_the_letter_to_be_stored(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, backoffice, zin_line())
    brief = letter(backoffice, aanvraag)
    beschik(backoffice, aanvraag, "toegekend", brief)

    # The letter's item comes first in the aanvraag's lane: the besluit is not even claimed before it.
    assert run_outbox(aanvraag, "besluit") == [None]
    assert reader.json("/besluiten/api/v1/besluiten")["count"] == 0
    run_outbox(aanvraag, "document")
    assert run_outbox(aanvraag, "besluit") == ["done"]
    assert reader.json("/besluiten/api/v1/besluiten")["count"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/besluiten/api/v1/besluiten",
        "/besluiten/api/v1/besluitinformatieobjecten",
        "/zaken/api/v1/resultaten",
        "/zaken/api/v1/statussen",
    ],
)
def test_lost_answers_create_nothing_twice(regie, backoffice, zgw, reader, sandbox, path):
    aanvraag = registered(regie, backoffice, zin_line())
    brief = letter(backoffice, aanvraag)
    run_outbox(aanvraag, "document")
    beschik(backoffice, aanvraag, "toegekend", brief)
    sandbox.add_fault(path, "reset_after_commit", method="POST")

    assert run_outbox(aanvraag, "besluit") == ["pending"]
    assert run_outbox(aanvraag, "besluit") == ["done"]

    (besluit,) = reader.json("/besluiten/api/v1/besluiten")["results"]
    assert len(reader.json("/besluiten/api/v1/besluitinformatieobjecten", besluit=besluit["url"])) == 1
    (zaak,) = reader.zaken()
    assert reader.json("/zaken/api/v1/resultaten", zaak=zaak["url"])["count"] == 1
    # initial, in behandeling (the verwerkbaar before it in the lane), besluit genomen
    assert reader.json("/zaken/api/v1/statussen", zaak=zaak["url"])["count"] == 3
    assert Besluit.objects.get(beschikking=Beschikking.objects.get()).url == besluit["url"]
