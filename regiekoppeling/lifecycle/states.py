"""The states of a voorziening and the one transition table every change is checked against."""

from __future__ import annotations

from django.db import models

from ..exceptions import InvalidTransition


class Status(models.TextChoices):
    ONTVANGEN = "ontvangen", "Ontvangen"
    NIET_VERWERKBAAR = "niet_verwerkbaar", "Niet verwerkbaar"
    IN_BEHANDELING = "in_behandeling", "In behandeling"
    IN_ONDERZOEK = "in_onderzoek", "In onderzoek"
    TOEGEKEND = "toegekend", "Toegekend"
    GEDEELTELIJK_TOEGEKEND = "gedeeltelijk_toegekend", "Gedeeltelijk toegekend"
    AFGEWEZEN = "afgewezen", "Afgewezen"
    INGETROKKEN = "ingetrokken", "Ingetrokken"
    TOEGEWEZEN = "toegewezen", "Toegewezen"
    IN_LEVERING = "in_levering", "In levering"
    BEEINDIGD = "beeindigd", "Beëindigd"


S = Status
# The lifecycle of DOMAIN.md section 4 as the one table every state change is checked against.
# Granted states continue differently for ZIN and PGB; the leveringsvorm check lives in the
# services that make those transitions (toewijzing only for ZIN).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.ONTVANGEN: frozenset({S.NIET_VERWERKBAAR, S.IN_BEHANDELING, S.INGETROKKEN}),
    S.IN_BEHANDELING: frozenset({S.IN_ONDERZOEK, S.TOEGEKEND, S.GEDEELTELIJK_TOEGEKEND, S.AFGEWEZEN, S.INGETROKKEN}),
    S.IN_ONDERZOEK: frozenset({S.TOEGEKEND, S.GEDEELTELIJK_TOEGEKEND, S.AFGEWEZEN, S.INGETROKKEN}),
    S.TOEGEKEND: frozenset({S.TOEGEWEZEN, S.BEEINDIGD}),
    S.GEDEELTELIJK_TOEGEKEND: frozenset({S.TOEGEWEZEN, S.BEEINDIGD}),
    S.TOEGEWEZEN: frozenset({S.IN_LEVERING, S.BEEINDIGD}),
    S.IN_LEVERING: frozenset({S.BEEINDIGD}),
    S.NIET_VERWERKBAAR: frozenset(),
    S.AFGEWEZEN: frozenset(),
    S.INGETROKKEN: frozenset(),
    S.BEEINDIGD: frozenset(),
}

# "Live" means the voorziening is, or may still become, delivered: it counts for OP043, and its zaak
# can still change in a way the parties need to see. Everything but the end states.
LIVE_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if targets)

# "Open" means no decision yet: the regie may still withdraw.
OPEN_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if S.INGETROKKEN in targets)

# Granted (a beschikking said yes), and assigned to an aanbieder (ZIN only).
GRANTED_STATUSES = frozenset({S.TOEGEKEND, S.GEDEELTELIJK_TOEGEKEND})
ASSIGNED_STATUSES = frozenset({S.TOEGEWEZEN, S.IN_LEVERING})
# Grants that run until their einddatum: assigned or delivered ZIN, granted PGB.
RUNNING_STATUSES = GRANTED_STATUSES | ASSIGNED_STATUSES

# While some lines are open, the aanvraag shows the most advanced open state.
_OPEN_PRIORITY = [S.IN_ONDERZOEK, S.IN_BEHANDELING, S.ONTVANGEN]


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def require_transition(current: str, target: str, *, what: str) -> None:
    """Raise `InvalidTransition` (409 with the current state) unless the table allows the move."""
    if not can_transition(current, target):
        raise InvalidTransition(current=current, target=target, what=what)


def aanvraag_status_from_lines(statuses: list[str]) -> str:
    """The aanvraag's status follows its lines: their common state; while some are open, the most
    advanced open state; once all are decided, the overall outcome."""
    live = [s for s in statuses if s != S.INGETROKKEN] or statuses
    if len(set(live)) == 1:
        return live[0]
    for status in _OPEN_PRIORITY:
        if status in live:
            return status
    granted = GRANTED_STATUSES | ASSIGNED_STATUSES
    return S.GEDEELTELIJK_TOEGEKEND if granted & set(live) else S.AFGEWEZEN
