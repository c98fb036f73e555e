"""One document to the Documenten API, as a step of a unit of work (`zaken.concurrent.Remote`).

Small files go in one POST (base64 `inhoud`); files from DOCUMENT_BESTANDSDELEN_FROM_BYTES on use
the bestandsdelen flow (metadata, PUT each part with the lock, unlock). Our own identificatie
makes a lost answer recoverable: the rerun looks the document up instead of creating it again.
The registration of an aanvraag stores the documents that arrive while it runs (so they do not wait
for a worker of their own); the document's own outbox item does the rest.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils import timezone

from regiekoppeling.models import Document
from regiekoppeling.outbox import PermanentError
from zaken import catalogus, mapping
from zaken.clients import JSON, CatalogiClient
from zaken.concurrent import Remote
from zaken.models import ZGWConfig

from .clients import DocumentenClient, read_exactly


def _identificatie(document: Document) -> str:
    return f"RK-DOC-{document.uuid.hex[:24].upper()}"


def _body(document: Document, bronorganisatie: str, informatieobjecttype: str) -> JSON:
    """The metadata; `inhoud` None (the bestandsdelen flow) until the call puts the content in."""
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
        "inhoud": None,
    }
    return body


def _inline(document: Document) -> str:
    with document.inhoud.open("rb") as handle:
        return base64.b64encode(handle.read()).decode()


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


def upload_step(
    catalogi: CatalogiClient,
    documenten: DocumentenClient,
    document: Document,
    config: ZGWConfig,
    *,
    types: tuple[str, str] | None = None,
    marked: bool = False,
) -> Remote[str]:
    """The types and the committed "sent" marker here; the call uploads (or finds what an earlier
    attempt uploaded); its store keeps the URL and drops our copy of the content. `types`: the
    aanvraag's `mapping.document_types`, when the caller has them (the same for all its documents).
    `marked`: the caller committed the marker of this document's first attempt (`mark_uploads`)."""
    # A document without a soort gets the informatieobjecttype of its product's mapping (or the default).
    zaaktype_identificatie, default_iotype = types or mapping.document_types(config, document.aanvraag)
    zaaktype = catalogus.zaaktype(catalogi, catalogus=config.catalogus, identificatie=zaaktype_identificatie)
    iotype = catalogus.informatieobjecttype_url(
        catalogi, catalogus=config.catalogus, omschrijving=document.soort or default_iotype, zaaktype=zaaktype
    )
    # An earlier attempt sent the POST; its answer may have been lost after the server stored it.
    sent_before = document.upload_gestart
    if not sent_before:
        document.upload_gestart = True
        if not marked:
            document.save(update_fields=["upload_gestart"])
    inline = (document.bestandsomvang or 0) < settings.DOCUMENT_BESTANDSDELEN_FROM_BYTES
    body = _body(document, config.bronorganisatie, iotype)

    def call() -> str:
        if sent_before:
            existing = documenten.find_enkelvoudiginformatieobject(
                identificatie=_identificatie(document), bronorganisatie=config.bronorganisatie
            )
            if existing is not None:
                return str(existing["url"])
        return _upload(documenten, document, {**body, "inhoud": _inline(document)} if inline else body)

    return Remote(call, lambda url: document_stored(document, url))


def mark_uploads(documents: list[Document]) -> None:
    """The markers of the first attempts of these documents' uploads, in one committed UPDATE (each
    `upload_step` then called with `marked=True`): a registration starts its documents together."""
    first = [d.pk for d in documents if not d.upload_gestart]
    if first:
        Document.objects.filter(pk__in=first).update(upload_gestart=True)


def document_stored(document: Document, informatieobject: str) -> None:
    """Keep the URL and drop our copy of the content (the Documenten API holds it now), in one UPDATE:
    `FieldFile.delete(save=True)` wrote every column a second time. The file goes after the row: a crash
    in between leaves an unused file, never a row pointing at a file that is gone."""
    document.informatieobject = informatieobject
    document.registratie = Document.Registratie.OPGESLAGEN
    document.registratie_fouten = []
    stored = document.inhoud.name
    storage = document.inhoud.storage
    document.inhoud = None
    document.save(update_fields=["informatieobject", "registratie", "registratie_fouten", "inhoud"])
    if stored:
        storage.delete(stored)


def document_failed(document: Document, error: PermanentError) -> None:
    """The Documenten API refused it: the document says why (its outbox item is dead; re-queued by hand)."""
    Document.objects.filter(pk=document.pk).update(
        registratie=Document.Registratie.MISLUKT,
        registratie_fouten=[{"detail": str(error), "invalid_params": error.details or []}],
    )
