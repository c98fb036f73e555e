"""ZGW integration fixtures: a sandbox over real HTTP, the demo gemeente pointed at it, and every
exchange our clients make validated against the official ZGW OpenAPI documents."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.utils import timezone

from regiekoppeling.models import Aanvraag, OutboxItem
from regiekoppeling.outbox import outbox_process
from zaken import catalogus
from zaken.clients import ZGWClient
from zaken.demo import zgw_configure
from zaken.models import ZGWConfig
from zgw_sandbox import Sandbox, start_sandbox
from zgw_sandbox.auth import make_token
from zgw_sandbox.contract import ContractChecker

CLIENT_ID = "regiekoppeling-test"
SECRET = "sandbox-test-secret-0123456789abcdef"
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}


@pytest.fixture(scope="session")
def checker() -> ContractChecker:
    checker = ContractChecker(strict_requests=True)
    checker.warm_up()
    return checker


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    sandbox = start_sandbox(clients={CLIENT_ID: SECRET})
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Sandbox:
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture(autouse=True)
def zgw_cache(settings: Any) -> None:
    # Catalogue lookups are cached; each test starts from a reseeded sandbox.
    settings.CACHES = {**settings.CACHES, "zgw": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def no_pause(settings: Any) -> None:
    # These tests retry at once after an injected fault on purpose; the pause per server that
    # production makes after a failure is tested on its own (test_pause.py).
    settings.ZGW_PAUSE_BASE_SECONDS = 0


@pytest.fixture(autouse=True)
def contract_hook(monkeypatch: pytest.MonkeyPatch, checker: ContractChecker) -> None:
    """Every request our ZGW clients send, and every answer, is checked against the standard."""
    original = ZGWClient.for_service.__func__  # type: ignore[attr-defined]

    def for_service(cls: type[ZGWClient], service: Any) -> ZGWClient:
        client = original(cls, service)
        client.hooks["response"].append(checker.hook)
        return client

    monkeypatch.setattr(ZGWClient, "for_service", classmethod(for_service))


@pytest.fixture
def zgw(sandbox: Sandbox, gemeente: Any) -> ZGWConfig:
    seed = sandbox.seed
    return zgw_configure(
        gemeente=gemeente,
        base_url=sandbox.base_url,
        client_id=CLIENT_ID,
        secret=SECRET,
        catalogus=seed["catalogus"],
        bronorganisatie=seed["rsin"],
    )


class ZgwReader(requests.Session):
    """Reads the sandbox through the ZGW API itself, to check what our service created."""

    def __init__(self, sandbox: Sandbox, checker: ContractChecker) -> None:
        super().__init__()
        self.base_url = sandbox.base_url
        self.headers.update({"Accept": "application/json", **CRS})
        self.hooks["response"].append(checker.hook)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = url.decode() if isinstance(url, bytes) else url
        if url.startswith("/"):
            url = self.base_url + url
        kwargs["headers"] = {"Authorization": f"Bearer {make_token(CLIENT_ID, SECRET)}", **kwargs.get("headers", {})}
        kwargs.setdefault("timeout", 10)
        return super().request(method, url, *args, **kwargs)

    def json(self, url: str, **params: str) -> Any:
        response = self.get(url, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def zaken(self, identificatie_prefix: str = "RK-") -> list[dict[str, Any]]:
        page = self.json("/zaken/api/v1/zaken")
        return [z for z in page["results"] if z["identificatie"].startswith(identificatie_prefix)]


@pytest.fixture
def reader(sandbox: Sandbox, checker: ContractChecker) -> ZgwReader:
    return ZgwReader(sandbox, checker)


def run_outbox(aanvraag: Aanvraag, handler: str) -> list[str | None]:
    """Process the aanvraag's pending items of one handler now (as the worker would once they are due)."""
    items = OutboxItem.objects.filter(aanvraag=aanvraag, handler=handler, state=OutboxItem.State.PENDING)
    items.update(next_attempt_at=timezone.now())
    return [outbox_process(item_id=pk) for pk in items.order_by("id").values_list("pk", flat=True)]


@pytest.fixture
def no_eindstatus_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A zaaktype whose statustypen mark none as eindstatus (as we read them): the last one ends it."""
    real = catalogus.statustypen
    monkeypatch.setattr(
        catalogus,
        "statustypen",
        lambda client, *, zaaktype_url: [
            dataclasses.replace(t, is_eindstatus=False) for t in real(client, zaaktype_url=zaaktype_url)
        ],
    )


def short_timeouts(seconds: int = 1) -> None:
    """Every ZGW service answers within `seconds` or the call gives up. Saved one by one, as the admin
    does: the ZGW configuration kept per process (zaken/configcache.py) learns of it by the signal."""
    from zgw_consumers.models import Service

    for service in Service.objects.all():
        service.timeout = seconds
        service.save(update_fields=["timeout"])
