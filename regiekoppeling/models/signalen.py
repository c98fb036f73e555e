"""Signals for the regie: herindicatie, and provider requests (315/317) forwarded by the backoffice."""

from __future__ import annotations

import uuid

from django.db import models

from .aanvragen import Aanvraag, Voorziening
from .partijen import Applicatie, Gemeente


class Signaal(models.Model):
    class Soort(models.TextChoices):
        HERINDICATIE = "herindicatie", "Herindicatie"
        VERZOEK_OM_TOEWIJZING = "verzoek_om_toewijzing", "Verzoek om toewijzing (315)"
        VERZOEK_OM_WIJZIGING = "verzoek_om_wijziging", "Verzoek om wijziging (317)"

    class Bron(models.TextChoices):
        BACKOFFICE = "backoffice", "Gemeld door de backoffice"
        TERMIJN = "termijn", "Einddatum binnen de termijn (regiekoppeling)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    soort = models.CharField(max_length=30, choices=Soort.choices)
    bron = models.CharField(max_length=20, choices=Bron.choices, default=Bron.BACKOFFICE)
    gemeente = models.ForeignKey(Gemeente, on_delete=models.PROTECT, related_name="signalen")
    afzender = models.ForeignKey(Applicatie, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Herindicatie: the voorziening it is about (and through it the aanvraag of its regie).
    voorziening = models.ForeignKey(
        Voorziening, on_delete=models.PROTECT, null=True, blank=True, related_name="signalen"
    )
    # 315/317: the aanvraag whose regie judges the request (the client's latest), if any.
    aanvraag = models.ForeignKey(Aanvraag, on_delete=models.PROTECT, null=True, blank=True, related_name="signalen")
    deadline = models.DateField(null=True, blank=True)
    toelichting = models.TextField(blank=True, default="", max_length=2000)
    # 315/317: the aanbieder's name as the backoffice knows it (the message carries only the AGB code).
    aanbieder_naam = models.CharField(max_length=200, blank=True, default="")
    # The provider's request as parsed (315/317): client, products, header. Kept whole for the answer.
    inhoud = models.JSONField(default=dict, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["aangemaakt_op", "id"]
        verbose_name_plural = "signalen"
        constraints = [
            # The service raises a herindicatie once per voorziening and einddatum (an extension
            # without change moves the einddatum, and the next one gets its own signal).
            models.UniqueConstraint(
                fields=["voorziening", "deadline"],
                condition=models.Q(soort="herindicatie", bron="termijn"),
                name="herindicatie_termijn_eenmaal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_soort_display()} {self.uuid}"


class SignaalProduct(models.Model):
    """One requested product of a 315/317, and the regie's answer to it."""

    class Antwoord(models.TextChoices):
        GEHONOREERD = "gehonoreerd", "Gehonoreerd (wordt een voorziening van een nieuwe aanvraag)"
        AFGEWEZEN = "afgewezen", "Afgewezen"
        IN_ONDERZOEK = "in_onderzoek", "In onderzoek"

    signaal = models.ForeignKey(Signaal, on_delete=models.CASCADE, related_name="producten")
    volgnummer = models.PositiveSmallIntegerField()
    referentie_aanbieder = models.CharField(max_length=36)
    # The requested product in the JSON form of `regiekoppeling.iwmo` (product, dates, omvang, ...).
    inhoud = models.JSONField(default=dict)
    antwoord = models.CharField(max_length=20, choices=Antwoord.choices, blank=True, default="")
    reden_afwijzing = models.CharField(max_length=10, blank=True, default="")
    toelichting = models.TextField(blank=True, default="", max_length=2000)
    voorziening = models.ForeignKey(
        Voorziening, on_delete=models.PROTECT, null=True, blank=True, related_name="verzoek_producten"
    )
    beantwoord_op = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["signaal_id", "volgnummer"]
        constraints = [
            models.UniqueConstraint(fields=["signaal", "volgnummer"], name="signaalproduct_volgnummer"),
        ]

    def __str__(self) -> str:
        return f"{self.signaal_id}/{self.referentie_aanbieder}"
