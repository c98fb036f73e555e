"""Outbox handlers of the zaken side: thin, they take the item's ids and call one service."""

from __future__ import annotations

from regiekoppeling.models import Beschikking, OutboxItem

from .besluiten import beschikking_register
from .registration import aanvraag_register
from .statussen import zaakstatus_update


def handle_registratie(item: OutboxItem) -> None:
    assert item.aanvraag_id is not None
    aanvraag_register(aanvraag_id=item.aanvraag_id)


def handle_besluit(item: OutboxItem) -> None:
    beschikking = Beschikking.objects.only("pk").get(uuid=item.payload["beschikking"])
    beschikking_register(beschikking_id=beschikking.pk)


def handle_zaak_status(item: OutboxItem) -> None:
    assert item.aanvraag_id is not None
    zaakstatus_update(aanvraag_id=item.aanvraag_id, voorziening_uuids=list(item.payload.get("voorzieningen", [])))
