"""The parties: gemeenten and the applications that act for them."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from ..constants import Rol
from ..crypto import decrypt_secret, encrypt_secret

gemeentecode_validator = RegexValidator(r"^\d{4}$", "Een gemeentecode bestaat uit 4 cijfers (CBS).")


class Gemeente(models.Model):
    code = models.CharField(max_length=4, unique=True, validators=[gemeentecode_validator])
    naam = models.CharField(max_length=100)
    herindicatie_termijn_dagen = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Dagen voor de einddatum waarop het herindicatiesignaal komt (leeg: standaard).",
    )
    # The backoffice that is master of this gemeente's productenboek: it alone changes it through the API.
    productenboek_beheerder = models.ForeignKey(
        "Applicatie",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="beheerde_productenboeken",
        help_text="De backofficeapplicatie die het productenboek van deze gemeente via de API beheert.",
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


def generate_encrypted_secret() -> str:
    """The default of a new credential: a fresh random secret, encrypted. Whoever needs to hand the secret
    out creates the credential through `regiekoppeling.credentials`, which returns it once."""
    return encrypt_secret(generate_secret())


class CredentialQuerySet(models.QuerySet["Credential"]):
    def geldig(self, *, op: datetime | None = None) -> CredentialQuerySet:
        """Credentials that authenticate now: active, of an active application, not expired."""
        moment = op or timezone.now()
        return self.filter(actief=True, applicatie__actief=True).filter(
            models.Q(geldig_tot__isnull=True) | models.Q(geldig_tot__gt=moment)
        )


class Credential(models.Model):
    """A ZGW JWT client id and its shared secret. Several per application allow rotation."""

    applicatie = models.ForeignKey(Applicatie, on_delete=models.CASCADE, related_name="credentials")
    client_id = models.CharField(max_length=100, unique=True)
    # HS256 needs the secret itself to verify a signature, so it cannot be stored as a hash: it is stored
    # encrypted (Fernet, CREDENTIAL_ENCRYPTION_KEYS) and shown only once, when it is made.
    secret_encrypted = models.TextField(default=generate_encrypted_secret, editable=False)
    actief = models.BooleanField(default=True)
    geldig_tot = models.DateTimeField(
        null=True, blank=True, help_text="Na dit moment wordt de credential geweigerd (leeg: onbeperkt)."
    )
    vorige = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opvolgers",
        editable=False,
        help_text="De credential die deze bij het roteren verving.",
    )
    aangemaakt_op = models.DateTimeField(auto_now_add=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = "credential"
        ordering = ["-aangemaakt_op"]

    def __str__(self) -> str:
        return self.client_id

    @property
    def secret(self) -> str:
        """The plain secret, for verifying a signature (and the demo, which prints its own on purpose)."""
        return decrypt_secret(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = encrypt_secret(value)

    def is_geldig(self, *, op: datetime | None = None) -> bool:
        moment = op or timezone.now()
        return self.actief and (self.geldig_tot is None or self.geldig_tot > moment)
