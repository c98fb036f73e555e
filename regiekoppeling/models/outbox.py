"""Outgoing work stored in the same transaction as the write that caused it."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class OutboxItem(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Wacht"
        PROCESSING = "processing", "Bezig"
        DONE = "done", "Klaar"
        DEAD = "dead", "Opgegeven (dead letter)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The name of the handler that does the work (registered by an integration, see `outbox.handler`).
    handler = models.CharField(max_length=60)
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
        return f"{self.handler} #{self.pk} ({self.state})"
