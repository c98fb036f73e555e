"""Idempotency-Key semantics (IETF draft-ietf-httpapi-idempotency-key-header):

- a replay of a completed request returns the stored response;
- the same key with another request body is refused (422);
- a retry while the first request is still running is refused (409);
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
            record = IdempotencyRecord.objects.select_for_update().filter(applicatie=applicatie, key=key).first()
            if record is None:
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
    # The first attempt died without finishing: this request takes over.
    record.created_at = timezone.now()
    record.save(update_fields=["created_at"])
    return record, False


def _claim(*, applicatie: Applicatie, key: str, method: str, path: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the key unless it exists; the record when this request inserted it, else None.

    `ON CONFLICT DO NOTHING` and not insert-then-catch-IntegrityError: a failing statement is written to
    the PostgreSQL log with its values, and a replay is a normal event, not an error. One statement in
    autocommit (outside any transaction it commits by itself): no BEGIN and COMMIT around it, and the
    record is built from what was inserted rather than read back."""
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)  # the model's name, no input
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


def idempotency_complete(*, record: IdempotencyRecord, status: int, body: Any, headers: dict[str, str]) -> None:
    """Store the response; call inside the transaction of the business effect."""
    record.state = IdempotencyRecord.State.COMPLETE
    record.response_status = status
    record.response_body = body
    record.response_headers = headers
    record.save(update_fields=["state", "response_status", "response_body", "response_headers"])


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """The request failed: forget the key so a corrected request may use it."""
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS).delete()
