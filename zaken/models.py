"""ZGW configuration per gemeente, and our record of every zaak we registered.

The record holds each remote result (zaak, status, rol, relations) the moment it exists, so a
rerun after a failure at any step continues where it stopped and never creates twice.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from stdnum.nl import bsn as elfproef
from zgw_consumers.constants import APITypes

from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Aanvraag, Beschikking, Document, Gemeente, Voorziening


def validate_rsin(value: str) -> None:
    # RSIN uses the same elfproef as the BSN.
    if len(value) != 9 or not value.isdigit() or not elfproef.is_valid(value):
        raise ValidationError("Een RSIN bestaat uit 9 cijfers en voldoet aan de elfproef.")


class ZaakStrategie(models.TextChoices):
    # The default shares one zaak for an arrangement: the seed says an arrangement must not be split over
    # zaaknummers (DOMAIN.md section 5). Splitting it is a deliberate choice, named as such.
    PER_VOORZIENING = "per_voorziening", "Een zaak per voorziening; een arrangement deelt één zaak"
    ARRANGEMENT_GESPLITST = "arrangement_gesplitst", "Een zaak per voorziening, ook binnen een arrangement"
    HOOFDZAAK = "hoofdzaak", "Een hoofdzaak per aanvraag met een deelzaak per voorziening (of per arrangement)"


def _service(api_type: str, related: str) -> models.ForeignKey:
    return models.ForeignKey(
        "zgw_consumers.Service",
        on_delete=models.PROTECT,
        related_name=related,
        limit_choices_to={"api_type": api_type},
    )


class ZGWConfig(models.Model):
    """How one gemeente's voorzieningen become zaken."""

    gemeente = models.OneToOneField(Gemeente, on_delete=models.CASCADE, related_name="zgw_config")
    zaken_service = _service(APITypes.zrc, "+")
    catalogi_service = _service(APITypes.ztc, "+")
    documenten_service = _service(APITypes.drc, "+")
    besluiten_service = _service(APITypes.brc, "+")
    bronorganisatie = models.CharField(max_length=9, validators=[validate_rsin], help_text="RSIN van de gemeente")
    catalogus = models.URLField(max_length=1000, help_text="URL van de catalogus in de Catalogi API")
    zaaktype_wmo = models.CharField(max_length=50, help_text="identificatie van het zaaktype voor Wmo")
    zaaktype_jw = models.CharField(max_length=50, help_text="identificatie van het zaaktype voor Jeugdwet")
    hoofdzaaktype = models.CharField(
        max_length=50,
        blank=True,
        default="",
        help_text="identificatie van het zaaktype van de hoofdzaak (strategie hoofdzaak)",
    )
    roltype_omschrijving_generiek = models.CharField(max_length=20, default="initiator")
    besluittype = models.CharField(max_length=80, default="Beschikking", help_text="omschrijving van het besluittype")
    informatieobjecttype_bijlage = models.CharField(
        max_length=80, default="Bijlage", help_text="omschrijving van het informatieobjecttype voor documenten"
    )
    strategie = models.CharField(max_length=30, choices=ZaakStrategie.choices, default=ZaakStrategie.PER_VOORZIENING)
    initiele_status_zetten = models.BooleanField(
        default=True, help_text="Zet deze service de eerste status (anders doet een ander systeem dat)."
    )
    vertrouwelijkheidaanduiding = models.CharField(max_length=30, default="vertrouwelijk")

    class Meta:
        verbose_name = "ZGW-configuratie"
        verbose_name_plural = "ZGW-configuraties"

    def __str__(self) -> str:
        return f"ZGW-configuratie {self.gemeente}"

    def zaaktype_for(self, wet: str) -> str:
        return self.zaaktype_wmo if wet == "WMO" else self.zaaktype_jw


class ProductMapping(models.Model):
    """How the voorzieningen of one product become zaken, where it differs from the gemeente's default
    (an empty field means: the default of the ZGW-configuratie). Types are kept by identificatie or
    omschrijving, not URL: every new version of a type gets new URLs, and the current published version
    is resolved when it is used."""

    config = models.ForeignKey(ZGWConfig, on_delete=models.CASCADE, related_name="producten")
    product = models.ForeignKey("regiekoppeling.Product", on_delete=models.CASCADE, related_name="zgw_mappings")
    zaaktype = models.CharField(
        max_length=50, blank=True, default="", help_text="identificatie van het zaaktype (leeg: dat van de wet)"
    )
    informatieobjecttypen = models.JSONField(
        default=list,
        blank=True,
        help_text="omschrijvingen van de informatieobjecttypen; het eerste is dat van een document zonder soort",
    )
    besluittype = models.CharField(max_length=80, blank=True, default="", help_text="omschrijving van het besluittype")
    strategie = models.CharField(max_length=30, choices=ZaakStrategie.choices, blank=True, default="")
    herindicatie_termijn_dagen = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="dagen voor de einddatum waarop het herindicatiesignaal komt (leeg: die van de gemeente)",
    )

    class Meta:
        verbose_name = "productkoppeling"
        verbose_name_plural = "productkoppelingen"
        constraints = [models.UniqueConstraint(fields=["config", "product"], name="productmapping_per_config")]

    def __str__(self) -> str:
        return f"{self.product} -> {self.zaaktype or '(standaard)'}"


