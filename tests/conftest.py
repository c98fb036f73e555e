from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from regiekoppeling.constants import Rol
from regiekoppeling.demo import products_load
from regiekoppeling.models import Applicatie, Credential, Gemeente
from regiekoppeling.tokens import make_token

# Official test BSNs (999990000-999999999) that pass the elfproef.
BSN_A = "999993653"
BSN_B = "999990019"


class Api:
    """An authenticated client for one application."""

    def __init__(self, credential: Credential) -> None:
        self.credential = credential
        self.applicatie = credential.applicatie
        self.client = APIClient()

    def headers(self, **extra: str) -> dict[str, str]:
        token = make_token(self.credential.client_id, self.credential.secret)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params or None, **self.headers())

    def post(self, path: str, body: Any, *, key: str | None = None, raw: bytes | None = None, **extra: str) -> Any:
        data = raw if raw is not None else json.dumps(body)
        headers = self.headers(HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()), **extra)
        return self.client.generic("POST", path, data, content_type="application/json", **headers)


def test_database_url() -> str:
    """The URL of pytest-django's test database, for processes the tests start (a Celery worker)."""
    from django.db import connection

    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host", "")
    if host.startswith("/"):
        return f"postgresql://{db['USER']}@/{db['NAME']}?host={host}"
    return f"postgresql://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def make_applicatie(naam: str, rol: str, gemeenten: list[Gemeente], client_id: str) -> Credential:
    applicatie = Applicatie.objects.create(naam=naam, rol=rol)
    applicatie.gemeenten.set(gemeenten)
    return Credential.objects.create(applicatie=applicatie, client_id=client_id)


@pytest.fixture
def gemeente(db: None) -> Gemeente:
    gemeente = Gemeente.objects.create(code="0363", naam="Amsterdam")
    products_load(gemeente=gemeente)
    return gemeente


@pytest.fixture
def andere_gemeente(db: None) -> Gemeente:
    return Gemeente.objects.create(code="0599", naam="Rotterdam")


@pytest.fixture
def regie(gemeente: Gemeente) -> Api:
    return Api(make_applicatie("Regie", Rol.REGIE, [gemeente], "regie-test"))


@pytest.fixture
def andere_regie(gemeente: Gemeente) -> Api:
    """A second regieapplicatie of the same gemeente: it may not see the first one's aanvragen."""
    return Api(make_applicatie("Andere regie", Rol.REGIE, [gemeente], "regie-andere"))


@pytest.fixture
def backoffice(gemeente: Gemeente) -> Api:
    return Api(make_applicatie("Backoffice", Rol.BACKOFFICE, [gemeente], "backoffice-test"))


@pytest.fixture
def vreemde_backoffice(andere_gemeente: Gemeente) -> Api:
    return Api(make_applicatie("Backoffice elders", Rol.BACKOFFICE, [andere_gemeente], "backoffice-elders"))


def zin_line(**overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "product": {"categorie": "02", "code": "02A01"},
        "leveringsvorm": "ZIN",
        "omvang": {"volume": 4, "eenheid": "04", "frequentie": "2"},
        "ingangsdatum": "2027-01-01",
        "einddatum": "2027-12-31",
    }
    line.update(overrides)
    return line


def pgb_line(**overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "product": {"categorie": "01"},
        "leveringsvorm": "PGB",
        "pgb": {"bedrag": 125000, "basis": "per_maand"},
        "ingangsdatum": "2027-01-01",
        "einddatum": "2027-12-31",
    }
    line.update(overrides)
    return line


def aanvraag_body(*lines: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "gemeente": "0363",
        "wet": "WMO",
        "regieReferentie": "GP-2026-001",
        "client": {
            "bsn": BSN_A,
            "geboortedatum": "1950-01-01",
            "geslacht": "2",
            "voornamen": "Maria",
            "achternaam": "Jansen",
        },
        "voorzieningen": list(lines) or [zin_line()],
    }
    body.update(overrides)
    return body


@pytest.fixture
def body() -> Callable[..., dict[str, Any]]:
    return aanvraag_body


@contextlib.contextmanager
def failing_statements() -> Iterator[list[str]]:
    """Collects the SQL of every statement that fails while the block runs. PostgreSQL writes a failing
    statement to its log with its values (BSN, names), so normal control flow must not cause one."""
    failed: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        try:
            return execute(sql, params, many, context)
        except Exception:
            failed.append(sql)
            raise

    with connection.execute_wrapper(record):
        yield failed
