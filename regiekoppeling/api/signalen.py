"""API of `signalen`: herindicatie, and forwarded 315/317 requests with the regie's answer."""

from __future__ import annotations

from typing import Any

from djangorestframework_camel_case.util import camelize
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import iwmo, selectors, signalen
from ..constants import REDEN_AFWIJZING_VERZOEK, code_list
from ..models import Signaal, SignaalProduct, Voorziening
from .base import (
    IDEMPOTENCY_KEY,
    IsApplicatie,
    IsBackoffice,
    IsRegie,
    ResourceViewSet,
    caller,
    created,
    idempotent,
    visible_or_404,
)
from .exceptions import PayloadTooLarge
from .fields import StrictCharField, StrictDateField, StrictSerializer, StrictUUIDField
from .parsers import StrictJSONParser
from .serializers import OmvangSerializer, PgbSerializer, omvang_of, pgb_of


class XMLParser(parsers.BaseParser):
    """The raw iWmo/iJw 3.2 message: handed on as bytes to the safe parser in `regiekoppeling.iwmo`."""

    media_type = "application/xml"

    # DRF's stubs expect a mapping; request.data is the raw bytes here on purpose.
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:  # type: ignore[override]
        return bytes(stream.read()) if stream is not None else b""


class TextXMLParser(XMLParser):
    media_type = "text/xml"


_AANBIEDER_NAAM = (
    "315/317: de naam van de aanbieder zoals de backoffice die kent (het bericht zelf noemt alleen de AGB-code). "
    "Bij het XML-bericht als queryparameter aanbiederNaam."
)


@extend_schema_field({"$ref": "#/components/schemas/Verzoek"})  # the component: verzoek_schema.py
class VerzoekField(serializers.DictField):
    """The JSON form of a 315/317; read and checked by `iwmo.verzoek_from_json`."""


class SignaalInputSerializer(StrictSerializer):
    soort = serializers.ChoiceField(choices=Signaal.Soort.choices)
    voorziening = StrictUUIDField(required=False, help_text="Herindicatie: de voorziening.")
    deadline = StrictDateField(required=False, help_text="Herindicatie: uiterste datum van de herbeoordeling.")
    toelichting = StrictCharField(max_length=2000, required=False, allow_blank=True)
    verzoek = VerzoekField(required=False, help_text="315/317 als JSON (zie de README).")
    aanbieder_naam = StrictCharField(max_length=200, required=False, allow_blank=True, help_text=_AANBIEDER_NAAM)


