"""`manage.py demo_setup --json` makes the demo data idempotently and prints it."""

from __future__ import annotations

import io
import json
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from devserver import launcher
from devserver.services import Services
from regiekoppeling.models import Applicatie, Credential, Gemeente, Product
from regiekoppeling.tokens import make_token
from tests.conftest import BSN_A, aanvraag_body

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
        ("privacy", "demo-privacy"),
    ]
    assert all(len(a["secret"]) >= 32 for a in first["applicaties"])
    assert Gemeente.objects.count() == 1
    assert Applicatie.objects.count() == 3
    assert Credential.objects.count() == 3
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


def test_demo_privacy_officer_sees_what_the_regie_did(tmp_path, settings, monkeypatch, client):
    settings.DATA_DIR = tmp_path
    regie, _, privacy = run(tmp_path, monkeypatch)["applicaties"]

    def bearer(application: dict) -> str:
        return f"Bearer {make_token(application['clientId'], application['secret'])}"

    assert client.get("/api/v1/aanvragen", HTTP_AUTHORIZATION=bearer(regie)).status_code == 200
    body = aanvraag_body()
    key = str(uuid.uuid4())
    created = client.post(
        "/api/v1/aanvragen", body, content_type="application/json",
        HTTP_AUTHORIZATION=bearer(regie), HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    assert created.status_code == 201
    found = client.post(
        "/api/v1/verwerkingen/_zoek",
        {"bsn": BSN_A},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer(privacy),
    )
    assert found.status_code == 200, found.content
    assert [(r["actie"], r["endpoint"]) for r in found.json()["results"]] == [("aanmaken", "aanvraag")]
    # The privacy officer reads the log only, not the aanvragen themselves.
    assert client.get("/api/v1/aanvragen", HTTP_AUTHORIZATION=bearer(privacy)).json()["results"] == []


def test_the_make_run_banner_shows_the_privacy_officer_and_its_call(tmp_path, settings, monkeypatch):
    settings.DATA_DIR = tmp_path
    demo = run(tmp_path, monkeypatch)
    services = Services(env={"REGIEKOPPELING_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://x/y"})
    banner = launcher._banner(8000, demo, services, SimpleNamespace(children=[]))

    privacy = demo["applicaties"][2]
    assert f"  privacy     client_id=demo-privacy secret={privacy['secret']}" in banner.splitlines()
    assert "token demo-privacy)" in banner
    assert '-d \'{"bsn": "999993653"}\' http://127.0.0.1:8000/api/v1/verwerkingen/_zoek' in banner
