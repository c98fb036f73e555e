"""The shape of an event for the parties (the payload of a `bericht` outbox item).

Shaped after a Notificaties API message: which resource changed, how, under which aanvraag, with a
few kenmerken to filter on. It never carries a BSN or other personal data: a receiver reads the
resource itself, with its own authorisation.
"""

from __future__ import annotations

from typing import Any

from .models import Aanvraag, OutboxItem, Voorziening


def bericht(
    *,
    gebeurtenis: str,
    resource: str,
    uuid: str,
    actie: str,
    aanvraag: Aanvraag,
    kenmerken: dict[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """An outbox work tuple for `outbox_enqueue_many`."""
    payload = {
        "gebeurtenis": gebeurtenis,
        "resource": resource,
        "uuid": uuid,
        "actie": actie,
        "aanvraag": str(aanvraag.uuid),
        "kenmerken": {"gemeente": aanvraag.gemeente.code, "wet": aanvraag.wet, **(kenmerken or {})},
    }
    return OutboxItem.Soort.BERICHT, payload


def zaak_status(gebeurtenis: str, aanvraag: Aanvraag, voorzieningen: list[Voorziening]) -> tuple[str, dict[str, Any]]:
    """An outbox work tuple: bring the zaken of these voorzieningen up to date in the Zaken API."""
    payload = {
        "gebeurtenis": gebeurtenis,
        "aanvraag": str(aanvraag.uuid),
        "voorzieningen": [str(v.uuid) for v in voorzieningen],
    }
    return OutboxItem.Soort.ZAAK_STATUS, payload
