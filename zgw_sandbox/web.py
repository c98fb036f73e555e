"""Request/response types, routing and the response conventions shared by the four APIs.

Conventions copied from the Open Zaak 1.30 samples:
- JSON responses (errors included) carry `API-version`; the file download and a 304 do not.
- Paginated lists use `count/next/previous/results` with 100 items a page; `next` and `previous` are
  rebuilt the way DRF does (query parameters sorted, `page` dropped for page 1).
- Detail GET/HEAD carry an `ETag` (md5 of the representation without `_expand`); `If-None-Match` with
  that tag, strong or weak, gives a 304 with no body.
- Unknown query parameters on a list are a 400 `unknown-parameters`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import errors

if TYPE_CHECKING:
    from .store import Store

API_VERSIONS = {
    "zaken": "1.5.1",
    "catalogi": "1.3.1",
    "documenten": "1.4.2",
    "besluiten": "1.1.0",
    "notificaties": "1.0.0",
}
PAGE_SIZE = 100
JSON = "application/json"


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Message | Mapping[str, str]  # the server passes http.client.HTTPMessage: case-insensitive
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def params(self) -> dict[str, str]:
        return dict(self.query)

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise errors.parse_error(f"JSON parse error - {exc}") from exc


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    data: Any = None  # the JSON body, kept for the request log
    api_version: bool = True
    notifications: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Ctx:
    """What a handler may use: the store and the sandbox settings that tests can change."""

    store: Store
    chunk_size: int
    # The clients with Open Zaak's scope `zaken.heropenen` (none unless a test gives it).
    heropenen: set[str] = field(default_factory=set)
    # Per request: requests are handled concurrently, each in its own thread.
    request: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def client_id(self) -> str:
        """The client of the request this thread is handling."""
        return str(getattr(self.request, "client_id", ""))

    @client_id.setter
    def client_id(self, value: str) -> None:
        self.request.client_id = value

    @property
    def base_url(self) -> str:
        return self.store.base_url


Handler = Callable[..., Response]


@dataclass
class Route:
    api: str
    pattern: re.Pattern[str]
    methods: dict[str, Handler]
    crs: bool = False  # the Zaken API's /zaken resource negotiates Accept-Crs/Content-Crs


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, api: str, path: str, *, crs: bool = False, **methods: Handler) -> None:
        regex = path.replace("{uuid}", "(?P<uid>[0-9a-fA-F-]{36})")
        self.routes.append(Route(api, re.compile(f"^/{api}/api/v1{regex}/?$"), methods, crs))

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def json_response(data: Any, status: int = 200, *, location: str | None = None, etag: str | None = None) -> Response:
    headers = {"Content-Type": JSON}
    if location:
        headers["Location"] = location
    if etag:
        headers["ETag"] = etag
    return Response(status, headers, dumps(data), data)


def created(data: dict[str, Any], notification: dict[str, Any] | None = None) -> Response:
    response = json_response(data, 201, location=data["url"])
    if notification:
        response.notifications.append(notification)
    return response


def no_content(notification: dict[str, Any] | None = None) -> Response:
    response = Response(204)
    if notification:
        response.notifications.append(notification)
    return response


def etag_of(data: Mapping[str, Any]) -> str:
    without_expand = {k: v for k, v in data.items() if k != "_expand"}
    digest = hashlib.md5(dumps(without_expand), usedforsecurity=False).hexdigest()
    return f'"{digest}"'


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return etag in tags


def detail(req: Request, data: dict[str, Any], *, etag_data: Mapping[str, Any] | None = None) -> Response:
    """A detail GET/HEAD with ETag and conditional GET (304 carries only the ETag, like the sample)."""
    etag = etag_of(etag_data if etag_data is not None else data)
    condition = req.header("If-None-Match")
    if condition and _matches(condition, etag):
        return Response(304, {"ETag": etag}, api_version=False)
    return json_response(data, etag=etag)


def read_handler(collection: str) -> Handler:
    """GET/HEAD of one record by uuid, with ETag."""

    def handler(ctx: Ctx, req: Request, uid: str) -> Response:
        record = ctx.store.get(collection, uid)
        if record is None:
            raise errors.not_found()
        return detail(req, REPRESENTERS[collection](ctx.store, record))

    return handler


def check_query(req: Request, allowed: set[str]) -> None:
    unknown = [name for name, _ in req.query if name not in allowed]
    if unknown:
        names = ", ".join(dict.fromkeys(unknown))
        raise errors.invalid("nonFieldErrors", "unknown-parameters", f"Onbekende query parameters: {names}")


def _page_link(base: str, req: Request, page: int | None) -> str:
    params: dict[str, list[str]] = {}
    for name, value in req.query:
        params.setdefault(name, []).append(value)
    params.pop("page", None)
    if page is not None:
        params["page"] = [str(page)]
    query = urlencode(sorted(params.items()), doseq=True)
    return f"{base}{req.path}" + (f"?{query}" if query else "")


def paginate(
    ctx: Ctx,
    req: Request,
    items: list[Any],
    render: Callable[[Any], Any] | None = None,
    page_size: int = PAGE_SIZE,
) -> Response:
    """One page of `items`; `render` turns the records of that page (only) into representations."""
    raw = req.params().get("page", "1")
    pages = max(1, math.ceil(len(items) / page_size))
    try:
        page = int(raw)
    except ValueError:
        raise errors.page_not_found() from None
    if page < 1 or page > pages:
        raise errors.page_not_found()
    start = (page - 1) * page_size
    data = {
        "count": len(items),
        "next": _page_link(ctx.base_url, req, page + 1) if page < pages else None,
        "previous": (_page_link(ctx.base_url, req, None if page == 2 else page - 1) if page > 1 else None),
        "results": [render(item) if render else item for item in items[start : start + page_size]],
    }
    return json_response(data)


def error_response(exc: errors.ApiError, base_url: str) -> Response:
    body = exc.body(base_url)
    return Response(exc.status, {"Content-Type": JSON, **exc.extra_headers}, dumps(body), body)


def ordered(keys: Sequence[str], *sources: Mapping[str, Any]) -> dict[str, Any]:
    """Build a representation with the key order of the Open Zaak samples; later sources win."""
    result: dict[str, Any] = {}
    for key in keys:
        for source in reversed(sources):
            if key in source:
                result[key] = source[key]
                break
    return result


# --- representations and query parameters -------------------------------------------------------

Representer = Callable[["Store", dict[str, Any]], dict[str, Any]]
REPRESENTERS: dict[str, Representer] = {}  # collection -> record to API representation


def represent(store: Store, collection: str, record: dict[str, Any]) -> dict[str, Any]:
    return REPRESENTERS[collection](store, record)


_URL_PARAM = re.compile(r"^https?://[^\s/]+(/\S*)?$")


def url_param(req: Request, name: str) -> str | None:
    value = req.params().get(name)
    if value is None or value == "":
        return None
    if not _URL_PARAM.match(value):
        raise errors.invalid(name, "invalid", "Voer een geldige URL in.")
    return value


def choice_param(req: Request, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    value = req.params().get(name) or default
    if value is not None and value not in choices:
        raise errors.invalid(name, "invalid_choice", f"Selecteer een geldige keuze. {value} is geen beschikbare keuze.")
    return value


def date_param(req: Request, name: str) -> str | None:
    value = req.params().get(name)
    if not value:
        return None
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        raise errors.invalid(name, "invalid", "Voer een geldige datum in.")
    return value


def bool_param(req: Request, name: str) -> bool | None:
    value = req.params().get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise errors.invalid(name, "invalid", "Selecteer een geldige keuze.")
