"""A party's feed (Bericht) and its webhook subscriptions (Abonnement)."""

from __future__ import annotations

import secrets
import uuid

from django.db import models


def generate_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Bericht(models.Model):
    """One event for one receiving party, shaped like a Notificaties API message.

    The auto-increment id is the feed position (the cursor): ids only grow, so a reader that remembers
    the last id it saw misses nothing and reads nothing twice. Never carries a BSN: a receiver reads
    the resource itself, with its own authorisation.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ontvanger = models.ForeignKey("regiekoppeling.Applicatie", on_delete=models.PROTECT, related_name="berichten")
    # The `bericht` outbox item this row was fanned out from: with `ontvanger` it makes a rerun of the
    # handler create nothing twice.
    bron = models.ForeignKey("regiekoppeling.OutboxItem", on_delete=models.PROTECT, related_name="+")
    # Empty for a bericht about the productenboek, which belongs to a gemeente rather than an aanvraag.
    aanvraag = models.ForeignKey(
        "regiekoppeling.Aanvraag", on_delete=models.PROTECT, related_name="berichten", null=True, blank=True
    )
    kanaal = models.CharField(max_length=50)
    hoofd_object = models.URLField(max_length=1000)
    resource = models.CharField(max_length=50)
    resource_url = models.URLField(max_length=1000)
    actie = models.CharField(max_length=20)
    aanmaakdatum = models.DateTimeField(help_text="Moment van de gebeurtenis.")
    kenmerken = models.JSONField(default=dict, blank=True)
    gebeurtenis = models.CharField(max_length=50)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "berichten"
        constraints = [
            models.UniqueConstraint(fields=["bron", "ontvanger"], name="bericht_eenmaal_per_ontvanger"),
        ]
        # The feed query: WHERE ontvanger = ? AND id > cursor ORDER BY id LIMIT n.
        indexes = [models.Index(fields=["ontvanger", "id"], name="bericht_feed")]

    def __str__(self) -> str:
        return f"{self.gebeurtenis} ({self.resource}) #{self.pk}"


class Abonnement(models.Model):
    """A webhook of one application: every bericht in its feed is POSTed to `callback_url`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    applicatie = models.ForeignKey("regiekoppeling.Applicatie", on_delete=models.CASCADE, related_name="abonnementen")
    callback_url = models.URLField(max_length=1000)
    # Sent back as the Authorization header, so it must be stored as given.
    auth = models.CharField(max_length=1000, blank=True, default="")
    # HMAC key of the signature header; shown to the subscriber once, at creation.
    secret = models.CharField(max_length=100, default=generate_webhook_secret)
    # Unsubscribing deactivates rather than deletes, so dead-lettered deliveries still name their target.
    actief = models.BooleanField(default=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["aangemaakt_op", "id"]
        verbose_name_plural = "abonnementen"

    def __str__(self) -> str:
        return f"{self.callback_url} ({self.applicatie_id})"
