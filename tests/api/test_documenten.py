"""Caseworkers attach documents to an aanvraag: uploads are checked, kept privately and queued."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from zgw_consumers.constants import APITypes
from zgw_consumers.models import Service

from regiekoppeling.documents import Refused
from regiekoppeling.models import Document, OutboxItem
from tests.conftest import aanvraag_body

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 test document\n"


@pytest.fixture
def aanvraag(regie) -> dict:
    response = regie.post("/api/v1/aanvragen", aanvraag_body())
    assert response.status_code == 201
    return response.json()


@pytest.fixture(autouse=True)
def private_media(monkeypatch, tmp_path):
    # The field holds its (lazy) storage object; point it at a fresh directory per test.
    monkeypatch.setattr(Document._meta.get_field("inhoud"), "storage", FileSystemStorage(location=str(tmp_path)))
    return tmp_path


def upload(api, aanvraag_uuid: str, *, content: bytes = PDF, content_type: str = "application/pdf", key=None, **extra):
    data = {"aanvraag": aanvraag_uuid, "titel": "Verslag keukentafelgesprek", **extra}
    if content is not None:
        data["bestand"] = SimpleUploadedFile("verslag.pdf", content, content_type=content_type)
    headers = api.headers(HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()))
    return api.client.post("/api/v1/documenten", data, format="multipart", **headers)


def test_upload_is_stored_privately_and_queued(regie, aanvraag, private_media):
    before = OutboxItem.objects.count()
    response = upload(regie, aanvraag["uuid"])

    assert response.status_code == 201, response.content
    body = response.json()
    document = Document.objects.get()
    assert body["uuid"] == str(document.uuid)
    assert body["aanvraag"] == aanvraag["url"]
    assert body["titel"] == "Verslag keukentafelgesprek"
    assert body["bestandsnaam"] == "verslag.pdf"
    assert body["formaat"] == "application/pdf"
    assert body["bestandsomvang"] == len(PDF)
    assert body["informatieobject"] is None
    assert body["registratie"] == "wacht"
    assert document.inhoud.read() == PDF
    assert (private_media / document.inhoud.name).read_bytes() == PDF
    assert document.indiener == regie.applicatie
    # The document to store, and the bericht that tells the parties.
    items = list(OutboxItem.objects.order_by("id")[before:])
    assert [(i.handler, i.payload.get("document")) for i in items] == [
        ("document", str(document.uuid)),
        ("bericht", None),
    ]
    assert (items[1].payload["resource"], items[1].payload["uuid"]) == ("document", str(document.uuid))
    # The aanvraag shows its documents.
    assert [d["uuid"] for d in regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").json()["documenten"]] == [
        str(document.uuid)
    ]


def test_replay_with_the_same_file_returns_the_same_document(regie, aanvraag):
    key = str(uuid.uuid4())
    first = upload(regie, aanvraag["uuid"], key=key)
    second = upload(regie, aanvraag["uuid"], key=key)
    other_file = upload(regie, aanvraag["uuid"], key=key, content=PDF + b"changed")

    assert first.status_code == second.status_code == 201
    assert second.json()["uuid"] == first.json()["uuid"]
    assert other_file.status_code == 422
    assert Document.objects.count() == 1


def test_reference_to_a_configured_documenten_api(regie, aanvraag):
    Service.objects.create(
        label="Documenten", slug="drc", api_type=APITypes.drc, api_root="https://documenten.example.nl/api/v1/"
    )
    url = "https://documenten.example.nl/api/v1/enkelvoudiginformatieobjecten/0c5e0e6c-0ab5-4fd4-9a8b-3d1b1f6f0a11"
    response = upload(regie, aanvraag["uuid"], content=None, informatieobject=url)

    assert response.status_code == 201, response.content
    assert response.json()["informatieobject"] == url
    assert response.json()["registratie"] == "opgeslagen"


def assert_nothing_stored(private_media) -> None:
    assert Document.objects.count() == 0
    assert not OutboxItem.objects.filter(handler="document").exists()
    assert [p for p in private_media.rglob("*") if p.is_file()] == []


def test_reference_to_an_unconfigured_host_is_refused_without_a_request(regie, aanvraag, private_media, requests_mock):
    response = upload(regie, aanvraag["uuid"], content=None, informatieobject="https://evil.example/doc/1")

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "informatieobject"
    assert requests_mock.call_count == 0
    assert_nothing_stored(private_media)


def test_file_type_not_allowed(regie, aanvraag, private_media):
    response = upload(regie, aanvraag["uuid"], content=b"MZ\x90\x00", content_type="application/x-msdownload")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0] == {
        "name": "bestand",
        "code": "type_niet_toegestaan",
        "reason": "Bestandstype 'application/x-msdownload' is niet toegestaan.",
    }
    assert_nothing_stored(private_media)


def test_file_too_large_is_413(regie, aanvraag, private_media, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    response = upload(regie, aanvraag["uuid"], content=b"x" * 101, content_type="text/plain")
    assert response.status_code == 413
    assert_nothing_stored(private_media)


def test_body_far_over_the_limit_is_413_before_parsing(regie, aanvraag, private_media, settings):
    settings.DOCUMENT_MAX_BYTES = 10
    response = upload(regie, aanvraag["uuid"], content=b"x" * 200_000, content_type="text/plain")
    assert response.status_code == 413
    assert_nothing_stored(private_media)


def refuse_everything(upload):
    raise Refused("Virus gevonden: EICAR-Test-File")


def test_scan_hook_refuses(regie, aanvraag, private_media, settings):
    settings.DOCUMENT_SCAN_HOOK = "tests.api.test_documenten.refuse_everything"
    response = upload(regie, aanvraag["uuid"])
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["reason"] == "Virus gevonden: EICAR-Test-File"
    assert_nothing_stored(private_media)


def test_both_file_and_reference_is_400(regie, aanvraag, private_media):
    response = upload(regie, aanvraag["uuid"], informatieobject="https://documenten.example.nl/x")
    assert response.status_code == 400
    assert_nothing_stored(private_media)


def test_document_for_a_foreign_aanvraag_is_refused(andere_regie, aanvraag, private_media):
    # Not visible is not found (README "Not visible is not found"): the same answer as an unknown one.
    response = upload(andere_regie, aanvraag["uuid"])
    unknown = upload(andere_regie, str(uuid.uuid4()))
    assert (response.status_code, response.json()["detail"]) == (404, "Aanvraag niet gevonden.")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "Aanvraag niet gevonden.")
    assert_nothing_stored(private_media)


def test_backoffice_reads_and_attaches_its_letter(backoffice, regie, aanvraag):
    assert upload(regie, aanvraag["uuid"]).status_code == 201
    assert len(backoffice.get("/api/v1/documenten").json()["results"]) == 1
    assert upload(backoffice, aanvraag["uuid"], titel="Beschikkingsbrief").status_code == 201
    assert len(regie.get("/api/v1/documenten").json()["results"]) == 2


def test_backoffice_of_another_gemeente_cannot_attach(vreemde_backoffice, aanvraag):
    assert upload(vreemde_backoffice, aanvraag["uuid"]).status_code == 404


# --- issue 12: what the bytes are, and where a reference points -------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf"),  # a Windows program
        (b"\x7fELF\x02\x01\x01\x00", "application/pdf"),  # a Linux program
        (b"PK\x03\x04 a zip", "application/pdf"),
        (b"%PDF-1.4 but claimed as a picture", "image/png"),
        (b"\x7fELF\x02\x01\x01\x00", "text/plain"),
        (b"#!/bin/sh\nrm -rf /\n", "text/plain"),
        (b"text with a \x00 byte", "text/plain"),
        (b"\xff\xfe not utf-8", "text/plain"),
        (b"MZ\x90\x00", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_content_that_is_not_its_declared_type(regie, aanvraag, private_media, content, content_type):
    response = upload(regie, aanvraag["uuid"], content=content, content_type=content_type)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["invalidParams"] == [
        {
            "name": "bestand",
            "code": "inhoud_niet_het_type",
            "reason": f"De inhoud van het bestand is geen '{content_type}'.",
        }
    ]
    assert_nothing_stored(private_media)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        ("Verslag: één keukentafelgesprek\n".encode() * 1000, "text/plain"),
        (b"PK\x03\x04\x14\x00\x06\x00", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_content_that_is_its_declared_type(regie, aanvraag, content, content_type):
    response = upload(regie, aanvraag["uuid"], content=content, content_type=content_type)
    assert response.status_code == 201, response.content
    assert Document.objects.get().inhoud.read() == content


@pytest.fixture
def documenten_api(db):
    return Service.objects.create(
        label="Documenten", slug="drc", api_type=APITypes.drc, api_root="https://documenten.example.nl/api/v1/"
    )


@pytest.mark.parametrize(
    "path",
    [
        "../../admin/secret",
        "enkelvoudiginformatieobjecten/../../../internal",
        "%2e%2e/%2E%2E/internal",
        "..\\..\\internal",
        "./../v2/enkelvoudiginformatieobjecten/1",
    ],
)
def test_reference_that_leaves_the_api_root_is_refused(
    regie, aanvraag, private_media, requests_mock, documenten_api, path
):
    url = f"https://documenten.example.nl/api/v1/{path}"
    response = upload(regie, aanvraag["uuid"], content=None, informatieobject=url)

    assert response.status_code == 400, response.content
    assert response.json()["invalidParams"][0]["name"] == "informatieobject"
    assert response.json()["invalidParams"][0]["code"] == "onbekende_api"
    assert requests_mock.call_count == 0
    assert_nothing_stored(private_media)


def test_reference_with_dot_segments_inside_the_root_is_stored_resolved(regie, aanvraag, documenten_api):
    target = "https://documenten.example.nl/api/v1/enkelvoudiginformatieobjecten/0c5e0e6c"
    url = "https://documenten.example.nl/api/v1/zaken/../enkelvoudiginformatieobjecten/./0c5e0e6c"
    response = upload(regie, aanvraag["uuid"], content=None, informatieobject=url)

    assert response.status_code == 201, response.content
    assert response.json()["informatieobject"] == target


def test_reference_to_a_host_that_only_starts_like_the_root(regie, aanvraag, private_media):
    Service.objects.create(label="D", slug="d", api_type=APITypes.drc, api_root="https://documenten.example.nl")
    url = "https://documenten.example.nl.evil.example/api/v1/enkelvoudiginformatieobjecten/1"
    response = upload(regie, aanvraag["uuid"], content=None, informatieobject=url)

    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "informatieobject"
    assert_nothing_stored(private_media)


def test_a_multipart_field_given_twice_is_refused_not_last_one_wins(regie, aanvraag, private_media):
    """As for JSON (tests/api/test_strict_input.py): two `titel` parts, or two files, are a 400 naming
    the field, and nothing is stored."""
    headers = regie.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    body = encode_multipart(
        BOUNDARY,
        {
            "aanvraag": aanvraag["uuid"],
            "titel": ["Verslag", "Iets anders"],
            "bestand": SimpleUploadedFile("verslag.pdf", PDF, content_type="application/pdf"),
        },
    )
    response = regie.client.post("/api/v1/documenten", body, content_type=MULTIPART_CONTENT, **headers)
    assert response.status_code == 400, response.content
    assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [("titel", "duplicate_key")]

    files = encode_multipart(
        BOUNDARY,
        {
            "aanvraag": aanvraag["uuid"],
            "titel": "Verslag",
            "bestand": [
                SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf"),
            ],
        },
    )
    headers = regie.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    response = regie.client.post("/api/v1/documenten", files, content_type=MULTIPART_CONTENT, **headers)
    assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [("bestand", "duplicate_key")]
    assert not Document.objects.exists()
    assert_nothing_stored(private_media)


def test_download_through_a_service_without_a_secret_is_503_naming_the_setup(regie, aanvraag, requests_mock, caplog):
    # Found by the fuzzer: zgw-consumers makes the JWT per request and an empty secret raised out of the
    # view as a 500. Nothing is sent; the answer says the connection is not set up.
    Service.objects.create(
        label="Documenten", slug="drc", api_type=APITypes.drc, api_root="https://documenten.example.nl/api/v1/"
    )
    url = "https://documenten.example.nl/api/v1/enkelvoudiginformatieobjecten/0c5e0e6c-0ab5-4fd4-9a8b-3d1b1f6f0a11"
    document = upload(regie, aanvraag["uuid"], content=None, informatieobject=url).json()

    response = regie.get(document["inhoud"])

    assert response.status_code == 503
    assert response.json()["detail"] == "De koppeling met de Documenten API is niet goed ingesteld."
    assert requests_mock.call_count == 0
    assert "cannot be used" in caplog.text