class AntwoordSerializer(StrictSerializer):
    referentie_aanbieder = StrictCharField(max_length=36)
    antwoord = serializers.ChoiceField(choices=SignaalProduct.Antwoord.choices)
    reden_afwijzing = serializers.RegexField(
        r"^[1-9]$", required=False, help_text=code_list("Reden afwijzing verzoek (WJ759)", REDEN_AFWIJZING_VERZOEK)
    )
    toelichting = StrictCharField(max_length=2000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["antwoord"] == SignaalProduct.Antwoord.AFGEWEZEN and not attrs.get("reden_afwijzing"):
            raise serializers.ValidationError({"reden_afwijzing": "Afwijzen vraagt om een reden (1-9)."})
        return attrs


class AntwoordenSerializer(StrictSerializer):
    producten = AntwoordSerializer(many=True, allow_empty=False)


class AntwoordAanAanbiederSerializer(serializers.Serializer):
    soort = serializers.ChoiceField(
        choices=["toegewezen", "afgewezen", "in_onderzoek", "wacht_op_toewijzing"],
        help_text="toegewezen: 301 met het toewijzingnummer en de ReferentieAanbieder; afgewezen: 319 met "
        "VerzoekAntwoord 1 en de reden; in_onderzoek: 319 met VerzoekAntwoord 2; wacht_op_toewijzing: gehonoreerd, "
        "de voorziening heeft nog geen toewijzing (zie haar status).",
    )
    bericht = serializers.CharField(allow_null=True, help_text="Het retourbericht aan de aanbieder: 301 of 319.")
    referentie_aanbieder = serializers.CharField()
    verzoek_antwoord = serializers.CharField(
        allow_null=True, help_text="VerzoekAntwoord (WJ760): 1 = Verzoek afgewezen; 2 = Aanvraag in onderzoek."
    )
    reden_afwijzing = serializers.CharField(allow_null=True, help_text="Reden afwijzing verzoek (WJ759), 1-9.")
    toewijzingnummer = serializers.IntegerField(allow_null=True)
    voorziening_status = serializers.CharField(allow_null=True)


class SignaalProductSerializer(serializers.ModelSerializer):
    voorziening: serializers.HyperlinkedRelatedField[Voorziening] = serializers.HyperlinkedRelatedField(
        view_name="voorziening-detail", lookup_field="uuid", read_only=True, allow_null=True
    )
    antwoord_aan_aanbieder = serializers.SerializerMethodField()
    # Blank until the regie answers: the document must allow "" too.
    antwoord = serializers.ChoiceField(
        choices=[("", "Nog niet beantwoord"), *SignaalProduct.Antwoord.choices], read_only=True
    )

    @extend_schema_field(AntwoordAanAanbiederSerializer(allow_null=True))
    def get_antwoord_aan_aanbieder(self, obj: SignaalProduct) -> dict[str, Any] | None:
        """What the backoffice sends back to the aanbieder for this product, once the regie answered."""
        if not obj.antwoord:
            return None
        answer: dict[str, Any] = {
            "referentie_aanbieder": obj.referentie_aanbieder,
            "bericht": "319",
            "verzoek_antwoord": None,
            "reden_afwijzing": None,
            "toewijzingnummer": None,
            "voorziening_status": obj.voorziening.status if obj.voorziening else None,
        }
        if obj.antwoord == SignaalProduct.Antwoord.AFGEWEZEN:
            return {**answer, "soort": "afgewezen", "verzoek_antwoord": "1", "reden_afwijzing": obj.reden_afwijzing}
        if obj.antwoord == SignaalProduct.Antwoord.IN_ONDERZOEK:
            return {**answer, "soort": "in_onderzoek", "verzoek_antwoord": "2"}
        toewijzing = obj.voorziening.toewijzingen.order_by("-aangemaakt_op").first() if obj.voorziening else None
        if toewijzing is None:
            return {**answer, "soort": "wacht_op_toewijzing", "bericht": None}
        return {**answer, "soort": "toegewezen", "bericht": "301", "toewijzingnummer": toewijzing.toewijzingnummer}

    class Meta:
        model = SignaalProduct
        fields = [
            "referentie_aanbieder",
            "inhoud",
            "antwoord",
            "reden_afwijzing",
            "toelichting",
            "voorziening",
            "beantwoord_op",
            "antwoord_aan_aanbieder",
        ]
        read_only_fields = fields


class AanbiederSerializer(serializers.Serializer):
    agb_code = serializers.CharField(help_text="AGB-code van de aanbieder (Afzender in de header).")
    naam = serializers.CharField(help_text="Naam zoals de backoffice die meegaf; leeg als die ontbreekt.")


class VerzoekBerichtSerializer(serializers.Serializer):
    berichttype = serializers.CharField(help_text="WMO315, JW315, WMO317 of JW317.")
    identificatie = serializers.CharField(help_text="BerichtIdentificatie van de aanbieder.")
    dagtekening = serializers.DateField(help_text="Dagtekening van het bericht.")
    aanbieder = AanbiederSerializer()


class HerindicatieZaakSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="De zaak van de voorziening in de Zaken API.")
    identificatie = serializers.CharField(help_text="Identificatie van die zaak.")


