"""The schema class of every view (DRF's DEFAULT_SCHEMA_CLASS): a module of its own, because DRF
imports it while the views are loaded, before the rest of `schema.py` could be."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import is_list_serializer


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the bounds of a nested list as `minItems`/`maxItems`: DRF's ListSerializer
    refuses more than `max_length` (fewer than `min_length`, an empty list with `allow_empty=False`) with
    a 400, but drf-spectacular leaves them out of the document, so a client could not know them."""

    def _unwrap_list_serializer(self, serializer: Any, direction: Any) -> dict[str, Any] | None:
        schema: dict[str, Any] | None = super()._unwrap_list_serializer(serializer, direction)
        if not schema or not is_list_serializer(serializer) or schema.get("type") != "array":
            return schema
        # The stubs know neither min_length nor max_length of a ListSerializer instance.
        least: int = max(getattr(serializer, "min_length", None) or 0, 0 if serializer.allow_empty else 1)
        most: int | None = getattr(serializer, "max_length", None)
        if least:
            schema["minItems"] = least
        if most is not None:
            schema["maxItems"] = most
        return schema
