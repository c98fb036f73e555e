"""Documents tell too: a bericht for the parties, attached to one voorziening with soort and auteur, and
the content downloadable through the API, scoped like every read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regiekoppeling.models import Aanvraag, Document, OutboxItem, Voorziening
from tests.zaken.conftest import run_outbox
from tests.zaken.test_documenten import CONTENT, private_media, relations, send  # noqa: F401 - fixture
from zaken.models import Zaak

pytestmark = pytest.mark.django_db


def upload(api, aanvraag: Aanvraag, **extra: Any) -> Any:
    data = {
        "aanvraag": str(aanvraag.uuid),
        "titel": "Budgetplan",
        "bestand": SimpleUploadedFile('budget plan".pdf', CONTENT, content_type="application/pdf"),
        **extra,
    }
    headers = api.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    return api.client.post("/api/v1/documenten", data, format="multipart", **headers)


def content_of(api, document: Document) -> Any:
    return api.client.get(f"/api/v1/documenten/{document.uuid}/inhoud", **api.headers())


def test_a_document_for_one_voorziening_with_soort_and_auteur(regie, zgw, reader, sandbox):
    aanvraag = send(regie)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    first, second = Voorziening.objects.filter(aanvraag=aanvraag).order_by("volgnummer")
    response = upload(regie, aanvraag, voorziening=str(second.uuid), soort="Budgetplan", auteur="J. de Vries")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["voorziening"].endswith(f"/voorzieningen/{second.uuid}") and body["auteur"] == "J. de Vries"
    assert body["inhoud"].endswith(f"/documenten/{body['uuid']}/inhoud")
    [bericht] = [i for i in OutboxItem.objects.filter(handler="bericht") if i.payload["resource"] == "document"]
    assert bericht.payload["kenmerken"] == {
        "gemeente": "0363",
        "wet": "WMO",
        "soort": "Budgetplan",
        "voorziening": str(second.uuid),
    }

    assert run_outbox(aanvraag, "document") == ["done"]
    document = Document.objects.get(uuid=body["uuid"])
    eio = reader.json(document.informatieobject)
    assert eio["auteur"] == "J. de Vries"
    assert reader.json(eio["informatieobjecttype"])["omschrijving"] == "Budgetplan"
    zaak_first = Zaak.objects.get(voorzieningen=first)
    zaak_second = Zaak.objects.get(voorzieningen=second)
    assert relations(reader, zaak_second.url) == [document.informatieobject]
    assert relations(reader, zaak_first.url) == []


def test_a_voorziening_of_another_aanvraag_is_400_and_nothing_stored(regie, zgw):
    aanvraag, other = send(regie), send(regie)
    foreign = Voorziening.objects.filter(aanvraag=other).first()
    assert foreign is not None
    documents = Document.objects.count()
    response = upload(regie, aanvraag, voorziening=str(foreign.uuid))
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["voorziening"]
    assert Document.objects.count() == documents


def test_the_content_is_streamed_before_and_after_storage_to_who_may_see_it(
    regie, backoffice, andere_regie, vreemde_backoffice, zgw, sandbox
):
    aanvraag = send(regie)
    response = upload(regie, aanvraag)
    document = Document.objects.get(uuid=response.json()["uuid"])
    for api in (regie, backoffice):  # still in our private storage
        got = content_of(api, document)
        assert got.status_code == 200 and got.streaming
        assert b"".join(got.streaming_content) == CONTENT
        assert got["Content-Disposition"] == 'attachment; filename="budget plan_.pdf"'
    run_outbox(aanvraag, "zaak_registratie")
    run_outbox(aanvraag, "document")
    document.refresh_from_db()
    assert not document.inhoud and document.informatieobject  # now only in the Documenten API
    got = content_of(backoffice, document)
    assert got.status_code == 200 and b"".join(got.streaming_content) == CONTENT
    for api in (andere_regie, vreemde_backoffice):
        assert content_of(api, document).status_code == 404


def test_a_documenten_api_that_is_down_is_503(regie, zgw, sandbox):
    aanvraag = send(regie)
    document = Document.objects.get(uuid=upload(regie, aanvraag).json()["uuid"])
    run_outbox(aanvraag, "zaak_registratie")
    run_outbox(aanvraag, "document")
    sandbox.add_fault("/documenten/api/v1/enkelvoudiginformatieobjecten/*/download", "503", method="GET")
    got = content_of(regie, document)
    assert got.status_code == 503 and got["Content-Type"] == "application/problem+json"
