"""Idempotency-Key semantics (IETF draft-ietf-httpapi-idempotency-key-header):

- a replay of a completed request returns the stored response;
- the same key with another request body is refused (422);
- a retry while the first request is still running is refused (409);
- a retry after the first request died (its process killed, or its database connection lost so that
  it could not even release the key) takes over at once, not after a timeout.

"Still running" is a row lock: the request holds its record `FOR UPDATE` in the transaction of its
business effect (`idempotency_hold`), so the lock ends exactly when that transaction does, however it
ends. Only the moment between the claim (committed on its own, so that concurrent duplicates see it)
and that lock is bridged by time: an unlocked claim younger than IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS
still counts as running.
- only successful responses are stored: a refused request may be corrected and sent again.

Keys are scoped to the calling application, so one client can never read another's result.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from .models import Applicatie, IdempotencyRecord


class IdempotencyConflict(Exception):
    """The first request with this key is still being processed."""


class IdempotencyMismatch(Exception):
    """The key was used before for a different request."""


def fingerprint(*, method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_begin(
    *, applicatie: Applicatie, key: str, method: str, path: str, fingerprint: str
) -> tuple[IdempotencyRecord, bool]:
    """Claim the key (committed at once, so concurrent duplicates see it). Returns (record, is_replay)."""
    while True:
        claimed = _claim(applicatie=applicatie, key=key, method=method, path=path, fingerprint=fingerprint)
        if claimed is not None:
            return claimed, False
        with transaction.atomic():
            same_key = IdempotencyRecord.objects.filter(applicatie=applicatie, key=key)
            record = same_key.select_for_update(skip_locked=True).first()
            if record is None:
                if same_key.exists():
                    raise IdempotencyConflict()  # its request holds the lock: still running
                continue  # released by its failed first request between our two statements: claim again
            return _existing(record=record, method=method, path=path, fingerprint=fingerprint)


def _existing(*, record: IdempotencyRecord, method: str, path: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    if record.fingerprint != fingerprint or record.path != path or record.method != method:
        raise IdempotencyMismatch()
    if record.state == IdempotencyRecord.State.COMPLETE:
        return record, True
    stale = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_TIMEOUT_SECONDS)
    if record.created_at > stale:
        raise IdempotencyConflict()
    # Nobody holds it, and its claim is not from a moment ago: the first attempt died without
    # finishing (or releasing the key). This request takes over.
    record.created_at = timezone.now()
    record.save(update_fields=["created_at"])
    return record, False


def _table() -> str:
    return str(connection.ops.quote_name(IdempotencyRecord._meta.db_table))  # the model's name, no input


def _claim(*, applicatie: Applicatie, key: str, method: str, path: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the key unless it exists; the record when this request inserted it, else None.

    `ON CONFLICT DO NOTHING` and not insert-then-catch-IntegrityError: a failing statement is written to
    the PostgreSQL log with its values, and a replay is a normal event, not an error. One statement in
    autocommit (outside any transaction it commits by itself): no BEGIN and COMMIT around it, and the
    record is built from what was inserted rather than read back."""
    table = _table()
    state, created_at = IdempotencyRecord.State.IN_PROGRESS, timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (applicatie_id, key, method, path, fingerprint, state, response_headers, created_at)"  # noqa: S608
            " VALUES (%s, %s, %s, %s, %s, %s, '{}'::jsonb, %s)"
            " ON CONFLICT (applicatie_id, key) DO NOTHING RETURNING id",
            [applicatie.pk, key, method, path, fingerprint, state, created_at],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    record = IdempotencyRecord(
        pk=int(row[0]),
        applicatie=applicatie,
        key=key,
        method=method,
        path=path,
        fingerprint=fingerprint,
        state=state,
        response_headers={},
        created_at=created_at,
    )
    record._state.adding = False  # it is stored: a save() updates it
    record._state.db = connection.alias
    return record


def idempotency_hold(*, record: IdempotencyRecord) -> None:
    """Mark the request as running for as long as the caller's transaction lasts (call it first in the
    transaction of the business effect). IdempotencyConflict when another request took the key over
    in the meantime (this one was taken for dead between its claim and now)."""
    # One statement as written, not through the ORM: it runs on every POST (bench/README.md, intake).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {_table()} WHERE id = %s AND state = %s AND created_at = %s FOR UPDATE",  # noqa: S608
            [record.pk, IdempotencyRecord.State.IN_PROGRESS, record.created_at],
        )
        held = cursor.fetchone() is not None
    if not held:
        raise IdempotencyConflict()


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: Any, headers: dict[str, str]) -> None:
    """Store the response; call inside the transaction of the business effect."""
    record.state = IdempotencyRecord.State.COMPLETE
    record.response_status = status
    record.response_body = body
    record.response_headers = headers
    values: list[Any] = [record.state, status, None if body is None else Jsonb(body), Jsonb(headers), record.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET state = %s, response_status = %s, response_body = %s, response_headers = %s"  # noqa: S608
            " WHERE id = %s",
            values,
        )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """The request failed: forget the key so a corrected request may use it."""
    # Only our own claim: a retry that took the key over has set a new created_at.
    IdempotencyRecord.objects.filter(
        pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS, created_at=record.created_at
    ).delete()
