"""What the backoffice tells the regie: technical and functional feedback, and the beschikking."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator
from django.db import models

from ..constants import NUMMER_MAX, PgbBasis
from .aanvragen import Aanvraag, Voorziening
from .documenten import Document
from .partijen import Applicatie


class Terugkoppeling(models.Model):
    class Soort(models.TextChoices):
        VERWERKBAAR = "verwerkbaar", "Technisch: verwerkbaar"
        NIET_VERWERKBAAR = "niet_verwerkbaar", "Technisch: niet verwerkbaar"
        AFGEWEZEN = "afgewezen", "Functioneel: afgewezen (zonder beschikking)"
        IN_ONDERZOEK = "in_onderzoek", "Functioneel: in onderzoek"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    aanvraag = models.ForeignKey(Aanvraag, on_delete=models.PROTECT, related_name="terugkoppelingen")
    afzender = models.ForeignKey(Applicatie, on_delete=models.PROTECT, related_name="+")
    soort = models.CharField(max_length=20, choices=Soort.choices)
    voorzieningen = models.ManyToManyField(Voorziening, related_name="terugkoppelingen")
    # Technical errors: [{"code": "9019", "pad": "voorzieningen.0.product", "tekst": "..."}]
    fouten = models.JSONField(default=list, blank=True)
    reden_afwijzing = models.CharField(max_length=10, blank=True, default="")
    toelichting = models.TextField(blank=True, default="", max_length=2000)
    aangemaakt_op = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["aangemaakt_op", "id"]
        verbose_name_plural = "terugkoppelingen"

    def __str__(self) -> str:
        return f"{self.get_soort_display()} ({self.aanvraag_id})"


class Beschikking(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    aanvraag = models.ForeignKey(Aanvraag, on_delete=models.PROTECT, related_name="beschikkingen")
    afzender = models.ForeignKey(Applicatie, on_delete=models.PROTECT, related_name="+")
    beschikkingnummer = models.PositiveIntegerField(validators=[MaxValueValidator(NUMMER_MAX)])
    datum = models.DateField()
    ingangsdatum = models.DateField()
    vervaldatum = models.DateField(null=True, blank=True)
    brief = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    toelichting = models.TextField(blank=True, default="", max_length=2000)
    aangemaakt_op = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["aangemaakt_op", "id"]
        verbose_name_plural = "beschikkingen"
        constraints = [
            models.UniqueConstraint(fields=["aanvraag", "beschikkingnummer"], name="beschikkingnummer_per_aanvraag"),
        ]

    def __str__(self) -> str:
        return f"Beschikking {self.beschikkingnummer}"


class BeschikkingRegel(models.Model):
    """The outcome for one voorziening, and what was granted."""

    class Uitkomst(models.TextChoices):
        TOEGEKEND = "toegekend", "Toegekend"
        GEDEELTELIJK_TOEGEKEND = "gedeeltelijk_toegekend", "Gedeeltelijk toegekend"
        AFGEWEZEN = "afgewezen", "Afgewezen"

    beschikking = models.ForeignKey(Beschikking, on_delete=models.CASCADE, related_name="regels")
    voorziening = models.OneToOneField(Voorziening, on_delete=models.PROTECT, related_name="beschikking_regel")
    uitkomst = models.CharField(max_length=30, choices=Uitkomst.choices)
    omvang_volume = models.PositiveIntegerField(null=True, blank=True)
    omvang_eenheid = models.CharField(max_length=2, blank=True, default="")
    omvang_frequentie = models.CharField(max_length=1, blank=True, default="")
    budget = models.PositiveIntegerField(null=True, blank=True)
    # The granted PGB in the shape of the asked one: bedrag, its basis and the period it covers.
    pgb_bedrag = models.PositiveIntegerField(null=True, blank=True, help_text="eurocent")
    pgb_basis = models.CharField(max_length=10, choices=PgbBasis.choices, blank=True, default="")
    pgb_periode_ingangsdatum = models.DateField(null=True, blank=True)
    pgb_periode_einddatum = models.DateField(null=True, blank=True)
    pgb_tariefreferentie = models.CharField(max_length=100, blank=True, default="")
    ingangsdatum = models.DateField(null=True, blank=True)
    einddatum = models.DateField(null=True, blank=True)
    reden = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["beschikking_id", "voorziening_id"]

    def __str__(self) -> str:
        return f"{self.voorziening_id}: {self.uitkomst}"
