"""Idempotency-Key on every POST (IETF draft semantics)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from djangorestframework_camel_case.util import underscoreize

from regiekoppeling import idempotency, services
from regiekoppeling.models import Aanvraag, IdempotencyRecord, OutboxItem
from tests.conftest import aanvraag_body, failing_statements, zin_line
from tests.waiting import wait_for


@pytest.mark.django_db
class TestReplay:
    def test_replay_returns_the_stored_response_and_stores_nothing_new(self, regie):
        key = str(uuid.uuid4())
        first = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)
        second = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)

        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert second["Location"] == first["Location"]
        assert second["Idempotent-Replayed"] == "true"
        assert Aanvraag.objects.count() == 1
        assert OutboxItem.objects.count() == 2

    def test_a_replay_runs_no_failing_statement(self, regie):
        # A failing statement lands in the PostgreSQL log with its values (BSN, names): a replay must be
        # answered without one, not by catching a unique violation.
        key = str(uuid.uuid4())
        assert regie.post("/api/v1/aanvragen", aanvraag_body(), key=key).status_code == 201
        with failing_statements() as failed:
            replay = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)
            mismatch = regie.post("/api/v1/aanvragen", aanvraag_body(regieReferentie="ANDERS"), key=key)

        assert (replay.status_code, mismatch.status_code) == (201, 422)
        assert failed == []

    def test_same_key_with_another_body_is_422(self, regie):
        key = str(uuid.uuid4())
        assert regie.post("/api/v1/aanvragen", aanvraag_body(), key=key).status_code == 201
        other = regie.post("/api/v1/aanvragen", aanvraag_body(regieReferentie="ANDERS"), key=key)

        assert other.status_code == 422
        assert other["Content-Type"] == "application/problem+json"
        assert other.json()["code"] == "idempotency-mismatch"
        assert Aanvraag.objects.count() == 1

    def test_same_key_on_another_endpoint_is_422(self, regie):
        key = str(uuid.uuid4())
        created = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key).json()
        response = regie.post(f"/api/v1/aanvragen/{created['uuid']}/intrekken", aanvraag_body(), key=key)
        assert response.status_code == 422
        assert Aanvraag.objects.get().status == "ontvangen"

    def test_a_refused_request_does_not_burn_the_key(self, regie):
        key = str(uuid.uuid4())
        bad = regie.post("/api/v1/aanvragen", aanvraag_body(gemeente="9999"), key=key)
        good = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)

        assert bad.status_code == 400
        assert good.status_code == 201

    def test_keys_are_scoped_per_application(self, regie, andere_regie):
        key = str(uuid.uuid4())
        mine = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)
        theirs = andere_regie.post(
            "/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum="2028-01-01", einddatum="2028-12-31")), key=key
        )

        assert mine.status_code == theirs.status_code == 201
        assert mine.json()["uuid"] != theirs.json()["uuid"]

    @pytest.mark.parametrize("key", [None, "", "x" * 256, "met spatie"])
    def test_missing_or_malformed_key_is_400(self, regie, key):
        headers = regie.headers() if key is None else regie.headers(HTTP_IDEMPOTENCY_KEY=key)
        response = regie.client.post("/api/v1/aanvragen", aanvraag_body(), format="json", **headers)

        assert response.status_code == 400
        assert response.json()["invalidParams"][0]["name"] == "Idempotency-Key"
        assert Aanvraag.objects.count() == 0

    def test_abandoned_in_progress_key_is_taken_over_after_the_timeout(self, regie, settings):
        key = str(uuid.uuid4())
        body = aanvraag_body()
        # A first attempt that claimed the key and died before finishing, long ago.
        IdempotencyRecord.objects.create(
            applicatie=regie.applicatie,
            key=key,
            method="POST",
            path="/api/v1/aanvragen",
            fingerprint=idempotency.fingerprint(method="POST", path="/api/v1/aanvragen", body=underscoreize(body)),
        )
        stale = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS + 1)
        IdempotencyRecord.objects.update(created_at=stale)

        retry = regie.post("/api/v1/aanvragen", body, key=key)

        assert retry.status_code == 201
        assert IdempotencyRecord.objects.get().state == "complete"

    def test_recent_in_progress_key_is_409(self, regie):
        key = str(uuid.uuid4())
        body = aanvraag_body()
        IdempotencyRecord.objects.create(
            applicatie=regie.applicatie,
            key=key,
            method="POST",
            path="/api/v1/aanvragen",
            fingerprint=idempotency.fingerprint(method="POST", path="/api/v1/aanvragen", body=underscoreize(body)),
        )
        assert regie.post("/api/v1/aanvragen", body, key=key).status_code == 409
        assert Aanvraag.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_is_409_while_the_first_runs(regie, monkeypatch):
    release = threading.Event()
    real_create = services.aanvraag_create

    def slow_create(**kwargs):
        assert release.wait(10), "test did not release the first request"
        return real_create(**kwargs)

    monkeypatch.setattr(services, "aanvraag_create", slow_create)
    key = str(uuid.uuid4())
    results: dict[str, object] = {}

    def first_request():
        try:
            results["first"] = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)
        finally:
            connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert wait_for(IdempotencyRecord.objects.filter(key=key).exists, timeout=10), "first request never claimed the key"

    duplicate = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)
    release.set()
    thread.join(10)

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "idempotency-in-progress"
    assert results["first"].status_code == 201
    assert Aanvraag.objects.count() == 1
    replay = regie.post("/api/v1/aanvragen", aanvraag_body(), key=key)
    assert replay.status_code == 201
    assert replay.json()["uuid"] == results["first"].json()["uuid"]


def test_a_stale_takeover_counts_as_running_again(regie, settings):
    """The request that takes over a key whose first attempt died is itself 'in progress' from then on:
    a third request with the key waits its turn (409) instead of taking over as well."""
    key = str(uuid.uuid4())
    applicatie = regie.credential.applicatie
    fingerprint = idempotency.fingerprint(method="POST", path="/api/v1/aanvragen", body={})
    begin = {"applicatie": applicatie, "key": key, "method": "POST", "path": "/api/v1/aanvragen"}
    first, replay = idempotency.idempotency_begin(**begin, fingerprint=fingerprint)
    assert replay is False
    old = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS + 1)
    IdempotencyRecord.objects.filter(pk=first.pk).update(created_at=old)

    taken, replay = idempotency.idempotency_begin(**begin, fingerprint=fingerprint)  # the first one died
    assert (taken.pk, replay) == (first.pk, False)
    with pytest.raises(idempotency.IdempotencyConflict):
        idempotency.idempotency_begin(**begin, fingerprint=fingerprint)


@pytest.mark.django_db(transaction=True)
def test_a_running_request_keeps_its_key_and_a_dead_one_gives_it_up(regie, settings):
    """Running is the row lock, not the age: a request that still holds its key is 409 to a retry however
    old its claim, and once its transaction is gone without completing (the process killed, or the
    database restarted under it, so that it could not release the key) a retry takes over at once."""
    key = str(uuid.uuid4())
    fingerprint = idempotency.fingerprint(method="POST", path="/api/v1/aanvragen", body={})
    begin = {"applicatie": regie.credential.applicatie, "key": key, "method": "POST", "path": "/api/v1/aanvragen"}
    record, _ = idempotency.idempotency_begin(**begin, fingerprint=fingerprint)
    old = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS + 1)
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=old)
    record.refresh_from_db()
    holding, finish = threading.Event(), threading.Event()

    def running_request():
        try:
            with transaction.atomic():
                idempotency.idempotency_hold(record=record)
                holding.set()
                assert finish.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=running_request)
    thread.start()
    assert holding.wait(10)
    try:
        with pytest.raises(idempotency.IdempotencyConflict):
            idempotency.idempotency_begin(**begin, fingerprint=fingerprint)
    finally:
        finish.set()
        thread.join(10)

    taken, replay = idempotency.idempotency_begin(**begin, fingerprint=fingerprint)

    assert (taken.pk, replay) == (record.pk, False)
    assert taken.created_at > old
    # The dead request, had it come back, may not release or hold the key it lost.
    idempotency.idempotency_release(record=record)
    assert IdempotencyRecord.objects.filter(pk=record.pk).exists()
    with pytest.raises(idempotency.IdempotencyConflict), transaction.atomic():
        idempotency.idempotency_hold(record=record)
