"""Shapes of the API. Syntax only: the rules of the standard are checked in the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from ..constants import (
    BEDRAG_MAX_EUROCENT,
    Eenheid,
    Frequentie,
    Geslacht,
    Leveringsvorm,
    PgbBasis,
    VerwijzerType,
    Wet,
)
from ..lifecycle.states import Status
from ..models import Aanvraag, Document, Voorziening
from .fields import EERSTE_GEBOORTEDATUM, BsnField, StrictDateField, StrictIntegerField, StrictSerializer, today

AGB = r"^\d{8}$"


def _bedrag(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(min_value=0, max_value=BEDRAG_MAX_EUROCENT, help_text="Bedrag in eurocent.", **kwargs)


# --- input -------------------------------------------------------------------------------------


class ClientSerializer(StrictSerializer):
    bsn = BsnField(help_text="BSN (elfproef). Staat nooit in een URL.")
    geboortedatum = StrictDateField(earliest=EERSTE_GEBOORTEDATUM, latest=today)
    geslacht = serializers.ChoiceField(choices=Geslacht.choices)
    voornamen = serializers.CharField(max_length=200, required=False, allow_blank=True)
    voorvoegsel = serializers.CharField(max_length=10, required=False, allow_blank=True)
    achternaam = serializers.CharField(max_length=200)


class ProductRefSerializer(StrictSerializer):
    categorie = serializers.RegexField(r"^\d{2}$", max_length=2, help_text="Productcategorie (WMO020 / JZ020).")
    code = serializers.CharField(max_length=5, required=False, allow_blank=True, help_text="Productcode (max 5).")


class OmvangSerializer(StrictSerializer):
    volume = StrictIntegerField(min_value=1, max_value=99_999_999)
    eenheid = serializers.ChoiceField(choices=Eenheid.choices)
    frequentie = serializers.ChoiceField(choices=Frequentie.choices)


class PgbSerializer(StrictSerializer):
    bedrag = _bedrag()
    basis = serializers.ChoiceField(choices=PgbBasis.choices)
    ingangsdatum = StrictDateField(required=False, help_text="Begin van de periode; standaard die van de voorziening.")
    einddatum = StrictDateField(required=False, help_text="Einde van de periode; standaard die van de voorziening.")
    tariefreferentie = serializers.CharField(max_length=100, required=False, allow_blank=True)


class VerwijzerSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=VerwijzerType.choices)
    naam = serializers.CharField(max_length=64, required=False, allow_blank=True)
    zorgverlenerscode = serializers.RegexField(AGB, required=False, allow_blank=True)


class VoorzieningInputSerializer(StrictSerializer):
    product = ProductRefSerializer()
    leveringsvorm = serializers.ChoiceField(choices=Leveringsvorm.choices)
    omvang = OmvangSerializer(required=False)
    budget = _bedrag(required=False, allow_null=True)
    pgb = PgbSerializer(required=False)
    ingangsdatum = StrictDateField()
    einddatum = StrictDateField(required=False, allow_null=True)
    aanbieder = serializers.RegexField(AGB, required=False, allow_blank=True, help_text="AGB-code (8 cijfers).")
    verwijzer = VerwijzerSerializer(required=False)
    toelichting = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AanvraagInputSerializer(StrictSerializer):
    gemeente = serializers.RegexField(r"^\d{4}$", help_text="CBS-gemeentecode (4 cijfers).")
    wet = serializers.ChoiceField(choices=Wet.choices)
    regie_referentie = serializers.CharField(max_length=36, required=False, allow_blank=True)
    gezinsplan_zaak = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    is_arrangement = serializers.BooleanField(required=False, default=False)
    arrangement_product = ProductRefSerializer(required=False, allow_null=True)
    toelichting = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    client = ClientSerializer()
    # DRF's ListSerializer takes min_length/max_length; the stubs do not know them yet.
    voorzieningen = VoorzieningInputSerializer(many=True, min_length=1, max_length=50, allow_empty=False)  # type: ignore[call-arg]


class IntrekkingSerializer(StrictSerializer):
    reden = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- output ------------------------------------------------------------------------------------


class ProductSerializer(serializers.Serializer):
    categorie = serializers.CharField()
    code = serializers.CharField()
    omschrijving = serializers.CharField()


def _nested(obj: Any, fields: dict[str, str]) -> dict[str, Any] | None:
    values = {out: getattr(obj, attr) for out, attr in fields.items()}
    return values if any(v not in (None, "") for v in values.values()) else None


class ZaakRefSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="De zaak in de Zaken API.")
    identificatie = serializers.CharField()
    status = serializers.CharField(help_text="Omschrijving van het huidige statustype.")
    status_gezet_op = serializers.DateTimeField(allow_null=True)
    toestand = serializers.ChoiceField(
        choices=["open", "afgesloten", "verwijderd"],
        help_text="Open; afgesloten (eindstatus gezet); verwijderd (de zaak bestaat niet meer in de Zaken API).",
    )


class RegistratieFoutSerializer(serializers.Serializer):
    detail = serializers.CharField()
    invalid_params = serializers.ListField(child=serializers.DictField())


class VoorzieningSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    zaak = serializers.SerializerMethodField()
    registratie_fouten = RegistratieFoutSerializer(many=True, read_only=True)
    aanvraag = serializers.SerializerMethodField()
    product = ProductSerializer()
    omvang = serializers.SerializerMethodField()
    pgb = serializers.SerializerMethodField()
    verwijzer = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)

    class Meta:
        model = Voorziening
        fields = [
            "url", "uuid", "aanvraag", "volgnummer", "product", "leveringsvorm", "omvang", "budget", "pgb",
            "ingangsdatum", "einddatum", "aanbieder", "verwijzer", "toelichting", "referentie_aanbieder", "status",
            "reden_intrekking", "zaak", "registratie", "registratie_fouten", "aangemaakt_op", "gewijzigd_op",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ZaakRefSerializer(allow_null=True))
    def get_zaak(self, obj: Voorziening) -> dict[str, Any] | None:
        if not obj.zaak_url:
            return None
        return {
            "url": obj.zaak_url,
            "identificatie": obj.zaak_identificatie,
            "status": obj.zaakstatus,
            "status_gezet_op": obj.zaakstatus_gezet_op,
            "toestand": obj.zaak_toestand or "open",
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Voorziening) -> str:
        return reverse("voorziening-detail", kwargs={"uuid": obj.uuid}, request=self.context.get("request"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_aanvraag(self, obj: Voorziening) -> str:
        return reverse("aanvraag-detail", kwargs={"uuid": obj.aanvraag.uuid}, request=self.context.get("request"))

    @extend_schema_field(OmvangSerializer(allow_null=True))
    def get_omvang(self, obj: Voorziening) -> dict[str, Any] | None:
        return _nested(obj, {"volume": "omvang_volume", "eenheid": "omvang_eenheid", "frequentie": "omvang_frequentie"})

    @extend_schema_field(PgbSerializer(allow_null=True))
    def get_pgb(self, obj: Voorziening) -> dict[str, Any] | None:
        if obj.leveringsvorm != Leveringsvorm.PGB:
            return None
        return {
            "bedrag": obj.pgb_bedrag,
            "basis": obj.pgb_basis,
            "ingangsdatum": obj.pgb_periode_ingangsdatum,
            "einddatum": obj.pgb_periode_einddatum,
            "tariefreferentie": obj.pgb_tariefreferentie,
        }

    @extend_schema_field(VerwijzerSerializer(allow_null=True))
    def get_verwijzer(self, obj: Voorziening) -> dict[str, Any] | None:
        return _nested(
            obj,
            {"type": "verwijzer_type", "naam": "verwijzer_naam", "zorgverlenerscode": "verwijzer_zorgverlenerscode"},
        )


class ClientOutputSerializer(serializers.Serializer):
    bsn = serializers.CharField(source="client_bsn")
    geboortedatum = serializers.DateField(source="client_geboortedatum")
    geslacht = serializers.CharField(source="client_geslacht")
    voornamen = serializers.CharField(source="client_voornamen")
    voorvoegsel = serializers.CharField(source="client_voorvoegsel")
    achternaam = serializers.CharField(source="client_achternaam")


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="document-detail", lookup_field="uuid")
    aanvraag: serializers.HyperlinkedRelatedField[Aanvraag] = serializers.HyperlinkedRelatedField(
        view_name="aanvraag-detail", lookup_field="uuid", read_only=True
    )
    voorziening: serializers.HyperlinkedRelatedField[Voorziening] = serializers.HyperlinkedRelatedField(
        view_name="voorziening-detail", lookup_field="uuid", read_only=True, allow_null=True
    )
    registratie_fouten = RegistratieFoutSerializer(many=True, read_only=True)
    inhoud = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "url", "uuid", "aanvraag", "voorziening", "titel", "beschrijving", "soort", "auteur", "bestandsnaam",
            "formaat", "bestandsomvang", "informatieobject", "registratie", "registratie_fouten", "aangemaakt_op",
            "inhoud",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_inhoud(self, obj: Document) -> str:
        """Where the content is downloaded (`GET /api/v1/documenten/{uuid}/inhoud`)."""
        return reverse("document-inhoud", kwargs={"uuid": obj.uuid}, request=self.context.get("request"))


class DocumentInputSerializer(StrictSerializer):
    aanvraag = serializers.UUIDField(help_text="uuid van de aanvraag")
    voorziening = serializers.UUIDField(
        required=False, help_text="uuid van een voorziening van de aanvraag: het document hoort bij haar zaak alleen."
    )
    auteur = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Naam van wie het document toevoegt."
    )
    titel = serializers.CharField(max_length=200)
    beschrijving = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    soort = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Omschrijving van het informatieobjecttype, bijvoorbeeld 'Beschikking' voor de brief; "
        "standaard het type voor bijlagen.",
    )
    bestand = serializers.FileField(required=False, help_text="Het bestand (multipart/form-data).")
    informatieobject = serializers.URLField(
        max_length=1000, required=False, help_text="Of: een bestaand document in een geconfigureerde Documenten API."
    )


class HoofdzaakSerializer(serializers.Serializer):
    url = serializers.URLField()
    identificatie = serializers.CharField()


class AanvraagSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="aanvraag-detail", lookup_field="uuid")
    hoofdzaak = serializers.SerializerMethodField()
    documenten = DocumentSerializer(many=True, read_only=True)
    gemeente = serializers.CharField(source="gemeente.code")
    indiener = serializers.CharField(source="indiener.naam")
    arrangement_product = ProductSerializer(allow_null=True)
    client = ClientOutputSerializer(source="*")
    voorzieningen = VoorzieningSerializer(many=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)

    class Meta:
        model = Aanvraag
        fields = [
            "url", "uuid", "gemeente", "wet", "indiener", "regie_referentie", "gezinsplan_zaak", "is_arrangement",
            "arrangement_product", "toelichting", "client", "voorzieningen", "hoofdzaak", "documenten", "status",
            "reden_intrekking", "aangemaakt_op", "gewijzigd_op",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(HoofdzaakSerializer(allow_null=True))
    def get_hoofdzaak(self, obj: Aanvraag) -> dict[str, str] | None:
        if not obj.hoofdzaak_url:
            return None
        return {"url": obj.hoofdzaak_url, "identificatie": obj.hoofdzaak_identificatie}
