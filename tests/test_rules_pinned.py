"""Each content rule pinned at its boundary and with the message a client reads, so that removing,
inverting or moving a rule by one day fails a test (issue 15: survivors of mutation testing).

The line dicts are the validated-input shape of `aanvraag_create` (snake_case, dates as dates).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from regiekoppeling import rules

D = dt.date
START = D(2027, 1, 1)
OMVANG = {"volume": 4, "eenheid": "04", "frequentie": "4"}


def line(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "product": {"categorie": "02", "code": "02A01"},
        "leveringsvorm": "ZIN",
        "omvang": OMVANG,
        "ingangsdatum": START,
        "einddatum": D(2027, 12, 31),
    }
    return {**base, **over}


def problems(**over: Any) -> list[tuple[str, str, str]]:
    return [(p.name, p.code, p.reason) for p in rules.line_problems(0, line(**over))]


def test_a_valid_line_has_no_problems():
    assert problems() == []


def test_zin_without_code_needs_omvang_or_budget():
    without = {"product": {"categorie": "02"}, "omvang": None}
    assert problems(**without) == [
        ("voorzieningen.0.omvang", "required", "Een ZIN-voorziening zonder productcode heeft omvang of budget nodig.")
    ]
    assert problems(**without, budget=50000) == []  # a budget is enough
    assert problems(**{**without, "omvang": OMVANG}) == []  # so is an omvang


def test_a_product_code_needs_an_omvang_cd041():
    assert problems(omvang=None, budget=50000) == [
        ("voorzieningen.0.omvang", "required", "Omvang is verplicht als een productcode is gevuld.")
    ]


def test_omvang_and_budget_exclude_each_other_cd077():
    assert problems(budget=50000) == [
        ("voorzieningen.0.budget", "omvang_en_budget", "Omvang en budget sluiten elkaar uit.")
    ]


@pytest.mark.parametrize(("eenheid", "frequentie", "ok"), [("14", "1", False), ("14", "2", True), ("04", "1", True)])
def test_eenheid_without_day_frequency_cs338(eenheid, frequentie, ok):
    found = problems(omvang={"volume": 1, "eenheid": eenheid, "frequentie": frequentie})
    if ok:
        assert found == []
    else:
        assert found == [
            (
                "voorzieningen.0.omvang.frequentie",
                "frequentie_bij_eenheid",
                f"Bij eenheid {eenheid} moet de frequentie 2 (per week), 4 (per maand) of 6 (totaal) zijn.",
            )
        ]


@pytest.mark.parametrize(("eind", "ok"), [(START - dt.timedelta(days=1), False), (START, True)])
def test_einddatum_may_be_the_ingangsdatum_but_not_before(eind, ok):
    expected = (
        [] if ok else [("voorzieningen.0.einddatum", "voor_ingangsdatum", "Einddatum ligt voor de ingangsdatum.")]
    )
    assert problems(einddatum=eind) == expected


def test_a_budget_needs_an_einddatum_cd075():
    found = problems(product={"categorie": "02"}, omvang=None, budget=50000, einddatum=None)
    assert found == [("voorzieningen.0.einddatum", "required", "Einddatum is verplicht bij een budget.")]


def test_per_week_needs_an_einddatum_cd076():
    found = problems(omvang={**OMVANG, "frequentie": "2"}, einddatum=None)
    assert found == [("voorzieningen.0.einddatum", "required", "Einddatum is verplicht bij frequentie 'per week'.")]
    assert problems(einddatum=None) == []  # per maand: no einddatum needed


def pgb(**over: Any) -> dict[str, Any]:
    value = {"bedrag": 125000, "basis": "per_maand", "ingangsdatum": START, "einddatum": D(2027, 12, 31)}
    return {**value, **over}


def test_pgb_needs_its_bedrag_and_no_zin_budget():
    assert problems(leveringsvorm="PGB", pgb=None) == [
        ("voorzieningen.0.pgb", "required", "Een PGB-voorziening heeft een PGB-bedrag nodig.")
    ]
    assert problems(leveringsvorm="PGB", pgb=pgb(), omvang=None, product={"categorie": "01"}, budget=1) == [
        ("voorzieningen.0.budget", "niet_bij_pgb", "Een PGB-voorziening heeft geen ZIN-budget.")
    ]
    assert problems(pgb=pgb()) == [
        ("voorzieningen.0.pgb", "niet_bij_zin", "Een ZIN-voorziening heeft geen PGB-gegevens.")
    ]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ({"ingangsdatum": START, "einddatum": D(2027, 12, 31)}, []),
        (
            {"ingangsdatum": START - dt.timedelta(days=1)},
            [("voorzieningen.0.pgb.ingangsdatum", "buiten_periode", "De PGB-periode begint voor de voorziening.")],
        ),
        (
            {"einddatum": D(2028, 1, 1)},
            [("voorzieningen.0.pgb.einddatum", "buiten_periode", "De PGB-periode eindigt na de voorziening.")],
        ),
        ({"ingangsdatum": D(2027, 6, 1), "einddatum": D(2027, 6, 1)}, []),  # one day is a period
        (
            {"ingangsdatum": D(2027, 6, 2), "einddatum": D(2027, 6, 1)},
            [("voorzieningen.0.pgb.einddatum", "voor_ingangsdatum", "Einddatum ligt voor de ingangsdatum.")],
        ),
    ],
)
def test_the_pgb_period_lies_within_the_line_and_does_not_end_before_it_starts(period, expected):
    found = problems(leveringsvorm="PGB", pgb=pgb(**period), omvang=None, product={"categorie": "01"})
    assert found == expected


def arrangement(**over: Any) -> dict[str, Any]:
    data = {"wet": "WMO", "is_arrangement": True, "voorzieningen": [line(), line()], "arrangement_product": None}
    return {**data, **over}


def codes(found: list[Any]) -> list[tuple[str, str, str]]:
    return [(p.name, p.code, p.reason) for p in found]


def test_arrangement_rules_and_their_codes():
    assert rules.arrangement_problems(arrangement()) == []
    assert codes(rules.arrangement_problems(arrangement(voorzieningen=[line()]))) == [
        ("voorzieningen", "arrangement_te_klein", "Een arrangement bestaat uit minstens twee voorzieningen.")
    ]
    assert codes(rules.arrangement_problems(arrangement(arrangement_product={"categorie": "02"}))) == [
        ("arrangementProduct.categorie", "geen_arrangement", "Een arrangement heeft productcategorie 10.")
    ]
    assert codes(rules.arrangement_problems(arrangement(wet="JW", arrangement_product={"categorie": "10"}))) == [
        ("arrangementProduct.categorie", "geen_arrangement", "Een arrangement heeft productcategorie 50.")
    ]
    assert codes(
        rules.arrangement_problems(arrangement(is_arrangement=False, arrangement_product={"categorie": "10"}))
    ) == [("arrangementProduct", "zonder_arrangement", "Alleen een arrangement heeft een arrangementproduct.")]


@pytest.mark.parametrize(
    ("other", "overlap"),
    [
        ((D(2027, 12, 31), None), True),  # starts on the last day of the other: overlaps
        ((D(2028, 1, 1), None), False),  # the day after: does not
    ],
)
def test_op043_at_the_boundary_day_with_its_message(other, overlap):
    lines = [(0, "WMO:02:02A01", (START, D(2027, 12, 31)), "ZIN")]
    found = rules.op043_problems(lines, [("WMO:02:02A01", other, "PGB")])
    assert codes(found) == (
        [
            (
                "voorzieningen.0.leveringsvorm",
                "OP043",
                "De client heeft voor hetzelfde product al PGB en ZIN in een overlappende periode.",
            )
        ]
        if overlap
        else []
    )
    # the same leveringsvorm, or another product, is never OP043
    assert rules.op043_problems(lines, [("WMO:02:02A01", other, "ZIN")]) == []
    assert rules.op043_problems(lines, [("WMO:02:02A02", other, "PGB")]) == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12345678", "Een BSN bestaat uit precies 9 cijfers."),
        ("000000000", "Een BSN mag niet uit alleen nullen bestaan."),
        ("999993654", "Het BSN voldoet niet aan de elfproef."),
    ],
)
def test_bsn_messages(value, reason):
    assert rules.bsn_problem(value) == reason


def test_categorie_of_another_wet_is_named():
    assert rules.categorie_problem("JW", "02") == "Productcategorie 02 hoort niet bij wet JW."
    assert rules.categorie_problem("WMO", "02") is None


def test_the_idempotency_fingerprint_ignores_key_order_but_not_values():
    from regiekoppeling.idempotency import fingerprint

    a = fingerprint(method="POST", path="/x", body={"a": 1, "b": {"c": 2, "d": 3}})
    b = fingerprint(method="POST", path="/x", body={"b": {"d": 3, "c": 2}, "a": 1})
    assert a == b
    assert a != fingerprint(method="POST", path="/x", body={"a": 1, "b": {"c": 2, "d": 4}})
    assert a != fingerprint(method="POST", path="/y", body={"a": 1, "b": {"c": 2, "d": 3}})
