"""Query parameters of the list endpoints (camelCase, as the ADR require)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from ..constants import Wet
from ..lifecycle.states import Status
from ..models import Aanvraag, Document, Voorziening


class AanvraagFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    wet = filters.ChoiceFilter(choices=Wet.choices)
    gemeente = filters.CharFilter(field_name="gemeente__code", help_text="CBS-gemeentecode")
    regieReferentie = filters.CharFilter(field_name="regie_referentie")  # noqa: N815
    aangemaaktVanaf = filters.IsoDateTimeFilter(field_name="aangemaakt_op", lookup_expr="gte")  # noqa: N815
    gewijzigdVanaf = filters.IsoDateTimeFilter(field_name="gewijzigd_op", lookup_expr="gte")  # noqa: N815

    class Meta:
        model = Aanvraag
        fields: list[str] = []


class VoorzieningFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    wet = filters.ChoiceFilter(field_name="aanvraag__wet", choices=Wet.choices)
    gemeente = filters.CharFilter(field_name="aanvraag__gemeente__code", help_text="CBS-gemeentecode")
    regieReferentie = filters.CharFilter(field_name="aanvraag__regie_referentie")  # noqa: N815
    leveringsvorm = filters.CharFilter(field_name="leveringsvorm")
    aanvraag = filters.UUIDFilter(field_name="aanvraag__uuid")
    aangemaaktVanaf = filters.IsoDateTimeFilter(field_name="aangemaakt_op", lookup_expr="gte")  # noqa: N815
    gewijzigdVanaf = filters.IsoDateTimeFilter(field_name="gewijzigd_op", lookup_expr="gte")  # noqa: N815

    class Meta:
        model = Voorziening
        fields: list[str] = []


class DocumentFilter(filters.FilterSet):
    aanvraag = filters.UUIDFilter(field_name="aanvraag__uuid")
    registratie = filters.ChoiceFilter(choices=Document.Registratie.choices)

    class Meta:
        model = Document
        fields: list[str] = []
