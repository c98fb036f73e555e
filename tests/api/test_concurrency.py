"""OP043 cannot be raced: concurrent aanvragen for one client are serialised by a client lock."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from regiekoppeling import services
from regiekoppeling.models import Voorziening
from tests.conftest import aanvraag_body, pgb_line, zin_line


@pytest.mark.django_db(transaction=True)
def test_concurrent_pgb_and_zin_for_one_client_accept_only_one(regie, monkeypatch):
    real = services._stored_periods

    def slow_read(gemeente, bsn):
        # Widen the window between the OP043 read and the insert: without the lock both
        # requests would read "nothing stored" and both be accepted.
        periods = real(gemeente, bsn)
        time.sleep(0.3)
        return periods

    monkeypatch.setattr(services, "_stored_periods", slow_read)
    product = {"categorie": "01", "code": "01A01"}
    omvang = {"volume": 3, "eenheid": "04", "frequentie": "2"}
    bodies = [aanvraag_body(zin_line(product=product)), aanvraag_body(pgb_line(product=product, omvang=omvang))]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def send(body):
        try:
            barrier.wait(5)
            statuses.append(regie.post("/api/v1/aanvragen", body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)

    assert sorted(statuses) == [201, 400]
    assert Voorziening.objects.count() == 1
