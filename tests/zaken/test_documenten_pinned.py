"""What `documenten/storage.py` does, pinned so that removing or bending it fails (issue 15): the
threshold of the bestandsdelen flow at its exact byte, and the first attempt marked before its POST
without a lookup (a lookup is for a rerun after a POST whose answer may be lost), and a refusal kept
on the document with its invalid params."""

from __future__ import annotations

import pytest

from documenten import storage, upload
from tests.zaken.conftest import run_outbox
from tests.zaken.test_documenten import CONTENT, attach, private_media, send  # noqa: F401
from zaken.clients import ZGWRequestError

pytestmark = pytest.mark.django_db
EIO = "/documenten/api/v1/enkelvoudiginformatieobjecten"


@pytest.mark.parametrize(("size", "in_parts"), [(len(CONTENT), True), (len(CONTENT) - 1, False)])
def test_a_file_of_the_threshold_size_goes_in_parts_one_byte_less_inline(regie, zgw, sandbox, settings, size, in_parts):
    settings.DOCUMENT_BESTANDSDELEN_FROM_BYTES = len(CONTENT)
    aanvraag = send(regie)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    attach(regie, aanvraag, content=CONTENT[:size])
    sandbox.clear_requests()

    assert run_outbox(aanvraag, "document") == ["done"]

    (post,) = [r for r in sandbox.requests if r["method"] == "POST" and r["path"] == EIO]
    puts = [r for r in sandbox.requests if r["method"] == "PUT"]
    assert (post["body"]["inhoud"] is None, len(puts) > 0) == (in_parts, in_parts)


def test_the_first_attempt_is_marked_and_posts_without_a_lookup(regie, zgw, sandbox, reader):
    aanvraag = send(regie)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    document = attach(regie, aanvraag)
    sandbox.clear_requests()

    assert run_outbox(aanvraag, "document") == ["done"]

    assert [r["method"] for r in sandbox.requests if r["path"] == EIO] == ["POST"]
    document.refresh_from_db()
    assert document.upload_gestart is True
    # Our own identificatie, by which a rerun finds the document: the same in every version.
    assert reader.json(document.informatieobject)["identificatie"] == f"RK-DOC-{document.uuid.hex[:24].upper()}"


def test_a_refusal_is_stored_on_the_document_with_its_invalid_params(regie, zgw, monkeypatch):
    aanvraag = send(regie)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    document = attach(regie, aanvraag)
    params = [{"name": "titel", "code": "max_length", "reason": "Te lang."}]
    refusal = ZGWRequestError("POST", "http://documenten.example/eio", 400, {"invalidParams": params})

    def refused(*args: object, **kwargs: object) -> str:
        raise refusal

    monkeypatch.setattr(upload, "_upload", refused)

    with pytest.raises(ZGWRequestError):
        storage.document_store(document_uuid=str(document.uuid))

    document.refresh_from_db()
    assert document.registratie == "mislukt"
    assert document.registratie_fouten == [{"detail": str(refusal), "invalid_params": params}]
