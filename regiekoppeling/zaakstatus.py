"""A status set on a zaak elsewhere (another system, a behandelaar in the zaaksysteem) reaches the
voorzieningen: their lifecycle state moves where the statustype is mapped to one, and the parties are
told with a bericht `zaak_status`.

The integration (`zaken`) decides what the zaak's status is and which lifecycle state it stands for;
this service only moves the lines, through the one transition table. A move the table does not allow
is not applied: it is returned, so the integration records and shows it. The change publishes no
`voorzieningen_gewijzigd` event: the zaak already has this status, so nothing is echoed back to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from . import events
from .lifecycle.changes import Move, transition
from .lifecycle.states import can_transition
from .models import Voorziening

GEBEURTENIS = "zaak_status"


@dataclass
class Followed:
    moved: list[str] = field(default_factory=list)  # uuids of lines that took the new state
    refused: list[str] = field(default_factory=list)  # "<uuid>: <from> -> <to>" for each refused move


def voorzieningen_follow_zaak(
    *, voorziening_ids: list[int], omschrijving: str, target: str | None, toestand: str
) -> Followed:
    """Move the lines to `target` (None: the statustype stands for no lifecycle state) where the table
    allows it, and tell the parties about each line, in one transaction. The caller has written the
    read-through of the zaak itself (omschrijving, moment, toestand)."""
    followed = Followed()
    with transaction.atomic():
        lines = list(
            Voorziening.objects.select_for_update()
            .select_related("aanvraag__gemeente")
            .filter(pk__in=voorziening_ids)
            .order_by("pk")
        )
        if not lines:
            return followed
        aanvraag = lines[0].aanvraag
        moves = []
        for line in lines:
            if target is None or line.status == target:
                continue
            if can_transition(line.status, target):
                moves.append(Move(line, target))
                followed.moved.append(str(line.uuid))
            else:
                followed.refused.append(f"{line.uuid}: {line.status} -> {target}")
        moved = {move.line.pk for move in moves}
        announced = [
            events.bericht(
                gebeurtenis=GEBEURTENIS,
                resource="voorziening",
                uuid=str(line.uuid),
                actie="update",
                aanvraag=aanvraag,
                kenmerken={
                    "status": target if target and line.pk in moved else line.status,
                    "zaakStatus": omschrijving,
                    "zaakToestand": toestand,
                },
            )
            for line in lines
        ]
        # `zaak=False`: the zaak has this status already; the aanvraag follows its lines (and its
        # gewijzigdOp moves) also when no line changed state.
        transition(aanvraag=aanvraag, moves=moves, gebeurtenis=GEBEURTENIS, zaak=False, extra=announced)
    return followed
