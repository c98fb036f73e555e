"""Credentials: secrets encrypted at rest, expiry, rotation, and the onboarding commands."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from regiekoppeling import credentials
from regiekoppeling.constants import Rol
from regiekoppeling.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret
from regiekoppeling.exceptions import DomainValidationError
from regiekoppeling.models import Applicatie, Credential, Gemeente
from regiekoppeling.tokens import make_token

REPO = Path(__file__).resolve().parents[1]


def status_with(client_id: str, secret: str) -> tuple[int, str]:
    response = APIClient().get("/api/v1/aanvragen", HTTP_AUTHORIZATION=f"Bearer {make_token(client_id, secret)}")
    return response.status_code, response.json().get("code", "") if response.status_code != 200 else ""


def run_command(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


# --- encryption at rest ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secret_is_stored_encrypted(regie):
    secret = regie.credential.secret
    row = Credential.objects.filter(pk=regie.credential.pk).values().get()
    assert "secret" not in row
    assert secret not in row["secret_encrypted"]
    assert decrypt_secret(row["secret_encrypted"]) == secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM regiekoppeling_credential")
        assert all(secret not in str(value) for value in cursor.fetchone())


def test_a_fernet_token_differs_each_time_and_decrypts():
    assert encrypt_secret("geheim") != encrypt_secret("geheim")
    assert decrypt_secret(encrypt_secret("geheim")) == "geheim"


@pytest.mark.django_db
def test_rotation_of_the_encryption_key(regie, settings):
    old_key = settings.CREDENTIAL_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    secret = regie.credential.secret

    settings.CREDENTIAL_ENCRYPTION_KEYS = [new_key, old_key]  # new first: encrypts; both decrypt
    assert status_with("regie-test", secret) == (200, "")
    out = io.StringIO()
    call_command("credential_reencrypt", stdout=out)
    assert "re-encrypted" in out.getvalue()

    settings.CREDENTIAL_ENCRYPTION_KEYS = [new_key]  # the old key dropped
    assert Credential.objects.get(pk=regie.credential.pk).secret == secret
    assert status_with("regie-test", secret) == (200, "")


@pytest.mark.django_db
def test_a_secret_that_no_key_decrypts_is_a_server_error(regie, settings):
    secret = regie.credential.secret
    settings.CREDENTIAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretDecryptionError):
        APIClient().get("/api/v1/aanvragen", HTTP_AUTHORIZATION=f"Bearer {make_token('regie-test', secret)}")


def _settings_process(**env: str) -> subprocess.CompletedProcess[str]:
    unset = {"ALLOW_DEV_SECRET", "DEBUG", "CREDENTIAL_ENCRYPTION_KEYS", "LOGBOEK_PSEUDONIEM_KEY"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(','.join(settings.CREDENTIAL_ENCRYPTION_KEYS))",
        ],
        cwd=REPO,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "a-production-key", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_an_encryption_key_refuses_to_start():
    result = _settings_process()
    assert result.returncode != 0
    assert "CREDENTIAL_ENCRYPTION_KEYS is not set" in result.stderr


def test_a_value_that_is_not_a_fernet_key_is_refused():
    result = _settings_process(CREDENTIAL_ENCRYPTION_KEYS="not-a-key")
    assert result.returncode != 0
    assert "not a Fernet key" in result.stderr
    assert "not-a-key" not in result.stderr  # the message does not repeat the value


def test_production_with_keys_starts():
    keys = f"{Fernet.generate_key().decode()}, {Fernet.generate_key().decode()}"
    result = _settings_process(CREDENTIAL_ENCRYPTION_KEYS=keys, LOGBOEK_PSEUDONIEM_KEY="a-production-logboek-key")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == keys.replace(" ", "")


def test_local_development_derives_a_fixed_key():
    # The same derived key in every process, so that `make run` keeps its data between runs.
    first = _settings_process(ALLOW_DEV_SECRET="1", SECRET_KEY="")
    second = _settings_process(ALLOW_DEV_SECRET="1", SECRET_KEY="")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    Fernet(first.stdout.strip())


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_plain_secrets():
    executor = MigrationExecutor(connection)
    before = [("regiekoppeling", "0011_outbox_claimed_by")]
    after = [("regiekoppeling", "0012_credentials_encrypted")]
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        applicatie = old_apps.get_model("regiekoppeling", "Applicatie").objects.create(naam="Oud", rol="regie")
        old_apps.get_model("regiekoppeling", "Credential").objects.create(
            applicatie=applicatie, client_id="oud", secret="een-oud-plat-secret-van-voor-de-migratie"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new_apps = executor.loader.project_state(after).apps
        stored = new_apps.get_model("regiekoppeling", "Credential").objects.get(client_id="oud").secret_encrypted
        assert "een-oud-plat-secret" not in stored
        assert decrypt_secret(stored) == "een-oud-plat-secret-van-voor-de-migratie"

        # and back: the plain secret again
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        back = executor.loader.project_state(before).apps.get_model("regiekoppeling", "Credential")
        assert back.objects.get(client_id="oud").secret == "een-oud-plat-secret-van-voor-de-migratie"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- expiry and rotation --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotation_keeps_the_old_credential_until_the_chosen_moment(regie):
    old_secret = regie.credential.secret
    until = timezone.now() + dt.timedelta(hours=2)

    made = credentials.credential_rotate(credential=regie.credential, old_valid_until=until)

    assert made.credential.client_id.startswith("regie-test-r") and made.credential.client_id != "regie-test"
    assert made.credential.applicatie == regie.applicatie
    assert made.credential.vorige == regie.credential
    assert made.credential.geldig_tot is None
    assert made.credential.secret == made.secret != old_secret
    regie.credential.refresh_from_db()
    assert regie.credential.geldig_tot == until
    assert status_with("regie-test", old_secret) == (200, "")
    assert status_with(made.credential.client_id, made.secret) == (200, "")

    # The chosen moment passes: checked on every request, also against a credential the API has cached.
    with mock.patch.object(timezone, "now", return_value=until + dt.timedelta(seconds=1)):
        assert status_with("regie-test", old_secret) == (401, "credential-expired")
        assert status_with(made.credential.client_id, made.secret) == (200, "")


@pytest.mark.django_db
def test_rotating_twice_does_not_grow_the_client_id(regie):
    first = credentials.credential_rotate(credential=regie.credential)
    second = credentials.credential_rotate(credential=first.credential)
    assert second.credential.client_id.startswith("regie-test-r")
    assert len(second.credential.client_id) == len(first.credential.client_id)


@pytest.mark.django_db
def test_rotation_defaults_to_a_day_and_never_extends_an_expiry(regie):
    credentials.credential_rotate(credential=regie.credential)
    regie.credential.refresh_from_db()
    assert regie.credential.geldig_tot is not None
    delta = regie.credential.geldig_tot - timezone.now()
    assert dt.timedelta(hours=23) < delta <= dt.timedelta(days=1)

    soon = timezone.now() + dt.timedelta(minutes=5)
    Credential.objects.filter(pk=regie.credential.pk).update(geldig_tot=soon)
    credentials.credential_rotate(credential=regie.credential, old_valid_until=timezone.now() + dt.timedelta(days=30))
    regie.credential.refresh_from_db()
    assert regie.credential.geldig_tot == soon


@pytest.mark.django_db
def test_rotation_at_once(regie):
    old_secret = regie.credential.secret
    credentials.credential_rotate(credential=regie.credential, old_valid_until=timezone.now())
    assert status_with("regie-test", old_secret) == (401, "credential-expired")


@pytest.mark.django_db
def test_make_token_refuses_an_expired_credential(regie):
    Credential.objects.filter(pk=regie.credential.pk).update(geldig_tot=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(CommandError, match="No valid"):
        call_command("make_token", "regie-test", stdout=io.StringIO())


# --- onboarding -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_gemeente_create_is_idempotent_on_the_code():
    first = run_command("gemeente_create", "--code", "0344", "--naam", "Utrecht")
    second = run_command("gemeente_create", "--code", "0344", "--naam", "Utrecht (anders)")
    assert first == {"code": "0344", "naam": "Utrecht", "created": True}
    assert second == {"code": "0344", "naam": "Utrecht", "created": False}
    assert Gemeente.objects.count() == 1


@pytest.mark.django_db
def test_gemeente_create_checks_the_code():
    with pytest.raises(CommandError, match="4 cijfers"):
        run_command("gemeente_create", "--code", "344", "--naam", "Utrecht")


@pytest.mark.django_db
def test_applicatie_create_prints_the_secret_once_and_is_idempotent(client):
    run_command("gemeente_create", "--code", "0344", "--naam", "Utrecht")
    run_command("gemeente_create", "--code", "0599", "--naam", "Rotterdam")
    args = ["applicatie_create", "--naam", "Regie Utrecht", "--rol", "regie", "--gemeente", "0344"]

    first = run_command(*args, "--client-id", "regie-utrecht", "--json")
    second = run_command(*args, "--gemeente", "0599", "--client-id", "regie-utrecht", "--json")

    assert first["clientId"] == second["clientId"] == "regie-utrecht"
    assert first["created"] is True and len(first["secret"]) >= 32
    assert second["created"] is False and "secret" not in second
    assert second["gemeenten"] == ["0344", "0599"]
    assert Applicatie.objects.count() == 1 and Credential.objects.count() == 1
    assert status_with("regie-utrecht", first["secret"]) == (200, "")


@pytest.mark.django_db
def test_applicatie_create_derives_the_client_id_and_checks_its_input():
    run_command("gemeente_create", "--code", "0344", "--naam", "Utrecht")
    made = run_command("applicatie_create", "--naam", "Backoffice Utrecht", "--rol", "backoffice", "--gemeente", "0344")
    assert made["clientId"] == "backoffice-utrecht" and made["rol"] == "backoffice"
    with pytest.raises(CommandError, match="Onbekende gemeente"):
        run_command("applicatie_create", "--naam", "X", "--rol", "regie", "--gemeente", "9999")
    with pytest.raises(CommandError, match="hoort bij een"):
        run_command("applicatie_create", "--naam", "Backoffice Utrecht", "--rol", "regie", "--gemeente", "0344")
    with pytest.raises(DomainValidationError):
        credentials.applicatie_create(naam="X", rol="beheer", gemeente_codes=["0344"])


@pytest.mark.django_db
def test_credential_rotate_command(regie):
    old_secret = regie.credential.secret
    out = run_command(
        "credential_rotate", "--client-id", "regie-test", "--old-valid-until", "2099-01-31T12:00:00+01:00"
    )

    new = Credential.objects.get(client_id=out["clientId"])
    assert new.secret == out["secret"] != old_secret
    assert out["vorige"] == {"clientId": "regie-test", "geldigTot": "2099-01-31T11:00:00+00:00"}
    assert status_with("regie-test", old_secret) == (200, "")
    assert status_with(out["clientId"], out["secret"]) == (200, "")


@pytest.mark.django_db
def test_credential_rotate_command_now_and_errors(regie):
    old_secret = regie.credential.secret
    out = run_command("credential_rotate", "--client-id", "regie-test", "--old-valid-until", "now", "--json")
    assert status_with("regie-test", old_secret) == (401, "credential-expired")
    assert status_with(out["clientId"], out["secret"]) == (200, "")
    with pytest.raises(CommandError, match="No credential"):
        run_command("credential_rotate", "--client-id", "niemand")
    with pytest.raises(CommandError, match="ISO 8601"):
        run_command("credential_rotate", "--client-id", "regie-test", "--old-valid-until", "morgen")


@pytest.mark.django_db
def test_a_new_credential_via_the_service_returns_its_secret_once(gemeente):
    applicatie = Applicatie.objects.create(naam="A", rol=Rol.REGIE)
    made = credentials.credential_create(applicatie=applicatie, client_id="a-1")
    assert Credential.objects.get(client_id="a-1").secret == made.secret
    with pytest.raises(DomainValidationError):
        credentials.credential_create(applicatie=applicatie, client_id="a-1")
