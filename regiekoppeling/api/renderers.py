"""The renderers: camelCase JSON for every answer, and one for downloads (the view streams the bytes
itself; an error on that route is still problem+json)."""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson
from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case import render
from djangorestframework_camel_case.util import camelize as package_camelize
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


@functools.lru_cache(maxsize=4096)
def _camel_key(key: str) -> str:
    return camelize_re.sub(underscore_to_camel, key) if "_" in key else key


class Camelized(dict[str, Any]):
    """A response body already in camelCase (`representations.py`): rendered as it is."""


class CamelizedList(list[Any]):
    """A list of bodies already in camelCase (a list page of `representations.py`)."""


def camelize(data: Any) -> Any:
    """What djangorestframework-camel-case's `camelize` gives (with no ignored fields, as configured),
    with each key converted once per process instead of by a regex per occurrence: on a page of 100
    aanvragen the package's walk took 30 ms of CPU, this one 5 (bench/README.md, "lists.py")."""
    if type(data) in (Camelized, CamelizedList):
        return data
    if isinstance(data, dict):
        return {_camel_key(force_str(k)) if isinstance(k, str | Promise) else k: camelize(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [camelize(v) for v in data]
    if isinstance(data, str | int | float | bool | None):
        return data
    return package_camelize(data)  # lazy strings, other iterables: the package's own rules


def _shown(data: Any) -> bool:
    """A body of `representations.py`: one object, or a page whose results are such objects."""
    if type(data) is Camelized:
        return True
    return isinstance(data, dict) and type(data.get("results")) is CamelizedList


# What `json.dumps` with DRF's encoder writes for these types, not orjson's own forms.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def _orjson_dumps(data: Any) -> bytes:
    """The bytes DRF's `JSONRenderer` writes (compact, UTF-8, U+2028/U+2029 escaped), by orjson: for a
    page of 100 aanvragen 0.35 ms instead of 4 (bench/README.md, "JSON"). Types orjson does not write
    itself (dates, Decimal, lazy strings) go through DRF's encoder. A float would be written in
    orjson's shortest form (`1e16`, not `1e+16`): these bodies carry none (amounts are integers)."""
    rendered = orjson.dumps(data, default=JSONEncoder().default, option=_ORJSON_OPTIONS)
    for raw, escaped in _LINE_SEPARATORS:
        if raw in rendered:
            rendered = rendered.replace(raw, escaped)
    return rendered


class CamelCaseJSONRenderer(render.CamelCaseJSONRenderer):
    """The package's renderer (what tools recognise) with the faster `camelize`, and orjson for the
    bodies `representations.py` writes (the large ones: list pages)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        data = camelize(data)
        if _shown(data) and self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                return _orjson_dumps(data)
            except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, say; DRF writes it
                pass
        return bytes(JSONRenderer.render(self, data, accepted_media_type, renderer_context))


class BinaryRenderer(BaseRenderer):
    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        # An error answer (problem+json) on a binary endpoint: the same camelCase JSON as everywhere.
        return CamelCaseJSONRenderer().render(data, accepted_media_type, renderer_context)


def safe_filename(name: str) -> str:
    """A file name for Content-Disposition: no quotes, separators or control characters."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    return cleaned[:200] or "document"
