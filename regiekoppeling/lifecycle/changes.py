"""Every change of state of voorzieningen, and the aanvraag that follows them.

One checked transition (`transition`): every move is checked against the table before anything is
written, the lines get their new state and `gewijzigd_op` in one UPDATE, the aanvraag's status is
derived again, and `record` publishes the events of the change. The services of the domain (API
actions, feedback, beschikkingen, toewijzingen, signalen) and the beat job that ends grants all come
through here; none of them writes a status itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import events
from ..constants import Leveringsvorm
from ..models import Aanvraag, Voorziening
from ..outbox import outbox_publish
from .states import ASSIGNED_STATUSES, GRANTED_STATUSES, Status, aanvraag_status_from_lines, require_transition


@dataclass(frozen=True)
class Move:
    line: Voorziening
    target: str
    # How a refusal names the line ("De voorziening"); default "Voorziening <volgnummer>".
    what: str = ""


def check(moves: Sequence[Move]) -> None:
    """Raise `InvalidTransition` for the first move the table does not allow; writes nothing."""
    for move in moves:
        require_transition(move.line.status, move.target, what=move.what or f"Voorziening {move.line.volgnummer}")


def transition(
    *,
    aanvraag: Aanvraag,
    moves: Sequence[Move],
    gebeurtenis: str,
    fields: Sequence[str] = (),
    aanvraag_status: str | None = None,
    aanvraag_fields: dict[str, Any] | None = None,
    announce_lines: bool = False,
    zaak: bool = True,
    extra: Sequence[events.Event] = (),
) -> None:
    """Move the lines (locked by the caller) to their targets and record the change.

    `fields` names other line attributes the caller set alongside (written in the same UPDATE);
    `aanvraag_status` overrides the derived status (a withdrawn aanvraag stays withdrawn whatever its
    decided lines say), `aanvraag_fields` are written with it.
    """
    check(moves)
    lines = [move.line for move in moves]
    now = timezone.now()
    for move in moves:
        move.line.status = move.target
        move.line.gewijzigd_op = now  # bulk_update does not apply auto_now
    if lines:
        Voorziening.objects.bulk_update(lines, ["status", "gewijzigd_op", *fields])
    aanvraag_follow(aanvraag, status=aanvraag_status, **(aanvraag_fields or {}))
    record(
        aanvraag=aanvraag, lines=lines, gebeurtenis=gebeurtenis, announce_lines=announce_lines, zaak=zaak, extra=extra
    )


def aanvraag_follow(aanvraag: Aanvraag, *, status: str | None = None, **fields: Any) -> str:
    """The aanvraag's status follows its lines (`aanvraag_status_from_lines`) unless `status` is given."""
    if status is None:
        status = aanvraag_status_from_lines(list(aanvraag.voorzieningen.values_list("status", flat=True)))
    aanvraag.status = status
    for name, value in fields.items():
        setattr(aanvraag, name, value)
    aanvraag.save(update_fields=["status", "gewijzigd_op", *fields])
    return status


def record(
    *,
    aanvraag: Aanvraag,
    lines: list[Voorziening],
    gebeurtenis: str,
    announce_lines: bool = False,
    zaak: bool = True,
    extra: Sequence[events.Event] = (),
) -> None:
    """Publish the events of a change, in this order: the caller's own (`extra`), the lines' zaken
    to follow (`zaak`), and one bericht per line with its new state (`announce_lines`)."""
    published = list(extra)
    if zaak and lines:
        statussen = {str(u): s for u, s in aanvraag.voorzieningen.values_list("uuid", "status")}
        published.append(events.voorzieningen_gewijzigd(gebeurtenis, aanvraag, lines, statussen))
    if announce_lines:
        published += [
            events.bericht(
                gebeurtenis=gebeurtenis,
                resource="voorziening",
                uuid=str(v.uuid),
                actie="update",
                aanvraag=aanvraag,
                kenmerken={"status": v.status},
            )
            for v in lines
        ]
    outbox_publish(aanvraag=aanvraag, events=published)


def voorzieningen_end_due(*, today: dt.date | None = None) -> int:
    """Beat job: a grant whose einddatum has passed ends (DOMAIN.md section 4): assigned or delivered
    ZIN (no stop was reported) and granted PGB. Each one in its own transaction."""
    today = today or timezone.localdate()
    due = Voorziening.objects.filter(einddatum__lt=today).filter(
        Q(status__in=ASSIGNED_STATUSES) | Q(leveringsvorm=Leveringsvorm.PGB, status__in=GRANTED_STATUSES)
    )
    ended = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            line = Voorziening.objects.select_for_update().select_related("aanvraag__gemeente").get(pk=pk)
            if line.status == Status.BEEINDIGD:
                continue  # ended meanwhile (a stop from the backoffice)
            transition(
                aanvraag=line.aanvraag,
                moves=[Move(line, Status.BEEINDIGD, "De voorziening")],
                gebeurtenis="voorziening_beeindigd",
                announce_lines=True,
            )
        ended += 1
    return ended
