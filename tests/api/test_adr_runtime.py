"""API Design Rules that only show at runtime: no trailing slash, API-Version everywhere,
problem+json for every error, security headers, the OpenAPI document served without auth."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import aanvraag_body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/aanvragen/", "/api/v1/voorzieningen/", "/api/v1/openapi.json/", "/api/v1/"])
def test_trailing_slash_is_a_404_not_a_redirect(regie, path):
    response = regie.get(path)
    assert response.status_code == 404
    assert "Location" not in response
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_post_with_trailing_slash_is_404(regie):
    assert regie.post("/api/v1/aanvragen/", aanvraag_body()).status_code == 404


@pytest.mark.parametrize(
    "request_",
    [
        ("get", "/api/v1/openapi.json"),
        ("get", "/api/v1/aanvragen"),  # 401
        ("get", "/api/v1/bestaat-niet"),  # 404 from Django
        ("delete", "/api/v1/aanvragen"),  # 401 before 405
        ("get", "/admin/login/"),
    ],
)
def test_api_version_header_on_every_response(request_):
    method, path = request_
    response = getattr(Client(), method)(path)
    assert response["API-Version"] == "1.0.0"


def test_api_version_and_problem_on_405(regie):
    response = regie.client.delete("/api/v1/aanvragen", **regie.headers())
    assert response.status_code == 405
    assert response["API-Version"] == "1.0.0"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Method Not Allowed"


def test_api_version_and_problem_on_uncaught_exception(regie, monkeypatch):
    from regiekoppeling import selectors

    def broken(applicatie):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "aanvragen_visible_to", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/aanvragen", **regie.headers())
    assert response.status_code == 500
    assert response["API-Version"] == "1.0.0"
    assert response["Content-Type"] == "application/problem+json"
    assert "boom" not in response.content.decode()


def test_security_headers(regie):
    response = regie.get("/api/v1/aanvragen")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/api/v1/openapi.json", "no-referrer"),
        ("/api/v1/bestaat-niet", "no-referrer"),  # 404 from Django
        # The admin's forms need a same-origin Origin for the CSRF check (tests/browser shows it).
        ("/admin/login/", "same-origin"),
        ("/admin/", "same-origin"),  # the redirect to the login page
    ],
)
def test_referrer_policy(path, policy):
    assert Client().get(path)["Referrer-Policy"] == policy


def test_referrer_policy_on_a_413_before_the_api_runs(regie, settings):
    settings.API_MAX_BODY_BYTES = 2000
    response = regie.post("/api/v1/aanvragen", aanvraag_body(toelichting="x" * 1900))
    assert response.status_code == 413
    assert response["Referrer-Policy"] == "no-referrer"


def test_openapi_document_without_authentication():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["info"]["version"] == "1.0.0"
    assert set(document["paths"]) >= {
        "/aanvragen",
        "/aanvragen/{uuid}",
        "/aanvragen/{uuid}/intrekken",
        "/voorzieningen",
    }


def test_problem_body_has_the_adr_members(regie):
    body = regie.get("/api/v1/aanvragen/00000000-0000-0000-0000-000000000000").json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["instance"].startswith("urn:uuid:")
