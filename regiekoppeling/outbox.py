"""The transactional outbox: enqueue in the caller's transaction, relay on commit, sweep as the
guarantee, retry with backoff stored in the row, dead-letter after the limit.

The domain publishes events (`outbox_publish`, kinds in `regiekoppeling.events`); the integrations
(`zaken`, `documenten`, `regiekoppeling.berichten`) own the handlers and subscribe them to the kinds
they care about, all in one way: `@handler(name, on=[...])` in the integration's `handlers` module,
which its AppConfig imports when Django is ready. An item stores its handler's name as data, so a new
integration needs no change to the domain. An item whose handler is not registered stays pending: its
work is kept, never dropped, until a handler exists.

Lanes: a handler registered with `lane="zaak"` gets the lane `zaak:<aanvraag id>` on its items. Items of
one lane are claimed one at a time and in the order they were created, whichever worker tries: an item
is only claimed when no earlier item of its lane is still pending or running (one conditional UPDATE,
so two workers cannot both pass). When an item of a lane finishes, the next one is relayed at once.
Items of different lanes (other aanvragen) run in parallel.

A handler that cannot proceed yet (what it needs is not there) raises `NotReady`: the item waits
`OUTBOX_WAIT_SECONDS` without using up an attempt.

The relay (a Celery task, sent on commit) is a hook that `regiekoppeling.apps` installs: the outbox
imports no task module.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from . import logboek, tracecontext
from .events import Event
from .models import Aanvraag, OutboxItem
from .new_rows import rows_insert

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxItem], None]
Relay = Callable[[list[int]], None]
_handlers: dict[str, Handler] = {}
_subscribers: dict[str, list[str]] = {}
_labels: dict[str, str] = {}
_lanes: dict[str, str] = {}
DeadHook = Callable[[OutboxItem, str], None]
_on_dead: dict[str, DeadHook] = {}
_verwerkingen: dict[str, str] = {}
_relay_hook: list[Relay] = []
# The items this process is running now (several with a threaded pool), to tell its cut-off claims.
_running: set[int] = set()
_running_lock = threading.Lock()


class NotReady(Exception):
    """What the work needs does not exist yet (another item will make it), or the remote side is known
    to be down: wait (`retry_after` seconds, default OUTBOX_WAIT_SECONDS), do not count an attempt."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """The remote side refused the work (a 4xx): retrying the same request cannot help."""

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.details = details


def handler(
    name: str,
    *,
    on: Iterable[str] = (),
    label: str = "",
    lane: str = "",
    on_dead: DeadHook | None = None,
    verwerking: str = "",
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the outbox handler `name`, run once per item of an event
    of the kinds in `on` (and for items queued by name with `outbox_enqueue`). `label` is what an
    administrator reads for it; `lane` orders its items with those of other handlers of the same lane
    and aanvraag; `on_dead(item, error)` runs when an item is given up, so what the parties see can say so;
    `verwerking` (an `Actie`) is what a done item did with the client's data, for the processing log."""

    def decorate(func: Handler) -> Handler:
        register_handler(name, func, on=on, label=label, lane=lane)
        if on_dead is not None:
            _on_dead[name] = on_dead
        if verwerking:
            _verwerkingen[name] = verwerking
        return func

    return decorate


def register_handler(name: str, func: Handler, *, on: Iterable[str] = (), label: str = "", lane: str = "") -> None:
    _handlers[name] = func
    if label:
        _labels[name] = label
    if lane:
        _lanes[name] = lane
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


def set_relay(relay: Relay) -> None:
    """Install how items are relayed to the workers on commit (`regiekoppeling.apps` does)."""
    _relay_hook[:] = [relay]


def outbox_publish(*, aanvraag: Aanvraag | None, events: Sequence[Event]) -> list[OutboxItem]:
    """One item per (event, subscribed handler), in the order of the events, in the current
    transaction; relayed in one broker message once it commits."""
    if aanvraag is not None:
        # Every write of a client's data publishes what it did: the processing log is written here,
        # in the transaction of the write.
        logboek.verwerkingen_log_changes(aanvraag=aanvraag, published=events)
    work = [(name, event.payload) for event in events for name in _subscribers.get(event.kind, ())]
    unheard = [event.kind for event in events if not _subscribers.get(event.kind)]
    if unheard:
        logger.debug("no handler subscribes to %s", unheard)
    return outbox_enqueue_many(aanvraag=aanvraag, work=work) if work else []


def outbox_enqueue(*, handler: str, aanvraag: Aanvraag | None, payload: dict[str, Any]) -> OutboxItem:
    """Store work for one handler, by name, in the current transaction; relay it once that commits."""
    item = OutboxItem.objects.create(
        handler=handler,
        aanvraag=aanvraag,
        payload=payload,
        lane=_lane_of(handler, aanvraag),
        traceparent=tracecontext.current().traceparent,
    )
    transaction.on_commit(lambda: _relay(item.pk))
    return item


