"""The API does what its own OpenAPI document says: requests and responses are validated
against the served document with openapi-core (so the document cannot drift from the code)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from tests.conftest import aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> OpenAPI:
    with django_db_blocker.unblock():
        document = Client().get("/api/v1/openapi.json").json()
    # The request URL openapi-core sees is built from API_PUBLIC_URL, as the document's `servers` is.
    # problem+json is JSON; openapi-core only knows application/json by default.
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(document, config=config)


def check(openapi: OpenAPI, response) -> None:
    request = DjangoOpenAPIRequest(response.wsgi_request)
    openapi.validate_response(request, DjangoOpenAPIResponse(response))


def test_create_request_and_response_match_the_document(openapi, regie):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line()))
    assert response.status_code == 201
    openapi.validate_request(DjangoOpenAPIRequest(response.wsgi_request))
    check(openapi, response)


def test_reads_match_the_document(openapi, regie):
    created = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line())).json()
    for path in [
        "/api/v1/aanvragen",
        f"/api/v1/aanvragen/{created['uuid']}",
        "/api/v1/voorzieningen",
        f"/api/v1/voorzieningen/{created['voorzieningen'][1]['uuid']}",
    ]:
        response = regie.get(path)
        assert response.status_code == 200
        check(openapi, response)


def test_errors_match_the_document(openapi, regie):
    invalid = regie.post("/api/v1/aanvragen", aanvraag_body(gemeente="9999"))
    assert invalid.status_code == 400
    check(openapi, invalid)
    missing = regie.get("/api/v1/aanvragen/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    check(openapi, missing)


def test_withdrawal_matches_the_document(openapi, regie):
    created = regie.post("/api/v1/aanvragen", aanvraag_body()).json()
    response = regie.post(f"/api/v1/aanvragen/{created['uuid']}/intrekken", {"reden": "verhuisd"})
    assert response.status_code == 200
    check(openapi, response)
    conflict = regie.post(f"/api/v1/aanvragen/{created['uuid']}/intrekken", {})
    assert conflict.status_code == 409
    check(openapi, conflict)
