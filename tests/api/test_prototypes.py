"""The serializers of POST /aanvragen are built once per thread and reused (api/prototypes.py): what they
give must be exactly what a fresh serializer gives, request after request, and no thread shares one."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from rest_framework import serializers

from regiekoppeling.api import prototypes
from regiekoppeling.api.serializers import AanvraagInputSerializer, BetrokkeneSerializer
from tests.conftest import aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


def fresh_errors(data: Any) -> Any:
    serializer = AanvraagInputSerializer(data=data)
    assert not serializer.is_valid()
    return serializer.errors


def underscored(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the view sees it (the parser turns camelCase keys into snake_case)."""
    from djangorestframework_camel_case.util import underscoreize

    return underscoreize(body)


VALID: list[dict[str, Any]] = [
    aanvraag_body(),
    aanvraag_body(zin_line(), pgb_line(), toelichting="twee regels"),
    aanvraag_body(
        zin_line(verwijzer={"type": "01", "naam": "Huisarts"}),
        betrokkenen=[{"rol": "contactpersoon", "soortRelatie": "16", "naam": {"achternaam": "Jansen"}}],
    ),
]

INVALID: list[Any] = [
    {},
    [],
    None,
    "tekst",
    aanvraag_body(gemeente="12"),
    aanvraag_body(onbekend=1),
    aanvraag_body(zin_line(omvang={"volume": 1.5, "eenheid": "04", "frequentie": "2"})),
    aanvraag_body(voorzieningen=[]),
    aanvraag_body(client={"bsn": "123456789"}),
]


@pytest.mark.parametrize("body", VALID)
def test_valid_input_as_a_fresh_serializer_twice(body):
    data = underscored(body)
    fresh = AanvraagInputSerializer(data=data)
    assert fresh.is_valid(), fresh.errors
    assert prototypes.validated(AanvraagInputSerializer, data) == fresh.validated_data
    assert prototypes.validated(AanvraagInputSerializer, data) == fresh.validated_data  # the reused one again


@pytest.mark.parametrize("body", INVALID)
def test_invalid_input_raises_the_errors_of_a_fresh_serializer(body):
    data = underscored(body) if isinstance(body, dict) else body
    expected = fresh_errors(data)
    for _ in range(2):
        with pytest.raises(serializers.ValidationError) as raised:
            prototypes.validated(AanvraagInputSerializer, data)
        assert raised.value.detail == expected


def test_after_a_refusal_the_next_valid_body_passes():
    with pytest.raises(serializers.ValidationError):
        prototypes.validated(AanvraagInputSerializer, underscored(aanvraag_body(gemeente="x")))
    assert prototypes.validated(AanvraagInputSerializer, underscored(aanvraag_body()))["gemeente"] == "0363"


def test_a_nested_item_is_represented_as_by_a_fresh_serializer():
    """`item_represented` (the betrokkenen and registration errors inside the hand-written
    representations): the reused tree gives what a fresh one does, twice over."""
    item = {"rol": "contactpersoon", "soort_relatie": "16", "naam": {"achternaam": "Jansen"}, "email": "a@b.nl"}
    expected = BetrokkeneSerializer(item).data
    assert prototypes.item_represented(BetrokkeneSerializer, item) == expected
    assert prototypes.item_represented(BetrokkeneSerializer, {**item, "email": "c@d.nl"})["email"] == "c@d.nl"


def test_each_thread_has_its_own():
    seen: list[int] = []

    def build() -> None:
        seen.append(id(prototypes._prototype(AanvraagInputSerializer)))

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    here = prototypes._prototype(AanvraagInputSerializer)
    assert prototypes._prototype(AanvraagInputSerializer) is here
    assert len({*seen, id(here)}) == 3
