"""OP043 cannot be raced: concurrent aanvragen for one client are serialised by a client lock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from regiekoppeling import services
from regiekoppeling.models import Voorziening
from tests.conftest import aanvraag_body, pgb_line, zin_line
from tests.waiting import wait_for


def a_session_waits_for_an_advisory_lock() -> bool:
    """Another PostgreSQL session of this database is blocked on an advisory lock (the client lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.mark.django_db(transaction=True)
def test_concurrent_pgb_and_zin_for_one_client_accept_only_one(regie, monkeypatch):
    real = services._stored_periods
    reads: list[str] = []
    caught_up: list[bool] = []

    def read_then_wait_for_the_other_request(gemeente, bsn):
        # Keep the window between the OP043 read and the insert open until the other request has
        # caught up: blocked on the client lock, as it must be, or, without the lock, past its own
        # read, so that both would read "nothing stored" and both be accepted.
        periods = real(gemeente, bsn)
        reads.append(bsn)
        caught_up.append(wait_for(lambda: len(reads) == 2 or a_session_waits_for_an_advisory_lock(), timeout=10))
        return periods

    monkeypatch.setattr(services, "_stored_periods", read_then_wait_for_the_other_request)
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

    assert caught_up == [True, True], "the second request never reached the client lock while the first held it"
    assert sorted(statuses) == [201, 400]
    assert Voorziening.objects.count() == 1
