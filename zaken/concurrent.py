"""Independent remote calls of one unit of work, made at the same time.

A `Remote` is one step split at its HTTP call: the caller has already done the database work that
must come first (the committed attempt marker), `call` only talks HTTP and may run on any thread, and
`store` persists its result in the calling thread. `Calls` runs the calls on a small pool (bounded:
at most ZGW_CALLS_CONCURRENCY per worker process, so per remote service too) and hands each result
to its `store` in the thread that owns the unit of work, so every database write stays on that
thread's connection, in the order the results arrive. A `store` may start further steps (what
depended on the result); a failed call starts nothing that depends on it, but every independent
step still runs to its end and is stored, so a retry finds as much done as possible. The first
failure is raised once nothing is in flight any more.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections

from regiekoppeling import tracecontext

logger = logging.getLogger(__name__)


@dataclass
class Remote[T]:
    call: Callable[[], T]
    store: Callable[[T], None]
    # Runs in the owning thread after the call, whether it succeeded or not (e.g. release a lock).
    finish: Callable[[], None] | None = None
    # Takes the call's failure instead of `Calls.run` raising it: for work that has an owner of its own.
    failed: Callable[[Exception], None] | None = None


def run_now[T](remote: Remote[T] | None) -> None:
    """The sequential form: call and store in this thread."""
    if remote is None:
        return
    try:
        remote.store(remote.call())
    finally:
        if remote.finish is not None:
            remote.finish()


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    # One pool per process, made on first use: a prefork child gets its own (threads do not survive a
    # fork), and its threads keep their HTTP and cache connections from one unit of work to the next.
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            workers = settings.ZGW_CALLS_CONCURRENCY
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zgw-call"))
        return _pool[1]


# How long the owner waits for a call it started to go out (`Calls.start`): long enough for a pool
# thread to prepare and send a request, short enough that a call that never sends does not stall it.
HANDOFF_WAIT_SECONDS = 0.02

_sending = threading.local()


def note_sending() -> None:
    """A client's request is about to go on the wire (called by `clients.ZGWClient.send`): the owner
    waiting for this call (`Calls.start`) goes on."""
    event: threading.Event | None = getattr(_sending, "event", None)
    if event is not None:
        event.set()


def _in_thread[T](trace: tracecontext.Trace, call: Callable[[], T], sending: threading.Event | None = None) -> T:
    _sending.event = sending
    try:
        # The caller's trace (traceparent header) travels with the call. Only the trace: a call run in a
        # copy of the caller's whole context found none of this thread's Django caches there (they live
        # in context variables), so every call built a new Redis client and connection (3 ms idle, over
        # 10 under load, before each request went out).
        with tracecontext.carried(trace):
            return call()
    finally:
        _sending.event = None
        if sending is not None:  # also when the call failed before sending anything
            sending.set()
        # Calls do no database work; should one ever open a connection, it is not left behind.
        connections.close_all()


class Calls:
    """The in-flight calls of one unit of work; use from the thread that owns it."""

    def __init__(self) -> None:
        self._pending: dict[Future[Any], Remote[Any]] = {}
        self.errors: list[BaseException] = []

    def start(self, remote: Remote[Any] | None) -> None:
        """Start `remote`'s call on the pool, and wait (at most HANDOFF_WAIT_SECONDS) until its request is
        on its way. Otherwise the owner, going on with Python work of its own (the next steps' database
        work), keeps the GIL, and the call's thread waits up to the interpreter's switch interval (5 ms)
        before it can send: measured in process, a zaak's POST went out 5.0 ms after it was started,
        1.5 ms with the hand-off; every call of a registration is on some path to its end. Not when the
        pool's threads are all taken: the call waits for one of them, and the owner does not."""
        if remote is None:
            return
        waits = len(self._pending) < settings.ZGW_CALLS_CONCURRENCY
        sending = threading.Event() if waits else None
        self._pending[_executor().submit(_in_thread, tracecontext.current(), remote.call, sending)] = remote
        if sending is not None:
            sending.wait(HANDOFF_WAIT_SECONDS)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def run(self, *, poll: Callable[[], None] | None = None, poll_seconds: float = 0.01) -> None:
        """Until nothing is in flight: store each result as it arrives; `poll` runs every `poll_seconds`
        (not after every result: it competes with the stores for this thread, which is the critical
        path) and may start more. Raises the first failure at the end."""
        polled = time.monotonic()
        while self._pending:
            timeout = max(0.0, polled + poll_seconds - time.monotonic()) if poll else None
            done, _ = wait(list(self._pending), timeout=timeout, return_when=FIRST_COMPLETED)
            # In the order they were started, not the set's: the stores' order does not depend on which
            # of two finished calls the set happens to yield first.
            for future in [future for future in self._pending if future in done]:
                self._settle(future, self._pending.pop(future))
            if any(future.done() for future in self._pending):
                continue  # results first: a store starts what waits for it, the look can wait
            if poll is not None and (not self._pending or time.monotonic() - polled >= poll_seconds):
                # Also once more when the last call is stored: what arrived since the last look goes
                # along (the unit of work would otherwise end without it, up to poll_seconds early).
                polled = time.monotonic()
                self._guard(poll)
        if self.errors:
            raise self.errors[0]

    def _settle(self, future: Future[Any], remote: Remote[Any]) -> None:
        try:
            error = future.exception()
            if error is None:
                self._guard(lambda: remote.store(future.result()))
            elif remote.failed is not None and isinstance(error, Exception):
                self._guard(lambda: remote.failed(error))  # type: ignore[misc]
            else:
                self.errors.append(error)
        finally:
            if remote.finish is not None:
                self._guard(remote.finish)

    def _guard(self, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - kept, and raised by `run` once the independent steps ran
            self.errors.append(exc)