def outbox_enqueue_many(*, aanvraag: Aanvraag | None, work: list[tuple[str, dict[str, Any]]]) -> list[OutboxItem]:
    """Several items (handler name, payload) of one write in one INSERT, relayed in one broker message
    once it commits."""
    traceparent = tracecontext.current().traceparent
    items = [
        OutboxItem(
            handler=name, aanvraag=aanvraag, payload=payload, lane=_lane_of(name, aanvraag), traceparent=traceparent
        )
        for name, payload in work
    ]
    rows_insert(items)
    ids = [item.pk for item in items]
    transaction.on_commit(lambda: _relay_many(ids))
    return items


def _lane_of(handler: str, aanvraag: Aanvraag | None) -> str:
    kind = _lanes.get(handler, "")
    return f"{kind}:{aanvraag.pk}" if kind and aanvraag is not None else ""


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


def _behind_in_lane() -> Exists:
    """An earlier item of the same lane is still to do: this one may not be claimed yet."""
    return Exists(
        OutboxItem.objects.filter(
            lane=OuterRef("lane"),
            id__lt=OuterRef("id"),
            state__in=[OutboxItem.State.PENDING, OutboxItem.State.PROCESSING],
        ).exclude(lane="")
    )


_CLAIM = """
    UPDATE {table} AS item
       SET state = %(processing)s, claimed_at = %(now)s, claimed_by = %(me)s, attempts = item.attempts + 1
     WHERE item.id = %(id)s AND item.state = %(pending)s AND item.next_attempt_at <= %(now)s
       AND item.handler = ANY(%(handlers)s)
       AND NOT EXISTS (
           SELECT 1 FROM {table} earlier
            WHERE item.lane <> '' AND earlier.lane = item.lane AND earlier.id < item.id
              AND earlier.state IN (%(pending)s, %(processing)s))
    RETURNING *
"""


def outbox_claim(*, item_id: int) -> OutboxItem | None:
    """Claim a due item with one conditional UPDATE that returns the claimed row; None when another
    worker has it, it is not due, or an earlier item of its lane is still to do (`_behind_in_lane`,
    which the sweep's query uses). One statement: the claim is the first step of every item, before
    the first remote call of a registration (an ORM UPDATE and a SELECT of the row cost 3-4 ms there)."""
    params = {
        "processing": OutboxItem.State.PROCESSING,
        "pending": OutboxItem.State.PENDING,
        "now": timezone.now(),
        "me": _me(),
        "id": item_id,
        "handlers": handled_names(),
    }
    claimed = list(OutboxItem.objects.raw(_CLAIM.format(table=OutboxItem._meta.db_table), params))
    return claimed[0] if claimed else None


def outbox_process(*, item_id: int) -> str | None:
    """Run the handler of one item; returns the item's state afterwards (None if not claimed)."""
    item = outbox_claim(item_id=item_id)
    if item is None:
        return None
    with _running_lock:
        _running.add(item.pk)
    try:
        # The work continues the trace of the request that queued it (a new span per attempt).
        with tracecontext.continued(item.traceparent), logboek.acting(None):
            return _run(item)
    finally:
        with _running_lock:
            _running.discard(item.pk)


def outbox_release_own_leftovers() -> int:
    """Put back the items this process claimed but no longer runs.

    An item whose run was cut off outside its handler (the database went away before the result could
    be written, so `_finish` itself failed) stays claimed by a process that lives on: neither the
    release of dead processes' items nor, for OUTBOX_CLAIM_TIMEOUT_SECONDS, the stale-claim release
    sees it, and its lane waits behind it. Only this process knows it is not running it any more."""
    with _running_lock:
        running = set(_running)
    leftovers = OutboxItem.objects.filter(state=OutboxItem.State.PROCESSING, claimed_by=_me()).exclude(pk__in=running)
    released = leftovers.update(state=OutboxItem.State.PENDING, claimed_at=None, claimed_by="")
    if released:
        logger.warning("%s outbox item(s) claimed by this process were cut off; released", released)
    return released


def _run(item: OutboxItem) -> str:
    run = _handlers[item.handler]
    try:
        run(item)
    except NotReady as exc:
        # Not a failure: the attempt is given back and the item waits for what it needs.
        item.attempts -= 1
        wait = exc.retry_after if exc.retry_after is not None else settings.OUTBOX_WAIT_SECONDS
        item.next_attempt_at = timezone.now() + timedelta(seconds=wait)
        _finish(item, OutboxItem.State.PENDING, f"wacht: {exc}")
        OutboxItem.objects.filter(pk=item.pk).update(attempts=item.attempts)
    except PermanentError as exc:
        _finish(item, OutboxItem.State.DEAD, f"permanent: {exc}" + (f"\n{exc.details}" if exc.details else ""))
    except Exception as exc:
        logger.warning("outbox item %s (%s) failed, attempt %s", item.pk, item.handler, item.attempts, exc_info=True)
        spent = (timezone.now() - item.created_at).total_seconds()
        if item.attempts >= settings.OUTBOX_MAX_ATTEMPTS or spent >= settings.OUTBOX_RETRY_BUDGET_SECONDS:
            _finish(item, OutboxItem.State.DEAD, f"gave up after {item.attempts} attempts in {spent:.0f} s: {exc!r}")
            if item.handler in _on_dead:
                _on_dead[item.handler](item, item.last_error)
        else:
            item.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(item.attempts))
            _finish(item, OutboxItem.State.PENDING, repr(exc))
    else:
        _done(item)
    if item.lane and item.state != OutboxItem.State.PENDING:
        _relay_next_in_lane(item.lane)
    return item.state


