"""The product list (grows into the productenboek of scenario S9)."""

from __future__ import annotations

from django.db import models

from ..constants import Wet


class Product(models.Model):
    wet = models.CharField(max_length=3, choices=Wet.choices)
    categorie = models.CharField(max_length=2)
    # Optional in iWmo: a line may name only a categorie. Empty string = "categorie only".
    code = models.CharField(max_length=5, blank=True, default="")
    omschrijving = models.CharField(max_length=200)
    actief = models.BooleanField(default=True)

    class Meta:
        ordering = ["wet", "categorie", "code"]
        verbose_name_plural = "producten"
        constraints = [
            models.UniqueConstraint(fields=["wet", "categorie", "code"], name="product_uniek_per_wet"),
        ]

    def __str__(self) -> str:
        return f"{self.wet} {self.categorie}{'/' + self.code if self.code else ''} {self.omschrijving}"
