"""The status history a zaak must have, derived from the states of the voorzieningen it follows.

The checker reads nothing of the product (it runs against any deployment over HTTP), so the lifecycle
it checks against is written down here a second time, on purpose: as DOMAIN.md section 4 states it.
`tests/scenarios/test_zaak_sequence.py` holds this copy equal to the product's table, so a change of
the lifecycle that is not made here too fails there, not silently in the check.

What the service does to a zaak, as far as the history is concerned:
- registration sets the status mapped to "ontvangen" (the zaaktype's first statustype when unmapped);
- each change moves the zaak to the step of its lines' common state (the most advanced open one while
  some are open, the outcome once all are decided): the mapped statustype, or nothing when the state is
  unmapped or mapped to "" (no status change), only ever forward (a higher volgnummer);
- a terminal state closes the zaak with the end status; nothing comes after it.

A zaak of one line follows that line; a shared arrangement zaak and a hoofdzaak follow all their lines.
Which steps a line took is not visible (only its state now), so the expectation is the set of histories
of every way the lines can have reached their present states (one transition per line per change, any
number of lines at once); the zaak's history must be one of them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

ONTVANGEN, IN_BEHANDELING, IN_ONDERZOEK = "ontvangen", "in_behandeling", "in_onderzoek"
TOEGEKEND, GEDEELTELIJK, AFGEWEZEN = "toegekend", "gedeeltelijk_toegekend", "afgewezen"
NIET_VERWERKBAAR, INGETROKKEN = "niet_verwerkbaar", "ingetrokken"
TOEGEWEZEN, IN_LEVERING, BEEINDIGD = "toegewezen", "in_levering", "beeindigd"

# state -> the states it may move to (DOMAIN.md section 4).
OVERGANGEN: dict[str, frozenset[str]] = {
    ONTVANGEN: frozenset({NIET_VERWERKBAAR, IN_BEHANDELING, INGETROKKEN}),
    IN_BEHANDELING: frozenset({IN_ONDERZOEK, TOEGEKEND, GEDEELTELIJK, AFGEWEZEN, INGETROKKEN}),
    IN_ONDERZOEK: frozenset({TOEGEKEND, GEDEELTELIJK, AFGEWEZEN, INGETROKKEN}),
    TOEGEKEND: frozenset({TOEGEWEZEN, BEEINDIGD}),
    GEDEELTELIJK: frozenset({TOEGEWEZEN, BEEINDIGD}),
    TOEGEWEZEN: frozenset({IN_LEVERING, BEEINDIGD}),
    IN_LEVERING: frozenset({BEEINDIGD}),
    NIET_VERWERKBAAR: frozenset(),
    AFGEWEZEN: frozenset(),
    INGETROKKEN: frozenset(),
    BEEINDIGD: frozenset(),
}
EINDE = frozenset({AFGEWEZEN, NIET_VERWERKBAAR, INGETROKKEN, BEEINDIGD})  # close the zaak

# The statustype (omschrijving) per state that `zgw_configure` sets up for the demo catalogue: the
# default when the caller names no mapping. "" is a deliberate "no status change".
DEMO_STATUSTYPEN: dict[str, str] = {
    ONTVANGEN: "Ontvangen",
    IN_BEHANDELING: "In behandeling",
    IN_ONDERZOEK: "In onderzoek",
    TOEGEKEND: "Besluit genomen",
    GEDEELTELIJK: "Besluit genomen",
    TOEGEWEZEN: "",
    IN_LEVERING: "In levering",
}

# Most lines a zaak may follow for the exact check (the ways to get there grow with every line).
MAX_LINES = 6


def common_state(states: Iterable[str]) -> str:
    """The state a zaak of several lines stands at: their common state; while some are open, the most
    advanced open one; once all are decided, the overall outcome. Withdrawn lines count only when all are."""
    states = list(states)
    live = [s for s in states if s != INGETROKKEN] or states
    if len(set(live)) == 1:
        return live[0]
    for open_state in (IN_ONDERZOEK, IN_BEHANDELING, ONTVANGEN):
        if open_state in live:
            return open_state
    granted = {TOEGEKEND, GEDEELTELIJK, TOEGEWEZEN, IN_LEVERING}
    return GEDEELTELIJK if granted & set(live) else AFGEWEZEN


@dataclass(frozen=True)
class Statustype:
    omschrijving: str
    volgnummer: int
    eind: bool


@functools.cache
def _reachable(state: str) -> frozenset[str]:
    """The states a line in `state` can still reach (itself included; the table has no cycles)."""
    return frozenset({state}.union(*(_reachable(n) for n in OVERGANGEN[state])))


def expected_histories(
    line_states: list[str],
    statustypen: list[Statustype],
    mapping: dict[str, str],
    *,
    initial_status: bool = True,
) -> set[tuple[str, ...]]:
    """Every status history (omschrijvingen, oldest first) a zaak following lines now in `line_states`
    can rightly have. Raises ValueError for an expectation that cannot be met (an unknown state, a
    mapped name the zaaktype lacks, too many lines)."""
    if not line_states or len(line_states) > MAX_LINES:
        raise ValueError(f"{len(line_states)} voorzieningen: geen verwachting")
    unknown = sorted(set(line_states) - set(OVERGANGEN))
    if unknown:
        raise ValueError(f"onbekende status(sen) {unknown}")
    by_name = {t.omschrijving: t for t in statustypen}
    ordered = sorted(statustypen, key=lambda t: t.volgnummer)
    end = next((t for t in ordered if t.eind), ordered[-1])
    missing = sorted({name for name in mapping.values() if name and name not in by_name})
    if missing:
        raise ValueError(f"statustype(n) {missing} bestaan niet bij het zaaktype")

    def step(state: str) -> Statustype | None:
        if state in EINDE:
            return end
        return by_name.get(mapping.get(state) or "")

    first = step(ONTVANGEN) or ordered[0]
    finals = tuple(line_states)

    @functools.cache
    def onwards(lines: tuple[str, ...], last: int) -> frozenset[tuple[str, ...]]:
        """The rest of the history from these line states, the zaak's status having volgnummer `last`."""
        if lines == finals:
            return frozenset({()})
        found: set[tuple[str, ...]] = set()
        for moved in _moves(lines, finals):
            wanted = step(common_state(moved))
            if wanted is None or wanted.volgnummer <= last:  # unmapped, or not forward: no status
                found |= onwards(moved, last)
            elif wanted.eind:
                found |= {(wanted.omschrijving,)} if moved == finals else set()
            else:
                found |= {(wanted.omschrijving, *rest) for rest in onwards(moved, wanted.volgnummer)}
        return frozenset(found)

    start = tuple(ONTVANGEN for _ in line_states)
    if initial_status:
        return {(first.omschrijving, *rest) for rest in onwards(start, first.volgnummer)}
    return set(onwards(start, 0))


