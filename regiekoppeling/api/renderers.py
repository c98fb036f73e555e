"""A renderer for downloads: the view streams the bytes itself; an error on that route is still
problem+json."""

from __future__ import annotations

import re
from typing import Any

from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework.renderers import BaseRenderer


class BinaryRenderer(BaseRenderer):
    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        # An error answer (problem+json) on a binary endpoint: the same camelCase JSON as everywhere.
        return bytes(CamelCaseJSONRenderer().render(data, accepted_media_type, renderer_context))


def safe_filename(name: str) -> str:
    """A file name for Content-Disposition: no quotes, separators or control characters."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    return cleaned[:200] or "document"
