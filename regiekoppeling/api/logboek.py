"""Inzage in the processing log: for the gemeente's privacy officer only (`Rol.PRIVACY`).

The BSN is searched for in a POST body (ADR `_zoek`), never in a URL. The officer sees only records
about the gemeenten its application acts for: a record of another gemeente answers exactly like one
that does not exist (it is not in the results).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import logboek, selectors
from ..constants import Rol
from ..models import Verwerking
from .base import PAGINATION_PARAMS, StrictQueryMixin, caller
from .fields import BsnField, StrictSerializer
from .pagination import MAX_PAGE_SIZE, PAGE_SIZE
from .permissions import IsApplicatie


class IsPrivacy(IsApplicatie):
    message = "Alleen de privacyfunctionaris (rol privacy) mag het logboek inzien."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and caller(request).rol == Rol.PRIVACY


class InzageInputSerializer(StrictSerializer):
    bsn = BsnField(help_text="BSN van de betrokkene (elfproef). Staat nooit in een URL.")


class VerwerkingApplicatieSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(read_only=True)
    naam = serializers.CharField(read_only=True)


class VerwerktObjectSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="Het soort record, bijvoorbeeld aanvraag of voorziening.")
    uuid = serializers.UUIDField(read_only=True)


class VerwerkingSerializer(serializers.ModelSerializer):
    applicatie = VerwerkingApplicatieSerializer(
        read_only=True, allow_null=True, help_text="De applicatie die het vroeg; null: regiekoppeling zelf."
    )
    gemeente = serializers.CharField(source="gemeente.code", read_only=True, help_text="CBS-code.")
    objecten = VerwerktObjectSerializer(many=True, read_only=True)

    class Meta:
        model = Verwerking
        fields = [
            "uuid",
            "tijdstip",
            "actie",
            "verwerkingsactiviteit",
            "applicatie",
            "gebruiker_id",
            "gebruiker_weergave",
            "gemeente",
            "aanvraag_uuid",
            "objecten",
            "endpoint",
            "trace_id",
            "span_id",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "gebruiker_id": {"help_text": "De medewerker uit het token (user_id), leeg als die niet bekend is."},
            "gebruiker_weergave": {"help_text": "De naam van die medewerker (user_representation)."},
            "endpoint": {"help_text": "Het endpoint of de verzending waarin het gebeurde."},
            "trace_id": {"help_text": "W3C trace-id: volg de verwerking in de andere systemen."},
        }


class VerwerkingPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)
    results = VerwerkingSerializer(many=True, read_only=True)


# As checked by the pagination: whole numbers from 1 (a 400 otherwise), pageSize at most its maximum.
PAGE_PARAMETERS = [
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1}, OpenApiParameter.QUERY, description="Paginanummer (vanaf 1)."
    ),
    OpenApiParameter(
        "pageSize",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        OpenApiParameter.QUERY,
        description=f"Aantal resultaten per pagina (standaard {PAGE_SIZE}, hoogstens {MAX_PAGE_SIZE}).",
    ),
]


class VerwerkingViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    """Het logboek dataverwerkingen: wie las of wijzigde welke gegevens van een persoon, wanneer en waarvoor."""

    permission_classes = [IsPrivacy]
    serializer_class = VerwerkingSerializer
    queryset = Verwerking.objects.none()

    def allowed_query_params(self) -> set[str]:
        return PAGINATION_PARAMS if self.action == "zoek" else set()

    @extend_schema(
        description=(
            "Inzage (AVG artikel 15): elke verwerking van de gegevens van één persoon in de gemeenten van de "
            "privacyfunctionaris, nieuwste eerst: welke applicatie (en medewerker) las, maakte, wijzigde of "
            "verzond welk record, wanneer en voor welke verwerkingsactiviteit. Het BSN staat in de body, nooit "
            "in de URL; het logboek zelf bewaart alleen een sleutel-hash ervan."
        ),
        request=InzageInputSerializer,
        operation_id="verwerkingen_zoek",
        responses={200: VerwerkingPageSerializer},
        parameters=PAGE_PARAMETERS,
    )
    @action(detail=False, methods=["post"], url_path="_zoek")
    def zoek(self, request: Request) -> Response:
        serializer = InzageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bsn = serializer.validated_data["bsn"]
        page = self.paginate_queryset(selectors.verwerkingen_of(applicatie=caller(request), bsn=bsn))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        # Reading someone's log is a processing of their data as well: the next search shows this one.
        actor = logboek.actor_from_request(applicatie=caller(request), claims=request.auth, endpoint="verwerking")
        with logboek.acting(actor):
            logboek.verwerkingen_log_inzage(bsn=bsn, shown=page or [])
        return response
