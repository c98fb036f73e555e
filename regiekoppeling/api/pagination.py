"""Pagination of the lists: `pageSize` checked like any other query parameter, and two ways to page.

- Page numbers (`page`, with `count`) for the small collections (productenboek, webhooks, ...).
- A keyset cursor (`cursor`, newest first) for the collections that grow with every aanvraag
  (aanvragen, voorzieningen, documenten): a page is `WHERE id < cursor ORDER BY id DESC LIMIT n+1`,
  so a deep page costs what the first does, and no page counts the whole collection (at a million
  voorzieningen the `COUNT(*)` alone cost 170-820 ms per request; issue 13).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..exceptions import InvalidParam
from .exceptions import InvalidQueryParams
from .permissions import caller

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def positive_int_param(request: Request, name: str, *, default: int, maximum: int | None = None) -> int:
    """A query parameter that must be a whole number from 1 up to `maximum`, in ASCII digits, as the
    document says; a 400 naming it otherwise (silently capping would hide a client's mistake)."""
    value = request.query_params.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) < 1 or (maximum is not None and int(value) > maximum):
        reason = "Een geheel getal vanaf 1." if maximum is None else f"Een geheel getal van 1 tot en met {maximum}."
        raise InvalidQueryParams([InvalidParam(name, "invalid", reason)])
    return int(value)


def page_size_parameter(what: str) -> dict[str, Any]:
    return {
        "name": "pageSize",
        "in": "query",
        "required": False,
        "description": f"Aantal {what} per pagina (standaard {PAGE_SIZE}, hoogstens {MAX_PAGE_SIZE}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    }


def cursor_parameter(description: str) -> dict[str, Any]:
    return {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


# --- the opaque cursor ------------------------------------------------------------------------------

_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CURSOR_MAGIC = b"rkc"
_FORWARD, _BACKWARD = b"\x00", b"\x01"


def _cursor_cipher() -> Cipher[modes.ECB]:
    key = hashlib.sha256(b"regiekoppeling cursor\0" + settings.SECRET_KEY.encode()).digest()[:16]
    # One block, deterministic on purpose: the same position gives the same link, and AES of a single
    # block is a keyed permutation, so the block reveals nothing without the key.
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def encode_cursor(position: int, *, reader: int, backwards: bool = False) -> str:
    """A position in the reader's own list or feed, opaque and tied to the reader.

    The position is a global id. In the clear, the gap between two cursors told a reader how many rows
    other parties, other gemeenten included, stored meanwhile (and a bare id of nine digits could pass
    the elfproef and be refused as a BSN in the URL). Encrypted it tells nothing; a cursor of another
    reader is refused like any string the server did not hand out. A new SECRET_KEY makes stored
    cursors invalid (400): the reader starts again from the beginning.
    """
    direction = _BACKWARD if backwards else _FORWARD
    block = _CURSOR_MAGIC + direction + reader.to_bytes(4, "big") + position.to_bytes(8, "big")
    encryptor = _cursor_cipher().encryptor()
    return base64.urlsafe_b64encode(encryptor.update(block) + encryptor.finalize()).decode().rstrip("=")


def decode_cursor(value: str, *, reader: int, backwards_allowed: bool = False) -> tuple[int, bool]:
    """(position, backwards) of a cursor; a 400 naming `cursor` for anything this service did not make
    for this reader."""
    try:
        if not _CURSOR.match(value):
            raise ValueError(value)
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if len(raw) != 16:
            raise ValueError(value)
        decryptor = _cursor_cipher().decryptor()
        block = decryptor.update(raw) + decryptor.finalize()
        direction = block[3:4]
        allowed = (_FORWARD, _BACKWARD) if backwards_allowed else (_FORWARD,)
        if block[:3] != _CURSOR_MAGIC or direction not in allowed or int.from_bytes(block[4:8], "big") != reader:
            raise ValueError(value)
        return int.from_bytes(block[8:], "big"), direction == _BACKWARD
    except (ValueError, binascii.Error):
        reason = "Ongeldige cursor; neem hem over uit de next- of previous-link."
        raise InvalidQueryParams([InvalidParam("cursor", "invalid", reason)]) from None


# --- page numbers -----------------------------------------------------------------------------------


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "pageSize"
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = "Deze pagina bestaat niet."
    query_params = frozenset({"page", "pageSize"})

    def get_page_size(self, request: Request) -> int:
        return positive_int_param(request, "pageSize", default=self.page_size, maximum=self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        return positive_int_param(request, "page", default=1)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # As checked: whole numbers from 1 (a 400 otherwise), pageSize at most its maximum.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {"type": "integer", "minimum": 1}
            if parameter["name"] == self.page_size_query_param:
                parameter.update(page_size_parameter("resultaten"))
        return parameters


# --- the keyset cursor ------------------------------------------------------------------------------


class KeysetPagination(pagination.BasePagination):
    """Newest first (by id: the order in which they were stored), a page at a time through `next` and
    `previous`. Every page is one indexed query of `pageSize + 1` rows, however deep; there is no
    total. A page follows on the row its link was made from, so rows stored meanwhile do not shift
    the pages (they appear when the client starts again without a cursor)."""

    cursor_query_param = "cursor"
    page_size_query_param = "pageSize"
    query_params = frozenset({cursor_query_param, page_size_query_param})

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        size = positive_int_param(request, self.page_size_query_param, default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        self.reader = caller(request).pk
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            position, backwards = None, False
        else:
            position, backwards = decode_cursor(raw, reader=self.reader, backwards_allowed=True)
        if backwards:
            assert position is not None
            rows = list(queryset.filter(pk__gt=position).order_by("pk")[: size + 1])
            self.has_previous, self.has_next = len(rows) > size, True
            rows = rows[:size][::-1]
        else:
            scoped = queryset if position is None else queryset.filter(pk__lt=position)
            rows = list(scoped.order_by("-pk")[: size + 1])
            self.has_previous, self.has_next = position is not None, len(rows) > size
            rows = rows[:size]
        # An empty page after a cursor (its rows deleted meanwhile) links back to the row its cursor
        # was made from: going forward from P, `previous` starts at P; going back from P, `next` does.
        around = (position or 0) + (1 if backwards else -1)
        self.first = rows[0].pk if rows else around
        self.last = rows[-1].pk if rows else around
        return rows

    def _link(self, position: int, *, backwards: bool) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(
            url, self.cursor_query_param, encode_cursor(position, reader=self.reader, backwards=backwards)
        )

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(self.last, backwards=False) if self.has_next else None,
                "previous": self._link(self.first, backwards=True) if self.has_previous else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        example = "https://regiekoppeling.example.nl/api/v1/voorzieningen?cursor=MTIzNDU2"
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "De volgende (oudere) pagina; null op de laatste.", "example": example},
                "previous": {**link, "description": "De vorige (nieuwere) pagina; null op de eerste."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            cursor_parameter(
                "Positie in de lijst (ondoorzichtig): neem hem over uit `next` of `previous`. Zonder: de nieuwste. "
                "Er is geen totaal en geen paginanummer; elke pagina kost even veel, hoe diep ook."
            ),
            page_size_parameter("resultaten"),
        ]
