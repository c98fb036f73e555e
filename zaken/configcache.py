"""A gemeente's ZGW-configuratie with its four services, kept per process for a short while.

Every unit of work of the ZGW side starts by reading it, and the registration's first remote call
waits for that read: the row with its four zgw-consumers services (wide rows, turned into five model
instances) cost 2.6-2.9 ms in process, against 0.5 ms for a hit here (with its token's Redis read) (bench/README.md, "registration.py").

A change must not wait for the time to run out where it can be seen: a save or delete of a
configuration or a service empties this process's copies at once, and, once committed, moves a
generation token in the shared "zgw" cache (Redis) that every process compares before using a copy.
So an administrator's change in the admin reaches the workers with their next unit of work. What
bypasses the signals (a queryset `update()`, SQL by hand) is seen after ZGW_CONFIG_CACHE_SECONDS at
the latest. The token cannot be read (Redis away) -> no copy is used. The copies are shared by the
units of work of the process: read them, never change or save them.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from zgw_consumers.models import Service

from .models import ZGWConfig

logger = logging.getLogger(__name__)

_GENERATION_KEY = "configuratie-generatie"
_SERVICES = ("zaken_service", "catalogi_service", "documenten_service", "besluiten_service")

# gemeente id -> (monotonic deadline, generation token it was read under, the configuration)
_kept: dict[int, tuple[float, str, ZGWConfig]] = {}
_lock = threading.Lock()


def _generation() -> str | None:
    """The shared token (made when missing, e.g. after Redis restarted empty); None when unreadable."""
    cache = caches["zgw"]
    try:
        token = cache.get(_GENERATION_KEY)
        if token is None:
            cache.add(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(_GENERATION_KEY)
    except Exception:  # any cache failure means: read the database
        logger.warning("ZGW configuration cache token unreadable; reading the configuration", exc_info=True)
        return None
    return None if token is None else str(token)


def config_of(gemeente_id: int) -> ZGWConfig | None:
    """The gemeente's configuration with its services, or None when it has none (never kept)."""
    seconds = settings.ZGW_CONFIG_CACHE_SECONDS
    token = _generation() if seconds > 0 else None
    now = time.monotonic()
    if token is not None:
        with _lock:
            kept = _kept.get(gemeente_id)
        if kept is not None and kept[0] > now and kept[1] == token:
            return kept[2]
    config = ZGWConfig.objects.select_related(*_SERVICES).filter(gemeente=gemeente_id).first()
    if config is not None and token is not None:
        with _lock:
            _kept[gemeente_id] = (now + seconds, token, config)
    return config


def forget() -> None:
    """Empty this process's copies; other processes' once the change is committed (the token moves)."""
    with _lock:
        _kept.clear()

    def move_token() -> None:
        try:
            caches["zgw"].set(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        except Exception:  # the others see the change after ZGW_CONFIG_CACHE_SECONDS
            logger.warning("ZGW configuration cache token not moved", exc_info=True)

    transaction.on_commit(move_token)


def _changed(sender: Any, **kwargs: Any) -> None:
    forget()


def connect_signals() -> None:
    for model in (ZGWConfig, Service):
        post_save.connect(_changed, sender=model, dispatch_uid=f"configcache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"configcache-delete-{model.__name__}")
