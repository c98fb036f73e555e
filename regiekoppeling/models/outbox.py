"""Outgoing work stored in the same transaction as the write that caused it."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxItem(models.Model):
    class Soort(models.TextChoices):
        # Registration of the aanvraag's zaken, rollen, statussen and documents (issue "Zaakgericht").
        ZAAK_REGISTRATIE = "zaak_registratie", "Registratie in de ZGW API's"
        # A change of state that must reach the zaak status (issue "Zaakgericht").
        ZAAK_STATUS = "zaak_status", "Zaakstatus bijwerken"
        # Storage of an attached document in the Documenten API and its relation to the zaken.
        DOCUMENT = "document", "Document opslaan en aan de zaken koppelen"
        # A beschikking in the Besluiten API (besluit per zaak), resultaat and status in the Zaken API.
        BESLUIT = "besluit", "Beschikking als besluit registreren"
        # Delivery of an event to the backoffice / regie (issue "Backoffice side").
        BERICHT = "bericht", "Bericht aan een partij"
        # One signed POST of a bericht to one abonnement (webhook) of a party.
        WEBHOOK = "webhook", "Bericht naar een webhook"

    class State(models.TextChoices):
        PENDING = "pending", "Wacht"
        PROCESSING = "processing", "Bezig"
        DONE = "done", "Klaar"
        DEAD = "dead", "Opgegeven (dead letter)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    soort = models.CharField(max_length=30, choices=Soort.choices)
    aanvraag = models.ForeignKey(
        "regiekoppeling.Aanvraag", on_delete=models.PROTECT, related_name="outbox_items", null=True, blank=True
    )
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "outbox-item"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.get_soort_display()} #{self.pk} ({self.state})"
