"""Documents attached to an aanvraag by the caseworker's regieapplicatie.

An upload is checked (size, type, optional virus scan), kept in private storage and queued for
the Documenten API through the outbox; a reference must point into a configured Documenten API.
Nothing is stored when a check fails.
"""

from __future__ import annotations

import codecs
import hashlib
import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils.module_loading import import_string
from zgw_consumers.constants import APITypes
from zgw_consumers.models import Service

from . import events
from .exceptions import DomainValidationError, InvalidParam
from .models import Aanvraag, Applicatie, Document, Voorziening
from .outbox import outbox_publish


class Refused(Exception):
    """A scan hook refuses the file (reason is shown to the caller)."""


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Het bestand is groter dan {limit} bytes.")
        self.limit = limit


# What the first bytes of a file of each type are (as `file` would look). An allowed type not listed
# here (configured by an operator) is only held to `_EXECUTABLE`.
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "application/msword": _OLE,
    "application/vnd.ms-excel": _OLE,
    "application/zip": _ZIP,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ZIP,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _ZIP,
    "application/vnd.oasis.opendocument.text": _ZIP,
    "application/vnd.oasis.opendocument.spreadsheet": _ZIP,
}
# Programs, whatever type they claim to be: Windows (MZ), ELF, Mach-O (both byte orders, fat), scripts.
_EXECUTABLE = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_SNIFF_BYTES = 8192


