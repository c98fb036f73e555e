"""A pause per remote server while it is down, so that a hundred waiting items do not each hammer it.

When a ZGW server does not answer usefully (5xx, timeout, broken connection) ZGW_PAUSE_AFTER_FAILURES
times in a row, calls to that server (scheme and host: the four APIs of one Open Zaak go down together)
pause for a while that doubles with every further failure, from ZGW_PAUSE_BASE_SECONDS up to
ZGW_PAUSE_MAX_SECONDS. A call during the pause does not go out: it raises `RemotePaused`, an
`outbox.NotReady`, so the item waits until the pause ends without using up an attempt. The first answer
below 500 ends the pause and forgets the failures. The state lives in the `zgw` cache (Redis in
production), shared by every worker process.

Why a run of failures and not the first one: a server that fails one call in ten (the fault suite's
10 % of errors) is up; pausing everything for every single failure kept it paused most of the time,
while a failed call's own item already retries with its backoff. A server that is down fails every
call, so the pause starts after a few.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches

from regiekoppeling.outbox import NotReady


class RemotePaused(NotReady):
    """The remote server failed just now: this call waits for the pause to end."""


def _key(url: str) -> str:
    parts = urlsplit(url)
    return "zgw-pause:" + hashlib.sha256(f"{parts.scheme}://{parts.netloc}".encode()).hexdigest()[:32]


def raise_if_paused(url: str) -> bool:
    """Raise `RemotePaused` during a pause; otherwise True when the server failed lately (so that its
    next answer ends that), False when all is well. One cache read per call."""
    if settings.ZGW_PAUSE_BASE_SECONDS <= 0:
        return False
    state = caches["zgw"].get(_key(url))
    if not state:
        return False
    if state["until"] > time.time():
        left = state["until"] - time.time()
        raise RemotePaused(
            f"{urlsplit(url).netloc} gaf {state['failures']}x geen antwoord; pauze nog {left:.0f} s", retry_after=left
        )
    return True


def note_unavailable(url: str) -> None:
    if settings.ZGW_PAUSE_BASE_SECONDS <= 0:
        return
    cache = caches["zgw"]
    failures = (cache.get(_key(url)) or {"failures": 0})["failures"] + 1
    beyond = failures - max(1, settings.ZGW_PAUSE_AFTER_FAILURES)
    pause = 0.0 if beyond < 0 else min(settings.ZGW_PAUSE_MAX_SECONDS, settings.ZGW_PAUSE_BASE_SECONDS * 2**beyond)
    cache.set(
        _key(url), {"failures": failures, "until": time.time() + pause}, timeout=settings.ZGW_PAUSE_MAX_SECONDS * 4
    )


def note_answered(url: str) -> None:
    """The server answered: its failures are forgotten (call only when `raise_if_paused` said it had some)."""
    caches["zgw"].delete(_key(url))
