"""The fan-out pinned where the request-level tests cannot see it (issue 15): it takes the feed lock, so
concurrent fan-outs commit their berichten in id order."""

from __future__ import annotations

import pytest
from django.db import connection

from regiekoppeling.berichten.services import berichten_fan_out
from regiekoppeling.models import OutboxItem

pytestmark = pytest.mark.django_db

FEED_LOCK = "SELECT hashtextextended('regiekoppeling:berichten-feed', 0)"


def feed_lock_held() -> bool:
    """Whether this connection's transaction holds the feed's advisory lock (a bigint key: classid, objid)."""
    with connection.cursor() as cursor:
        cursor.execute(FEED_LOCK)
        key = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
            "AND granted AND classid::bigint = (%s >> 32) & 4294967295 AND objid::bigint = %s & 4294967295",
            [key, key],
        )
        return int(cursor.fetchone()[0]) == 1


def test_the_fan_out_takes_the_feed_lock_for_its_transaction(regie, backoffice, aanvraag):
    assert not feed_lock_held()
    berichten = berichten_fan_out(item=OutboxItem.objects.get(handler="bericht"))
    assert len(berichten) == 2
    # The test runs in one transaction, so a transaction-scoped lock is still held here.
    assert feed_lock_held()
