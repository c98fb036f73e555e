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


# --- issue 11: verwijzer (CD066-CD068), betrokkenen, what a beschikking regel grants ----------------


def params(problems) -> list[tuple[str, str]]:
    return [(p.name, p.code) for p in problems]


@pytest.mark.parametrize(
    ("wet", "verwijzer", "expected"),
    [
        ("WMO", None, []),
        ("JW", None, [("voorzieningen.3.verwijzer", "required")]),
        ("JW", {"type": "01"}, []),
        ("JW", {"type": "01", "naam": "Wijkteam"}, []),
        ("JW", {"type": "01", "zorgverlenerscode": "01234567"}, [("voorzieningen.3.verwijzer.zorgverlenerscode", "CD068")]),
        ("JW", {"type": "08", "zorgverlenerscode": "01234567"}, [("voorzieningen.3.verwijzer.zorgverlenerscode", "CD068")]),
        ("JW", {"type": "06"}, []),
        *[("WMO", {"type": t, "zorgverlenerscode": "01234567"}, []) for t in ("02", "03", "04", "05")],
        *[("WMO", {"type": t, "naam": "X"}, []) for t in ("02", "03", "04", "05")],
        *[("JW", {"type": t}, [("voorzieningen.3.verwijzer.zorgverlenerscode", "CD067")]) for t in ("02", "03", "04", "05")],
        ("JW", {"type": "02", "naam": "", "zorgverlenerscode": ""}, [("voorzieningen.3.verwijzer.zorgverlenerscode", "CD067")]),
        ("JW", {"type": "05", "naam": "X", "zorgverlenerscode": "01234567"}, [("voorzieningen.3.verwijzer.naam", "CD066")]),
    ],
)  # fmt: skip
def test_verwijzer(wet, verwijzer, expected):
    assert params(rules.verwijzer_problems(3, wet, verwijzer)) == expected


def aanvraag(*betrokkenen, wet="WMO", pgb=True) -> dict:
    lines = [{"leveringsvorm": "ZIN"}, *([{"leveringsvorm": "PGB"}] if pgb else [])]
    return {"wet": wet, "client": {"bsn": "999993653"}, "voorzieningen": lines, "betrokkenen": list(betrokkenen)}


BUDGETHOUDER = {"rol": "budgethouder", "soort_relatie": "14", "bsn": "999990019"}
VERTEGENWOORDIGER = {"rol": "wettelijk_vertegenwoordiger", "soort_relatie": "10", "vertegenwoordiging": "06"}
CONTACT = {"rol": "contactpersoon", "soort_relatie": "16"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (aanvraag(), []),
        ({**aanvraag(), "betrokkenen": None}, []),
        (aanvraag(BUDGETHOUDER, VERTEGENWOORDIGER, CONTACT), []),
        (aanvraag(BUDGETHOUDER, pgb=False), [("betrokkenen.0.rol", "zonder_pgb")]),
        (aanvraag({**BUDGETHOUDER, "bsn": "999993653"}), [("betrokkenen.0.bsn", "is_client")]),
        (aanvraag({**BUDGETHOUDER, "bsn": ""}), [("betrokkenen.0.bsn", "required")]),
        (aanvraag(CONTACT, CONTACT), [("betrokkenen.1.rol", "dubbel")]),
        (aanvraag({**VERTEGENWOORDIGER, "vertegenwoordiging": ""}), [("betrokkenen.0.vertegenwoordiging", "required")]),
        (aanvraag({**CONTACT, "vertegenwoordiging": "06"}), [("betrokkenen.0.vertegenwoordiging", "niet_bij_rol")]),
        (aanvraag({**VERTEGENWOORDIGER, "soort_relatie": "14"}), []),
        (aanvraag({**VERTEGENWOORDIGER, "soort_relatie": "14"}, wet="JW"),
         [("betrokkenen.0.soortRelatie", "relatie_bij_rol")]),
        (aanvraag({**VERTEGENWOORDIGER, "soort_relatie": "11"}, wet="JW"), []),
        (aanvraag({**VERTEGENWOORDIGER, "soort_relatie": "12"}), [("betrokkenen.0.soortRelatie", "relatie_bij_rol")]),
    ],
)  # fmt: skip
def test_betrokkenen(data, expected):
    assert params(rules.betrokkenen_problems(data)) == expected


GRANT = (D(2027, 1, 1), D(2027, 12, 31))


@pytest.mark.parametrize(
    ("vorm", "regel", "expected"),
    [
        ("ZIN", {"uitkomst": "toegekend"}, []),
        ("ZIN", {"uitkomst": "toegekend", "pgb": {}}, [("regels.2.pgb", "niet_bij_zin")]),
        ("PGB", {"uitkomst": "toegekend"}, []),
        ("PGB", {"uitkomst": "afgewezen"}, []),
        ("PGB", {"uitkomst": "gedeeltelijk_toegekend"}, [("regels.2.pgb", "required")]),
        ("PGB", {"uitkomst": "toegekend", "budget": 0}, [("regels.2.budget", "niet_bij_pgb")]),
        ("PGB", {"uitkomst": "toegekend", "pgb": {"ingangsdatum": D(2027, 1, 1), "einddatum": D(2027, 12, 31)}}, []),
        ("PGB", {"uitkomst": "toegekend", "pgb": {"ingangsdatum": D(2026, 12, 31)}},
         [("regels.2.pgb.ingangsdatum", "buiten_periode")]),
        ("PGB", {"uitkomst": "toegekend", "pgb": {"einddatum": D(2028, 1, 1)}},
         [("regels.2.pgb.einddatum", "buiten_periode")]),
    ],
)  # fmt: skip
def test_regel(vorm, regel, expected):
    assert params(rules.regel_problems(2, vorm, regel, GRANT)) == expected


@pytest.mark.parametrize(
    ("datum", "gebruik", "ok"),
    [
        (D(1950, 3, 17), "", True),
        (D(1950, 3, 17), "1", False),
        (D(1950, 3, 1), "1", True),
        (D(1950, 3, 1), "2", False),
        (D(1950, 1, 1), "2", True),
        (D(1950, 1, 1), "3", False),
        (D(1900, 1, 1), "3", True),
        (D(1900, 1, 2), "3", False),
    ],
)
def test_geboortedatum_cs139(datum, gebruik, ok):
    found = params(rules.geboortedatum_problems(datum, gebruik))
    assert found == ([] if ok else [("client.geboortedatum", "CS139")])
