"""Outbox handlers of the berichten side, registered from `RegiekoppelingConfig.ready`."""

from __future__ import annotations

from ..models import OutboxItem
from ..outbox import PermanentError, register_handler
from .delivery import deliver
from .links import UnknownResource
from .models import Abonnement, Bericht
from .services import berichten_fan_out


def handle_bericht(item: OutboxItem) -> None:
    try:
        berichten_fan_out(item=item)
    except UnknownResource as exc:
        # Retrying cannot help; once RESOURCE_PATHS knows it, re-queue the item from the admin.
        raise PermanentError(f"geen pad voor resource {exc}") from None


def handle_webhook(item: OutboxItem) -> None:
    bericht = Bericht.objects.get(uuid=item.payload["bericht"])
    abonnement = Abonnement.objects.select_related("applicatie").get(uuid=item.payload["abonnement"])
    if not (abonnement.actief and abonnement.applicatie.actief):
        return  # unsubscribed since it was queued: nothing to deliver
    deliver(bericht=bericht, abonnement=abonnement)


def register() -> None:
    register_handler(OutboxItem.Soort.BERICHT, handle_bericht)
    register_handler(OutboxItem.Soort.WEBHOOK, handle_webhook)
