"""Webhook deliveries to a real HTTP receiver: signed, retried from the outbox with backoff, permanent
on a refusal, dead-lettered after the limit, never to an address that is not allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from regiekoppeling.berichten import delivery
from regiekoppeling.models import Abonnement, Bericht, OutboxItem
from tests.berichten.conftest import run_berichten, run_webhooks
from tests.conftest import BSN_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def abonnement(regie, receiver) -> dict:
    response = regie.post("/api/v1/abonnementen", {"callbackUrl": receiver.url, "auth": "Bearer terug"})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def queued(abonnement, aanvraag) -> OutboxItem:
    """One delivery of the regie's bericht about the new aanvraag, waiting in the outbox."""
    assert run_berichten() == ["done"]
    return OutboxItem.objects.get(handler="webhook")


def state(item: OutboxItem) -> tuple[str, int]:
    item.refresh_from_db()
    return item.state, item.attempts


def test_signed_delivery(regie, abonnement, queued, receiver):
    assert run_webhooks() == ["done"]

    [request] = receiver.received
    assert request.path == "/hook"
    expected = hmac.new(abonnement["secret"].encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Regiekoppeling-Signature"] == f"sha256={expected}"
    assert request.headers["Authorization"] == "Bearer terug"
    assert request.headers["Content-Type"] == "application/json"
    bericht = Bericht.objects.get(ontvanger=regie.applicatie)
    assert request.headers["X-Regiekoppeling-Bericht"] == str(bericht.uuid)

    # The body is the Notificaties API message, field for field what the feed shows.
    body = json.loads(request.body)
    item = regie.get(f"/api/v1/berichten/{bericht.uuid}").json()
    assert body == {
        k: item[k] for k in ("kanaal", "hoofdObject", "resource", "resourceUrl", "actie", "aanmaakdatum", "kenmerken")
    }
    assert BSN_A not in request.body.decode()


def test_no_authorization_header_without_auth(regie, receiver, aanvraag):
    assert regie.post("/api/v1/abonnementen", {"callbackUrl": receiver.url}).status_code == 201
    run_berichten()
    assert run_webhooks() == ["done"]
    assert receiver.received[0].headers.get("Authorization") is None


@pytest.mark.parametrize("status", [500, 503, 408, 429])
def test_retried_with_backoff_then_delivered(queued, receiver, status):
    receiver.statuses = [status]
    before = timezone.now()

    assert run_webhooks() == ["pending"]
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == ("pending", 1)
    assert f"HTTP {status}" in queued.last_error
    assert before <= queued.next_attempt_at <= timezone.now() + timedelta(seconds=settings.OUTBOX_BACKOFF_BASE_SECONDS)

    assert run_webhooks() == ["done"]  # the helper makes the retry due now
    assert state(queued) == ("done", 2)
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["X-Regiekoppeling-Signature"] == second.headers["X-Regiekoppeling-Signature"]


@pytest.mark.parametrize("status", [410, 400, 404, 301])
def test_refusal_is_permanent(queued, receiver, status):
    receiver.statuses = [status]
    assert run_webhooks() == ["dead"]
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == ("dead", 1)
    assert queued.last_error.startswith(f"permanent: HTTP {status}")
    assert [r.path for r in receiver.received] == ["/hook"]  # a redirect is not followed


def test_dead_letter_after_the_limit(queued, receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    receiver.statuses = [500] * 10
    assert [run_webhooks() for _ in range(3)] == [["pending"], ["pending"], ["dead"]]
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == ("dead", 3)
    assert "gave up after 3 attempts" in queued.last_error
    assert len(receiver.received) == 3
    assert run_webhooks() == []  # dead stays dead until an administrator re-queues it


def test_timeout_is_retried(queued, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.0
    assert run_webhooks() == ["pending"]
    assert "Timeout" in OutboxItem.objects.get(pk=queued.pk).last_error


def test_connection_refused_is_retried(queued, receiver):
    Abonnement.objects.update(callback_url="http://127.0.0.1:9/hook")  # discard port: nobody listens
    assert run_webhooks() == ["pending"]
    assert "Connection" in OutboxItem.objects.get(pk=queued.pk).last_error


def test_unsubscribed_before_delivery(regie, abonnement, queued, receiver):
    assert regie.client.delete(abonnement["url"], **regie.headers()).status_code == 204
    assert run_webhooks() == ["done"]
    assert receiver.received == []


def test_host_taken_off_the_allow_list_is_permanent(queued, receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["*"]  # 127.0.0.1 no longer listed by name
    assert run_webhooks() == ["dead"]
    assert "callbackUrl geweigerd" in OutboxItem.objects.get(pk=queued.pk).last_error
    assert receiver.received == []


def test_the_connected_address_is_checked(queued, receiver, settings, monkeypatch):
    # DNS rebinding: the name passed the check, then resolves to loopback when the socket connects.
    monkeypatch.setattr(delivery, "check_callback_url", lambda url: None)
    settings.WEBHOOK_ALLOWED_HOSTS = ["*"]
    assert run_webhooks() == ["dead"]
    assert "wijst nu naar een niet-publiek adres (127.0.0.1)" in OutboxItem.objects.get(pk=queued.pk).last_error
    assert receiver.received == []


def test_one_delivery_per_abonnement(regie, receiver, aanvraag):
    for _ in range(2):
        assert regie.post("/api/v1/abonnementen", {"callbackUrl": receiver.url}).status_code == 201
    run_berichten()
    assert run_webhooks() == ["done", "done"]
    secrets = {a.secret for a in Abonnement.objects.all()}
    signatures = {r.headers["X-Regiekoppeling-Signature"] for r in receiver.received}
    assert len(secrets) == len(signatures) == 2
