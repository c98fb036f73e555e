"""Waiting for something to happen in another thread or process, with a bound.

`wait_for` is `threading.Event.wait` for a condition that no one sets an event for (a row, a request
in the sandbox's log, a lock another session waits for): the tests write `assert wait_for(...), "what
did not happen"`, as they write `assert event.wait(10), ...`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_SECONDS = 0.01


def wait_for(condition: Callable[[], object], timeout: float, interval: float = POLL_SECONDS) -> bool:
    """True as soon as `condition()` is true; False when it is still false after `timeout` seconds.
    A costly condition (a worker's progress, an HTTP round trip) is looked at every `interval` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)  # the interval between two looks, not a wait for the event
    return True
