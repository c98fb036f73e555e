"""The outbox: work is stored with the write, relayed on commit, retried from the row, dead-lettered."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from regiekoppeling import outbox, tasks
from regiekoppeling.models import OutboxItem

pytestmark = pytest.mark.django_db

SOORT = "bericht"


@pytest.fixture
def handler():
    calls: list[int] = []
    behaviour: dict[str, Exception | None] = {"raise": None}

    def handle(item: OutboxItem) -> None:
        calls.append(item.pk)
        if behaviour["raise"] is not None:
            raise behaviour["raise"]

    previous = outbox._handlers.get(SOORT)
    outbox.register_handler(SOORT, handle)
    yield calls, behaviour
    # Put the real handler back for the tests that follow.
    if previous is None:
        outbox.unregister_handler(SOORT)
    else:
        outbox.register_handler(SOORT, previous)


def enqueue() -> OutboxItem:
    return outbox.outbox_enqueue(handler=SOORT, aanvraag=None, payload={"gebeurtenis": "test"})


def test_relay_runs_on_commit_only(django_capture_on_commit_callbacks, monkeypatch):
    relayed: list[int] = []
    monkeypatch.setattr(tasks.process_outbox_items, "delay", relayed.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        item = enqueue()
        assert relayed == []
    assert len(callbacks) == 1
    assert relayed == [[item.pk]]


def test_rolled_back_write_leaves_no_work(monkeypatch):
    relayed: list[int] = []
    monkeypatch.setattr(tasks.process_outbox_items, "delay", relayed.append)
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("the business write failed")
    assert OutboxItem.objects.count() == 0
    assert relayed == []


def test_broker_down_does_not_fail_the_write(django_capture_on_commit_callbacks, monkeypatch):
    def broken(item_id):
        raise ConnectionError("redis down")

    monkeypatch.setattr(tasks.process_outbox_items, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        item = enqueue()
    item.refresh_from_db()
    assert item.state == OutboxItem.State.PENDING


def test_success_marks_done(handler):
    calls, _ = handler
    item = enqueue()
    assert outbox.outbox_process(item_id=item.pk) == "done"
    item.refresh_from_db()
    assert (item.state, item.attempts, calls) == ("done", 1, [item.pk])


def test_a_claimed_item_is_not_processed_twice(handler):
    calls, _ = handler
    item = enqueue()
    assert outbox.outbox_claim(item_id=item.pk) is not None
    assert outbox.outbox_process(item_id=item.pk) is None
    assert calls == []


def test_the_claim_is_one_statement_that_returns_the_claimed_row(handler, django_assert_num_queries):
    item = enqueue()
    with django_assert_num_queries(1):
        claimed = outbox.outbox_claim(item_id=item.pk)
    assert claimed is not None and claimed.pk == item.pk
    assert (claimed.state, claimed.attempts, claimed.claimed_by) == (OutboxItem.State.PROCESSING, 1, outbox._me())
    assert claimed.payload == {"gebeurtenis": "test"} and claimed.claimed_at is not None
    stored = OutboxItem.objects.get(pk=item.pk)
    assert (stored.state, stored.attempts, stored.claimed_at) == (claimed.state, 1, claimed.claimed_at)
    with django_assert_num_queries(1):
        assert outbox.outbox_claim(item_id=item.pk) is None  # claimed: nothing returned, nothing changed
    assert OutboxItem.objects.get(pk=item.pk).attempts == 1


def test_an_item_not_yet_due_or_without_a_handler_is_not_claimed(handler):
    item = enqueue()
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert outbox.outbox_claim(item_id=item.pk) is None
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now(), handler="unknown")
    assert outbox.outbox_claim(item_id=item.pk) is None
    assert OutboxItem.objects.get(pk=item.pk).state == OutboxItem.State.PENDING


def test_done_item_is_not_processed_again(handler):
    calls, _ = handler
    item = enqueue()
    outbox.outbox_process(item_id=item.pk)
    assert outbox.outbox_process(item_id=item.pk) is None
    assert len(calls) == 1


def test_failure_is_retried_later_with_backoff(handler, settings):
    _, behaviour = handler
    behaviour["raise"] = ConnectionError("timeout")
    item = enqueue()
    before = timezone.now()

    assert outbox.outbox_process(item_id=item.pk) == "pending"

    item.refresh_from_db()
    assert item.attempts == 1
    assert "timeout" in item.last_error
    assert before <= item.next_attempt_at <= timezone.now() + timedelta(seconds=settings.OUTBOX_BACKOFF_BASE_SECONDS)
    assert item.claimed_at is None


def test_backoff_grows_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10
    settings.OUTBOX_BACKOFF_CAP_SECONDS = 100
    assert all(0 <= outbox.backoff_seconds(1) <= 10 for _ in range(50))
    assert all(0 <= outbox.backoff_seconds(20) <= 100 for _ in range(50))
    assert max(outbox.backoff_seconds(4) for _ in range(200)) > 10


def test_dead_letter_after_the_limit(handler, settings):
    _, behaviour = handler
    settings.OUTBOX_MAX_ATTEMPTS = 3
    behaviour["raise"] = ConnectionError("still down")
    item = enqueue()
    for _ in range(3):
        OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
        outbox.outbox_process(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == "dead"
    assert item.attempts == 3
    assert "gave up after 3 attempts" in item.last_error


def test_permanent_error_is_dead_at_once_with_details(handler):
    _, behaviour = handler
    behaviour["raise"] = outbox.PermanentError("400 from Zaken API", details=[{"name": "zaaktype"}])
    item = enqueue()
    assert outbox.outbox_process(item_id=item.pk) == "dead"
    item.refresh_from_db()
    assert item.attempts == 1
    assert item.last_error == "permanent: 400 from Zaken API\n[{'name': 'zaaktype'}]"


def test_requeue_makes_dead_items_due(handler, django_capture_on_commit_callbacks, monkeypatch):
    _, behaviour = handler
    behaviour["raise"] = outbox.PermanentError("bad config")
    item = enqueue()
    outbox.outbox_process(item_id=item.pk)
    relayed: list[int] = []
    monkeypatch.setattr(tasks.process_outbox_items, "delay", relayed.append)

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_requeue(item_ids=[item.pk]) == 1

    item.refresh_from_db()
    assert (item.state, item.attempts) == ("pending", 0)
    assert relayed == [[item.pk]]
    behaviour["raise"] = None
    assert outbox.outbox_process(item_id=item.pk) == "done"


def test_sweeper_processes_due_items_only(handler):
    calls, _ = handler
    due = enqueue()
    later = enqueue()
    OutboxItem.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))

    assert outbox.outbox_sweep() == 1
    assert calls == [due.pk]


def test_sweeper_releases_items_of_a_vanished_worker(handler, settings):
    calls, _ = handler
    item = enqueue()
    outbox.outbox_claim(item_id=item.pk)
    OutboxItem.objects.filter(pk=item.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS + 1)
    )
    assert outbox.outbox_sweep() == 1
    assert calls == [item.pk]


def test_work_without_a_handler_stays_pending(handler, monkeypatch):
    monkeypatch.delitem(outbox._handlers, "zaak_status")
    item = outbox.outbox_enqueue(handler="zaak_status", aanvraag=None, payload={})
    assert outbox.outbox_sweep() == 0
    assert outbox.outbox_process(item_id=item.pk) is None
    item.refresh_from_db()
    assert (item.state, item.attempts) == ("pending", 0)


def test_one_write_relays_its_items_in_one_message(django_capture_on_commit_callbacks, monkeypatch, handler):
    relayed: list[list[int]] = []
    monkeypatch.setattr(tasks.process_outbox_items, "delay", relayed.append)
    with django_capture_on_commit_callbacks(execute=True):
        items = outbox.outbox_enqueue_many(aanvraag=None, work=[(SOORT, {"n": 1}), (SOORT, {"n": 2})])
    assert relayed == [[i.pk for i in items]]
    assert tasks.process_outbox_items(relayed[0]) == ["done", "done"]


def test_sweep_task_and_prune_task(handler):
    calls, _ = handler
    enqueue()
    assert tasks.sweep_outbox() == 1
    assert tasks.prune_idempotency_records() == 0
    assert len(calls) == 1


def test_retries_ride_out_an_outage_until_the_time_budget_is_spent(handler, settings):
    _, behaviour = handler
    settings.OUTBOX_RETRY_BUDGET_SECONDS = 3600
    behaviour["raise"] = ConnectionError("Zaken API down")
    item = enqueue()
    for _ in range(20):  # far more than a small count of attempts
        OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
        assert outbox.outbox_process(item_id=item.pk) == "pending"

    # An hour after the item was stored, the next failure is the last one.
    OutboxItem.objects.filter(pk=item.pk).update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - timedelta(seconds=3601)
    )
    assert outbox.outbox_process(item_id=item.pk) == "dead"
    item.refresh_from_db()
    assert item.attempts == 21
    assert "gave up after 21 attempts in 36" in item.last_error


def test_the_backoff_is_capped_so_work_resumes_within_minutes(settings):
    # The defaults: an attempt at most 5 minutes after the previous one, however long the outage.
    assert settings.OUTBOX_BACKOFF_CAP_SECONDS == 300
    assert max(outbox.backoff_seconds(30) for _ in range(200)) <= 300


def test_an_item_of_a_killed_worker_on_this_host_is_released_at_the_next_sweep(handler):
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphan, running, elsewhere = enqueue(), enqueue(), enqueue()
    for item in (orphan, running, elsewhere):
        assert outbox.outbox_claim(item_id=item.pk) is not None
    host = socket.gethostname()
    OutboxItem.objects.filter(pk=orphan.pk).update(claimed_by=f"{host}:{gone.pid}")
    OutboxItem.objects.filter(pk=elsewhere.pk).update(claimed_by="another-host:1")
    # `running` keeps the claim of this (living) process, which is running it

    # The sweeper itself releases it and processes it: seconds, not the claim timeout.
    with running_here(running):
        assert outbox.outbox_sweep() == 1

    states = dict(OutboxItem.objects.values_list("pk", "state"))
    assert (states[orphan.pk], states[running.pk], states[elsewhere.pk]) == ("done", "processing", "processing")
    assert outbox.outbox_release_orphans() == 0  # nothing left to release


def test_the_sweeper_leaves_an_item_claimed_a_moment_ago(handler):
    calls, _ = handler
    item = enqueue()
    assert outbox.outbox_claim(item_id=item.pk) is not None  # by this (living) process, just now

    with running_here(item):
        assert outbox.outbox_sweep() == 0

    item.refresh_from_db()
    assert item.state == "processing" and calls == []


@contextlib.contextmanager
def running_here(*items: OutboxItem) -> Iterator[None]:
    """As while `outbox_process` runs these items in this process."""
    outbox._running.update(item.pk for item in items)
    try:
        yield
    finally:
        outbox._running.difference_update(item.pk for item in items)


def test_a_claim_whose_run_was_cut_off_is_released_by_its_own_process(handler, settings):
    """The database went away after the claim: the run ended without writing its result, so the item
    stays claimed by this process, which lives on. Its next sweep puts it back, long before the claim
    timeout; a claim it is still running stays."""
    calls, _ = handler
    cut_off, running = enqueue(), enqueue()
    for item in (cut_off, running):
        assert outbox.outbox_claim(item_id=item.pk) is not None

    with running_here(running):
        assert outbox.outbox_sweep() == 1

    assert calls == [cut_off.pk]
    states = dict(OutboxItem.objects.values_list("pk", "state"))
    assert (states[cut_off.pk], states[running.pk]) == ("done", "processing")
    assert settings.OUTBOX_CLAIM_TIMEOUT_SECONDS >= 600  # what it would have waited otherwise


def test_an_item_cut_off_in_its_run_is_not_counted_as_running(handler, monkeypatch):
    calls, _ = handler
    item = enqueue()

    def database_gone(item: OutboxItem, state: str, error: str) -> None:
        raise OperationalError("the connection is gone")

    monkeypatch.setattr(outbox, "_finish", database_gone)
    with pytest.raises(OperationalError):
        outbox.outbox_process(item_id=item.pk)
    monkeypatch.undo()

    assert calls == [item.pk] and outbox._running == set()
    assert OutboxItem.objects.get(pk=item.pk).state == "processing"
    assert outbox.outbox_release_own_leftovers() == 1
    assert OutboxItem.objects.get(pk=item.pk).state == "pending"


def test_the_backoff_doubles_per_attempt(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS, settings.OUTBOX_BACKOFF_CAP_SECONDS = 10, 10_000
    draws = {n: [outbox.backoff_seconds(n) for _ in range(500)] for n in (1, 2, 4)}
    assert all(0 <= d <= 10 for d in draws[1]) and all(0 <= d <= 20 for d in draws[2])
    assert all(0 <= d <= 80 for d in draws[4])
    assert max(draws[4]) > 60  # 10 * 2**3: a linear backoff (40) would never get here
    assert max(draws[2]) > 10


def test_one_sweep_takes_at_most_its_batch(handler):
    calls, _ = handler
    items = [enqueue() for _ in range(5)]
    assert outbox.outbox_sweep(limit=2) == 2
    assert calls == [items[0].pk, items[1].pk]  # the oldest due first
    assert outbox.outbox_sweep(limit=10) == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_sweepers_skip_what_another_one_holds(handler):
    import threading

    from django.db import connection

    items = [enqueue() for _ in range(4)]
    held, release = threading.Event(), threading.Event()

    def other_sweeper() -> None:
        try:
            with transaction.atomic():
                list(OutboxItem.objects.select_for_update().filter(pk__in=[items[0].pk, items[1].pk]))
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sweeper)
    thread.start()
    assert held.wait(10)
    found: list[list[int]] = []

    def sweep() -> None:
        try:
            found.append(outbox.outbox_due_ids(limit=10))
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    sweeper.join(5)  # without SKIP LOCKED it would wait for the other sweeper's transaction
    blocked = sweeper.is_alive()
    release.set()
    thread.join(10)
    sweeper.join(10)
    assert not blocked, "the sweeper waited for rows another sweeper holds"
    assert found == [[items[2].pk, items[3].pk]]


def test_the_jitter_starts_at_zero(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10
    assert min(outbox.backoff_seconds(1) for _ in range(500)) < 1  # full jitter: from 0, not from 1


def test_an_unregistered_handler_leaves_its_items_pending_and_a_label_names_it(handler):
    calls, _ = handler
    item = enqueue()
    outbox.unregister_handler(SOORT)
    try:
        assert outbox.outbox_process(item_id=item.pk) is None
        assert calls == []
    finally:
        outbox.register_handler(SOORT, outbox._handlers.get(SOORT) or (lambda item: None))
    outbox.register_handler("test_labelled", lambda item: None, label="Iets doen")
    try:
        assert (outbox.handler_label("test_labelled"), outbox.handler_label("onbekend")) == ("Iets doen", "onbekend")
    finally:
        outbox.unregister_handler("test_labelled")


def test_an_item_given_up_calls_the_handlers_on_dead(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    given_up: list[tuple[int, str]] = []

    def fail(item: OutboxItem) -> None:
        raise ConnectionError("down")

    outbox.register_handler("test_dead", fail)
    outbox._on_dead["test_dead"] = lambda item, error: given_up.append((item.pk, error))
    try:
        item = outbox.outbox_enqueue(handler="test_dead", aanvraag=None, payload={})
        assert outbox.outbox_process(item_id=item.pk) == "dead"
    finally:
        outbox.unregister_handler("test_dead")
        outbox._on_dead.pop("test_dead", None)
    assert [(pk, error.startswith("gave up after 1 attempts")) for pk, error in given_up] == [(item.pk, True)]


def test_an_item_without_a_lane_relays_nothing_when_it_finishes(handler, monkeypatch):
    relayed: list[list[int]] = []
    monkeypatch.setattr(outbox, "_relay_hook", [relayed.append])
    first, second = enqueue(), enqueue()
    assert outbox.outbox_process(item_id=first.pk) == "done"
    assert relayed == []  # `second` waits for its own relay or the sweeper, nothing else hands it on
    assert second.lane == ""


def _aged(item: OutboxItem, *, seconds: int, state: str = OutboxItem.State.PENDING, error: str = "") -> OutboxItem:
    created = timezone.now() - timedelta(seconds=seconds)
    OutboxItem.objects.filter(pk=item.pk).update(created_at=created, state=state, last_error=error, attempts=7)
    item.refresh_from_db()
    return item


def test_an_item_open_too_long_is_reported_once_per_check_without_its_error_text(caplog, settings):
    settings.OUTBOX_STUCK_SECONDS = 1800
    stuck = _aged(enqueue(), seconds=7200, error="NotReadyError('Voorziening 999993653 heeft nog geen zaak')")
    busy = _aged(enqueue(), seconds=3600, state=OutboxItem.State.PROCESSING)
    _aged(enqueue(), seconds=600)  # young enough
    _aged(enqueue(), seconds=9000, state=OutboxItem.State.DONE)
    _aged(enqueue(), seconds=9000, state=OutboxItem.State.DEAD)  # given up: the dead list, not this one

    assert set(outbox.outbox_stuck().values_list("pk", flat=True)) == {stuck.pk, busy.pk}
    with caplog.at_level("WARNING", logger="regiekoppeling.outbox"):
        assert tasks.report_stuck_outbox() == 2
    [record] = [r for r in caplog.records if "open longer than" in r.getMessage()]
    message = record.getMessage()
    assert f"item {stuck.pk} ({SOORT})" in message and "2 item(s) open longer than 1800 s" in message
    assert "7 attempt(s)" in message and "999993653" not in message and "NotReady" not in message


def test_nothing_stuck_logs_nothing(caplog):
    enqueue()
    with caplog.at_level("WARNING", logger="regiekoppeling.outbox"):
        assert outbox.outbox_stuck_report() == 0
    assert not [r for r in caplog.records if "open longer than" in r.getMessage()]


def test_the_check_is_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["outbox-stuck"]["task"] == "regiekoppeling.tasks.report_stuck_outbox"
    assert settings.CELERY_BEAT_SCHEDULE["outbox-stuck"]["schedule"] == float(settings.OUTBOX_STUCK_CHECK_SECONDS)
