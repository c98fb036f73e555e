"""Unit tests of the content rules (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from regiekoppeling import rules
from regiekoppeling.lifecycle.states import OPEN_STATUSES, TRANSITIONS, Status, can_transition

D = dt.date


@pytest.mark.parametrize(
    ("bsn", "ok"),
    [("999993653", True), ("999990019", True), ("999993654", False), ("000000000", False), ("12345678", False)],
)
def test_bsn(bsn, ok):
    assert (rules.bsn_problem(bsn) is None) is ok
    assert rules.looks_like_bsn(bsn) is ok


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ((D(2027, 1, 1), D(2027, 6, 30)), (D(2027, 7, 1), D(2027, 12, 31)), False),
        ((D(2027, 1, 1), D(2027, 7, 1)), (D(2027, 7, 1), D(2027, 12, 31)), True),
        ((D(2027, 1, 1), None), (D(2030, 1, 1), D(2030, 2, 1)), True),
        ((D(2027, 1, 1), D(2027, 2, 1)), (D(2026, 1, 1), None), True),
        ((D(2027, 3, 1), D(2027, 4, 1)), (D(2027, 1, 1), D(2027, 2, 1)), False),
    ],
)
def test_periods_overlap(a, b, overlap):
    assert rules.periods_overlap(a, b) is overlap
    assert rules.periods_overlap(b, a) is overlap


def test_op043_names_only_conflicting_lines():
    period = (D(2027, 1, 1), D(2027, 12, 31))
    lines = [(0, "WMO:01:", period, "ZIN"), (1, "WMO:02:", period, "PGB"), (2, "WMO:03:", period, "ZIN")]
    stored = [("WMO:02:", (D(2027, 6, 1), None), "ZIN"), ("WMO:03:", period, "ZIN")]
    assert [p.name for p in rules.op043_problems(lines, stored)] == ["voorzieningen.1.leveringsvorm"]


def test_line_problems_collects_every_violation():
    line = {
        "product": {"categorie": "02", "code": "02A01"},
        "leveringsvorm": "PGB",
        "budget": 100,
        "ingangsdatum": D(2027, 5, 1),
        "einddatum": D(2027, 4, 1),
    }
    names = {(p.name, p.code) for p in rules.line_problems(3, line)}
    assert names == {
        ("voorzieningen.3.omvang", "required"),
        ("voorzieningen.3.einddatum", "voor_ingangsdatum"),
        ("voorzieningen.3.pgb", "required"),
        ("voorzieningen.3.budget", "niet_bij_pgb"),
    }


def test_pgb_period_must_lie_within_the_line():
    line = {
        "product": {"categorie": "01"},
        "leveringsvorm": "PGB",
        "pgb": {"bedrag": 1, "basis": "totaal", "ingangsdatum": D(2026, 12, 1), "einddatum": D(2028, 1, 1)},
        "ingangsdatum": D(2027, 1, 1),
        "einddatum": D(2027, 12, 31),
    }
    assert {p.name for p in rules.line_problems(0, line)} == {
        "voorzieningen.0.pgb.ingangsdatum",
        "voorzieningen.0.pgb.einddatum",
    }


def test_lifecycle_table():
    assert can_transition(Status.ONTVANGEN, Status.IN_BEHANDELING)
    assert can_transition(Status.IN_ONDERZOEK, Status.GEDEELTELIJK_TOEGEKEND)
    assert not can_transition(Status.ONTVANGEN, Status.TOEGEKEND)
    assert not can_transition(Status.INGETROKKEN, Status.ONTVANGEN)
    assert OPEN_STATUSES == {Status.ONTVANGEN, Status.IN_BEHANDELING, Status.IN_ONDERZOEK}
    # Every state is in the table, and every target is a known state.
    assert set(TRANSITIONS) == set(Status.values)
    assert all(target in Status.values for targets in TRANSITIONS.values() for target in targets)