class StatustypeMapping(models.Model):
    """Per zaaktype identificatie: which statustype (by omschrijving) a lifecycle state sets, and which
    resultaattype closes a zaak in that state. An empty statustype is a deliberate "no status change";
    a state without a row is unmapped, and is recorded on the voorzieningen when it happens."""

    config = models.ForeignKey(ZGWConfig, on_delete=models.CASCADE, related_name="statustypen")
    zaaktype = models.CharField(max_length=50, help_text="identificatie van het zaaktype")
    status = models.CharField(max_length=30, choices=Status.choices)
    statustype_omschrijving = models.CharField(
        max_length=80, blank=True, default="", help_text="leeg: deze status verandert de zaakstatus niet"
    )
    resultaattype_omschrijving = models.CharField(
        max_length=80,
        blank=True,
        default="",
        help_text="resultaattype bij een eindtoestand of een beschikking (leeg: Toegekend/Afgewezen/Ingetrokken)",
    )

    class Meta:
        verbose_name = "statustypekoppeling"
        verbose_name_plural = "statustypekoppelingen"
        constraints = [
            models.UniqueConstraint(fields=["config", "zaaktype", "status"], name="statustype_per_status"),
        ]

    def __str__(self) -> str:
        return f"{self.zaaktype}: {self.status} -> {self.statustype_omschrijving}"


class Toestand(models.TextChoices):
    OPEN = "open", "Open"
    AFGESLOTEN = "afgesloten", "Afgesloten"
    VERWIJDERD = "verwijderd", "Verwijderd"


class SyncBron(models.TextChoices):
    NOTIFICATIE = "notificatie", "Notificatie"
    RECONCILIATIE = "reconciliatie", "Reconciliatie"


class SyncProbleem(models.TextChoices):
    NIET_GEKOPPELD = "niet_gekoppeld", "Statustype niet gekoppeld aan een levensfase"
    OVERGANG_GEWEIGERD = "overgang_geweigerd", "Overgang niet toegestaan"
    MISLUKT = "mislukt", "Synchronisatie mislukt"


class Zaak(models.Model):
    """A zaak this service registers: our own identificatie first, then each remote result."""

    class Soort(models.TextChoices):
        EIGEN = "eigen", "Eigen zaak van een voorziening"
        GEDEELD = "gedeeld", "Gedeelde zaak van een arrangement"
        HOOFDZAAK = "hoofdzaak", "Hoofdzaak van de aanvraag"
        DEELZAAK = "deelzaak", "Deelzaak van een voorziening"

    aanvraag = models.ForeignKey(Aanvraag, on_delete=models.PROTECT, related_name="zaken")
    soort = models.CharField(max_length=20, choices=Soort.choices)
    voorzieningen = models.ManyToManyField(Voorziening, related_name="zaken", blank=True)
    hoofdzaak = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="deelzaken")
    identificatie = models.CharField(max_length=40, unique=True)
    zaaktype = models.URLField(max_length=1000)
    url = models.URLField(max_length=1000, blank=True, default="")
    status_url = models.URLField(max_length=1000, blank=True, default="")
    rol_url = models.URLField(max_length=1000, blank=True, default="")
    # Status sync: the current status as last seen in the Zaken API, and the zaak's ETag then.
    huidige_status_url = models.URLField(max_length=1000, blank=True, default="")
    etag = models.CharField(max_length=200, blank=True, default="")
    gesynchroniseerd_op = models.DateTimeField(null=True, blank=True)
    # datumStatusGezet of the current status: a notification of an older status changes nothing.
    status_gezet_op = models.DateTimeField(null=True, blank=True)
    toestand = models.CharField(max_length=20, choices=Toestand.choices, default=Toestand.OPEN)
    # Observability of the status sync: where the last change came from, how long after it was set
    # the voorzieningen followed, and what could not be applied.
    sync_bron = models.CharField(max_length=20, choices=SyncBron.choices, blank=True, default="")
    sync_vertraging = models.DurationField(null=True, blank=True)
    sync_probleem = models.CharField(max_length=30, choices=SyncProbleem.choices, blank=True, default="")
    sync_toelichting = models.TextField(blank=True, default="")
    # Steps whose POST was sent at least once. After a lost answer the rerun looks the result up
    # instead of sending the POST again (ZGW has no Idempotency-Key).
    pogingen = models.JSONField(default=list, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    # Not stored: the registration's plan wrote this row with its "zaak" marker in this very run, so
    # the create that follows is known to be the first attempt (no lookup of an earlier one).
    marked_with_row: bool = False

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "zaken"

    def __str__(self) -> str:
        return self.identificatie


class ZaakDocument(models.Model):
    """A document related to a zaak (zaakinformatieobject), at most once per pair."""

    zaak = models.ForeignKey(Zaak, on_delete=models.CASCADE, related_name="documenten")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="zaak_relaties")
    url = models.URLField(max_length=1000, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["zaak", "document"], name="zaakdocument_uniek")]

    def __str__(self) -> str:
        return f"{self.zaak} - {self.document}"


