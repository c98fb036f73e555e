"""The renderers: camelCase JSON for every answer, and one for downloads (the view streams the bytes
itself; an error on that route is still problem+json)."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case import render
from djangorestframework_camel_case.util import camelize as package_camelize
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework.renderers import BaseRenderer, JSONRenderer


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


class CamelCaseJSONRenderer(render.CamelCaseJSONRenderer):
    """The package's renderer (what tools recognise) with the faster `camelize`."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return bytes(JSONRenderer.render(self, camelize(data), accepted_media_type, renderer_context))


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
