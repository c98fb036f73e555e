"""POST/GET/DELETE /abonnementen: scoped to the caller, callback URLs checked against the allow-list
and against non-public addresses."""

from __future__ import annotations

import pytest
from django.conf import settings

from regiekoppeling.models import Abonnement, IdempotencyRecord

pytestmark = pytest.mark.django_db


def subscribe(api, url: str, **extra):
    return api.post("/api/v1/abonnementen", {"callbackUrl": url, **extra})


def test_create_returns_the_secret_once(regie, receiver):
    response = subscribe(regie, receiver.url, auth="Bearer geheim-token")

    assert response.status_code == 201, response.content
    body = response.json()
    abonnement = Abonnement.objects.get()
    assert body == {
        "url": f"{settings.API_PUBLIC_URL}/abonnementen/{abonnement.uuid}",
        "uuid": str(abonnement.uuid),
        "callbackUrl": receiver.url,
        "heeftAuth": True,
        "aangemaaktOp": body["aangemaaktOp"],
        "secret": abonnement.secret,
    }
    assert response["Location"] == body["url"]
    assert (abonnement.applicatie, abonnement.auth) == (regie.applicatie, "Bearer geheim-token")
    assert len(abonnement.secret) >= 32

    shown = regie.get(body["url"]).json()
    assert "secret" not in shown and "auth" not in shown
    listed = regie.get("/api/v1/abonnementen").json()
    assert listed["count"] == 1
    assert listed["results"] == [shown]
    assert "geheim-token" not in str(listed) and abonnement.secret not in str(listed)


def test_create_is_idempotent(regie, receiver):
    first = regie.post("/api/v1/abonnementen", {"callbackUrl": receiver.url}, key="abo-1")
    again = regie.post("/api/v1/abonnementen", {"callbackUrl": receiver.url}, key="abo-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Abonnement.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_backoffice_subscribes_too(backoffice, receiver):
    assert subscribe(backoffice, receiver.url).status_code == 201
    assert Abonnement.objects.get().applicatie == backoffice.applicatie


def test_delete_unsubscribes(regie, receiver):
    url = subscribe(regie, receiver.url).json()["url"]
    response = regie.client.delete(url, **regie.headers())
    assert response.status_code == 204
    assert regie.get(url).status_code == 404
    assert regie.get("/api/v1/abonnementen").json()["count"] == 0
    assert regie.client.delete(url, **regie.headers()).status_code == 404
    assert Abonnement.objects.get().actief is False


def test_abonnementen_are_isolated_per_application(regie, andere_regie, backoffice, receiver):
    url = subscribe(regie, receiver.url).json()["url"]
    for other in (andere_regie, backoffice):
        assert other.get(url).status_code == 404
        assert other.client.delete(url, **other.headers()).status_code == 404
        assert other.get("/api/v1/abonnementen").json()["count"] == 0
    assert Abonnement.objects.get().actief is True


@pytest.fixture
def hosts(settings, fake_dns):
    """A public receiver, a name inside the network, and a wildcard for any other public host."""
    fake_dns.update(
        {
            "hooks.example.nl": "145.100.1.10",
            "intern.example.nl": "192.168.1.10",
            "rebind.example.nl": "127.0.0.1",
            "metadata.example.nl": "169.254.169.254",
            "v6.example.nl": "::1",
            "mapped.example.nl": "::ffff:10.0.0.1",
        }
    )
    settings.WEBHOOK_ALLOWED_HOSTS = ["*"]
    return fake_dns


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://localhost/hook", "niet_toegestaan"),  # loopback
        ("https://127.0.0.1/hook", "niet_toegestaan"),
        ("https://[::1]/hook", "niet_toegestaan"),
        ("https://rebind.example.nl/hook", "niet_toegestaan"),  # a public-looking name at a loopback address
        ("https://10.1.2.3/hook", "niet_toegestaan"),  # private
        ("https://intern.example.nl/hook", "niet_toegestaan"),
        ("https://mapped.example.nl/hook", "niet_toegestaan"),
        ("https://169.254.169.254/latest/meta-data", "niet_toegestaan"),  # link-local (cloud metadata)
        ("https://metadata.example.nl/hook", "niet_toegestaan"),
        ("https://v6.example.nl/hook", "niet_toegestaan"),
        ("http://hooks.example.nl/hook", "niet_toegestaan"),  # not https
        ("https://user:pw@hooks.example.nl/hook", "niet_toegestaan"),
        ("https://onbekend.example.nl/hook", "onbekende_host"),  # DNS does not know it
        ("ftp://hooks.example.nl/hook", "niet_toegestaan"),
        ("geen url", "invalid"),
    ],
)
def test_refused_callback_urls(regie, hosts, url, code):
    response = subscribe(regie, url)
    assert response.status_code == 400, response.content
    params = response.json()["invalidParams"]
    assert [(p["name"], p["code"]) for p in params] == [("callbackUrl", code)]
    assert Abonnement.objects.count() == 0


def test_a_host_not_on_the_list_is_refused(regie, settings, fake_dns):
    fake_dns.update({"hooks.example.nl": "145.100.1.10", "elders.example.nl": "145.100.1.11"})
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.nl"]
    assert subscribe(regie, "https://hooks.example.nl/hook").status_code == 201
    response = subscribe(regie, "https://elders.example.nl/hook")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "callbackUrl"
    assert "elders.example.nl" in response.json()["invalidParams"][0]["reason"]


def test_no_webhooks_without_an_allow_list(regie, settings, fake_dns):
    fake_dns["hooks.example.nl"] = "145.100.1.10"
    settings.WEBHOOK_ALLOWED_HOSTS = []
    assert subscribe(regie, "https://hooks.example.nl/hook").status_code == 400


def test_public_host_under_the_wildcard_is_accepted(regie, hosts):
    assert subscribe(regie, "https://hooks.example.nl/hook").status_code == 201


def test_exactly_listed_local_receiver_is_accepted(regie, receiver):
    # The receiver fixture lists 127.0.0.1 by name: http and a loopback address are then allowed.
    assert receiver.url.startswith("http://127.0.0.1:")
    assert subscribe(regie, receiver.url).status_code == 201


def test_the_wildcard_does_not_admit_loopback(regie, receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["*"]
    assert subscribe(regie, receiver.url).status_code == 400


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({}, "callbackUrl"),
        ({"callbackUrl": "https://hooks.example.nl/hook", "auth": "Bearer a\r\nX-Evil: 1"}, "auth"),
        ({"callbackUrl": "https://hooks.example.nl/hook", "kanalen": ["voorzieningen"]}, "kanalen"),
    ],
)
def test_bad_bodies(regie, hosts, body, name):
    response = regie.post("/api/v1/abonnementen", body)
    assert response.status_code == 400, response.content
    assert [p["name"] for p in response.json()["invalidParams"]] == [name]
    assert Abonnement.objects.count() == 0


def test_unknown_query_parameter_is_400(regie):
    response = regie.get("/api/v1/abonnementen", kanaal="x")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "kanaal"
