"""The content of a document for a party: from our private storage while it waits for the Documenten
API, from the Documenten API afterwards, streamed in chunks either way (never whole in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

from zgw_consumers.constants import APITypes
from zgw_consumers.models import Service

from regiekoppeling.models import Document

from .clients import DocumentenClient, open_download

CHUNK = 64 * 1024


class NotAvailable(Exception):
    """The content is not (or no longer) reachable: stored nowhere we can read."""


@dataclass
class Download:
    chunks: Iterator[bytes]
    content_type: str
    filename: str
    size: int | None


def _service_for(url: str) -> Service | None:
    # The longest configured Documenten API root the URL lies under (the upload checked it was one).
    roots = [s for s in Service.objects.filter(api_type=APITypes.drc) if url.startswith(s.api_root)]
    return max(roots, key=lambda s: len(s.api_root), default=None)


def document_download(*, document: Document) -> Download:
    filename = document.bestandsnaam or f"{document.uuid}"
    content_type = document.formaat or "application/octet-stream"
    if document.inhoud:
        handle = document.inhoud.open("rb")
        return Download(_file_chunks(handle), content_type, filename, document.bestandsomvang)
    service = _service_for(document.informatieobject) if document.informatieobject else None
    if service is None:
        raise NotAvailable("Het document is nergens opgeslagen.")
    stack = ExitStack()
    try:
        client = stack.enter_context(DocumentenClient.for_service(service))
        response = open_download(client, document.informatieobject)
        stack.callback(response.close)
    except BaseException:
        stack.close()
        raise
    size = response.headers.get("Content-Length")
    return Download(
        _remote_chunks(response.iter_content(CHUNK), stack),
        response.headers.get("Content-Type") or content_type,
        filename,
        int(size) if size and size.isdigit() else None,
    )


def _file_chunks(handle: object) -> Iterator[bytes]:
    with handle:  # type: ignore[attr-defined]
        while chunk := handle.read(CHUNK):  # type: ignore[attr-defined]
            yield chunk


def _remote_chunks(chunks: Iterator[bytes], stack: ExitStack) -> Iterator[bytes]:
    with stack:  # the session and the response close when the last chunk went out (or the client left)
        yield from chunks
