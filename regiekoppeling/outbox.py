"""The transactional outbox: enqueue in the caller's transaction, relay on commit, sweep as the
guarantee, retry with backoff stored in the row, dead-letter after the limit.

The domain publishes events (`outbox_publish`, kinds in `regiekoppeling.events`); the integrations
(`zaken`, `documenten`, `regiekoppeling.berichten`) own the handlers and subscribe them to the kinds
they care about, all in one way: `@handler(name, on=[...])` in the integration's `handlers` module,
which its AppConfig imports when Django is ready. An item stores its handler's name as data, so a new
integration needs no change to the domain. An item whose handler is not registered stays pending: its
work is kept, never dropped, until a handler exists.

The relay (a Celery task, sent on commit) is a hook that `regiekoppeling.apps` installs: the outbox
imports no task module.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .events import Event
from .models import Aanvraag, OutboxItem

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxItem], None]
Relay = Callable[[list[int]], None]
_handlers: dict[str, Handler] = {}
_subscribers: dict[str, list[str]] = {}
_labels: dict[str, str] = {}
_relay_hook: list[Relay] = []


class PermanentError(Exception):
    """The remote side refused the work (a 4xx): retrying the same request cannot help."""

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.details = details


def handler(name: str, *, on: Iterable[str] = (), label: str = "") -> Callable[[Handler], Handler]:
    """Register the decorated function as the outbox handler `name`, run once per item of an event
    of the kinds in `on` (and for items queued by name with `outbox_enqueue`). `label` is what an
    administrator reads for it."""

    def decorate(func: Handler) -> Handler:
        register_handler(name, func, on=on, label=label)
        return func

    return decorate


def register_handler(name: str, func: Handler, *, on: Iterable[str] = (), label: str = "") -> None:
    _handlers[name] = func
    if label:
        _labels[name] = label
    for kind in on:
        names = _subscribers.setdefault(kind, [])
        if name not in names:
            names.append(name)


def unregister_handler(name: str) -> None:
    """Items for `name` stay pending from now on; its subscriptions stay, so no work is lost."""
    _handlers.pop(name, None)


def handled_names() -> list[str]:
    return list(_handlers)


def handler_label(name: str) -> str:
    return _labels.get(name, name)


def subscribers(kind: str) -> list[str]:
    return list(_subscribers.get(kind, ()))


def set_relay(relay: Relay) -> None:
    """Install how items are relayed to the workers on commit (`regiekoppeling.apps` does)."""
    _relay_hook[:] = [relay]


def outbox_publish(*, aanvraag: Aanvraag | None, events: Sequence[Event]) -> list[OutboxItem]:
    """One item per (event, subscribed handler), in the order of the events, in the current
    transaction; relayed in one broker message once it commits."""
    work = [(name, event.payload) for event in events for name in _subscribers.get(event.kind, ())]
    unheard = [event.kind for event in events if not _subscribers.get(event.kind)]
    if unheard:
        logger.debug("no handler subscribes to %s", unheard)
    return outbox_enqueue_many(aanvraag=aanvraag, work=work) if work else []


def outbox_enqueue(*, handler: str, aanvraag: Aanvraag | None, payload: dict[str, Any]) -> OutboxItem:
    """Store work for one handler, by name, in the current transaction; relay it once that commits."""
    item = OutboxItem.objects.create(handler=handler, aanvraag=aanvraag, payload=payload)
    transaction.on_commit(lambda: _relay(item.pk))
    return item


def outbox_enqueue_many(*, aanvraag: Aanvraag | None, work: list[tuple[str, dict[str, Any]]]) -> list[OutboxItem]:
    """Several items (handler name, payload) of one write in one INSERT, relayed in one broker message
    once it commits."""
    items = OutboxItem.objects.bulk_create(
        [OutboxItem(handler=name, aanvraag=aanvraag, payload=payload) for name, payload in work]
    )
    ids = [item.pk for item in items]
    transaction.on_commit(lambda: _relay_many(ids))
    return items


def _relay(item_id: int) -> None:
    _relay_many([item_id])


def _relay_many(item_ids: list[int]) -> None:
    # Fast path only: when the broker is down (or no relay is installed) the sweeper picks them up later.
    if not _relay_hook:
        logger.warning("no outbox relay installed; the sweeper will pick up items %s", item_ids)
        return
    try:
        _relay_hook[0](item_ids)
    except Exception:  # any broker failure only delays the work
        logger.warning("outbox relay of items %s failed; the sweeper will pick them up", item_ids, exc_info=True)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter, capped (attempts counts from 1)."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS * (2 ** (attempts - 1))
    return random.uniform(0, min(settings.OUTBOX_BACKOFF_CAP_SECONDS, base))  # noqa: S311 - jitter, not crypto


def outbox_claim(*, item_id: int) -> OutboxItem | None:
    """Claim a due item with one conditional UPDATE; None when another worker has it or it is not due."""
    now = timezone.now()
    claimed = OutboxItem.objects.filter(
        pk=item_id,
        state=OutboxItem.State.PENDING,
        next_attempt_at__lte=now,
        handler__in=handled_names(),
    ).update(state=OutboxItem.State.PROCESSING, claimed_at=now, attempts=F("attempts") + 1)
    return OutboxItem.objects.get(pk=item_id) if claimed else None


def outbox_process(*, item_id: int) -> str | None:
    """Run the handler of one item; returns the item's state afterwards (None if not claimed)."""
    item = outbox_claim(item_id=item_id)
    if item is None:
        return None
    run = _handlers[item.handler]
    try:
        run(item)
    except PermanentError as exc:
        _finish(item, OutboxItem.State.DEAD, f"permanent: {exc}" + (f"\n{exc.details}" if exc.details else ""))
    except Exception as exc:
        logger.warning("outbox item %s (%s) failed, attempt %s", item.pk, item.handler, item.attempts, exc_info=True)
        if item.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _finish(item, OutboxItem.State.DEAD, f"gave up after {item.attempts} attempts: {exc!r}")
        else:
            item.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(item.attempts))
            _finish(item, OutboxItem.State.PENDING, repr(exc))
    else:
        _finish(item, OutboxItem.State.DONE, "")
    return item.state


