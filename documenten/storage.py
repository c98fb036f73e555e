"""Store an attached document in the Documenten API and relate it to the aanvraag's zaken.

Small files go in one POST (base64 `inhoud`); files from DOCUMENT_BESTANDSDELEN_FROM_BYTES on use
the bestandsdelen flow (metadata, PUT each part with the lock, unlock). Our own identificatie
makes a lost answer recoverable: the rerun looks the document up instead of creating it again.
"""

from __future__ import annotations

import base64
from contextlib import ExitStack

from django.conf import settings
from django.utils import timezone

from regiekoppeling.models import Document
from regiekoppeling.outbox import PermanentError
from zaken import catalogus, mapping
from zaken.clients import JSON, CatalogiClient
from zaken.models import Zaak, ZGWConfig
from zaken.registration import config_for, document_belongs, open_clients, relate_document

from .clients import DocumentenClient, read_exactly


def _identificatie(document: Document) -> str:
    return f"RK-DOC-{document.uuid.hex[:24].upper()}"


def _body(document: Document, bronorganisatie: str, informatieobjecttype: str, *, inline: bool) -> JSON:
    body: JSON = {
        "identificatie": _identificatie(document),
        "bronorganisatie": bronorganisatie,
        "creatiedatum": timezone.localdate(document.aangemaakt_op).isoformat(),
        "titel": document.titel,
        "beschrijving": document.beschrijving,
        "auteur": (document.auteur or document.indiener.naam)[:200],
        "taal": "dut",
        "informatieobjecttype": informatieobjecttype,
        "bestandsnaam": document.bestandsnaam,
        "formaat": document.formaat,
        "bestandsomvang": document.bestandsomvang,
        "vertrouwelijkheidaanduiding": "vertrouwelijk",
        "status": "definitief",
        # Must be set before a zaak can be closed; documents sent by the regie carry no rights.
        "indicatieGebruiksrecht": False,
    }
    if inline:
        with document.inhoud.open("rb") as handle:
            body["inhoud"] = base64.b64encode(handle.read()).decode()
    else:
        body["inhoud"] = None
    return body


def _upload(client: DocumentenClient, document: Document, body: JSON) -> str:
    created = client.create_enkelvoudiginformatieobject(body)
    parts = created.get("bestandsdelen") or []
    if body["inhoud"] is None and parts:
        lock = created["lock"]
        with document.inhoud.open("rb") as handle:
            for part in sorted(parts, key=lambda p: p["volgnummer"]):
                chunk = read_exactly(handle, int(part["omvang"]))
                client.upload_bestandsdeel(part["url"], lock=lock, chunk=chunk, filename=document.bestandsnaam)
        client.unlock(created["url"], lock=lock)
    return str(created["url"])


def document_store(*, document_uuid: str) -> None:
    """Outbox handler: upload (once) and relate to every registered zaak of the aanvraag."""
    document = Document.objects.select_related("aanvraag__gemeente", "indiener").get(uuid=document_uuid)
    config = config_for(document.aanvraag)
    try:
        with ExitStack() as stack:
            clients = open_clients(config, stack)
            if not document.informatieobject:
                documenten = stack.enter_context(DocumentenClient.for_service(config.documenten_service))
                document.informatieobject = _store(clients.catalogi, documenten, document, config)
                document.registratie = Document.Registratie.OPGESLAGEN
                document.registratie_fouten = []
                document.save(update_fields=["informatieobject", "registratie", "registratie_fouten"])
                document.inhoud.delete(save=True)  # the Documenten API holds it now
            # Zaken that are not registered yet relate the document at the end of their registration.
            for zaak in Zaak.objects.filter(aanvraag=document.aanvraag).exclude(url=""):
                if document_belongs(zaak, document):
                    relate_document(clients, zaak, document)
    except PermanentError as exc:
        Document.objects.filter(pk=document.pk).update(
            registratie=Document.Registratie.MISLUKT,
            registratie_fouten=[{"detail": str(exc), "invalid_params": exc.details or []}],
        )
        raise


def _store(catalogi: CatalogiClient, documenten: DocumentenClient, document: Document, config: ZGWConfig) -> str:
    # A document without a soort gets the informatieobjecttype of its product's mapping (or the default).
    zaaktype_identificatie, default_iotype = mapping.document_types(config, document.aanvraag)
    zaaktype = catalogus.zaaktype(catalogi, catalogus=config.catalogus, identificatie=zaaktype_identificatie)
    iotype = catalogus.informatieobjecttype_url(
        catalogi, catalogus=config.catalogus, omschrijving=document.soort or default_iotype, zaaktype=zaaktype
    )
    if document.upload_gestart:
        # An earlier attempt sent the POST; its answer may have been lost after the server stored it.
        existing = documenten.find_enkelvoudiginformatieobject(
            identificatie=_identificatie(document), bronorganisatie=config.bronorganisatie
        )
        if existing is not None:
            return str(existing["url"])
    else:
        document.upload_gestart = True
        document.save(update_fields=["upload_gestart"])
    inline = (document.bestandsomvang or 0) < settings.DOCUMENT_BESTANDSDELEN_FROM_BYTES
    return _upload(documenten, document, _body(document, config.bronorganisatie, iotype, inline=inline))
