"""API of `toewijzingen`: the 301 side of granted ZIN voorzieningen, with start and stop of delivery."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, toewijzingen
from ..constants import NUMMER_MAX, REDEN_BEEINDIGING, REDEN_WIJZIGING, Wet, code_list
from ..models import Toewijzing, Voorziening
from .base import IDEMPOTENCY_KEY, IsBackoffice, ResourceViewSet, caller, created, idempotent, visible_or_404
from .fields import StrictDateField, StrictIntegerField, StrictSerializer, StrictUUIDField


class ToewijzingInputSerializer(StrictSerializer):
    voorziening = StrictUUIDField()
    toewijzingnummer = StrictIntegerField(min_value=0, max_value=NUMMER_MAX)
    aanbieder = serializers.RegexField(r"^\d{8}$", help_text="AGB-code van de aanbieder (8 cijfers).")
    ingangsdatum = StrictDateField()
    einddatum = StrictDateField(required=False, allow_null=True)
    reden_wijziging = serializers.RegexField(
        r"^\d{2}$", required=False, help_text=code_list("Reden wijziging (WJ002)", REDEN_WIJZIGING)
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("einddatum") and attrs["einddatum"] < attrs["ingangsdatum"]:
            raise serializers.ValidationError({"einddatum": "Einddatum ligt voor de ingangsdatum."})
        return attrs


class StartSerializer(StrictSerializer):
    datum = StrictDateField()


class StopSerializer(StrictSerializer):
    datum = StrictDateField()
    reden_beeindiging = serializers.RegexField(
        r"^\d{2}$",
        help_text="Reden beëindiging; de codes verschillen per wet. "
        + code_list("Wmo (WMO588)", REDEN_BEEINDIGING[Wet.WMO])
        + " "
        + code_list("Jeugdwet (JZ588)", REDEN_BEEINDIGING[Wet.JW]),
    )


class ToewijzingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="toewijzing-detail", lookup_field="uuid")
    voorziening: serializers.HyperlinkedRelatedField[Voorziening] = serializers.HyperlinkedRelatedField(
        view_name="voorziening-detail", lookup_field="uuid", read_only=True
    )

    class Meta:
        model = Toewijzing
        fields = [
            "url", "uuid", "voorziening", "toewijzingnummer", "aanbieder", "ingangsdatum", "einddatum",
            "reden_wijziging", "start_datum", "stop_datum", "reden_beeindiging", "aangemaakt_op",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description="Toewijzingen van voorzieningen die de applicatie mag zien."),
    retrieve=extend_schema(description="Een toewijzing."),
    create=extend_schema(
        description=(
            "Wijs een toegekende ZIN-voorziening toe aan een aanbieder. Een volgende toewijzing voor dezelfde "
            "voorziening is een wijziging en vraagt een reden wijziging."
        ),
        request=ToewijzingInputSerializer,
        responses={201: ToewijzingSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    start=extend_schema(
        description="De levering is gestart (305).",
        request=StartSerializer,
        responses={200: ToewijzingSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    stop=extend_schema(
        description="De levering is gestopt (307), met een reden beëindiging.",
        request=StopSerializer,
        responses={200: ToewijzingSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class ToewijzingViewSet(ResourceViewSet):
    """Toewijzingen van de backoffice aan aanbieders."""

    serializer_class = ToewijzingSerializer
    queryset = Toewijzing.objects.none()
    logboek_aanvraag = "voorziening.aanvraag_id"
    role, role_actions = IsBackoffice, frozenset({"create", "start", "stop"})

    def get_queryset(self) -> Any:
        return selectors.toewijzingen_visible_to(caller(self.request)).order_by("-aangemaakt_op", "-id")

    def _answer(self, toewijzing: Toewijzing, code: int = status.HTTP_200_OK) -> Response:
        body = self.shown(toewijzing)
        return created(body) if code == status.HTTP_201_CREATED else Response(body)

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = ToewijzingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        voorziening = visible_or_404(
            selectors.voorzieningen_visible_to(caller(request)), data["voorziening"], "Voorziening"
        )
        toewijzing = toewijzingen.toewijzing_create(voorziening=voorziening, afzender=caller(request), data=data)
        return self._answer(toewijzing, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    @idempotent
    def start(self, request: Request, uuid: str) -> Response:
        serializer = StartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        toewijzing = toewijzingen.toewijzing_start(
            toewijzing=self.get_object(), datum=serializer.validated_data["datum"]
        )
        return self._answer(toewijzing)

    @action(detail=True, methods=["post"])
    @idempotent
    def stop(self, request: Request, uuid: str) -> Response:
        serializer = StopSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        toewijzing = toewijzingen.toewijzing_stop(
            toewijzing=self.get_object(), datum=data["datum"], reden=data["reden_beeindiging"]
        )
        return self._answer(toewijzing)
