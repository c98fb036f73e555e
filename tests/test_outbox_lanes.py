"""Lanes: items that write to the zaken of one aanvraag run one at a time and in the order they were
created, whichever worker picks them up; other lanes run in parallel. And `NotReady` waits without
using up an attempt."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from regiekoppeling import outbox
from regiekoppeling.models import Aanvraag, OutboxItem
from tests.conftest import aanvraag_body

LANE = "test"


class Recorder:
    """The handler of the test lane: records the order of runs and how many ran at once per lane."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.order: dict[str, list[int]] = defaultdict(list)
        self.running: dict[str, int] = defaultdict(int)
        self.most_at_once: dict[str, int] = defaultdict(int)
        self.gate: threading.Event | None = None
        self.started = threading.Event()
        self.not_ready = 0

    def __call__(self, item: OutboxItem) -> None:
        with self.lock:
            self.running[item.lane] += 1
            self.most_at_once[item.lane] = max(self.most_at_once[item.lane], self.running[item.lane])
            self.order[item.lane].append(item.payload["n"])
        self.started.set()
        try:
            if self.gate is not None:
                assert self.gate.wait(10), "the test never opened the gate"
            if self.not_ready:
                self.not_ready -= 1
                raise outbox.NotReady("the zaak is not there yet")
        finally:
            with self.lock:
                self.running[item.lane] -= 1


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    handler = Recorder()
    outbox.register_handler("test_lane_a", handler, lane=LANE)
    outbox.register_handler("test_lane_b", handler, lane=LANE)
    outbox.register_handler("test_no_lane", handler)
    yield handler
    for name in ("test_lane_a", "test_lane_b", "test_no_lane"):
        outbox.unregister_handler(name)
        outbox._lanes.pop(name, None)


def aanvraag(regie: Any) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body())
    assert response.status_code == 201, response.content
    return Aanvraag.objects.get(uuid=response.json()["uuid"])


def put(of: Aanvraag, *numbers: int, handler: str = "test_lane_a") -> list[OutboxItem]:
    return [outbox.outbox_enqueue(handler=handler, aanvraag=of, payload={"n": n}) for n in numbers]


@pytest.mark.django_db
def test_items_of_a_lane_handler_carry_the_lane_of_their_aanvraag(recorder: Recorder, regie: Any) -> None:
    of = aanvraag(regie)
    (a,) = put(of, 1)
    (b,) = put(of, 2, handler="test_lane_b")
    (free,) = put(of, 3, handler="test_no_lane")
    assert (a.lane, b.lane, free.lane) == (f"{LANE}:{of.pk}", f"{LANE}:{of.pk}", "")
    # the product's zaak handlers share one lane per aanvraag
    assert set(OutboxItem.objects.filter(handler="zaak_registratie").values_list("lane", flat=True)) == {
        f"zaak:{of.pk}"
    }


@pytest.mark.django_db
def test_a_later_item_waits_for_every_earlier_one_of_its_lane(recorder: Recorder, regie: Any) -> None:
    of = aanvraag(regie)
    first, second = put(of, 1, 2)
    (free,) = put(of, 3, handler="test_no_lane")

    assert outbox.outbox_process(item_id=second.pk) is None  # the first is still pending
    assert outbox.outbox_process(item_id=free.pk) == "done"  # no lane: nothing to wait for
    assert outbox.outbox_process(item_id=first.pk) == "done"
    assert outbox.outbox_process(item_id=second.pk) == "done"
    assert recorder.order[first.lane] == [1, 2]


@pytest.mark.django_db
def test_a_dead_item_does_not_block_its_lane(recorder: Recorder, regie: Any) -> None:
    of = aanvraag(regie)
    first, second = put(of, 1, 2)
    OutboxItem.objects.filter(pk=first.pk).update(state=OutboxItem.State.DEAD)
    assert outbox.outbox_process(item_id=second.pk) == "done"


