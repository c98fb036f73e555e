"""Stored results of POST requests, keyed on (application, Idempotency-Key)."""

from __future__ import annotations

from django.db import models

from .partijen import Applicatie


class IdempotencyRecord(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "Bezig"
        COMPLETE = "complete", "Afgerond"

    applicatie = models.ForeignKey(Applicatie, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["applicatie", "key"], name="idempotency_key_per_applicatie"),
        ]

    def __str__(self) -> str:
        return f"{self.applicatie_id}:{self.key}"
