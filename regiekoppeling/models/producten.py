"""The productenboek (scenario S9): per gemeente and wet, the products an aanvraag may name.

A product row is one version of a (categorie, code) in one gemeente and wet, valid from `ingangsdatum`
up to and including `einddatum`. Versions of the same code may follow each other but never overlap
(checked by the services in `regiekoppeling.productenboek` and by the import). Ending a product sets
its einddatum; a product that voorzieningen use is never deleted (the foreign keys PROTECT it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from simple_history.models import HistoricalRecords

from ..constants import Eenheid, Frequentie, Leveringsvorm, Wet
from .partijen import Gemeente

# The first day of the Wmo 2015 and the Jeugdwet: the default start of a product without a date.
PRODUCTENBOEK_BEGIN = dt.date(2015, 1, 1)


def alle_leveringsvormen() -> list[str]:
    return list(Leveringsvorm.values)


def alle_eenheden() -> list[str]:
    return list(Eenheid.values)


def alle_frequenties() -> list[str]:
    return list(Frequentie.values)


def _history_user(request: Any = None, **kwargs: Any) -> Any:
    """The admin user who made the change; an API application is no user (the API names it in the change
    reason instead)."""
    user = getattr(request, "user", None)
    return user if isinstance(user, AbstractBaseUser) and user.is_authenticated else None


class Product(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gemeente = models.ForeignKey(Gemeente, on_delete=models.PROTECT, related_name="producten")
    wet = models.CharField(max_length=3, choices=Wet.choices)
    categorie = models.CharField(max_length=2)
    # Optional in iWmo: a line may name only a categorie. Empty string = "categorie only".
    code = models.CharField(max_length=5, blank=True, default="")
    omschrijving = models.CharField(max_length=200)
    leveringsvormen = ArrayField(
        models.CharField(max_length=3, choices=Leveringsvorm.choices), default=alle_leveringsvormen
    )
    eenheden = ArrayField(models.CharField(max_length=2, choices=Eenheid.choices), default=alle_eenheden)
    frequenties = ArrayField(models.CharField(max_length=1, choices=Frequentie.choices), default=alle_frequenties)
    ingangsdatum = models.DateField(default=PRODUCTENBOEK_BEGIN)
    einddatum = models.DateField(null=True, blank=True, help_text="Laatste dag waarop het product geldt (leeg: open).")
    # An arrangement (categorie 10 / 50) is made of these products; empty: any product of its gemeente and wet.
    onderdelen = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="arrangementen")
    aangemaakt_op = models.DateTimeField(auto_now_add=True)
    gewijzigd_op = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(get_user=_history_user)

    class Meta:
        ordering = ["gemeente_id", "wet", "categorie", "code", "ingangsdatum"]
        verbose_name_plural = "producten"
        constraints = [
            models.UniqueConstraint(
                fields=["gemeente", "wet", "categorie", "code", "ingangsdatum"], name="product_versie_uniek"
            ),
            models.CheckConstraint(
                condition=models.Q(einddatum__isnull=True) | models.Q(einddatum__gte=models.F("ingangsdatum")),
                name="product_einddatum_na_ingangsdatum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wet} {self.categorie}{'/' + self.code if self.code else ''} {self.omschrijving}"

    def geldig_op(self, datum: dt.date) -> bool:
        return self.ingangsdatum <= datum and (self.einddatum is None or datum <= self.einddatum)

    @property
    def geldigheid(self) -> str:
        return (
            f"{self.ingangsdatum:%Y-%m-%d} t/m {self.einddatum:%Y-%m-%d}"
            if self.einddatum
            else (f"vanaf {self.ingangsdatum:%Y-%m-%d}")
        )
