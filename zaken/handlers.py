"""Outbox handlers of the zaken side: thin, they take the item's ids and call one service."""

from __future__ import annotations

from regiekoppeling.models import OutboxItem

from .registration import aanvraag_register


def handle_registratie(item: OutboxItem) -> None:
    assert item.aanvraag_id is not None
    aanvraag_register(aanvraag_id=item.aanvraag_id)