def _done(item: OutboxItem) -> None:
    actie = _verwerkingen.get(item.handler)
    if actie is None or item.aanvraag_id is None:
        _finish(item, OutboxItem.State.DONE, "")
        return
    with transaction.atomic():  # the send is logged when, and only when, it is recorded as done
        _finish(item, OutboxItem.State.DONE, "")
        logboek.verwerking_log_send(
            actie=actie, handler=item.handler, aanvraag_id=item.aanvraag_id, payload=item.payload
        )


def _relay_next_in_lane(lane: str) -> None:
    """The lane's next item may have been refused while this one ran: hand it to a worker now."""
    following = (
        OutboxItem.objects.filter(lane=lane, state=OutboxItem.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        _relay_many([following])


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def outbox_release_orphans() -> int:
    """Put back the items claimed by a process of this host that no longer exists (a killed worker)."""
    host = socket.gethostname()
    orphans = [
        pk
        for pk, claimed_by in OutboxItem.objects.filter(
            state=OutboxItem.State.PROCESSING, claimed_by__startswith=f"{host}:"
        ).values_list("pk", "claimed_by")
        if claimed_by.rpartition(":")[2].isdigit() and not _alive(int(claimed_by.rpartition(":")[2]))
    ]
    if not orphans:
        return 0
    logger.warning("outbox items %s were claimed by a process that is gone; released", orphans)
    return OutboxItem.objects.filter(pk__in=orphans, state=OutboxItem.State.PROCESSING).update(
        state=OutboxItem.State.PENDING, claimed_at=None, claimed_by=""
    )


def _finish(item: OutboxItem, state: str, error: str) -> None:
    item.state = state
    item.last_error = error
    item.claimed_at = None
    item.claimed_by = ""
    item.save(update_fields=["state", "last_error", "claimed_at", "claimed_by", "next_attempt_at", "updated_at"])


def outbox_due_ids(*, limit: int) -> list[int]:
    """Due items, claimed in a short transaction with SKIP LOCKED so parallel sweepers split the work.

    Items whose worker vanished are released first: at once when it ran on this host, otherwise once
    they were claimed longer ago than the claim timeout.
    """
    outbox_release_orphans()
    outbox_release_own_leftovers()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    OutboxItem.objects.filter(state=OutboxItem.State.PROCESSING, claimed_at__lt=stale).update(
        state=OutboxItem.State.PENDING, claimed_at=None
    )
    with transaction.atomic():
        return list(
            OutboxItem.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxItem.State.PENDING, next_attempt_at__lte=now, handler__in=handled_names())
            # Only what may be claimed: items waiting behind their lane would fill the batch (the oldest
            # due first) while the heads of their lanes, retried and so due later, never got in.
            .exclude(_behind_in_lane())
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


def outbox_stuck() -> QuerySet[OutboxItem]:
    """Items still open (pending or being processed) OUTBOX_STUCK_SECONDS after they were stored: work
    that keeps failing or waiting (a besluit on a voorziening that has no zaak) short of the retry
    budget that would make it dead."""
    since = timezone.now() - timedelta(seconds=settings.OUTBOX_STUCK_SECONDS)
    open_states = (OutboxItem.State.PENDING, OutboxItem.State.PROCESSING)
    return OutboxItem.objects.filter(state__in=open_states, created_at__lt=since)


def outbox_stuck_report() -> int:
    """One warning naming how many items are stuck and the oldest (id, work, age, attempts), for the
    log's alerting; the number of stuck items. Not its error text: that may quote a remote answer."""
    stuck = outbox_stuck()
    count = stuck.count()
    if count:
        oldest = stuck.order_by("created_at", "id").first()
        assert oldest is not None
        age = (timezone.now() - oldest.created_at).total_seconds()
        logger.warning(
            "outbox: %s item(s) open longer than %s s; the oldest is item %s (%s), %.0f s old, %s attempt(s); "
            "see the admin's outbox list, filter 'open te lang'",
            count, settings.OUTBOX_STUCK_SECONDS, oldest.pk, oldest.handler, age, oldest.attempts,
        )  # fmt: skip
    return count


@transaction.atomic
def outbox_requeue(*, item_ids: list[int]) -> int:
    """Put dead (or stuck) items back in the queue, due now; used from the admin."""
    items = OutboxItem.objects.filter(Q(pk__in=item_ids) & ~Q(state=OutboxItem.State.DONE))
    ids = list(items.values_list("pk", flat=True))
    items.update(state=OutboxItem.State.PENDING, next_attempt_at=timezone.now(), claimed_at=None, attempts=0)
    for item_id in ids:
        transaction.on_commit(functools.partial(_relay, item_id))
    return len(ids)