def _moves(lines: tuple[str, ...], finals: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every next combination: one or more lines each take one transition towards their present state."""
    options = [
        [state, *(n for n in OVERGANGEN[state] if final in _reachable(n))] if state != final else [state]
        for state, final in zip(lines, finals, strict=True)
    ]
    combos: list[tuple[str, ...]] = [()]
    for choice in options:
        combos = [(*combo, c) for combo in combos for c in choice]
    return [c for c in combos if c != lines]


def history_problems(history: list[str], expected: set[tuple[str, ...]]) -> list[str]:
    """What is wrong with the zaak's history, in words (nothing when it is one of the expected ones)."""
    actual = tuple(history)
    if actual in expected or not expected:
        return []
    nearest: tuple[str, ...] = min(expected, key=lambda e: (_distance(actual, e), e))
    shown = " > ".join(nearest) or "(geen)"
    missing = [e for e in expected if _is_subsequence(actual, e)]
    if missing:
        closest = min(missing, key=len)
        gaps = [name for name in closest if name not in actual]
        return [f"ontbrekende stap(pen) {gaps}: verwacht {' > '.join(closest)}"]
    return [f"statusgeschiedenis wijkt af: verwacht {shown}"]


def _is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    remaining = iter(long)
    return len(short) < len(long) and all(name in remaining for name in short)


def _distance(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Edit distance: which expected history the actual one is nearest to (for the message)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]
