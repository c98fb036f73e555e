"""`filters.NamedFilterSet`: a filterset of only the filters a request names filters exactly as
django-filter's full filterset does, and refuses the same values."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.http import QueryDict
from django_filters import rest_framework as filters

from regiekoppeling.api.berichten import BerichtFilter
from regiekoppeling.api.filters import (
    AanvraagFilter,
    DocumentFilter,
    NamedFilterSet,
    ProductFilter,
    StrictDateTimeFilter,
    StrictUUIDFilter,
    VoorzieningFilter,
)

pytestmark = pytest.mark.django_db

FILTERSETS = [AanvraagFilter, VoorzieningFilter, DocumentFilter, ProductFilter, BerichtFilter]


def valid_value(f: filters.Filter) -> str:
    if isinstance(f, filters.ChoiceFilter):
        return str(f.extra["choices"][-1][0])
    if isinstance(f, StrictDateTimeFilter):
        return "2026-01-01T00:00:00+01:00"
    if isinstance(f, StrictUUIDFilter):
        return str(uuid.UUID(int=7))
    assert type(f) is filters.CharFilter, f"a sample value for {type(f).__name__}"
    return "0363"


def full(cls: type[NamedFilterSet], data: QueryDict) -> filters.FilterSet:
    """django-filter's own form: every declared filter built."""
    reference = cls.__new__(cls)
    filters.FilterSet.__init__(reference, data, cls._meta.model.objects.all())
    return reference


def query(data: dict[str, str]) -> QueryDict:
    q = QueryDict(mutable=True)
    q.update(data)
    return q


@pytest.mark.parametrize("cls", FILTERSETS, ids=lambda c: c.__name__)
def test_every_combination_of_named_filters_gives_the_full_filtersets_query(cls) -> None:
    names = list(cls.base_filters)
    assert names, "a filterset without filters"
    for size in range(len(names) + 1):
        for chosen in itertools.combinations(names, size):
            data = query({name: valid_value(cls.base_filters[name]) for name in chosen})
            named = cls(data, cls._meta.model.objects.all())
            reference = full(cls, data)
            assert set(named.filters) == set(chosen)  # only what the request names is built
            assert named.is_valid() and reference.is_valid()
            assert str(named.qs.query) == str(reference.qs.query), chosen


@pytest.mark.parametrize("cls", FILTERSETS, ids=lambda c: c.__name__)
def test_a_bad_value_is_refused_with_the_same_errors(cls) -> None:
    for name, f in cls.base_filters.items():
        if type(f) is filters.CharFilter:
            continue  # any text is a value
        data = query({name: "nonsense", "pageSize": "10"})
        named, reference = cls(data, cls._meta.model.objects.all()), full(cls, data)
        assert not named.is_valid()
        assert named.errors == reference.errors and name in named.errors


def test_the_class_keeps_every_filter_for_the_openapi_document() -> None:
    declared: dict[str, object] = VoorzieningFilter.base_filters  # type: ignore[misc]
    named = VoorzieningFilter(query({"status": "toegekend"}), VoorzieningFilter._meta.model.objects.all())
    assert list(named.filters) == ["status"]
    assert set(declared) == {
        "status", "wet", "gemeente", "regieReferentie", "leveringsvorm", "aanvraag", "aangemaaktVanaf", "gewijzigdVanaf",
    }  # fmt: skip
    unbound = VoorzieningFilter(None, VoorzieningFilter._meta.model.objects.all())
    assert set(unbound.filters) == set(declared)
