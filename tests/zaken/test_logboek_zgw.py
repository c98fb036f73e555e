"""The processing log of what regiekoppeling sends to the ZGW APIs: one record per done item, in the
trace of the request that caused it, and the trace passed on to the Zaken API."""

from __future__ import annotations

import pytest

from regiekoppeling import logboek, tracecontext
from regiekoppeling.models import Aanvraag, Actie, Verwerking
from tests.conftest import BSN_A, aanvraag_body, zin_line
from tests.zaken.conftest import run_outbox

pytestmark = pytest.mark.django_db

INCOMING = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_registration_is_logged_and_carries_the_trace(regie, zgw, sandbox):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()), HTTP_TRACEPARENT=INCOMING)
    assert response.status_code == 201, response.content
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    sandbox.clear_requests()

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    assert sandbox.requests
    for request in sandbox.requests:
        trace = tracecontext.parse(request["headers"].get("traceparent"))
        assert trace is not None and trace.trace_id == "0af7651916cd43dd8448eb211c80319c", request
    [send] = Verwerking.objects.filter(actie=Actie.VERZENDEN_ZGW)
    assert send.betrokkene == logboek.pseudonym(BSN_A)
    assert send.applicatie is None and send.endpoint == "zaak_registratie"
    assert send.verwerkingsactiviteit == "zaakgericht-registreren"
    assert send.objecten == [{"type": "aanvraag", "uuid": str(aanvraag.uuid)}]
    assert send.trace_id == "0af7651916cd43dd8448eb211c80319c"


def test_a_failed_send_is_not_logged(regie, zgw, sandbox):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    sandbox.add_fault("/zaken/api/v1/zaken", "500", method="POST")

    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]
    assert not Verwerking.objects.filter(actie=Actie.VERZENDEN_ZGW).exists()
