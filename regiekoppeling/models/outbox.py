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
    # Items of one lane run one at a time, in the order they were created (e.g. every item that writes
    # to the zaken of one aanvraag); "" means no order with any other item.
    lane = models.CharField(max_length=100, blank=True, default="")
    aanvraag = models.ForeignKey(
        "regiekoppeling.Aanvraag", on_delete=models.PROTECT, related_name="outbox_items", null=True, blank=True
    )
    payload = models.JSONField(default=dict, blank=True)
    # W3C trace context of the request that queued it: the worker continues that trace.
    traceparent = models.CharField(max_length=55, blank=True, default="")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # "<host>:<pid>" of the process running it: a sweeper on that host releases the item as soon as
    # that process is gone (a killed worker), instead of after OUTBOX_CLAIM_TIMEOUT_SECONDS.
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "outbox-item"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["lane", "id"], name="outbox_lane", condition=~models.Q(lane="")),
        ]

    def __str__(self) -> str:
        return f"{self.handler} #{self.pk} ({self.state})"
