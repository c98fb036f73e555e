"""Aanvraag and its voorziening lines (DOMAIN.md section 3)."""

from __future__ import annotations

import uuid

from django.db import models

from ..constants import (
    DatumGebruik,
    Eenheid,
    Frequentie,
    Geslacht,
    Leveringsvorm,
    PgbBasis,
    VerwijzerType,
    Wet,
)
from ..lifecycle.states import Status
from .partijen import Applicatie, Gemeente
from .producten import Product


class Registratie(models.TextChoices):
    """Where a voorziening stands in the ZGW APIs (written by the `zaken` package)."""

    WACHT = "wacht", "Wacht op registratie"
    GEREGISTREERD = "geregistreerd", "Geregistreerd"
    MISLUKT = "mislukt", "Registratie mislukt"


class Aanvraag(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gemeente = models.ForeignKey(Gemeente, on_delete=models.PROTECT, related_name="aanvragen")
    wet = models.CharField(max_length=3, choices=Wet.choices)
    indiener = models.ForeignKey(Applicatie, on_delete=models.PROTECT, related_name="aanvragen")
    # The regie's own reference for this request (LDT_Referentie: max 36).
    regie_referentie = models.CharField(max_length=36, blank=True, default="", db_index=True)
    # The regie's gezinsplan zaak, related later as relevanteAndereZaak.
    gezinsplan_zaak = models.URLField(max_length=1000, blank=True, default="")
    is_arrangement = models.BooleanField(default=False)
    arrangement_product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    toelichting = models.TextField(blank=True, default="", max_length=2000)

    client_bsn = models.CharField(max_length=9)
    client_geboortedatum = models.DateField()
    # COD170: which part of the geboortedatum is known; blank is the whole date.
    client_geboortedatum_gebruik = models.CharField(max_length=1, choices=DatumGebruik.choices, blank=True, default="")
    client_geslacht = models.CharField(max_length=1, choices=Geslacht.choices)
    client_voornamen = models.CharField(max_length=200, blank=True, default="")
    client_voorvoegsel = models.CharField(max_length=10, blank=True, default="")
    client_achternaam = models.CharField(max_length=200)
    # Budgethouder (PGB, when not the client), wettelijk vertegenwoordiger, contactpersoon: the
    # validated input shape of `betrokkenen` (snake_case keys), read whole with the aanvraag.
    betrokkenen = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=30, choices=Status.choices, default=Status.ONTVANGEN)
    reden_intrekking = models.CharField(max_length=500, blank=True, default="")
    # Read-through of the hoofdzaak (strategy "hoofdzaak"), so responses need no remote call.
    hoofdzaak_url = models.URLField(max_length=1000, blank=True, default="")
    hoofdzaak_identificatie = models.CharField(max_length=40, blank=True, default="")
    aangemaakt_op = models.DateTimeField(auto_now_add=True, db_index=True)
    gewijzigd_op = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-aangemaakt_op", "-id"]
        verbose_name_plural = "aanvragen"
        # Lists are pages in id order (a keyset): `status` filters walk (status, id) backwards.
        indexes = [
            models.Index(fields=["gemeente", "status"]),
            models.Index(fields=["client_bsn"]),
            models.Index(fields=["status", "id"], name="aanvraag_status_id"),
        ]

    def __str__(self) -> str:
        return f"Aanvraag {self.uuid}"


class Voorziening(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    aanvraag = models.ForeignKey(Aanvraag, on_delete=models.CASCADE, related_name="voorzieningen")
    volgnummer = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="voorzieningen")
    leveringsvorm = models.CharField(max_length=3, choices=Leveringsvorm.choices)

    omvang_volume = models.PositiveIntegerField(null=True, blank=True)
    omvang_eenheid = models.CharField(max_length=2, choices=Eenheid.choices, blank=True, default="")
    omvang_frequentie = models.CharField(max_length=1, choices=Frequentie.choices, blank=True, default="")
    # ZIN budget allocation in eurocent (excludes omvang).
    budget = models.PositiveIntegerField(null=True, blank=True)

    pgb_bedrag = models.PositiveIntegerField(null=True, blank=True, help_text="eurocent")
    pgb_basis = models.CharField(max_length=10, choices=PgbBasis.choices, blank=True, default="")
    pgb_periode_ingangsdatum = models.DateField(null=True, blank=True)
    pgb_periode_einddatum = models.DateField(null=True, blank=True)
    pgb_tariefreferentie = models.CharField(max_length=100, blank=True, default="")

    ingangsdatum = models.DateField()
    einddatum = models.DateField(null=True, blank=True)
    aanbieder = models.CharField(max_length=8, blank=True, default="", help_text="AGB-code")
    verwijzer_type = models.CharField(max_length=2, choices=VerwijzerType.choices, blank=True, default="")
    verwijzer_naam = models.CharField(max_length=64, blank=True, default="")
    verwijzer_zorgverlenerscode = models.CharField(max_length=8, blank=True, default="")
    toelichting = models.TextField(blank=True, default="", max_length=2000)

    status = models.CharField(max_length=30, choices=Status.choices, default=Status.ONTVANGEN)
    reden_intrekking = models.CharField(max_length=500, blank=True, default="")
    # The aanbieder's own reference when the voorziening comes from an honoured 315 (LDT_Referentie).
    referentie_aanbieder = models.CharField(max_length=36, blank=True, default="")
    # Read-through of the zaak in the Zaken API, kept current by the `zaken` package.
    zaak_url = models.URLField(max_length=1000, blank=True, default="")
    zaak_identificatie = models.CharField(max_length=40, blank=True, default="")
    zaakstatus = models.CharField(max_length=80, blank=True, default="", help_text="omschrijving van het statustype")
    zaakstatus_gezet_op = models.DateTimeField(null=True, blank=True)
    # Why the zaak did not follow a change (a state without a statustype, or one the catalogue lacks).
    zaakstatus_fout = models.CharField(max_length=500, blank=True, default="")
    # "open", "afgesloten" (einddatum set) or "verwijderd" (the zaak is gone from the Zaken API).
    zaak_toestand = models.CharField(max_length=20, blank=True, default="")
    registratie = models.CharField(max_length=20, choices=Registratie.choices, default=Registratie.WACHT)
    registratie_fouten = models.JSONField(default=list, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True, db_index=True)
    gewijzigd_op = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["aanvraag_id", "volgnummer"]
        verbose_name_plural = "voorzieningen"
        constraints = [
            models.UniqueConstraint(fields=["aanvraag", "volgnummer"], name="voorziening_volgnummer_uniek"),
        ]
        # Lists are pages in id order (a keyset): `status` filters walk (status, id) backwards; the same
        # index serves every other lookup by status.
        indexes = [models.Index(fields=["status", "id"], name="voorziening_status_id")]

    def __str__(self) -> str:
        return f"Voorziening {self.volgnummer} van {self.aanvraag_id}"