def _finish(item: OutboxItem, state: str, error: str) -> None:
    item.state = state
    item.last_error = error
    item.claimed_at = None
    item.save(update_fields=["state", "last_error", "claimed_at", "next_attempt_at", "updated_at"])


def outbox_due_ids(*, limit: int) -> list[int]:
    """Due items, claimed in a short transaction with SKIP LOCKED so parallel sweepers split the work.

    Items whose worker vanished (claimed longer ago than the claim timeout) are released first.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    OutboxItem.objects.filter(state=OutboxItem.State.PROCESSING, claimed_at__lt=stale).update(
        state=OutboxItem.State.PENDING, claimed_at=None
    )
    with transaction.atomic():
        return list(
            OutboxItem.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxItem.State.PENDING, next_attempt_at__lte=now, handler__in=handled_names())
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )


def outbox_sweep(*, limit: int | None = None) -> int:
    """Process every due item; returns how many were processed by this sweep."""
    done = 0
    for item_id in outbox_due_ids(limit=limit or settings.OUTBOX_SWEEP_BATCH):
        if outbox_process(item_id=item_id) is not None:
            done += 1
    return done


@transaction.atomic
def outbox_requeue(*, item_ids: list[int]) -> int:
    """Put dead (or stuck) items back in the queue, due now; used from the admin."""
    items = OutboxItem.objects.filter(Q(pk__in=item_ids) & ~Q(state=OutboxItem.State.DONE))
    ids = list(items.values_list("pk", flat=True))
    items.update(state=OutboxItem.State.PENDING, next_attempt_at=timezone.now(), claimed_at=None, attempts=0)
    for item_id in ids:
        transaction.on_commit(functools.partial(_relay, item_id))
    return len(ids)
