"""API of the backoffice's answers: `terugkoppelingen` and `beschikkingen`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .. import feedback, selectors
from ..constants import NUMMER_MAX, REDEN_AFWIJZING_VERZOEK, code_list
from ..models import Aanvraag, Beschikking, BeschikkingRegel, Terugkoppeling
from .base import IDEMPOTENCY_KEY, IsBackoffice, ResourceViewSet, caller, created, idempotent, visible_or_404
from .fields import StrictDateField, StrictIntegerField, StrictSerializer, StrictUUIDField, today
from .serializers import OmvangSerializer, PgbSerializer, _bedrag, omvang_of, pgb_of


def _visible_aanvraag(request: Request, uuid: Any) -> Aanvraag:
    return visible_or_404(selectors.aanvragen_visible_to(caller(request)), uuid, "Aanvraag")


# --- terugkoppelingen ---------------------------------------------------------------------------


class FoutSerializer(StrictSerializer):
    code = serializers.CharField(
        max_length=4,
        help_text="Retourcode uit de codelijst WJ001 van iWmo/iJw 3.2 (van de wet van de aanvraag), bijvoorbeeld "
        "0001 (technisch afgekeurd), 9019 of S329; een onbekende code is een 400.",
    )
    pad = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Veld in de aanvraag.")
    tekst = serializers.CharField(max_length=500)


class TerugkoppelingInputSerializer(StrictSerializer):
    aanvraag = StrictUUIDField()
    soort = serializers.ChoiceField(choices=Terugkoppeling.Soort.choices)
    voorzieningen = serializers.ListField(
        child=StrictUUIDField(),
        required=False,
        allow_empty=False,
        help_text="Alleen bij afgewezen en in onderzoek: de voorzieningen waar het om gaat (zonder: alle open "
        "voorzieningen). Technische terugkoppeling geldt voor de hele aanvraag; voorzieningen erbij is een 400.",
    )
    fouten = FoutSerializer(many=True, required=False)
    reden_afwijzing = serializers.RegexField(
        r"^([1-9]|[A-Z][A-Z0-9_-]{0,9})$",
        required=False,
        help_text=code_list("Reden afwijzing verzoek (WJ759)", REDEN_AFWIJZING_VERZOEK)
        + " Of een lokale code (hoofdletters).",
    )
    toelichting = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class TerugkoppelingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="terugkoppeling-detail", lookup_field="uuid")
    aanvraag: serializers.HyperlinkedRelatedField[Aanvraag] = serializers.HyperlinkedRelatedField(
        view_name="aanvraag-detail", lookup_field="uuid", read_only=True
    )
    voorzieningen: serializers.ManyRelatedField = serializers.HyperlinkedRelatedField(  # type: ignore[assignment]
        view_name="voorziening-detail", lookup_field="uuid", read_only=True, many=True
    )
    fouten = FoutSerializer(many=True, read_only=True)

    class Meta:
        model = Terugkoppeling
        fields = [
            "url",
            "uuid",
            "aanvraag",
            "soort",
            "voorzieningen",
            "fouten",
            "reden_afwijzing",
            "toelichting",
            "aangemaakt_op",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description="Terugkoppelingen op aanvragen die de applicatie mag zien."),
    retrieve=extend_schema(description="Een terugkoppeling."),
    create=extend_schema(
        description=(
            "Technische terugkoppeling (verwerkbaar, of niet verwerkbaar met fouten) of functionele terugkoppeling "
            "(afgewezen zonder beschikking, met een reden; in onderzoek). De voorzieningen gaan naar de "
            "bijbehorende status; een niet toegestane overgang is 409 met de huidige status."
        ),
        request=TerugkoppelingInputSerializer,
        responses={201: TerugkoppelingSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class TerugkoppelingViewSet(ResourceViewSet):
    """Terugkoppelingen van de backoffice op aanvragen."""

    serializer_class = TerugkoppelingSerializer
    queryset = Terugkoppeling.objects.none()
    logboek_aanvraag = "aanvraag_id"
    role, role_actions = IsBackoffice, frozenset({"create"})

    def get_queryset(self) -> Any:
        return selectors.terugkoppelingen_visible_to(caller(self.request)).order_by("-aangemaakt_op", "-id")

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = TerugkoppelingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        aanvraag = _visible_aanvraag(request, data["aanvraag"])
        if "voorzieningen" in data:
            data["voorzieningen"] = [str(u) for u in data["voorzieningen"]]
        terugkoppeling = feedback.terugkoppeling_create(aanvraag=aanvraag, afzender=caller(request), data=data)
        return created(self.shown(terugkoppeling))


# --- beschikkingen ------------------------------------------------------------------------------


class RegelInputSerializer(StrictSerializer):
    voorziening = StrictUUIDField()
    uitkomst = serializers.ChoiceField(choices=BeschikkingRegel.Uitkomst.choices)
    omvang = OmvangSerializer(required=False)
    budget = _bedrag(required=False)
    pgb = PgbSerializer(required=False, help_text="Het toegekende PGB, in de vorm van het aangevraagde.")
    ingangsdatum = StrictDateField(required=False)
    einddatum = StrictDateField(required=False)
    reden = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        granted = [k for k in ("omvang", "budget", "pgb") if attrs.get(k) is not None]
        if attrs["uitkomst"] == BeschikkingRegel.Uitkomst.AFGEWEZEN and granted:
            raise serializers.ValidationError({granted[0]: "Een afgewezen voorziening kent niets toe."})
        if attrs.get("einddatum") and attrs.get("ingangsdatum") and attrs["einddatum"] < attrs["ingangsdatum"]:
            raise serializers.ValidationError({"einddatum": "Einddatum ligt voor de ingangsdatum."})
        return attrs


class BeschikkingInputSerializer(StrictSerializer):
    aanvraag = StrictUUIDField()
    beschikkingnummer = StrictIntegerField(min_value=0, max_value=NUMMER_MAX)
    datum = StrictDateField(latest=today, help_text="De datum van het besluit; niet in de toekomst.")
    ingangsdatum = StrictDateField()
    vervaldatum = StrictDateField(required=False, allow_null=True)
    brief = StrictUUIDField(required=False, help_text="uuid van het document met de beschikkingsbrief.")
    toelichting = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    regels = RegelInputSerializer(many=True, allow_empty=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("vervaldatum") and attrs["vervaldatum"] < attrs["ingangsdatum"]:
            raise serializers.ValidationError({"vervaldatum": "Vervaldatum ligt voor de ingangsdatum."})
        return attrs


class RegelSerializer(serializers.ModelSerializer):
    voorziening: serializers.HyperlinkedRelatedField[Any] = serializers.HyperlinkedRelatedField(
        view_name="voorziening-detail", lookup_field="uuid", read_only=True
    )
    omvang = serializers.SerializerMethodField()
    pgb = serializers.SerializerMethodField()

    class Meta:
        model = BeschikkingRegel
        fields = ["voorziening", "uitkomst", "omvang", "budget", "pgb", "ingangsdatum", "einddatum", "reden"]
        read_only_fields = fields

    @extend_schema_field(OmvangSerializer(allow_null=True))
    def get_omvang(self, obj: BeschikkingRegel) -> dict[str, Any] | None:
        return omvang_of(obj)

    @extend_schema_field(PgbSerializer(allow_null=True))
    def get_pgb(self, obj: BeschikkingRegel) -> dict[str, Any] | None:
        return pgb_of(obj)


class BeschikkingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="beschikking-detail", lookup_field="uuid")
    aanvraag: serializers.HyperlinkedRelatedField[Aanvraag] = serializers.HyperlinkedRelatedField(
        view_name="aanvraag-detail", lookup_field="uuid", read_only=True
    )
    brief: serializers.HyperlinkedRelatedField[Any] = serializers.HyperlinkedRelatedField(
        view_name="document-detail", lookup_field="uuid", read_only=True, allow_null=True
    )
    regels = RegelSerializer(many=True, read_only=True)

    class Meta:
        model = Beschikking
        fields = [
            "url", "uuid", "aanvraag", "beschikkingnummer", "datum", "ingangsdatum", "vervaldatum", "brief",
            "toelichting", "regels", "aangemaakt_op",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description="Beschikkingen op aanvragen die de applicatie mag zien."),
    retrieve=extend_schema(description="Een beschikking met de uitkomst per voorziening."),
    create=extend_schema(
        description=(
            "De beschikking: beschikkingnummer, data, de brief (een document bij de aanvraag) en per voorziening de "
            "uitkomst met wat is toegekend. Eén beschikking kan voorzieningen in meerdere zaken omvatten."
        ),
        request=BeschikkingInputSerializer,
        responses={201: BeschikkingSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class BeschikkingViewSet(ResourceViewSet):
    """Beschikkingen van de backoffice."""

    serializer_class = BeschikkingSerializer
    queryset = Beschikking.objects.none()
    logboek_aanvraag = "aanvraag_id"
    role, role_actions = IsBackoffice, frozenset({"create"})

    def get_queryset(self) -> Any:
        return selectors.beschikkingen_visible_to(caller(self.request)).order_by("-aangemaakt_op", "-id")

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = BeschikkingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        aanvraag = _visible_aanvraag(request, data["aanvraag"])
        data["regels"] = [{**r, "voorziening": str(r["voorziening"])} for r in data["regels"]]
        beschikking = feedback.beschikking_create(aanvraag=aanvraag, afzender=caller(request), data=data)
        return created(self.shown(beschikking))
