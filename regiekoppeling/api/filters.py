"""Query parameters of the list endpoints (camelCase, as the ADR require)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django_filters import rest_framework as filters

from ..constants import Leveringsvorm, Wet
from ..lifecycle.states import Status
from ..models import Aanvraag, Document, Product, Voorziening

# RFC 3339 (the document's `format: date-time`): seconds and an offset are required.
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(?P<tz>Z|[+-](?P<h>[0-9]{2}):(?P<m>[0-9]{2}))"
)
# PostgreSQL takes offsets up to 15:59; Python's own limit is 24 hours.
_MAX_OFFSET_HOURS = 15
_YEARS = range(1900, 3000)


class StrictDateTimeField(forms.DateTimeField):
    """A moment as `YYYY-MM-DDThh:mm:ss[.ffffff](Z|+hh:mm|-hh:mm)` (RFC 3339), offset at most 15:59, year
    1900-2999. Anything else is a 400 naming the parameter (a wild offset was a 500)."""

    default_error_messages = {
        "invalid": (
            "Verwacht een tijdstip volgens ISO 8601, JJJJ-MM-DDTuu:mm:ss met Z of een verschuiving van hoogstens "
            "15:59 (bijvoorbeeld 2026-01-01T00:00:00+01:00; codeer de + in de URL), jaar 1900 tot en met 2999."
        )
    }

    def to_python(self, value: Any) -> dt.datetime | None:
        if value is None:
            return None  # not in the query string
        if value == "":
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        match = _ISO_DATETIME.fullmatch(value) if isinstance(value, str) else None
        if match is None or (match["h"] and (int(match["h"]) > _MAX_OFFSET_HOURS or int(match["m"]) > 59)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if moment.year not in _YEARS:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return moment


class StrictDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = StrictDateTimeField


class StrictQueryUUIDField(forms.UUIDField):
    """A uuid; given empty (`?aanvraag=`) it is a 400, not "no filter"."""

    def to_python(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class StrictUUIDFilter(filters.UUIDFilter):
    field_class = StrictQueryUUIDField


class NamedFilterSet(filters.FilterSet):
    """A filterset of only the filters the request names. django-filter builds every declared filter
    per request (a deep copy of each, its form field, a form class with all of them, the form's own copy
    of every field) to leave the absent ones unused: none of these filters has a default, a method or a
    parameter of another name, so an absent filter filters nothing. About 1 ms of a filtered list
    request's CPU (bench/README.md, "lists.py"). The class keeps all of them (the OpenAPI document
    is generated from it)."""

    def __init__(self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: Any = None) -> None:
        if data is not None:
            # What django-filter's __init__ copies: this instance's own, the class's stay whole.
            named = {name: f for name, f in type(self).base_filters.items() if name in data}  # type: ignore[misc]
            setattr(self, "base_filters", named)  # noqa: B010 - an instance attribute over the class's
        super().__init__(data, queryset, request=request, prefix=prefix)


class AanvraagFilter(NamedFilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    wet = filters.ChoiceFilter(choices=Wet.choices)
    gemeente = filters.CharFilter(field_name="gemeente__code", help_text="CBS-gemeentecode")
    regieReferentie = filters.CharFilter(field_name="regie_referentie")  # noqa: N815
    aangemaaktVanaf = StrictDateTimeFilter(field_name="aangemaakt_op", lookup_expr="gte")  # noqa: N815
    gewijzigdVanaf = StrictDateTimeFilter(field_name="gewijzigd_op", lookup_expr="gte")  # noqa: N815

    class Meta:
        model = Aanvraag
        fields: list[str] = []


class VoorzieningFilter(NamedFilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    wet = filters.ChoiceFilter(field_name="aanvraag__wet", choices=Wet.choices)
    gemeente = filters.CharFilter(field_name="aanvraag__gemeente__code", help_text="CBS-gemeentecode")
    regieReferentie = filters.CharFilter(field_name="aanvraag__regie_referentie")  # noqa: N815
    leveringsvorm = filters.ChoiceFilter(field_name="leveringsvorm", choices=Leveringsvorm.choices)
    aanvraag = StrictUUIDFilter(field_name="aanvraag__uuid")
    aangemaaktVanaf = StrictDateTimeFilter(field_name="aangemaakt_op", lookup_expr="gte")  # noqa: N815
    gewijzigdVanaf = StrictDateTimeFilter(field_name="gewijzigd_op", lookup_expr="gte")  # noqa: N815

    class Meta:
        model = Voorziening
        fields: list[str] = []


class DocumentFilter(NamedFilterSet):
    aanvraag = StrictUUIDFilter(field_name="aanvraag__uuid")
    registratie = filters.ChoiceFilter(choices=Document.Registratie.choices)

    class Meta:
        model = Document
        fields: list[str] = []


class ProductFilter(NamedFilterSet):
    gemeente = filters.CharFilter(field_name="gemeente__code", help_text="CBS-gemeentecode")
    wet = filters.ChoiceFilter(choices=Wet.choices)
    gewijzigdVanaf = StrictDateTimeFilter(  # noqa: N815
        field_name="gewijzigd_op", lookup_expr="gte", help_text="Alleen producten die sinds dit moment veranderden."
    )

    class Meta:
        model = Product
        fields: list[str] = []


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend. A request with no filter parameter at all (the first page, a next
    page) does not build the filterset: it would deep-copy each declared filter and validate an empty
    form only to return the queryset unchanged (none of these filters has a default or a method). About
    1.5 ms of a list request's CPU (bench/README.md, "lists.py")."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        paging: frozenset[str] = getattr(view.pagination_class, "query_params", frozenset())  # its own parameters
        if paging.issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
