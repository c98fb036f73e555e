"""Pagination of every list: `page` and `pageSize` checked like any other query parameter."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.request import Request

from ..exceptions import InvalidParam
from .exceptions import InvalidQueryParams

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


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "pageSize"
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = "Deze pagina bestaat niet."

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
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Aantal resultaten per pagina (standaard {PAGE_SIZE}, hoogstens {MAX_PAGE_SIZE})."
                )
        return parameters
