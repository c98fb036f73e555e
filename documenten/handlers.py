"""Outbox handler of the documenten side: thin, it takes the item's ids and calls one service."""

from __future__ import annotations

from regiekoppeling import events
from regiekoppeling.models import Actie, OutboxItem
from regiekoppeling.outbox import handler

from .storage import document_store


@handler(
    "document",
    on=[events.DOCUMENT_TOEGEVOEGD],
    label="Document opslaan en aan de zaken koppelen",
    lane="zaak",
    verwerking=Actie.VERZENDEN_ZGW,
)
def handle_document(item: OutboxItem) -> None:
    document_store(document_uuid=item.payload["document"])
