"""`zaken.concurrent`: calls on the pool, every store in the owning thread, failures kept until the
independent work is done."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import wait as futures_wait
from functools import partial

import pytest

from zaken import concurrent
from zaken.concurrent import Calls, Remote, run_now


class Boom(Exception):
    pass


def fail() -> str:
    raise Boom("call failed")


def slow(value: str, seconds: float = 0.05) -> str:
    time.sleep(seconds)
    return value


def test_results_are_stored_in_the_owning_thread_and_calls_run_elsewhere() -> None:
    calls, callers = Calls(), []
    stored: list[tuple[str, int]] = []

    def call() -> str:
        callers.append(threading.get_ident())
        return "x"

    calls.start(Remote(call, lambda v: stored.append((v, threading.get_ident()))))
    calls.run()
    assert stored == [("x", threading.get_ident())]
    assert callers != [threading.get_ident()]


def test_a_failed_call_starts_nothing_after_it_but_the_independent_work_is_stored_first() -> None:
    calls, finished = Calls(), []
    stored: list[str] = []

    def after_fail(value: str) -> None:
        calls.start(Remote(lambda: "never", stored.append))

    calls.start(Remote(fail, after_fail, finish=lambda: finished.append("failed one")))
    calls.start(Remote(lambda: slow("first"), lambda v: calls.start(Remote(lambda: slow("second"), stored.append))))
    with pytest.raises(Boom):
        calls.run()
    assert stored == ["second"]  # the chain next to the failure ran to its end
    assert finished == ["failed one"]  # finish runs after a failure too
    assert not calls.busy


def test_the_first_failure_is_raised_and_a_store_that_fails_does_not_stop_the_others() -> None:
    calls = Calls()
    stored: list[str] = []

    def broken_store(value: str) -> None:
        raise Boom(f"store of {value}")

    calls.start(Remote(lambda: "a", broken_store))
    calls.start(Remote(lambda: slow("b"), stored.append))
    with pytest.raises(Boom, match="store of a"):
        calls.run()
    assert stored == ["b"]
    assert len(calls.errors) == 1


def test_a_failure_with_an_owner_goes_to_it_and_is_not_raised() -> None:
    calls = Calls()
    taken: list[Exception] = []
    calls.start(Remote(fail, lambda v: None, failed=taken.append))
    calls.run()
    assert [str(e) for e in taken] == ["call failed"]
    assert calls.errors == []


def test_poll_runs_while_calls_are_in_flight_and_may_start_more() -> None:
    calls, polls = Calls(), []
    stored: list[str] = []

    def poll() -> None:
        polls.append(1)
        if len(polls) == 1:
            calls.start(Remote(lambda: "found by the poll", stored.append))

    calls.start(Remote(lambda: slow("slow", 0.1), stored.append))
    calls.run(poll=poll, poll_seconds=0.01)
    assert sorted(stored) == ["found by the poll", "slow"]
    assert len(polls) >= 2


def test_run_now_stores_and_finishes_in_this_thread() -> None:
    events: list[str] = []
    run_now(Remote(lambda: "v", lambda v: events.append(f"store {v}"), finish=lambda: events.append("finish")))
    with pytest.raises(Boom):
        run_now(Remote(fail, lambda v: events.append("never"), finish=lambda: events.append("finish after failure")))
    run_now(None)
    assert events == ["store v", "finish", "finish after failure"]


# Forking a process whose pool has threads is exactly the case under test (a prefork child).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_one_pool_per_process_and_a_forked_child_makes_its_own() -> None:
    """The pool is kept from one unit of work to the next (its threads keep their connections), and a
    prefork child, whose copy of the pool has no threads, makes a new one instead of waiting on it."""
    pool = concurrent._executor()
    assert concurrent._executor() is pool
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report whether it made a pool of its own, and that the pool runs
        try:
            own = concurrent._executor()
            works = own.submit(lambda: 42).result(timeout=5) == 42
            os.write(write, b"1" if own is not pool and works else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(child, 0)
    os.close(read)
    assert answer == b"1"
    assert concurrent._executor() is pool  # the parent's own is untouched


def test_poll_runs_every_poll_seconds_not_after_every_result() -> None:
    # The poll competes with the stores for the owning thread (the critical path of a registration):
    # quick results in a row do not each bring a poll along.
    calls, polls, stored = Calls(), [], []  # type: tuple[Calls, list[int], list[str]]
    for n in range(5):
        calls.start(Remote(partial(slow, str(n), 0.01 * n), stored.append))
    calls.run(poll=lambda: polls.append(1), poll_seconds=10)
    assert sorted(stored) == ["0", "1", "2", "3", "4"]
    assert polls == [1]  # only the last look, once everything is stored


def test_a_last_poll_after_the_last_result_may_start_more() -> None:
    # What arrived since the last look goes along (a document uploaded while the registration ran),
    # even when the calls end before the next regular poll; the run then waits for it as well.
    calls, polls, stored = Calls(), [], []  # type: tuple[Calls, list[int], list[str]]

    def poll() -> None:
        polls.append(1)
        if len(polls) == 1:
            calls.start(Remote(lambda: "arrived late", stored.append))

    calls.start(Remote(lambda: "quick", stored.append))
    calls.run(poll=poll, poll_seconds=10)
    assert stored == ["quick", "arrived late"]
    assert polls == [1, 1]


def test_a_pool_thread_keeps_its_django_cache_from_call_to_call() -> None:
    # Calls ran in a copy of the caller's context, where a thread's Django caches (context variables)
    # are never found: each call built a new cache client, with a new Redis connection in production.
    from django.core.cache import caches

    seen: list[tuple[int, object]] = []

    def call() -> str:
        seen.append((threading.get_ident(), caches["default"]))
        return "x"

    for _ in range(6):
        calls = Calls()
        calls.start(Remote(call, lambda value: None))
        calls.run()
    per_thread: dict[int, list[object]] = {}
    for thread, cache in seen:
        if not any(cache is known for known in per_thread.setdefault(thread, [])):
            per_thread[thread].append(cache)
    assert all(len(objects) == 1 for objects in per_thread.values()), per_thread


def test_the_callers_trace_goes_with_the_call_and_stays_there() -> None:
    from regiekoppeling import tracecontext

    tracecontext.forget()
    trace = tracecontext.current()
    outside: list[object] = []
    calls = Calls()
    calls.start(Remote(lambda: tracecontext.current(), outside.append))
    calls.start(Remote(lambda: slow("later", 0.01), lambda value: None))
    calls.run()
    assert outside == [trace]
    # The pool thread went back to no trace of its own: the next call there gets the next caller's trace.
    tracecontext.forget()
    second = tracecontext.current()
    calls = Calls()
    calls.start(Remote(lambda: tracecontext.current(), outside.append))
    calls.run()
    assert outside[-1] == second != trace


# --- the hand-off: a call started is on its way before its owner goes on -------------------------


def test_a_started_call_is_on_its_way_before_start_returns() -> None:
    calls, events = Calls(), []
    release = threading.Event()

    def call() -> str:
        time.sleep(0.005)  # preparing the request
        events.append("sending")
        concurrent.note_sending()
        release.wait(5)  # the remote's answer takes long
        return "x"

    calls.start(Remote(call, lambda v: None))
    events.append("owner goes on")
    release.set()
    calls.run()
    assert events == ["sending", "owner goes on"]


def test_when_the_pools_threads_are_all_taken_the_owner_does_not_wait(settings, monkeypatch) -> None:
    settings.ZGW_CALLS_CONCURRENCY = 2
    monkeypatch.setattr(concurrent, "HANDOFF_WAIT_SECONDS", 1.0)  # a wait would show, on a loaded machine too
    calls, events = Calls(), []
    release = threading.Event()

    def call() -> str:
        release.wait(5)
        events.append("sending")
        concurrent.note_sending()
        return "x"

    calls.start(Remote(lambda: str(release.wait(5)), lambda v: None))
    calls.start(Remote(lambda: str(release.wait(5)), lambda v: None))
    began = time.monotonic()
    calls.start(Remote(call, lambda v: None))  # a third: it waits for a thread, its owner goes on
    waited = time.monotonic() - began
    events.append("owner goes on")
    release.set()
    calls.run()
    assert events == ["owner goes on", "sending"]
    assert waited < 0.5


def test_the_owner_waits_for_a_call_no_longer_than_the_hand_off_bound() -> None:
    # A call that never sends (blocked before its request): the owner goes on after the bound.
    calls = Calls()
    release = threading.Event()
    began = time.monotonic()
    calls.start(Remote(lambda: str(release.wait(5)), lambda v: None))
    waited = time.monotonic() - began
    release.set()
    calls.run()
    assert concurrent.HANDOFF_WAIT_SECONDS * 0.9 <= waited < concurrent.HANDOFF_WAIT_SECONDS + 0.5


def test_a_call_that_fails_before_sending_releases_its_owner_at_once(monkeypatch) -> None:
    monkeypatch.setattr(concurrent, "HANDOFF_WAIT_SECONDS", 1.0)  # a wait would show, on a loaded machine too
    calls = Calls()
    began = time.monotonic()
    calls.start(Remote(fail, lambda v: None))
    waited = time.monotonic() - began
    with pytest.raises(Boom):
        calls.run()
    assert waited < 0.5


def test_a_result_that_arrived_meanwhile_is_stored_before_the_next_look() -> None:
    # The look for new documents (the poll) is due, but a result came in while the last one was being
    # stored: its store goes first, since it starts what waits for it (the critical path). No race on
    # the clock: "b" is answered only once "a"'s store has begun, and that store ends only when "b"'s
    # call is done and the look is due.
    calls, events = Calls(), []
    storing = threading.Event()

    def answer_b() -> str:
        assert storing.wait(5)
        return "b"

    def store_slowly(value: str) -> None:
        storing.set()
        done, _ = futures_wait(list(calls._pending), timeout=5)  # "b"'s call, still pending here
        assert len(done) == 1
        time.sleep(0.02)  # the look (every 10 ms) is due
        events.append(value)

    calls.start(Remote(lambda: "a", store_slowly))
    calls.start(Remote(answer_b, events.append))
    calls.run(poll=lambda: events.append("poll"), poll_seconds=0.01)
    assert events[:3] == ["a", "b", "poll"]


def answer_when(go: threading.Event, value: str) -> str:
    assert go.wait(5)
    return value


def test_results_that_finished_together_are_stored_in_the_order_their_calls_were_started() -> None:
    for _ in range(20):  # a set's order would differ between runs
        calls, stored = Calls(), list[str]()
        go = threading.Event()
        for name in "abcd":
            calls.start(Remote(partial(answer_when, go, name), stored.append))
        go.set()
        futures_wait(list(calls._pending), timeout=5)  # all four done before the first look
        calls.run()
        assert stored == list("abcd")