class Besluit(models.Model):
    """A beschikking as besluit on one zaak; one per (beschikking, zaak), each with its own identificatie."""

    beschikking = models.ForeignKey(Beschikking, on_delete=models.PROTECT, related_name="besluiten")
    zaak = models.ForeignKey(Zaak, on_delete=models.PROTECT, related_name="besluiten")
    identificatie = models.CharField(max_length=50)
    url = models.URLField(max_length=1000, blank=True, default="")
    brief_url = models.URLField(max_length=1000, blank=True, default="", help_text="besluitinformatieobject")
    resultaat_url = models.URLField(max_length=1000, blank=True, default="")
    status_url = models.URLField(max_length=1000, blank=True, default="")
    pogingen = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "besluiten"
        constraints = [models.UniqueConstraint(fields=["beschikking", "zaak"], name="besluit_per_zaak")]

    def __str__(self) -> str:
        return self.identificatie


class NotificatieAbonnement(models.Model):
    """Our abonnement at a gemeente's Notificaties API (kanaal `zaken`): the Notificaties API sends each
    message to `callback_url` with `Authorization: Token <token>`. The token is stored encrypted (it is
    sent again when the abonnement is registered anew) and as a digest, by which a message is matched."""

    config = models.OneToOneField(ZGWConfig, on_delete=models.CASCADE, related_name="notificaties")
    notificaties_service = _service(APITypes.nrc, "+")
    callback_url = models.URLField(max_length=1000)
    token_encrypted = models.TextField(editable=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    abonnement_url = models.URLField(max_length=1000, blank=True, default="")
    gecontroleerd_op = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "notificatie-abonnement"
        verbose_name_plural = "notificatie-abonnementen"

    def __str__(self) -> str:
        return f"Abonnement {self.config.gemeente} ({self.abonnement_url or 'niet geregistreerd'})"


class ZaakNotificatie(models.Model):
    """A message of the Notificaties API, stored before it is answered; processed by the outbox."""

    class Uitkomst(models.TextChoices):
        ONTVANGEN = "ontvangen", "Ontvangen, wacht op verwerking"
        VERWERKT = "verwerkt", "Verwerkt"
        BEKEND = "bekend", "Niets nieuws (eigen of al bekende status)"
        VEROUDERD = "verouderd", "Ouder dan de bekende status"
        ONBEKEND = "onbekend", "Onbekende zaak"
        MISLUKT = "mislukt", "Mislukt"

    abonnement = models.ForeignKey(NotificatieAbonnement, on_delete=models.CASCADE, related_name="notificaties")
    # resource, resourceUrl, actie (and aanmaakdatum for an update): the same message sent again is
    # stored once.
    sleutel = models.CharField(max_length=64, unique=True)
    resource = models.CharField(max_length=40)
    actie = models.CharField(max_length=40)
    resource_url = models.URLField(max_length=1000)
    hoofd_object = models.URLField(max_length=1000)
    aanmaakdatum = models.DateTimeField()
    bericht = models.JSONField()
    ontvangen_op = models.DateTimeField(auto_now_add=True)
    zaak = models.ForeignKey(Zaak, on_delete=models.SET_NULL, null=True, blank=True, related_name="notificaties")
    uitkomst = models.CharField(max_length=20, choices=Uitkomst.choices, default=Uitkomst.ONTVANGEN)
    verwerkt_op = models.DateTimeField(null=True, blank=True)
    toelichting = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = "zaaknotificatie"
        verbose_name_plural = "zaaknotificaties"

    def __str__(self) -> str:
        return f"{self.resource} {self.actie} {self.resource_url}"
