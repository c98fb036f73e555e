"""W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` of the work in hand.

Every incoming API request carries one (taken from its `traceparent` header when valid, else started);
work queued in the outbox keeps it (`OutboxItem.traceparent`), so the worker continues the same trace;
every outgoing request (ZGW APIs, webhooks) sends a child of it. The processing log stores the trace id
and span id of each record, so one citizen's processing can be followed across the systems involved.

Only `traceparent` is handled; `tracestate` is vendor data we neither read nor need.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

HEADER = "traceparent"
# version 00: 2 hex version, 32 hex trace id, 16 hex parent id, 2 hex flags; all-zero ids are invalid.
_PATTERN = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True)
class Trace:
    trace_id: str
    span_id: str
    flags: str = "01"

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self) -> Trace:
        """A new span in the same trace (the id an outgoing request or a queued task runs under)."""
        return Trace(self.trace_id, secrets.token_hex(8), self.flags)


_current: ContextVar[Trace | None] = ContextVar("regiekoppeling_trace", default=None)


def parse(value: str | None) -> Trace | None:
    """The trace of a `traceparent` header, or None when it is absent or not valid (then we start one,
    as the recommendation says, rather than refuse the request)."""
    match = _PATTERN.match((value or "").strip().lower())
    if match is None:
        return None
    version, trace_id, span_id, flags = match.groups()
    if version == "ff" or trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return Trace(trace_id, span_id, flags)


def start() -> Trace:
    return Trace(secrets.token_hex(16), secrets.token_hex(8))


def forget() -> None:
    """End the trace in hand: the next `current()` starts a new one (each Celery task runs its own)."""
    _current.set(None)


def current() -> Trace:
    """The trace in hand; outside any request or task a new one (and it becomes the current)."""
    trace = _current.get()
    if trace is None:
        trace = start()
        _current.set(trace)
    return trace


@contextlib.contextmanager
def continued(traceparent: str | None) -> Iterator[Trace]:
    """Run under a new span of the trace in `traceparent` (or a new trace when there is none)."""
    parent = parse(traceparent)
    trace = parent.child() if parent is not None else start()
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


@contextlib.contextmanager
def carried(trace: Trace) -> Iterator[Trace]:
    """Run under `trace`, taken from another thread (a call made on a pool for a unit of work)."""
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


def outgoing() -> dict[str, str]:
    """The header for an outgoing request: a child span of the current trace."""
    return {HEADER: current().child().traceparent}
