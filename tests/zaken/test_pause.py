"""A ZGW server that fails is left alone for a while: waiting items do not call it, and do not use up
an attempt, until the pause is over; then the work goes on by itself."""

from __future__ import annotations

import pytest

from regiekoppeling.models import Aanvraag, OutboxItem
from tests.conftest import aanvraag_body, zin_line
from tests.waiting import wait_for
from tests.zaken.conftest import run_outbox

pytestmark = pytest.mark.django_db


def test_calls_pause_after_a_failure_and_resume_when_it_is_over(regie, zgw, reader, sandbox, settings):
    settings.ZGW_PAUSE_BASE_SECONDS, settings.ZGW_PAUSE_AFTER_FAILURES = 1, 1
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    sandbox.add_fault("/zaken/api/v1/zaken", "503", method="POST")

    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]  # the failure: one attempt used
    sent = len(sandbox.requests)

    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]  # during the pause
    item = OutboxItem.objects.get(aanvraag=aanvraag, handler="zaak_registratie")
    assert item.attempts == 1
    assert item.last_error.startswith("wacht: 127.0.0.1:") and "pauze nog" in item.last_error
    assert len(sandbox.requests) == sent  # nothing went out

    assert wait_for(lambda: run_outbox(aanvraag, "zaak_registratie") == ["done"], timeout=10, interval=0.2)
    item.refresh_from_db()
    assert item.attempts == 2
    assert len(reader.zaken()) == 1


def test_every_further_failure_doubles_the_pause_up_to_the_maximum(settings):
    import time

    from django.core.cache import caches

    from zaken import pause

    settings.ZGW_PAUSE_BASE_SECONDS, settings.ZGW_PAUSE_MAX_SECONDS, settings.ZGW_PAUSE_AFTER_FAILURES = 2, 5, 1
    settings.CACHES = {**settings.CACHES, "zgw": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    url = "http://zgw.example:8000/zaken/api/v1/"
    lengths = []
    for _ in range(4):
        pause.note_unavailable(url)
        lengths.append(round(caches["zgw"].get(pause._key(url))["until"] - time.time()))
    assert lengths == [2, 4, 5, 5]
    with pytest.raises(pause.RemotePaused) as info:
        pause.raise_if_paused("http://zgw.example:8000/besluiten/api/v1/besluiten")  # same server
    assert info.value.retry_after is not None and 4 < info.value.retry_after <= 5
    pause.raise_if_paused("http://other.example/zaken/api/v1/")  # another server: no pause
    pause.note_answered(url)
    pause.raise_if_paused(url)  # an answer ends it


def test_the_pause_starts_after_a_run_of_failures_and_an_answer_starts_the_count_again(settings):
    """A server failing one call in ten is up: only failures in a row (ZGW_PAUSE_AFTER_FAILURES, 3 by
    default) pause it; then the pause doubles from the base as before."""
    import time

    from django.core.cache import caches

    from zaken import pause

    assert settings.ZGW_PAUSE_AFTER_FAILURES == 3  # the default
    settings.ZGW_PAUSE_BASE_SECONDS, settings.ZGW_PAUSE_MAX_SECONDS = 2, 60
    settings.CACHES = {**settings.CACHES, "zgw": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    url = "http://zgw.example:8000/zaken/api/v1/"

    pause.note_unavailable(url)
    pause.note_unavailable(url)
    assert pause.raise_if_paused(url) is True  # failed lately, not paused: calls still go out
    pause.note_answered(url)  # an answer: the count starts again
    assert pause.raise_if_paused(url) is False
    pause.note_unavailable(url)
    pause.note_unavailable(url)
    assert pause.raise_if_paused(url) is True
    lengths = []
    for _ in range(3):  # the third failure in a row and the ones after it
        pause.note_unavailable(url)
        lengths.append(round(caches["zgw"].get(pause._key(url))["until"] - time.time()))
    assert lengths == [2, 4, 8]
    with pytest.raises(pause.RemotePaused):
        pause.raise_if_paused(url)
