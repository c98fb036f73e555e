"""The processing log (Logboek Dataverwerkingen): who processed whose data, when, why and how.

One row per action per data subject. The subject is a keyed hash of the BSN (`betrokkene`), never the
BSN itself: the log can be read to answer a citizen (inzage) without becoming a second copy of who is
in care. Rows are only inserted and, after the retention period, deleted; never changed.
"""

from __future__ import annotations

import os
import time
import uuid

from django.db import models

from .partijen import Applicatie, Gemeente


class Actie(models.TextChoices):
    LEZEN = "lezen", "Lezen"
    AANMAKEN = "aanmaken", "Aanmaken"
    WIJZIGEN = "wijzigen", "Wijzigen"
    VERZENDEN_ZGW = "verzenden_zgw", "Verzenden naar de ZGW API's"
    VERZENDEN_WEBHOOK = "verzenden_webhook", "Verzenden naar een webhook"


def _uuid7(millis: int, random: bytes) -> int:
    value = millis << 80 | int.from_bytes(random)
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    return value & ~(0x3 << 62) | 0x2 << 62  # the RFC's variant


def uuid7() -> uuid.UUID:
    """A UUID of version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits.

    The log's unique index on `uuid` takes every row of every read: with random (version 4) uuids each
    insert lands on a random page of a large index, with these on its right edge; 100 rows of a list
    read cost PostgreSQL ~2 ms less (bench/README.md, "lists.py"). The time it reveals is the row's
    own `tijdstip`."""
    return uuid.UUID(int=_uuid7(time.time_ns() // 1_000_000, os.urandom(10)))


def uuid7_texts(count: int) -> list[str]:
    """`count` uuids of version 7 as text, for the rows of one read: one clock reading and one call for
    the random bits (a `uuid.UUID` each, and its text, cost twice as much)."""
    millis = time.time_ns() // 1_000_000
    random = os.urandom(10 * count)
    texts = []
    for i in range(0, 10 * count, 10):
        h = f"{_uuid7(millis, random[i : i + 10]):032x}"
        texts.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return texts


class Verwerking(models.Model):
    uuid = models.UUIDField(default=uuid7, unique=True, editable=False)
    tijdstip = models.DateTimeField(db_index=True)
    actie = models.CharField(max_length=20, choices=Actie.choices)
    # The processing activity (verwerkingsactiviteit) from LOGBOEK_VERWERKINGSACTIVITEITEN, by endpoint.
    verwerkingsactiviteit = models.CharField(max_length=200)
    # The application that asked; empty when regiekoppeling itself acted (a send from the outbox).
    applicatie = models.ForeignKey(Applicatie, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The person named in the request (the token's user_id / user_representation), where known.
    gebruiker_id = models.CharField(max_length=255, blank=True, default="")
    gebruiker_weergave = models.CharField(max_length=255, blank=True, default="")
    # HMAC-SHA256 of the BSN with LOGBOEK_PSEUDONIEM_KEY (hex): findable by whoever knows the BSN and the key.
    betrokkene = models.CharField(max_length=64)
    # The gemeente whose data it is: what a privacy officer may see.
    gemeente = models.ForeignKey(Gemeente, on_delete=models.PROTECT, related_name="+")
    aanvraag_uuid = models.UUIDField()
    # The records processed, as [{"type": "voorziening", "uuid": "..."}, ...].
    objecten = models.JSONField(default=list)
    endpoint = models.CharField(max_length=60, blank=True, default="")
    trace_id = models.CharField(max_length=32)
    span_id = models.CharField(max_length=16)

    class Meta:
        ordering = ["-tijdstip", "-id"]
        verbose_name = "verwerking"
        verbose_name_plural = "verwerkingen (logboek)"
        indexes = [models.Index(fields=["betrokkene", "gemeente", "tijdstip"], name="verwerking_betrokkene")]

    def __str__(self) -> str:
        return f"{self.get_actie_display()} {self.tijdstip:%Y-%m-%d %H:%M:%S}"
