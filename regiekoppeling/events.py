"""What happened in the domain, as data for the integrations.

The domain publishes events (`outbox.outbox_publish`); it does not know who handles them. Each
integration subscribes its outbox handlers to the kinds it cares about (`@outbox.handler(name, on=...)`
in its `handlers` module), and the outbox stores one item per subscribed handler, by name. A new
integration therefore needs no change here.

Kinds and their payloads:

- `aanvraag_ontvangen`: {"aanvraag"}: a new aanvraag with its voorzieningen was accepted.
- `voorzieningen_gewijzigd`: {"gebeurtenis", "aanvraag", "voorzieningen", "statussen"}: lines changed
  state (or, for a toewijzing, what they carry), so their zaken must follow. `statussen` is the state
  of every line of the aanvraag right after the change (uuid -> status), so a handler that runs later
  still knows which step this was.
- `beschikking_genomen`: {"beschikking"}: the backoffice's decision, with its letter.
- `document_toegevoegd`: {"document"}: a document was attached to an aanvraag.
- `bericht`: {"gebeurtenis", "resource", "uuid", "actie", "aanvraag", "kenmerken"}: something the
  parties are told about. Shaped after a Notificaties API message; it never carries a BSN or other
  personal data: a receiver reads the resource itself, with its own authorisation. A bericht about the
  productenboek (`product_bericht`) has `"aanvraag": None` and goes to the regie applications of the
  gemeente in its kenmerken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Aanvraag, Beschikking, Document, Voorziening

AANVRAAG_ONTVANGEN = "aanvraag_ontvangen"
VOORZIENINGEN_GEWIJZIGD = "voorzieningen_gewijzigd"
BESCHIKKING_GENOMEN = "beschikking_genomen"
DOCUMENT_TOEGEVOEGD = "document_toegevoegd"
BERICHT = "bericht"


@dataclass(frozen=True)
class Event:
    kind: str
    payload: dict[str, Any]


def aanvraag_ontvangen(aanvraag: Aanvraag) -> Event:
    return Event(AANVRAAG_ONTVANGEN, {"aanvraag": str(aanvraag.uuid)})


def voorzieningen_gewijzigd(
    gebeurtenis: str, aanvraag: Aanvraag, voorzieningen: list[Voorziening], statussen: dict[str, str]
) -> Event:
    payload = {
        "gebeurtenis": gebeurtenis,
        "aanvraag": str(aanvraag.uuid),
        "voorzieningen": [str(v.uuid) for v in voorzieningen],
        "statussen": statussen,
    }
    return Event(VOORZIENINGEN_GEWIJZIGD, payload)


def beschikking_genomen(beschikking: Beschikking) -> Event:
    return Event(BESCHIKKING_GENOMEN, {"beschikking": str(beschikking.uuid)})


def document_toegevoegd(document: Document) -> Event:
    return Event(DOCUMENT_TOEGEVOEGD, {"document": str(document.uuid)})


def bericht(
    *,
    gebeurtenis: str,
    resource: str,
    uuid: str,
    actie: str,
    aanvraag: Aanvraag,
    kenmerken: dict[str, str] | None = None,
) -> Event:
    payload = {
        "gebeurtenis": gebeurtenis,
        "resource": resource,
        "uuid": uuid,
        "actie": actie,
        "aanvraag": str(aanvraag.uuid),
        "kenmerken": {"gemeente": aanvraag.gemeente.code, "wet": aanvraag.wet, **(kenmerken or {})},
    }
    return Event(BERICHT, payload)


def product_bericht(*, gebeurtenis: str, uuid: str, actie: str, gemeente: str, wet: str) -> Event:
    """A `bericht` about the productenboek of a gemeente: it has no aanvraag, and goes to the regie
    applications of that gemeente."""
    payload = {
        "gebeurtenis": gebeurtenis,
        "resource": "product",
        "uuid": uuid,
        "actie": actie,
        "aanvraag": None,
        "kenmerken": {"gemeente": gemeente, "wet": wet},
    }
    return Event(BERICHT, payload)
