"""Onboarding and credentials: gemeenten, applications, and the secrets that are handed out once.

A secret leaves the server only here, as the return value of the service that made it (creation or
rotation); the admin and the commands show that value once. Stored, it is encrypted (`crypto.py`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .constants import Rol
from .crypto import reencrypt_secret
from .exceptions import DomainValidationError, InvalidParam
from .models import Applicatie, Credential, Gemeente
from .models.partijen import gemeentecode_validator, generate_secret

# How long the old credential keeps working after a rotation when no moment is chosen.
DEFAULT_ROTATION_OVERLAP = dt.timedelta(days=1)
_ROTATION_SUFFIX = re.compile(r"-r[0-9a-f]{8}$")


@dataclass(frozen=True)
class NewSecret:
    """A credential and its plain secret: the only moment the secret is known outside the database."""

    credential: Credential
    secret: str


@dataclass(frozen=True)
class Onboarded:
    credential: Credential
    created: bool
    secret: str | None  # only when the credential was created now


def _invalid(name: str, code: str, reason: str) -> DomainValidationError:
    return DomainValidationError([InvalidParam(name, code, reason)])


@transaction.atomic
def gemeente_create(*, code: str, naam: str) -> tuple[Gemeente, bool]:
    """Idempotent on the code: an existing gemeente is returned unchanged."""
    try:
        gemeentecode_validator(code)
    except ValidationError:
        raise _invalid("code", "ongeldig", "Een gemeentecode bestaat uit 4 cijfers (CBS).") from None
    if not naam.strip():
        raise _invalid("naam", "verplicht", "Een gemeente heeft een naam.")
    return Gemeente.objects.get_or_create(code=code, defaults={"naam": naam.strip()})


@transaction.atomic
def credential_create(
    *, applicatie: Applicatie, client_id: str, geldig_tot: dt.datetime | None = None, vorige: Credential | None = None
) -> NewSecret:
    client_id = client_id.strip()
    if not client_id:
        raise _invalid("clientId", "verplicht", "Een credential heeft een client id.")
    if Credential.objects.filter(client_id=client_id).exists():
        raise _invalid("clientId", "bestaat", f"Client id {client_id!r} bestaat al.")
    secret = generate_secret()
    credential = Credential(applicatie=applicatie, client_id=client_id, geldig_tot=geldig_tot, vorige=vorige)
    credential.secret = secret
    credential.save()
    return NewSecret(credential, secret)


@transaction.atomic
def applicatie_create(
    *,
    naam: str,
    rol: str,
    gemeente_codes: list[str],
    client_id: str | None = None,
    productenboek_master: bool = False,
) -> Onboarded:
    """Idempotent on the client id (default: the slug of the name). An existing credential's application
    gets the gemeenten added; its secret is not shown again (rotate it to get a new one). With
    `productenboek_master` a backoffice becomes the master of the productenboek of those gemeenten."""
    if rol not in Rol.values:
        raise _invalid("rol", "ongeldig", f"Rol is een van {', '.join(Rol.values)}.")
    if not naam.strip():
        raise _invalid("naam", "verplicht", "Een applicatie heeft een naam.")
    gemeenten = list(Gemeente.objects.filter(code__in=gemeente_codes))
    missing = sorted(set(gemeente_codes) - {g.code for g in gemeenten})
    if missing:
        raise _invalid("gemeente", "onbekend", f"Onbekende gemeente(n): {', '.join(missing)}.")
    if productenboek_master and rol != Rol.BACKOFFICE:
        raise _invalid("productenboekMaster", "rol", "Alleen een backofficeapplicatie beheert een productenboek.")
    client_id = (client_id or slugify(naam)).strip()
    existing = Credential.objects.select_related("applicatie").filter(client_id=client_id).first()
    if existing is not None:
        if existing.applicatie.rol != rol:
            raise _invalid(
                "rol", "anders", f"Client id {client_id!r} hoort bij een {existing.applicatie.get_rol_display()}."
            )
        existing.applicatie.gemeenten.add(*gemeenten)
        if productenboek_master:
            _make_master(existing.applicatie, gemeenten)
        return Onboarded(existing, created=False, secret=None)
    applicatie = Applicatie.objects.create(naam=naam.strip(), rol=rol)
    applicatie.gemeenten.set(gemeenten)
    if productenboek_master:
        _make_master(applicatie, gemeenten)
    made = credential_create(applicatie=applicatie, client_id=client_id)
    return Onboarded(made.credential, created=True, secret=made.secret)


def _make_master(applicatie: Applicatie, gemeenten: list[Gemeente]) -> None:
    Gemeente.objects.filter(pk__in=[g.pk for g in gemeenten]).update(productenboek_beheerder=applicatie)


def _rotated_client_id(old: str) -> str:
    root = _ROTATION_SUFFIX.sub("", old)[:90]
    while True:
        candidate = f"{root}-r{secrets.token_hex(4)}"
        if not Credential.objects.filter(client_id=candidate).exists():
            return candidate


@transaction.atomic
def credential_rotate(*, credential: Credential, old_valid_until: dt.datetime | None = None) -> NewSecret:
    """A new credential (new client id and secret) for the same application; the old one keeps working
    until `old_valid_until` (default: a day from now; never later than an expiry it already had)."""
    old = Credential.objects.select_for_update().get(pk=credential.pk)
    now = timezone.now()
    until = old_valid_until if old_valid_until is not None else now + DEFAULT_ROTATION_OVERLAP
    if timezone.is_naive(until):
        raise _invalid("oudGeldigTot", "tijdzone", "Het moment heeft een tijdzone nodig.")
    if old.geldig_tot is not None and old.geldig_tot < until:
        until = old.geldig_tot
    old.geldig_tot = until
    old.save(update_fields=["geldig_tot"])
    credential.geldig_tot = until
    return credential_create(applicatie=old.applicatie, client_id=_rotated_client_id(old.client_id), vorige=old)


def credentials_reencrypt() -> int:
    """Re-encrypt every stored secret with the first key of CREDENTIAL_ENCRYPTION_KEYS (after adding a
    new key in front); afterwards the old keys can be dropped. Returns the number of credentials."""
    count = 0
    with transaction.atomic():
        for credential in Credential.objects.select_for_update().only("pk", "secret_encrypted"):
            credential.secret_encrypted = reencrypt_secret(credential.secret_encrypted)
            credential.save(update_fields=["secret_encrypted"])
            count += 1
    return count
