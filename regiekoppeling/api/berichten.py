"""API of the berichten side: the feed (`berichten`) and the webhooks (`abonnementen`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..berichten import selectors, services
from ..berichten.links import RESOURCE_PATHS
from ..models import Abonnement, Bericht
from .aanvragen import ShownByHand
from .base import IDEMPOTENCY_KEY, ResourceViewSet, caller, created, idempotent
from .fields import StrictSerializer
from .filters import NamedFilterSet, StrictUUIDFilter
from .pagination import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    cursor_parameter,
    decode_cursor,
    encode_cursor,
    page_size_parameter,
    positive_int_param,
)

# --- berichten ----------------------------------------------------------------------------------


class FeedPagination(pagination.BasePagination):
    """Cursor pagination over the feed in id order.

    `next` is always given: follow it now for the next page, or later for berichten that arrived
    meanwhile. An empty page means the reader is up to date.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "pageSize"
    query_params = frozenset({cursor_query_param, page_size_query_param})

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.ontvanger_id = caller(request).pk
        raw = request.query_params.get(self.cursor_query_param)
        after = decode_cursor(raw, reader=self.ontvanger_id)[0] if raw is not None else 0
        rows = list(
            queryset.filter(pk__gt=after).order_by("pk")[
                : positive_int_param(request, self.page_size_query_param, default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
            ]
        )
        self.position = rows[-1].pk if rows else after
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        url = self.request.build_absolute_uri()
        return Response(
            {
                "next": replace_query_param(
                    url, self.cursor_query_param, encode_cursor(self.position, reader=self.ontvanger_id)
                ),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "description": "De volgende pagina; later opnieuw op te vragen voor nieuwe berichten.",
                    "example": "https://regiekoppeling.example.nl/api/v1/berichten?cursor=MTIz",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            cursor_parameter("Positie in de feed (ondoorzichtig): neem hem over uit `next`. Zonder: vanaf het begin."),
            page_size_parameter("berichten"),
        ]


class BerichtFilter(NamedFilterSet):
    resource = filters.ChoiceFilter(choices=[(name, name) for name in RESOURCE_PATHS])
    aanvraag = StrictUUIDFilter(field_name="aanvraag__uuid", help_text="uuid van de aanvraag")

    class Meta:
        model = Bericht
        fields: list[str] = []


class BerichtSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="bericht-detail", lookup_field="uuid")
    # In UTC with a Z, exactly as the webhook body carries it.
    aanmaakdatum = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)
    kenmerken = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Bericht
        fields = [
            "url", "uuid", "kanaal", "hoofd_object", "resource", "resource_url", "actie", "aanmaakdatum", "kenmerken",
            "gebeurtenis",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "hoofd_object": {
                "help_text": "De aanvraag waar het bericht over gaat (bij het productenboek: het product)."
            },
            "resource_url": {"help_text": "Het gewijzigde object; lees het met de eigen autorisatie."},
            "gebeurtenis": {"help_text": "Wat er gebeurde, bijvoorbeeld aanvraag_ontvangen of beschikking."},
        }


@extend_schema_view(
    list=extend_schema(
        description=(
            "De eigen feed van de applicatie: elk bericht over een aanvraag die zij mag zien, in volgorde, "
            "gevormd als een bericht van de Notificaties API en zonder BSN."
        )
    ),
    retrieve=extend_schema(description="Een bericht uit de eigen feed."),
)
class BerichtViewSet(ShownByHand, ResourceViewSet):
    """Berichten: elke gebeurtenis voor een partij, als feed met een cursor."""

    serializer_class = BerichtSerializer
    filterset_class = BerichtFilter
    pagination_class = FeedPagination
    queryset = Bericht.objects.none()

    def get_queryset(self) -> Any:
        return selectors.berichten_of(caller(self.request))


# --- abonnementen -------------------------------------------------------------------------------


class AbonnementInputSerializer(StrictSerializer):
    callback_url = serializers.URLField(
        max_length=1000, help_text="https-URL op een toegestane host; elk bericht van de feed wordt hierheen gePOST."
    )
    auth = serializers.RegexField(
        r"^[\x20-\x7e]*$",
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Waarde van de Authorization-header bij elke aflevering (bijvoorbeeld 'Bearer ...'); "
        "wordt nooit teruggegeven.",
    )


class AbonnementSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="abonnement-detail", lookup_field="uuid")
    heeft_auth = serializers.SerializerMethodField()

    class Meta:
        model = Abonnement
        fields = ["url", "uuid", "callback_url", "heeft_auth", "aangemaakt_op"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_heeft_auth(self, obj: Abonnement) -> bool:
        return bool(obj.auth)


class AbonnementAangemaaktSerializer(AbonnementSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Sleutel van de handtekening X-Regiekoppeling-Signature (sha256=<hex HMAC-SHA256 van de body>). "
        "Alleen in dit antwoord.",
    )

    class Meta(AbonnementSerializer.Meta):
        fields = [*AbonnementSerializer.Meta.fields, "secret"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description="De eigen webhooks van de applicatie."),
    retrieve=extend_schema(description="Een eigen webhook."),
    create=extend_schema(
        description=(
            "Abonneer een webhook op de eigen feed. Elk bericht wordt als JSON gePOST, ondertekend met "
            "X-Regiekoppeling-Signature; mislukte afleveringen worden met backoff herhaald."
        ),
        request=AbonnementInputSerializer,
        responses={201: AbonnementAangemaaktSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    destroy=extend_schema(description="Zeg een webhook op; nog wachtende afleveringen vervallen."),
)
class AbonnementViewSet(mixins.DestroyModelMixin, ResourceViewSet):
    """Abonnementen: webhooks die de berichten van de eigen feed ontvangen."""

    serializer_class = AbonnementSerializer
    queryset = Abonnement.objects.none()

    def get_queryset(self) -> Any:
        return selectors.abonnementen_of(caller(self.request)).order_by("aangemaakt_op", "id")

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = AbonnementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        abonnement = services.abonnement_create(applicatie=caller(request), **serializer.validated_data)
        return created(self.shown(abonnement, AbonnementAangemaaktSerializer))

    def perform_destroy(self, instance: Abonnement) -> None:
        services.abonnement_delete(abonnement=instance)