@pytest.mark.django_db
def test_the_sweeper_reaches_a_lane_head_behind_a_batch_of_waiting_items(recorder: Recorder, regie: Any) -> None:
    """Found by the fault suite: after the relay tasks were lost (Redis restarted), more items waited
    behind their lanes than one sweep takes. Those are due since they were stored, their lanes' heads
    (retried) only later, so a batch of the oldest due items held no head at all, sweep after sweep."""
    lanes = [aanvraag(regie) for _ in range(2)]
    OutboxItem.objects.update(state=OutboxItem.State.DONE)  # the aanvragen's own work is not this test's
    heads = [put(of, 1)[0] for of in lanes]
    for of in lanes:
        put(of, 2, 3)  # waiting behind their head
    # The heads were tried and failed; their retry is due later than the items behind them were stored.
    OutboxItem.objects.filter(pk__in=[h.pk for h in heads]).update(next_attempt_at=timezone.now())
    OutboxItem.objects.exclude(pk__in=[h.pk for h in heads]).filter(lane__startswith=LANE).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )

    assert sorted(outbox.outbox_due_ids(limit=2)) == sorted(h.pk for h in heads)
    assert outbox.outbox_sweep(limit=2) == 2
    assert outbox.outbox_sweep(limit=2) == 2  # the next of each lane (relay hooks are off in tests)
    assert [recorder.order[h.lane] for h in heads] == [[1, 2], [1, 2]]


@pytest.mark.django_db
def test_finishing_an_item_relays_the_next_of_its_lane(recorder: Recorder, regie: Any, monkeypatch: Any) -> None:
    of = aanvraag(regie)
    first, second = put(of, 1, 2)
    relayed: list[list[int]] = []
    monkeypatch.setattr(outbox, "_relay_hook", [relayed.append])

    outbox.outbox_process(item_id=first.pk)

    assert relayed == [[second.pk]]


@pytest.mark.django_db
def test_not_ready_waits_without_using_an_attempt(recorder: Recorder, regie: Any, settings: Any) -> None:
    settings.OUTBOX_WAIT_SECONDS = 0
    of = aanvraag(regie)
    (item,) = put(of, 1)
    recorder.not_ready = 3

    states = [outbox.outbox_process(item_id=item.pk) for _ in range(3)]

    item.refresh_from_db()
    assert states == ["pending", "pending", "pending"]
    assert (item.attempts, item.last_error) == (0, "wacht: the zaak is not there yet")  # what it waits for
    assert outbox.outbox_process(item_id=item.pk) == "done"
    item.refresh_from_db()
    assert item.attempts == 1
    assert item.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_while_an_item_runs_in_one_worker_the_next_is_refused_to_another(recorder: Recorder, regie: Any) -> None:
    of = aanvraag(regie)
    first, second = put(of, 1, 2)
    recorder.gate = threading.Event()
    results: dict[str, str | None] = {}

    def worker() -> None:
        try:
            results["first"] = outbox.outbox_process(item_id=first.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert recorder.started.wait(10)

    assert outbox.outbox_process(item_id=second.pk) is None  # the first is running elsewhere

    recorder.gate.set()
    thread.join(10)
    assert results["first"] == "done"
    assert outbox.outbox_process(item_id=second.pk) == "done"
    assert recorder.order[first.lane] == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_four_workers_keep_every_lane_in_order_and_alone(recorder: Recorder, regie: Any) -> None:
    lanes = [aanvraag(regie) for _ in range(3)]
    expected = {}
    for of in lanes:
        items = put(of, *range(12))
        expected[items[0].lane] = list(range(12))
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait(10)
            for _ in range(200):
                if not OutboxItem.objects.filter(lane__startswith=f"{LANE}:", state="pending").exists():
                    return
                for pk in OutboxItem.objects.filter(lane__startswith=f"{LANE}:", state="pending").values_list(
                    "pk", flat=True
                ):
                    outbox.outbox_process(item_id=pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert dict(recorder.order) == expected
    assert set(recorder.most_at_once.values()) == {1}
    assert not OutboxItem.objects.filter(lane__startswith=f"{LANE}:").exclude(state="done").exists()
