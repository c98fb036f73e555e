"""Outbox handlers of the berichten side: thin, they take the item's ids and call one service."""

from __future__ import annotations

from .. import events
from ..models import Abonnement, Actie, Bericht, OutboxItem
from ..outbox import PermanentError, handler
from .delivery import deliver
from .links import UnknownResource
from .services import WEBHOOK, berichten_fan_out


@handler("bericht", on=[events.BERICHT], label="Bericht aan een partij")
def handle_bericht(item: OutboxItem) -> None:
    try:
        berichten_fan_out(item=item)
    except UnknownResource as exc:
        # Retrying cannot help; once RESOURCE_PATHS knows it, re-queue the item from the admin.
        raise PermanentError(f"geen pad voor resource {exc}") from None


@handler(WEBHOOK, label="Bericht naar een webhook", verwerking=Actie.VERZENDEN_WEBHOOK)
def handle_webhook(item: OutboxItem) -> None:
    bericht = Bericht.objects.get(uuid=item.payload["bericht"])
    abonnement = Abonnement.objects.select_related("applicatie").get(uuid=item.payload["abonnement"])
    if not (abonnement.actief and abonnement.applicatie.actief):
        return  # unsubscribed since it was queued: nothing to deliver
    deliver(bericht=bericht, abonnement=abonnement)
