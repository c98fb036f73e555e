"""`manage.py demo_setup --json` makes the demo data idempotently and prints it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from regiekoppeling.models import Applicatie, Credential, Gemeente, Product
from regiekoppeling.tokens import make_token

pytestmark = pytest.mark.django_db


def run(tmp_path, monkeypatch) -> dict:
    monkeypatch.setenv("REGIEKOPPELING_DATA_DIR", str(tmp_path))
    out = io.StringIO()
    call_command("demo_setup", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_demo_setup_is_idempotent(tmp_path, settings, monkeypatch):
    settings.DATA_DIR = tmp_path
    first = run(tmp_path, monkeypatch)
    second = run(tmp_path, monkeypatch)

    assert first == second
    assert first["gemeente"] == {"code": "0363", "naam": "Amsterdam"}
    assert [(a["rol"], a["clientId"]) for a in first["applicaties"]] == [
        ("regie", "demo-regie"),
        ("backoffice", "demo-backoffice"),
    ]
    assert all(len(a["secret"]) >= 32 for a in first["applicaties"])
    assert Gemeente.objects.count() == 1
    assert Applicatie.objects.count() == 2
    assert Credential.objects.count() == 2
    # Every categorie of both wetten plus the demo codes.
    assert first["producten"] == Product.objects.count() == 18 + 24 + 15
    assert (tmp_path / "demo-admin-password").read_text() == first["admin"]["password"]


def test_demo_credentials_work_against_the_api(tmp_path, settings, monkeypatch, client):
    settings.DATA_DIR = tmp_path
    result = run(tmp_path, monkeypatch)
    regie = result["applicaties"][0]
    token = make_token(regie["clientId"], regie["secret"])
    response = client.get("/api/v1/aanvragen", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert client.login(username="admin", password=result["admin"]["password"])
