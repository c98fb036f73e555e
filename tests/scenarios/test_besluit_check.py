"""The lifecycle check's rule for besluiten of one beschikking (acceptance.zaakhistorie)."""

from __future__ import annotations

from acceptance.zaakhistorie import _one_beschikking_problems

PART = (
    "Beschikking 42 (besluit 2 van 3: de besluiten 42-1 tot en met 42-3 vormen samen deze beschikking, met één brief)"
)


def test_one_zaak_one_besluit_named_after_the_beschikking():
    assert _one_beschikking_problems({"identificatie": "42", "toelichting": "Beschikking 42"}, "42", 1) == []


def test_a_part_of_several():
    assert _one_beschikking_problems({"identificatie": "42-2", "toelichting": PART}, "42", 3) == []


def test_what_is_not_recognisable_is_a_problem():
    assert _one_beschikking_problems({"identificatie": "42-1", "toelichting": "Beschikking 42"}, "42", 1) == [
        "besluit 42-1: verwacht identificatie 42 (één besluit)"
    ]
    assert _one_beschikking_problems({"identificatie": "42-2", "toelichting": "Beschikking 42"}, "42", 3) == [
        "besluit 42-2: geen deel 1..3 van beschikking 42 ('Beschikking 42')"
    ]
    assert _one_beschikking_problems({"identificatie": "42", "toelichting": ""}, "42", 1) == [
        "besluit 42: toelichting noemt beschikking 42 niet ('')"
    ]
