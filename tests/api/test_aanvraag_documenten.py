"""Documents sent inside the aanvraag (`documenten`, content in base64): checked like an upload, stored
in the aanvraag's own transaction, queued behind its registration; a bad one stores nothing at all."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.core.files.storage import FileSystemStorage
from zgw_consumers.constants import APITypes
from zgw_consumers.models import Service

from regiekoppeling.models import Aanvraag, Document, OutboxItem
from tests.conftest import aanvraag_body

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 verslag keukentafelgesprek\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture(autouse=True)
def private_media(monkeypatch, tmp_path):
    monkeypatch.setattr(Document._meta.get_field("inhoud"), "storage", FileSystemStorage(location=str(tmp_path)))
    return tmp_path


def inline(content: bytes = PDF, **extra) -> dict:
    return {
        "titel": "Verslag",
        "bestandsnaam": "verslag.pdf",
        "formaat": "application/pdf",
        "inhoud": base64.b64encode(content).decode(),
        **extra,
    }


def post(api, documenten: list[dict], key: str | None = None):
    body = {**aanvraag_body(), "documenten": documenten}
    return api.post("/api/v1/aanvragen", body, key=key)


def files_in(private_media) -> list:
    return [p for p in private_media.rglob("*") if p.is_file()]


def assert_nothing_stored(private_media) -> None:
    assert Aanvraag.objects.count() == 0
    assert Document.objects.count() == 0
    assert OutboxItem.objects.count() == 0
    assert files_in(private_media) == []


def test_documents_are_stored_with_the_aanvraag_and_queued_after_its_registration(regie, private_media):
    response = post(regie, [inline(), inline(PNG, titel="Foto", bestandsnaam="trap.png", formaat="image/png")])

    assert response.status_code == 201, response.content
    body = response.json()
    documents = list(Document.objects.order_by("id"))
    assert [d["uuid"] for d in body["documenten"]] == [str(d.uuid) for d in documents]
    assert [(d["titel"], d["bestandsnaam"], d["formaat"], d["bestandsomvang"]) for d in body["documenten"]] == [
        ("Verslag", "verslag.pdf", "application/pdf", len(PDF)),
        ("Foto", "trap.png", "image/png", len(PNG)),
    ]
    assert [d.inhoud.read() for d in documents] == [PDF, PNG]
    assert {d.aanvraag.uuid for d in documents} == {uuid.UUID(body["uuid"])}
    assert all(d.indiener == regie.applicatie and d.registratie == "wacht" for d in documents)
    # The registration is queued first: it finds the documents and stores them with the zaak.
    handlers = [(i.handler, i.payload.get("document")) for i in OutboxItem.objects.order_by("id")]
    assert handlers[0] == ("zaak_registratie", None)
    assert [h for h in handlers if h[0] == "document"] == [("document", str(d.uuid)) for d in documents]
    assert handlers.index(("document", str(documents[0].uuid))) > 0
    # The detail shows them as the list does, with a download link.
    shown = regie.get(f"/api/v1/aanvragen/{body['uuid']}").json()["documenten"]
    assert shown == body["documenten"]
    assert b"".join(regie.get(shown[0]["inhoud"]).streaming_content) == PDF


def test_a_reference_is_stored_as_already_in_the_documenten_api(regie):
    Service.objects.create(
        label="Documenten", slug="drc", api_type=APITypes.drc, api_root="https://documenten.example.nl/api/v1/"
    )
    url = "https://documenten.example.nl/api/v1/enkelvoudiginformatieobjecten/0c5e0e6c-0ab5-4fd4-9a8b-3d1b1f6f0a11"
    response = post(regie, [{"titel": "Plan", "informatieobject": url}])

    assert response.status_code == 201, response.content
    assert response.json()["documenten"][0]["informatieobject"] == url
    assert response.json()["documenten"][0]["registratie"] == "opgeslagen"


def invalid(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    return [(p["name"], p["code"]) for p in response.json()["invalidParams"]]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (inline(b"MZ\x90\x00", formaat="application/x-msdownload"), ("documenten.1.inhoud", "type_niet_toegestaan")),
        (inline(b"not a pdf at all"), ("documenten.1.inhoud", "inhoud_niet_het_type")),
        ({**inline(), "inhoud": "JVBER i0x"}, ("documenten.1.inhoud", "invalid")),
        ({**inline(), "inhoud": "JVBERi0"}, ("documenten.1.inhoud", "invalid")),
        ({**inline(), "inhoud": ""}, ("documenten.1.inhoud", "empty")),
        ({**inline(), "inhoud": 12}, ("documenten.1.inhoud", "not_a_string")),
        ({"titel": "Niets"}, ("documenten.1.inhoud", "een_van_beide")),
        ({**inline(), "informatieobject": "https://documenten.example.nl/x"}, ("documenten.1.inhoud", "een_van_beide")),
        ({k: v for k, v in inline().items() if k != "formaat"}, ("documenten.1.formaat", "required")),
        ({k: v for k, v in inline().items() if k != "bestandsnaam"}, ("documenten.1.bestandsnaam", "required")),
        (
            {"titel": "Plan", "informatieobject": "https://evil.example/doc/1"},
            ("documenten.1.informatieobject", "onbekende_api"),
        ),
        ({**inline(), "grootte": 3}, ("documenten.1.grootte", "unknown_field")),
    ],
)
def test_a_bad_document_is_named_and_nothing_is_stored(regie, private_media, requests_mock, document, expected):
    response = post(regie, [inline(), document])

    assert expected in invalid(response)
    assert requests_mock.call_count == 0
    assert_nothing_stored(private_media)


def test_document_problems_come_with_the_other_problems(regie, private_media):
    body = {**aanvraag_body(), "documenten": [inline(b"plain text")]}
    body["voorzieningen"][0]["leveringsvorm"] = "XYZ"
    response = regie.post("/api/v1/aanvragen", body)
    # The line's syntax error is found first (serializer); the document is not looked at yet.
    assert ("voorzieningen.0.leveringsvorm", "invalid_choice") in invalid(response)

    body["voorzieningen"][0]["leveringsvorm"] = "ZIN"
    body["gemeente"] = "9999"
    names = invalid(regie.post("/api/v1/aanvragen", body))
    assert ("documenten.0.inhoud", "inhoud_niet_het_type") in names
    assert any(name == "gemeente" for name, _ in names)
    assert_nothing_stored(private_media)


def test_a_file_over_the_document_limit_is_a_400_naming_it(regie, private_media, settings):
    settings.DOCUMENT_MAX_BYTES = len(PDF) - 1
    assert invalid(post(regie, [inline()])) == [("documenten.0.inhoud", "te_groot")]
    assert_nothing_stored(private_media)


def test_at_most_ten_documents(regie, private_media):
    assert ("documenten", "max_length") in invalid(post(regie, [inline()] * 11))
    assert_nothing_stored(private_media)


def test_a_failure_after_the_files_were_written_leaves_no_file(regie, private_media, monkeypatch):
    from regiekoppeling import documents

    real_publish = documents.outbox_publish
    calls = []

    def publish_then_fail(**kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second document: the first one's file is already on disk
            raise RuntimeError("database went away")
        return real_publish(**kwargs)

    monkeypatch.setattr(documents, "outbox_publish", publish_then_fail)
    with pytest.raises(RuntimeError):
        post(regie, [inline(), inline(PNG, bestandsnaam="trap.png", formaat="image/png")])
    assert len(calls) == 2
    assert_nothing_stored(private_media)


def test_a_replay_answers_the_same_without_a_second_copy(regie, private_media):
    key = str(uuid.uuid4())
    first = post(regie, [inline()], key=key)
    second = post(regie, [inline()], key=key)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert Document.objects.count() == 1
    assert len(files_in(private_media)) == 1
    assert post(regie, [inline(PDF + b"changed")], key=key).status_code == 422