class HerindicatieSerializer(serializers.Serializer):
    zaak = HerindicatieZaakSerializer(
        allow_null=True, help_text="De zaak van de voorziening; leeg zolang die er niet is."
    )
    beschikkingnummer = serializers.IntegerField(allow_null=True)
    toewijzingnummer = serializers.IntegerField(allow_null=True)
    aanbieder = serializers.CharField()
    leveringsvorm = serializers.CharField()
    omvang = OmvangSerializer(allow_null=True, help_text="Toegekend, anders aangevraagd.")
    pgb = PgbSerializer(allow_null=True, help_text="Toegekend, anders aangevraagd.")
    einddatum = serializers.DateField(allow_null=True)


class SignaalSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="signaal-detail", lookup_field="uuid")
    voorziening: serializers.HyperlinkedRelatedField[Voorziening] = serializers.HyperlinkedRelatedField(
        view_name="voorziening-detail", lookup_field="uuid", read_only=True, allow_null=True
    )
    aanvraag: serializers.HyperlinkedRelatedField[Any] = serializers.HyperlinkedRelatedField(
        view_name="aanvraag-detail", lookup_field="uuid", read_only=True, allow_null=True
    )
    gemeente = serializers.CharField(source="gemeente.code")
    herindicatie = serializers.SerializerMethodField()
    bericht = serializers.SerializerMethodField()
    producten = SignaalProductSerializer(many=True, read_only=True)

    class Meta:
        model = Signaal
        fields = [
            "url", "uuid", "soort", "bron", "gemeente", "voorziening", "aanvraag", "deadline", "toelichting",
            "herindicatie", "bericht", "producten", "aangemaakt_op",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(VerzoekBerichtSerializer(allow_null=True))
    def get_bericht(self, obj: Signaal) -> dict[str, Any] | None:
        """315/317: who asks (the aanbieder) and the message's identity, for the regie to judge."""
        header = (obj.inhoud or {}).get("header")
        if not header:
            return None
        return {
            "berichttype": obj.inhoud.get("berichttype"),
            "identificatie": header.get("identificatie"),
            "dagtekening": header.get("dagtekening"),
            "aanbieder": {"agb_code": header.get("aanbieder"), "naam": obj.aanbieder_naam},
        }

    @extend_schema_field(HerindicatieSerializer(allow_null=True))
    def get_herindicatie(self, obj: Signaal) -> dict[str, Any] | None:
        """What the regie needs to re-assess: the grant as it runs now."""
        line = obj.voorziening
        if line is None:
            return None
        regel = getattr(line, "beschikking_regel", None)
        toewijzing = line.toewijzingen.order_by("-aangemaakt_op").first()
        return {
            "zaak": {"url": line.zaak_url, "identificatie": line.zaak_identificatie} if line.zaak_url else None,
            "beschikkingnummer": regel.beschikking.beschikkingnummer if regel else None,
            "toewijzingnummer": toewijzing.toewijzingnummer if toewijzing else None,
            "aanbieder": toewijzing.aanbieder if toewijzing else line.aanbieder,
            "leveringsvorm": line.leveringsvorm,
            # What was granted, in the shapes of the aanvraag; what was asked where nothing was granted.
            "omvang": (omvang_of(regel) if regel else None) or omvang_of(line),
            "pgb": (pgb_of(regel) if regel else None) or pgb_of(line),
            "einddatum": line.einddatum,
        }


@extend_schema_view(
    list=extend_schema(description="Signalen die de applicatie mag zien."),
    retrieve=extend_schema(description="Een signaal, met per verzocht product het antwoord."),
    create=extend_schema(
        description=(
            "Een herindicatiesignaal, of een verzoek om toewijzing (315) of om wijziging (317) van een aanbieder: "
            "als JSON of als het originele iWmo/iJw 3.2-bericht (Content-Type application/xml), gecontroleerd "
            "tegen de officiële XSD's en de inhoudelijke regels."
        ),
        request={"application/json": SignaalInputSerializer, "application/xml": OpenApiTypes.STR},
        responses={201: SignaalSerializer},
        parameters=[
            IDEMPOTENCY_KEY,
            OpenApiParameter("aanbiederNaam", str, OpenApiParameter.QUERY, required=False, description=_AANBIEDER_NAAM),
        ],
    ),
    antwoord=extend_schema(
        description=(
            "Het antwoord van de regie per verzocht product: gehonoreerd (wordt een voorziening van een nieuwe "
            "aanvraag, met behoud van de ReferentieAanbieder), afgewezen met een reden, of in onderzoek."
        ),
        request={"application/json": AntwoordenSerializer},
        responses={200: SignaalSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class SignaalViewSet(ResourceViewSet):
    """Signalen: herindicatie en doorgestuurde verzoeken van aanbieders."""

    serializer_class = SignaalSerializer
    queryset = Signaal.objects.none()
    logboek_aanvraag = "aanvraag_id"
    parser_classes = [StrictJSONParser, XMLParser, TextXMLParser]

    def get_queryset(self) -> Any:
        return selectors.signalen_visible_to(caller(self.request)).order_by("-aangemaakt_op", "-id")

    def allowed_query_params(self) -> set[str]:
        return {"aanbiederNaam"} if self.action == "create" else super().allowed_query_params()

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [IsBackoffice()]
        if self.action == "antwoord":
            return [IsRegie()]
        return [IsApplicatie()]

    def _answer(self, signaal: Signaal, code: int) -> Response:
        signaal = self.get_queryset().get(pk=signaal.pk)
        body = self.shown(signaal)
        return created(body) if code == status.HTTP_201_CREATED else Response(body, status=code)

    @idempotent
    def create(self, request: Request) -> Response:
        if isinstance(request.data, bytes):
            naam = request.query_params.get("aanbiederNaam", "")
            if len(naam) > 200:
                raise exceptions.ValidationError({"aanbiederNaam": ["Maximaal 200 tekens."]})
            try:
                verzoek = iwmo.parse_verzoek(request.data)
            except iwmo.BerichtTeGroot as exc:
                raise PayloadTooLarge(str(exc)) from None
            signaal = signalen.verzoek_create(afzender=caller(request), verzoek=verzoek, aanbieder_naam=naam)
            return self._answer(signaal, 201)
        serializer = SignaalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["soort"] == Signaal.Soort.HERINDICATIE:
            if data.get("aanbieder_naam"):
                raise exceptions.ValidationError(
                    {"aanbiederNaam": ["Alleen een verzoek (315/317) noemt een aanbieder."]}
                )
            if data.get("voorziening") is None:
                raise exceptions.ValidationError({"voorziening": ["Een herindicatie noemt de voorziening."]})
            voorzieningen = selectors.voorzieningen_visible_to(caller(request))
            voorziening = visible_or_404(voorzieningen, data["voorziening"], "Voorziening")
            signaal = signalen.herindicatie_create(voorziening=voorziening, afzender=caller(request), data=data)
            return self._answer(signaal, 201)
        if "verzoek" not in data:
            raise exceptions.ValidationError(
                {"verzoek": ["Een verzoek om toewijzing of wijziging vraagt om het verzoek."]}
            )
        # The JSON parser made the keys snake_case; the verzoek has its own (camelCase) shape.
        verzoek = iwmo.verzoek_from_json(camelize(data["verzoek"]))
        signaal = signalen.verzoek_create(
            afzender=caller(request), verzoek=verzoek, aanbieder_naam=data.get("aanbieder_naam", "")
        )
        return self._answer(signaal, 201)

    # Only JSON: the XML parsers of `create` are for the aanbieder's bericht, not for this answer.
    @action(detail=True, methods=["post"], parser_classes=[StrictJSONParser])
    @idempotent
    def antwoord(self, request: Request, uuid: str) -> Response:
        serializer = AntwoordenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        signaal = signalen.verzoek_answer(
            signaal=self.get_object(), regie=caller(request), antwoorden=serializer.validated_data["producten"]
        )
        return self._answer(signaal, 200)
