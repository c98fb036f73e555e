"""A webhook delivery passes the W3C trace on and is written to the processing log, once it is done."""

from __future__ import annotations

import pytest

from regiekoppeling import logboek, tracecontext
from regiekoppeling.models import Actie, OutboxItem, Verwerking
from tests.berichten.conftest import run_berichten, run_webhooks
from tests.conftest import BSN_A, aanvraag_body

pytestmark = pytest.mark.django_db

INCOMING = "00-5bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-01"


def test_the_webhook_gets_the_trace_of_the_request_and_the_send_is_logged(regie, receiver):
    assert regie.post("/api/v1/abonnementen", {"callbackUrl": receiver.url}).status_code == 201
    response = regie.post("/api/v1/aanvragen", aanvraag_body(), HTTP_TRACEPARENT=INCOMING)
    assert response.status_code == 201
    assert run_berichten() == ["done"]
    item = OutboxItem.objects.get(handler="webhook")

    assert run_webhooks() == ["done"]

    [request] = receiver.received
    sent = tracecontext.parse(request.headers["traceparent"])
    assert sent is not None and sent.trace_id == "5bf92f3577b34da6a3ce929d0e0e4736"
    [send] = Verwerking.objects.filter(actie=Actie.VERZENDEN_WEBHOOK)
    assert send.betrokkene == logboek.pseudonym(BSN_A)
    assert send.objecten == [{"type": "bericht", "uuid": item.payload["bericht"]}]
    assert send.trace_id == sent.trace_id


def test_a_refused_delivery_is_not_logged(regie, receiver, aanvraag):
    receiver.statuses = [410]
    assert regie.post("/api/v1/abonnementen", {"callbackUrl": receiver.url}).status_code == 201
    assert run_berichten() == ["done"]

    assert run_webhooks() == ["dead"]
    assert not Verwerking.objects.filter(actie=Actie.VERZENDEN_WEBHOOK).exists()
