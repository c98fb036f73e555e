"""The 301 side of a granted ZIN voorziening: toewijzing, and the start and stop of delivery."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator
from django.db import models

from ..constants import NUMMER_MAX
from .aanvragen import Voorziening
from .partijen import Applicatie


class Toewijzing(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    voorziening = models.ForeignKey(Voorziening, on_delete=models.PROTECT, related_name="toewijzingen")
    afzender = models.ForeignKey(Applicatie, on_delete=models.PROTECT, related_name="+")
    toewijzingnummer = models.PositiveIntegerField(validators=[MaxValueValidator(NUMMER_MAX)])
    # ToewijzingNummer is unique within the gemeente and wet (retourcode 9332).
    gemeente_code = models.CharField(max_length=4)
    wet = models.CharField(max_length=3)
    aanbieder = models.CharField(max_length=8, help_text="AGB-code")
    ingangsdatum = models.DateField()
    einddatum = models.DateField(null=True, blank=True)
    reden_wijziging = models.CharField(max_length=2, blank=True, default="")
    start_datum = models.DateField(null=True, blank=True, help_text="start levering (305)")
    stop_datum = models.DateField(null=True, blank=True, help_text="stop levering (307)")
    reden_beeindiging = models.CharField(max_length=2, blank=True, default="")
    aangemaakt_op = models.DateTimeField(auto_now_add=True, db_index=True)
    gewijzigd_op = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["aangemaakt_op", "id"]
        verbose_name_plural = "toewijzingen"
        constraints = [
            models.UniqueConstraint(
                fields=["gemeente_code", "wet", "toewijzingnummer"], name="toewijzingnummer_uniek_per_gemeente_wet"
            ),
        ]

    def __str__(self) -> str:
        return f"Toewijzing {self.toewijzingnummer}"
