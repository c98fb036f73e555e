"""Store an attached document in the Documenten API and relate it to the aanvraag's zaken (outbox
handler `document`); the upload itself is `documenten.upload`."""

from __future__ import annotations

from contextlib import ExitStack

from regiekoppeling.models import Document
from regiekoppeling.outbox import PermanentError
from zaken.concurrent import run_now
from zaken.models import Zaak
from zaken.registration import config_for, document_belongs, open_clients, relate_document

from .clients import DocumentenClient
from .upload import document_failed, upload_step


def document_store(*, document_uuid: str) -> None:
    """Outbox handler: upload (once) and relate to every registered zaak of the aanvraag."""
    document = Document.objects.select_related("aanvraag__gemeente", "indiener").get(uuid=document_uuid)
    config = config_for(document.aanvraag)
    try:
        with ExitStack() as stack:
            clients = open_clients(config, stack)
            if not document.informatieobject:
                documenten = stack.enter_context(DocumentenClient.for_service(config.documenten_service))
                run_now(upload_step(clients.catalogi, documenten, document, config))
            # Zaken that are not registered yet relate the document at the end of their registration.
            for zaak in Zaak.objects.filter(aanvraag=document.aanvraag).exclude(url=""):
                if document_belongs(zaak, document):
                    relate_document(clients, zaak, document)
    except PermanentError as exc:
        document_failed(document, exc)
        raise
