"""The parties: gemeenten and the applications that act for them."""

from __future__ import annotations

import secrets
import uuid

from django.core.validators import RegexValidator
from django.db import models

from ..constants import Rol

gemeentecode_validator = RegexValidator(r"^\d{4}$", "Een gemeentecode bestaat uit 4 cijfers (CBS).")


class Gemeente(models.Model):
    code = models.CharField(max_length=4, unique=True, validators=[gemeentecode_validator])
    naam = models.CharField(max_length=100)
    herindicatie_termijn_dagen = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Dagen voor de einddatum waarop het herindicatiesignaal komt (leeg: standaard).",
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "gemeenten"

    def __str__(self) -> str:
        return f"{self.code} {self.naam}"


class Applicatie(models.Model):
    """A regieapplicatie or backofficeapplicatie, and the gemeenten it may act for."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    naam = models.CharField(max_length=200)
    rol = models.CharField(max_length=20, choices=Rol.choices)
    gemeenten = models.ManyToManyField(Gemeente, related_name="applicaties", blank=True)
    actief = models.BooleanField(default=True)

    # DRF treats the authenticated application as `request.user`.
    is_authenticated = True

    class Meta:
        ordering = ["naam"]
        verbose_name_plural = "applicaties"

    def __str__(self) -> str:
        return f"{self.naam} ({self.get_rol_display()})"


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


class Credential(models.Model):
    """A ZGW JWT client id and its shared secret. Several per application allow rotation."""

    applicatie = models.ForeignKey(Applicatie, on_delete=models.CASCADE, related_name="credentials")
    client_id = models.CharField(max_length=100, unique=True)
    # HS256 needs the secret itself to verify a signature, so it cannot be stored as a hash.
    secret = models.CharField(max_length=200, default=generate_secret)
    actief = models.BooleanField(default=True)
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "credential"

    def __str__(self) -> str:
        return self.client_id