def _looks_like(content_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file fit its declared content type."""
    if head.startswith(_EXECUTABLE):
        return False
    signatures = _SIGNATURES.get(content_type)
    if signatures is not None:
        return head.startswith(signatures)
    if content_type.startswith("text/"):
        # Text: UTF-8 without NUL (the decoder may stop mid-character at the end of the sample).
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            return False
        return b"\x00" not in head
    return True


def _check_upload(bestand: UploadedFile, name: str = "bestand") -> list[InvalidParam]:
    if bestand.size is not None and bestand.size > settings.DOCUMENT_MAX_BYTES:
        raise TooLarge(settings.DOCUMENT_MAX_BYTES)
    content_type = (bestand.content_type or "").split(";")[0].strip()
    if content_type not in settings.DOCUMENT_ALLOWED_TYPES:
        return [InvalidParam(name, "type_niet_toegestaan", f"Bestandstype '{content_type}' is niet toegestaan.")]
    bestand.seek(0)
    head = bestand.read(_SNIFF_BYTES)
    bestand.seek(0)
    if not _looks_like(content_type, head):
        reason = f"De inhoud van het bestand is geen '{content_type}'."
        return [InvalidParam(name, "inhoud_niet_het_type", reason)]
    if settings.DOCUMENT_SCAN_HOOK:
        try:
            import_string(settings.DOCUMENT_SCAN_HOOK)(bestand)
        except Refused as exc:
            return [InvalidParam(name, "geweigerd", str(exc) or "Het bestand is geweigerd door de scan.")]
        finally:
            bestand.seek(0)
    return []


_DOT = re.compile("%2e", re.IGNORECASE)


def normalised_url(url: str) -> str:
    """`url` with its dot segments resolved (`.`, `..`, also written %2e or with backslashes, as
    servers read them); unchanged when it has none."""
    parts = urlsplit(url)
    path = _DOT.sub(".", parts.path).replace("\\", "/")
    segments = path.split("/")
    if not any(segment in (".", "..") for segment in segments):
        return url
    resolved = posixpath.normpath(path) if path.startswith("/") else posixpath.normpath("/" + path)
    if segments[-1] in ("", ".", "..") and not resolved.endswith("/"):
        resolved += "/"
    resolved = "/" + resolved.lstrip("/")  # normpath keeps a leading '//'
    return urlunsplit((parts.scheme, parts.netloc, resolved, parts.query, parts.fragment))


def _under(url: str, root: str) -> bool:
    """Whether `url` lies under the API root `root`: same scheme and host, and the path below it."""
    target, base = urlsplit(url), urlsplit(root)
    base_path = base.path if base.path.endswith("/") else base.path + "/"
    return (
        (target.scheme, target.netloc.lower()) == (base.scheme, base.netloc.lower())
        and (target.path + "/").startswith(base_path)
        and not target.username
        and not target.password
    )


def _check_reference(url: str, name: str = "informatieobject") -> tuple[str, list[InvalidParam]]:
    """The URL to store (normalised) and the problems: only URLs under the root of a configured
    Documenten API, so no request is ever sent to any other host or path (SSRF); `../` cannot leave it."""
    url = normalised_url(url)
    service = Service.get_service(url)
    if service is None or service.api_type != APITypes.drc or not _under(url, service.api_root):
        return url, [InvalidParam(name, "onbekende_api", "Deze URL hoort niet bij een geconfigureerde Documenten API.")]
    return url, []


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
    if bestand is not None:
        errors = _check_upload(bestand)
    else:
        reference, errors = _check_reference(reference)
    voorziening = None
    if data.get("voorziening") is not None:
        voorziening = aanvraag.voorzieningen.filter(uuid=data["voorziening"]).first()
        if voorziening is None:
            errors.append(InvalidParam("voorziening", "onbekend", "Geen voorziening van deze aanvraag."))
    if errors:
        raise DomainValidationError(errors)
    return _store(aanvraag, indiener, Attachment(data, bestand, reference), voorziening)


@dataclass(frozen=True)
class Attachment:
    """A document that passed its checks, not stored yet: a file (`bestand`) or a `reference`."""

    data: dict[str, Any]
    bestand: UploadedFile | None
    reference: str


def attachments_checked(items: list[dict[str, Any]]) -> tuple[list[Attachment], list[InvalidParam]]:
    """The documents sent inside an aanvraag (`documenten`, content in base64 as the Documenten API
    takes it), checked as an upload is, every problem named by its place (`documenten.0.inhoud`). Runs
    before anything of the aanvraag is stored, so its problems come in the same 400 as the others."""
    attachments: list[Attachment] = []
    errors: list[InvalidParam] = []
    for i, item in enumerate(items):
        inhoud: bytes | None = item.get("inhoud")
        reference: str = item.get("informatieobject") or ""
        name = f"documenten.{i}.inhoud"
        if (inhoud is None) == (not reference):
            reason = "Geef precies één van 'inhoud' en 'informatieobject'."
            errors.append(InvalidParam(name, "een_van_beide", reason))
            continue
        bestand = None
        if inhoud is not None:
            missing = [field for field in ("bestandsnaam", "formaat") if not item.get(field)]
            errors += [InvalidParam(f"documenten.{i}.{f}", "required", "Verplicht bij 'inhoud'.") for f in missing]
            if missing:
                continue
            bestand = SimpleUploadedFile(item["bestandsnaam"], inhoud, content_type=item["formaat"])
            try:
                problems = _check_upload(bestand, name)
            except TooLarge as exc:
                problems = [InvalidParam(name, "te_groot", str(exc))]
        else:
            reference, problems = _check_reference(reference, f"documenten.{i}.informatieobject")
        errors += problems
        attachments.append(Attachment(item, bestand, reference))
    return attachments, errors


def attachments_store(*, aanvraag: Aanvraag, indiener: Applicatie, attachments: list[Attachment]) -> list[Document]:
    """Store checked documents of a new aanvraag (inside its transaction, after its own events, so its
    registration comes first in the lane and finds them: they go to the Documenten API with the zaak)."""
    stored: list[Document] = []
    try:
        for attachment in attachments:
            stored.append(_store(aanvraag, indiener, attachment, None))
    except BaseException:
        for document in stored:  # the transaction rolls back: the files of this aanvraag go too
            if document.inhoud:
                document.inhoud.delete(save=False)
        raise
    return stored


def _store(
    aanvraag: Aanvraag, indiener: Applicatie, attachment: Attachment, voorziening: Voorziening | None
) -> Document:
    data, bestand, reference = attachment.data, attachment.bestand, attachment.reference
    document = Document(
        aanvraag=aanvraag,
        voorziening=voorziening,
        indiener=indiener,
        auteur=data.get("auteur", ""),
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
        # The parties are told (the backoffice reads it; kenmerken name the soort, no personal data).
        announced = events.bericht(
            gebeurtenis="document_toegevoegd",
            resource="document",
            uuid=str(document.uuid),
            actie="create",
            aanvraag=aanvraag,
            kenmerken={"soort": document.soort, **({"voorziening": str(voorziening.uuid)} if voorziening else {})},
        )
        outbox_publish(aanvraag=aanvraag, events=[events.document_toegevoegd(document), announced])
    except BaseException:
        # Nothing stored half: the row did not make it, so the file goes too.
        if document.inhoud:
            document.inhoud.delete(save=False)
        raise
    return document
