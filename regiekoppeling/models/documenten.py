"""Documents attached to an aanvraag; the file itself lives in the Documenten API."""

from __future__ import annotations

import uuid

from django.db import models
from privates.fields import PrivateMediaFileField

from .aanvragen import Aanvraag, Voorziening
from .partijen import Applicatie


class Document(models.Model):
    class Registratie(models.TextChoices):
        WACHT = "wacht", "Wacht op opslag in de Documenten API"
        OPGESLAGEN = "opgeslagen", "Opgeslagen in de Documenten API"
        MISLUKT = "mislukt", "Opslag mislukt"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    aanvraag = models.ForeignKey(Aanvraag, on_delete=models.PROTECT, related_name="documenten")
    # Attached to one voorziening (its zaak) instead of the whole aanvraag (all its zaken).
    voorziening = models.ForeignKey(
        Voorziening, on_delete=models.PROTECT, related_name="documenten", null=True, blank=True
    )
    indiener = models.ForeignKey(Applicatie, on_delete=models.PROTECT, related_name="+")
    # The person who attached it (the Documenten API's `auteur`); empty: the application's name.
    auteur = models.CharField(max_length=200, blank=True, default="")
    titel = models.CharField(max_length=200)
    beschrijving = models.CharField(max_length=1000, blank=True, default="")
    # omschrijving of the informatieobjecttype (e.g. "Beschikking" for the letter); empty: the
    # gemeente's default type for attachments.
    soort = models.CharField(max_length=80, blank=True, default="")
    bestandsnaam = models.CharField(max_length=255, blank=True, default="")
    formaat = models.CharField(max_length=255, blank=True, default="")
    bestandsomvang = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    # The upload waits here (private storage) until it is stored in the Documenten API, then goes.
    inhoud = PrivateMediaFileField(upload_to="documenten/%Y/%m/", blank=True)
    # The enkelvoudiginformatieobject: given by the caller (a reference) or created by us.
    informatieobject = models.URLField(max_length=1000, blank=True, default="")
    registratie = models.CharField(max_length=20, choices=Registratie.choices, default=Registratie.WACHT)
    # Set (committed) before the first POST to the Documenten API: a rerun then looks up first.
    upload_gestart = models.BooleanField(default=False)
    registratie_fouten = models.JSONField(default=list, blank=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["aangemaakt_op", "id"]
        verbose_name_plural = "documenten"

    def __str__(self) -> str:
        return self.titel
