"""Attached documents end up as enkelvoudiginformatieobjecten related to every zaak of the aanvraag."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from regiekoppeling.models import Aanvraag, Document
from tests.conftest import aanvraag_body, pgb_line, zin_line
from tests.zaken.conftest import run_outbox
from zaken.models import ZaakDocument

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 " + bytes(range(256)) * 8


@pytest.fixture(autouse=True)
def private_media(monkeypatch, tmp_path):
    monkeypatch.setattr(Document._meta.get_field("inhoud"), "storage", FileSystemStorage(location=str(tmp_path)))
    return tmp_path


def send(regie) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line()))
    assert response.status_code == 201
    return Aanvraag.objects.get(uuid=response.json()["uuid"])


def attach(regie, aanvraag: Aanvraag, content: bytes = CONTENT) -> Document:
    data = {
        "aanvraag": str(aanvraag.uuid),
        "titel": "Verslag keukentafelgesprek",
        "bestand": SimpleUploadedFile("verslag.pdf", content, content_type="application/pdf"),
    }
    headers = regie.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    response = regie.client.post("/api/v1/documenten", data, format="multipart", **headers)
    assert response.status_code == 201, response.content
    return Document.objects.get(uuid=response.json()["uuid"])


def download(reader, url: str) -> bytes:
    response = reader.get(url.split("?")[0] + "/download", headers={"Accept": "*/*"})
    assert response.status_code == 200
    return response.content


def relations(reader, zaak_url: str) -> list[str]:
    return [z["informatieobject"] for z in reader.json("/zaken/api/v1/zaakinformatieobjecten", zaak=zaak_url)]


def test_document_attached_after_registration(regie, zgw, reader, sandbox, private_media):
    aanvraag = send(regie)
    run_outbox(aanvraag, "zaak_registratie")
    document = attach(regie, aanvraag)

    assert run_outbox(aanvraag, "document") == ["done"]

    document.refresh_from_db()
    eio = reader.json(document.informatieobject)
    assert eio["titel"] == "Verslag keukentafelgesprek"
    assert eio["bestandsomvang"] == len(CONTENT)
    assert eio["informatieobjecttype"] == sandbox.seed["informatieobjecttypen"]["Bijlage"]
    assert download(reader, document.informatieobject) == CONTENT
    for zaak in reader.zaken():
        assert relations(reader, zaak["url"]) == [document.informatieobject]
    assert document.registratie == "opgeslagen"
    assert not document.inhoud  # the local copy is gone once the Documenten API has it
    assert [p for p in private_media.rglob("*") if p.is_file()] == []


def test_document_attached_before_registration_waits_for_it(regie, zgw, reader):
    aanvraag = send(regie)
    document = attach(regie, aanvraag)
    # The registration comes first in the aanvraag's lane: the document is not even claimed before it.
    assert run_outbox(aanvraag, "document") == [None]
    assert ZaakDocument.objects.count() == 0

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert run_outbox(aanvraag, "document") == ["done"]

    document.refresh_from_db()
    zaken = reader.zaken()
    assert len(zaken) == 2
    for zaak in zaken:
        assert relations(reader, zaak["url"]) == [document.informatieobject]


def test_large_file_goes_in_bestandsdelen(regie, zgw, reader, sandbox, settings):
    settings.DOCUMENT_BESTANDSDELEN_FROM_BYTES = 1000
    sandbox.set_chunk_size(1500)
    aanvraag = send(regie)
    run_outbox(aanvraag, "zaak_registratie")
    document = attach(regie, aanvraag)
    sandbox.clear_requests()

    assert run_outbox(aanvraag, "document") == ["done"]

    document.refresh_from_db()
    puts = [r for r in sandbox.requests if r["method"] == "PUT"]
    assert len(puts) == 2  # 2057 bytes in parts of 1500
    eio = reader.json(document.informatieobject)
    assert eio["locked"] is False
    assert download(reader, document.informatieobject) == CONTENT


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/documenten/api/v1/enkelvoudiginformatieobjecten", "reset_after_commit"),
        ("/documenten/api/v1/enkelvoudiginformatieobjecten", "500"),
        ("/zaken/api/v1/zaakinformatieobjecten", "reset_after_commit"),
        ("/zaken/api/v1/zaakinformatieobjecten", "500"),
    ],
)
def test_document_faults_create_nothing_twice(regie, zgw, reader, sandbox, path, kind):
    aanvraag = send(regie)
    run_outbox(aanvraag, "zaak_registratie")
    attach(regie, aanvraag)
    sandbox.add_fault(path, kind, method="POST")

    assert run_outbox(aanvraag, "document") == ["pending"]
    assert run_outbox(aanvraag, "document") == ["done"]

    documents = reader.json("/documenten/api/v1/enkelvoudiginformatieobjecten")
    assert documents["count"] == 1
    for zaak in reader.zaken():
        assert relations(reader, zaak["url"]) == [documents["results"][0]["url"]]


def test_informatieobjecttype_not_linked_to_the_zaaktype_is_permanent(regie, zgw, sandbox):
    zgw.informatieobjecttype_bijlage = "Interne notitie"  # exists, published, linked to no zaaktype
    zgw.save()
    aanvraag = send(regie)
    run_outbox(aanvraag, "zaak_registratie")
    document = attach(regie, aanvraag)

    assert run_outbox(aanvraag, "document") == ["dead"]

    document.refresh_from_db()
    assert document.registratie == "mislukt"
    assert "niet gekoppeld" in document.registratie_fouten[0]["detail"]


def test_base64_is_what_is_sent_for_small_files(regie, zgw, sandbox):
    aanvraag = send(regie)
    run_outbox(aanvraag, "zaak_registratie")
    attach(regie, aanvraag, content=b"%PDF-1.4 klein")
    sandbox.clear_requests()
    run_outbox(aanvraag, "document")
    (post,) = [
        r for r in sandbox.requests if r["method"] == "POST" and r["path"].endswith("enkelvoudiginformatieobjecten")
    ]
    assert base64.b64decode(post["body"]["inhoud"]) == b"%PDF-1.4 klein"
    assert post["body"]["taal"] == "dut"
    assert post["body"]["indicatieGebruiksrecht"] is False
