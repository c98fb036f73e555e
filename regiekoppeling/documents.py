"""Documents attached to an aanvraag by the caseworker's regieapplicatie.

An upload is checked (size, type, optional virus scan), kept in private storage and queued for
the Documenten API through the outbox; a reference must point into a configured Documenten API.
Nothing is stored when a check fails.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.module_loading import import_string
from zgw_consumers.constants import APITypes
from zgw_consumers.models import Service

from . import events
from .exceptions import DomainValidationError, InvalidParam
from .models import Aanvraag, Applicatie, Document
from .outbox import outbox_publish


class Refused(Exception):
    """A scan hook refuses the file (reason is shown to the caller)."""


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Het bestand is groter dan {limit} bytes.")
        self.limit = limit


def _check_upload(bestand: UploadedFile) -> list[InvalidParam]:
    if bestand.size is not None and bestand.size > settings.DOCUMENT_MAX_BYTES:
        raise TooLarge(settings.DOCUMENT_MAX_BYTES)
    content_type = (bestand.content_type or "").split(";")[0].strip()
    if content_type not in settings.DOCUMENT_ALLOWED_TYPES:
        return [InvalidParam("bestand", "type_niet_toegestaan", f"Bestandstype '{content_type}' is niet toegestaan.")]
    if settings.DOCUMENT_SCAN_HOOK:
        try:
            import_string(settings.DOCUMENT_SCAN_HOOK)(bestand)
        except Refused as exc:
            return [InvalidParam("bestand", "geweigerd", str(exc) or "Het bestand is geweigerd door de scan.")]
        finally:
            bestand.seek(0)
    return []


def _check_reference(url: str) -> list[InvalidParam]:
    # Only URLs of a configured Documenten API: no request is ever sent to any other host (SSRF).
    service = Service.get_service(url)
    if service is None or service.api_type != APITypes.drc:
        return [
            InvalidParam(
                "informatieobject", "onbekende_api", "Deze URL hoort niet bij een geconfigureerde Documenten API."
            )
        ]
    return []


def _sha256(bestand: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in bestand.chunks():
        digest.update(chunk)
    bestand.seek(0)
    return digest.hexdigest()


@transaction.atomic
def document_create(*, aanvraag: Aanvraag, indiener: Applicatie, data: dict[str, Any]) -> Document:
    """Attach an uploaded file (`bestand`) or an existing document (`informatieobject`)."""
    bestand: UploadedFile | None = data.get("bestand")
    reference: str = data.get("informatieobject") or ""
    if (bestand is None) == (not reference):
        raise DomainValidationError(
            [InvalidParam("bestand", "een_van_beide", "Geef precies één van 'bestand' en 'informatieobject'.")]
        )
    errors = _check_upload(bestand) if bestand is not None else _check_reference(reference)
    if errors:
        raise DomainValidationError(errors)
    document = Document(
        aanvraag=aanvraag,
        indiener=indiener,
        titel=data["titel"],
        beschrijving=data.get("beschrijving", ""),
        soort=data.get("soort", ""),
        informatieobject=reference,
        registratie=Document.Registratie.OPGESLAGEN if reference else Document.Registratie.WACHT,
    )
    if bestand is not None:
        document.bestandsnaam = (bestand.name or "")[:255]
        document.formaat = (bestand.content_type or "").split(";")[0]
        document.bestandsomvang = bestand.size
        document.sha256 = _sha256(bestand)
        document.inhoud.save(str(document.uuid), bestand, save=False)
    try:
        document.save()
        outbox_publish(aanvraag=aanvraag, events=[events.document_toegevoegd(document)])
    except BaseException:
        # Nothing stored half: the row did not make it, so the file goes too.
        if document.inhoud:
            document.inhoud.delete(save=False)
        raise
    return document
