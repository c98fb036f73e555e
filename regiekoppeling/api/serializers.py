"""Shapes of the API. Syntax only: the rules of the standard are checked in the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..constants import (
    BEDRAG_MAX_EUROCENT,
    BetrokkeneRol,
    DatumGebruik,
    Eenheid,
    Frequentie,
    Geslacht,
    Leveringsvorm,
    PgbBasis,
    SoortRelatie,
    VerwijzerType,
    Wet,
    WettelijkeVertegenwoordiging,
    code_list,
)
from ..lifecycle.states import Status
from ..models import Aanvraag, BeschikkingRegel, Document, Voorziening
from .fields import (
    EERSTE_GEBOORTEDATUM,
    Base64Field,
    BsnField,
    OptionalURLField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictSerializer,
    StrictUUIDField,
    today,
)
from .links import DetailLinkField, DetailRelatedField, detail_url

AGB = r"^\d{8}$"


def _bedrag(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(min_value=0, max_value=BEDRAG_MAX_EUROCENT, help_text="Bedrag in eurocent.", **kwargs)


def _codes(title: str, choices: type[Any]) -> str:
    """The help text of a code field: the code list and every value with its iWmo/iJw name."""
    return code_list(title, {c.value: c.label for c in choices})


# --- input -------------------------------------------------------------------------------------


class ClientSerializer(StrictSerializer):
    bsn = BsnField(help_text="BSN (elfproef). Staat nooit in een URL.")
    geboortedatum = StrictDateField(earliest=EERSTE_GEBOORTEDATUM, latest=today)
    geboortedatum_gebruik = serializers.ChoiceField(
        choices=DatumGebruik.choices,
        required=False,
        allow_blank=True,
        help_text=_codes("Datumgebruik (COD170), weglaten als de hele datum bekend is; CS139", DatumGebruik),
    )
    geslacht = serializers.ChoiceField(choices=Geslacht.choices, help_text=_codes("Geslacht (COD046)", Geslacht))
    voornamen = serializers.CharField(max_length=200, required=False, allow_blank=True)
    voorvoegsel = serializers.CharField(max_length=10, required=False, allow_blank=True)
    achternaam = serializers.CharField(max_length=200)


class NaamSerializer(StrictSerializer):
    voornamen = serializers.CharField(max_length=200, required=False, allow_blank=True)
    voorvoegsel = serializers.CharField(max_length=10, required=False, allow_blank=True)
    achternaam = serializers.CharField(max_length=200)


class BetrokkeneSerializer(StrictSerializer):
    # The docstring is this object's description in the OpenAPI document, hence Dutch.
    """Een ander dan de client: budgethouder (PGB, als dat niet de client is), wettelijk vertegenwoordiger of
    contactpersoon. Niet meer persoonsgegevens dan de backoffice nodig heeft: de rest leest die uit de BRP."""

    rol = serializers.ChoiceField(choices=BetrokkeneRol.choices, help_text=_codes("Rol", BetrokkeneRol))
    soort_relatie = serializers.ChoiceField(
        choices=SoortRelatie.choices, help_text=_codes("Soort relatie tot de client (COD472)", SoortRelatie)
    )
    vertegenwoordiging = serializers.ChoiceField(
        choices=WettelijkeVertegenwoordiging.choices,
        required=False,
        help_text=_codes(
            "Wettelijke vertegenwoordiging (WJ003), alleen en verplicht bij de wettelijk vertegenwoordiger",
            WettelijkeVertegenwoordiging,
        ),
    )
    bsn = BsnField(required=False, help_text="BSN; verplicht voor de budgethouder (TKB), nooit dat van de client.")
    naam = NaamSerializer()
    telefoon = serializers.RegexField(r"^[0-9]{1,15}$", required=False, help_text="Telefoonnummer (max 15 cijfers).")
    email = serializers.EmailField(max_length=80, required=False)


class ProductRefSerializer(StrictSerializer):
    categorie = serializers.RegexField(r"^\d{2}$", max_length=2, help_text="Productcategorie (WMO020 / JZ020).")
    code = serializers.CharField(max_length=5, required=False, allow_blank=True, help_text="Productcode (max 5).")


class OmvangSerializer(StrictSerializer):
    volume = StrictIntegerField(min_value=1, max_value=99_999_999)
    eenheid = serializers.ChoiceField(choices=Eenheid.choices, help_text=_codes("Eenheid (WJ756)", Eenheid))
    frequentie = serializers.ChoiceField(choices=Frequentie.choices, help_text=_codes("Frequentie (WJ757)", Frequentie))


class PgbSerializer(StrictSerializer):
    """One PGB shape for what is asked (voorziening), what is granted (beschikking regel) and what
    runs (herindicatie): the TKB needs the bedrag, its basis and the period."""

    bedrag = _bedrag()
    basis = serializers.ChoiceField(
        choices=PgbBasis.choices,
        help_text=_codes("Waar het bedrag voor geldt (geen iWmo-codelijst: de TKB-budgetperiode)", PgbBasis),
    )
    ingangsdatum = StrictDateField(required=False, help_text="Begin van de periode; standaard die van de voorziening.")
    einddatum = StrictDateField(required=False, help_text="Einde van de periode; standaard die van de voorziening.")
    tariefreferentie = serializers.CharField(max_length=100, required=False, allow_blank=True)


class VerwijzerSerializer(StrictSerializer):
    type = serializers.ChoiceField(
        choices=VerwijzerType.choices,
        help_text=_codes("Type verwijzer (COD327); 02-05 met zorgverlenerscode of anders naam", VerwijzerType),
    )
    naam = serializers.CharField(max_length=64, required=False, allow_blank=True)
    zorgverlenerscode = serializers.RegexField(
        AGB, required=False, allow_blank=True, help_text="AGB-code (8 cijfers); alleen bij type 02, 03, 04, 05."
    )


class VoorzieningInputSerializer(StrictSerializer):
    product = ProductRefSerializer()
    leveringsvorm = serializers.ChoiceField(
        choices=Leveringsvorm.choices, help_text=_codes("Leveringsvorm", Leveringsvorm)
    )
    omvang = OmvangSerializer(required=False)
    budget = _bedrag(required=False, allow_null=True)
    pgb = PgbSerializer(required=False)
    ingangsdatum = StrictDateField()
    einddatum = StrictDateField(required=False, allow_null=True)
    aanbieder = serializers.RegexField(AGB, required=False, allow_blank=True, help_text="AGB-code (8 cijfers).")
    verwijzer = VerwijzerSerializer(required=False)
    toelichting = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AanvraagDocumentSerializer(StrictSerializer):
    """Een document dat met de aanvraag meekomt: de inhoud in base64 (zoals de Documenten API haar
    neemt) of een verwijzing naar een bestaand document. Grote bestanden: `POST /documenten`."""

    titel = StrictCharField(max_length=200)
    beschrijving = StrictCharField(max_length=1000, required=False, allow_blank=True)
    soort = StrictCharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="Omschrijving van het informatieobjecttype; standaard het type voor bijlagen.",
    )
    auteur = StrictCharField(max_length=200, required=False, allow_blank=True)
    bestandsnaam = StrictCharField(max_length=255, required=False, help_text="Verplicht bij `inhoud`.")
    formaat = StrictCharField(max_length=255, required=False, help_text="Mediatype, verplicht bij `inhoud`.")
    inhoud = Base64Field(
        required=False, help_text="Het bestand in base64; samen met de rest van de body binnen API_MAX_BODY_BYTES."
    )
    informatieobject = serializers.URLField(
        max_length=1000, required=False, help_text="Of: een bestaand document in een geconfigureerde Documenten API."
    )


class AanvraagInputSerializer(StrictSerializer):
    gemeente = serializers.RegexField(r"^\d{4}$", help_text="CBS-gemeentecode (4 cijfers).")
    wet = serializers.ChoiceField(choices=Wet.choices)
    regie_referentie = serializers.CharField(max_length=36, required=False, allow_blank=True)
    gezinsplan_zaak = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    is_arrangement = serializers.BooleanField(required=False, default=False)
    arrangement_product = ProductRefSerializer(required=False, allow_null=True)
    toelichting = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    client = ClientSerializer()
    betrokkenen = BetrokkeneSerializer(many=True, required=False, max_length=3)  # type: ignore[call-arg]
    # DRF's ListSerializer takes min_length/max_length; the stubs do not know them yet.
    voorzieningen = VoorzieningInputSerializer(many=True, min_length=1, max_length=50, allow_empty=False)  # type: ignore[call-arg]
    documenten = AanvraagDocumentSerializer(many=True, required=False, max_length=10)  # type: ignore[call-arg]


class IntrekkingSerializer(StrictSerializer):
    reden = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- output ------------------------------------------------------------------------------------


class ProductSerializer(serializers.Serializer):
    categorie = serializers.CharField()
    code = serializers.CharField()
    omschrijving = serializers.CharField()


def omvang_of(obj: Voorziening | BeschikkingRegel) -> dict[str, Any] | None:
    """The nested `omvang` of a line or of what a beschikking granted."""
    # Null when nothing is set (None or ""; a volume of 0 is set). Written out, not through a field
    # map: it runs for every line of a list page. The text fields are CharFields: "" or a code.
    volume, eenheid, frequentie = obj.omvang_volume, obj.omvang_eenheid, obj.omvang_frequentie
    if volume is None and not eenheid and not frequentie:
        return None
    return {"volume": volume, "eenheid": eenheid, "frequentie": frequentie}


def pgb_of(obj: Voorziening | BeschikkingRegel) -> dict[str, Any] | None:
    """The one `pgb` shape of what was asked (a line) or granted (a beschikking regel)."""
    if obj.pgb_bedrag is None:
        return None
    return {
        "bedrag": obj.pgb_bedrag,
        "basis": obj.pgb_basis,
        "ingangsdatum": obj.pgb_periode_ingangsdatum,
        "einddatum": obj.pgb_periode_einddatum,
        "tariefreferentie": obj.pgb_tariefreferentie,
    }


def verwijzer_of(obj: Voorziening) -> dict[str, Any] | None:
    soort, naam, code = obj.verwijzer_type, obj.verwijzer_naam, obj.verwijzer_zorgverlenerscode
    if not soort and not naam and not code:  # CharFields: null when all are ""
        return None
    return {"type": soort, "naam": naam, "zorgverlenerscode": code}


def zaak_of(obj: Voorziening) -> dict[str, Any] | None:
    """The `zaak` of a line: where it stands in the Zaken API (null until it is registered). In camelCase
    already, as the hand-written representation (`representations.py`) needs it; the renderer's
    camelCase walk leaves it as it is."""
    if not obj.zaak_url:
        return None
    return {
        "url": obj.zaak_url,
        "identificatie": obj.zaak_identificatie,
        "status": obj.zaakstatus,
        "statusGezetOp": obj.zaakstatus_gezet_op,
        "statusFout": obj.zaakstatus_fout,
        "toestand": obj.zaak_toestand or "open",
    }


class ZaakRefSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="De zaak in de Zaken API.")
    identificatie = serializers.CharField()
    status = serializers.CharField(help_text="Omschrijving van het huidige statustype.")
    status_gezet_op = serializers.DateTimeField(allow_null=True)
    status_fout = serializers.CharField(
        help_text="Waarom de zaak een wijziging niet volgde (een status zonder statustype, of een type dat de "
        "catalogus niet kent); leeg zodra de zaak weer een status krijgt."
    )
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
        return zaak_of(obj)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Voorziening) -> str:
        return detail_url(self.context, "voorziening-detail", obj.uuid)

    @extend_schema_field(OpenApiTypes.URI)
    def get_aanvraag(self, obj: Voorziening) -> str:
        return detail_url(self.context, "aanvraag-detail", obj.aanvraag.uuid)

    @extend_schema_field(OmvangSerializer(allow_null=True))
    def get_omvang(self, obj: Voorziening) -> dict[str, Any] | None:
        return omvang_of(obj)

    @extend_schema_field(PgbSerializer(allow_null=True))
    def get_pgb(self, obj: Voorziening) -> dict[str, Any] | None:
        return pgb_of(obj) if obj.leveringsvorm == Leveringsvorm.PGB else None

    @extend_schema_field(VerwijzerSerializer(allow_null=True))
    def get_verwijzer(self, obj: Voorziening) -> dict[str, Any] | None:
        return verwijzer_of(obj)


class ClientOutputSerializer(serializers.Serializer):
    bsn = serializers.CharField(source="client_bsn")
    geboortedatum = serializers.DateField(source="client_geboortedatum")
    geboortedatum_gebruik = serializers.CharField(source="client_geboortedatum_gebruik")
    geslacht = serializers.CharField(source="client_geslacht")
    voornamen = serializers.CharField(source="client_voornamen")
    voorvoegsel = serializers.CharField(source="client_voorvoegsel")
    achternaam = serializers.CharField(source="client_achternaam")


class DocumentSerializer(serializers.ModelSerializer):
    url = DetailLinkField(view_name="document-detail")
    aanvraag = DetailRelatedField(view_name="aanvraag-detail")
    voorziening = DetailRelatedField(view_name="voorziening-detail", allow_null=True)
    registratie_fouten = RegistratieFoutSerializer(many=True, read_only=True)
    inhoud = serializers.SerializerMethodField()
    informatieobject = OptionalURLField(
        help_text="Het informatieobject in de Documenten API; null zolang het bestand daar nog niet staat."
    )

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
        return detail_url(self.context, "document-inhoud", obj.uuid)


class DocumentInputSerializer(StrictSerializer):
    aanvraag = StrictUUIDField(help_text="uuid van de aanvraag")
    voorziening = StrictUUIDField(
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


class DocumentVerwijzingSerializer(DocumentInputSerializer):
    # For the OpenAPI document only: JSON carries no file, so it is a reference (the view reads both
    # forms with DocumentInputSerializer). The docstring is the schema's description, hence Dutch.
    """Een nieuw document als verwijzing naar een bestaand document in een Documenten API."""

    bestand = None  # type: ignore[assignment]  # DRF removes a parent field set to None
    informatieobject = serializers.URLField(
        max_length=1000, help_text="Een bestaand document in een geconfigureerde Documenten API."
    )


class HoofdzaakSerializer(serializers.Serializer):
    url = serializers.URLField()
    identificatie = serializers.CharField()


class AanvraagSerializer(serializers.ModelSerializer):
    url = DetailLinkField(view_name="aanvraag-detail")
    hoofdzaak = serializers.SerializerMethodField()
    documenten = DocumentSerializer(many=True, read_only=True)
    gemeente = serializers.CharField(source="gemeente.code")
    indiener = serializers.CharField(source="indiener.naam")
    arrangement_product = ProductSerializer(allow_null=True)
    client = ClientOutputSerializer(source="*")
    betrokkenen = BetrokkeneSerializer(many=True, read_only=True)
    voorzieningen = VoorzieningSerializer(many=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    gezinsplan_zaak = OptionalURLField()

    class Meta:
        model = Aanvraag
        fields = [
            "url", "uuid", "gemeente", "wet", "indiener", "regie_referentie", "gezinsplan_zaak", "is_arrangement",
            "arrangement_product", "toelichting", "client", "betrokkenen", "voorzieningen", "hoofdzaak", "documenten", "status",
            "reden_intrekking", "aangemaakt_op", "gewijzigd_op",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(HoofdzaakSerializer(allow_null=True))
    def get_hoofdzaak(self, obj: Aanvraag) -> dict[str, str] | None:
        if not obj.hoofdzaak_url:
            return None
        return {"url": obj.hoofdzaak_url, "identificatie": obj.hoofdzaak_identificatie}
