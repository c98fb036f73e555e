"""Serializers built once per thread and reused, for the hot write path (`POST /aanvragen`).

A DRF serializer deep-copies its declared fields the first time `.fields` is read, and a
ModelSerializer introspects its model again, recursively for every nested serializer: for an aanvraag
with 3 lines that was about a fifth of the request's Python time (bench/README.md, intake). Validating
and representing keep no state in the field tree (the data flows through arguments and return values);
the one thing per call is the root's context, set before each validation. One tree per thread, so the threads
of a gthread worker never share one.

Only for serializers whose fields do not depend on the context or constructor arguments.
"""

from __future__ import annotations

import threading
from typing import Any

from rest_framework import serializers

_local = threading.local()


def _prototype(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    cache: dict[type[serializers.Serializer], serializers.Serializer] = _local.__dict__.setdefault("serializers", {})
    prototype = cache.get(serializer_class)
    if prototype is None:
        prototype = cache[serializer_class] = serializer_class()
        prototype.fields  # noqa: B018 - builds the field tree once, here
    return prototype


def validated(serializer_class: type[serializers.Serializer], data: Any) -> Any:
    """What `serializer_class(data=data)` validates to; raises the ValidationError that
    `is_valid(raise_exception=True)` raises (the same detail)."""
    prototype = _prototype(serializer_class)
    prototype._context = {}
    try:
        return prototype.run_validation(data)
    except serializers.ValidationError:
        pass
    # Refused: a fresh serializer says why, exactly as before (the rare path may cost what it did).
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def item_represented(serializer_class: type[serializers.Serializer], instance: Any) -> Any:
    """What `serializer_class(instance).data` gives, for a serializer that needs no context (nested
    items of a hand-written representation: `representations.py`)."""
    return _prototype(serializer_class).to_representation(instance)
