"""The scenario player in-process against a live server: pytest-django's `live_server` on the test
database, the ZGW sandbox in this process, and a real Celery worker and beat on the same database,
sharing the private media directory (as `make run` has them).

wsgiref (what `live_server` runs on) is strict about PEP 3333: header values must be plain `str`. That
is how the player found that `Location` headers were DRF `Hyperlink` objects (gunicorn let them pass).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.files.storage import FileSystemStorage

from acceptance import scenarios, zaakhistorie
from regiekoppeling.demo import demo_setup
from regiekoppeling.models import Document, Gemeente, OutboxItem, Voorziening
from tests.conftest import test_database_url
from zaken.demo import zgw_configure
from zgw_sandbox import Sandbox, latency, start_sandbox
from zgw_sandbox.auth import make_token
from zgw_sandbox.contract import ContractChecker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parents[2]
ZGW_CLIENT_ID = "regiekoppeling-scenarios"
ZGW_SECRET = "sandbox-scenarios-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[Sandbox]:
    sandbox = start_sandbox(clients={ZGW_CLIENT_ID: ZGW_SECRET})
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """The module's sandbox without the faults, latency and request log of the test before."""
    for clean in (sandbox_server.clear_faults, sandbox_server.clear_requests):
        clean()
    sandbox_server.set_latency({})
    yield sandbox_server
    sandbox_server.clear_faults()
    sandbox_server.set_latency({})


@pytest.fixture
def demo(transactional_db: None, sandbox: Sandbox, tmp_path: Path) -> dict[str, Any]:
    """`manage.py demo_setup` and the demo gemeente pointed at the sandbox, with its default strategy: an
    arrangement shares one zaak without any configuration."""
    result = demo_setup(data_dir=tmp_path)
    zgw_configure(
        gemeente=Gemeente.objects.get(code="0363"),
        base_url=sandbox.base_url,
        client_id=ZGW_CLIENT_ID,
        secret=ZGW_SECRET,
        catalogus=sandbox.seed["catalogus"],
        bronorganisatie=sandbox.seed["rsin"],
    )
    return result


@pytest.fixture(autouse=True)
def public_url(live_server: Any, settings: Any) -> str:
    """Links in answers are built from API_PUBLIC_URL: here, the live server (the player follows them)."""
    settings.API_PUBLIC_URL = f"{live_server.url}/api/v1"
    return str(settings.API_PUBLIC_URL)


@pytest.fixture
def background(
    transactional_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, public_url: str
) -> Iterator[list[subprocess.Popen[str]]]:
    """A Celery worker and beat on the test database; the live server in this process stores
    uploads in the same private media directory the worker reads them from."""
    media = tmp_path / "private-media"
    media.mkdir()
    monkeypatch.setattr(Document._meta.get_field("inhoud"), "storage", FileSystemStorage(location=str(media)))
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "ALLOW_DEV_SECRET": "1",
        "API_PUBLIC_URL": public_url,
        "PRIVATE_MEDIA_ROOT": str(media),
        "ZGW_CACHE_BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        # Retries (a besluit before its zaak, say) come round in seconds, not minutes.
        "OUTBOX_SWEEP_INTERVAL_SECONDS": "1",
        "OUTBOX_BACKOFF_BASE_SECONDS": "1",
        "OUTBOX_BACKOFF_CAP_SECONDS": "2",
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    # Two worker processes, as `make run` has them: items of one zaak may land in either.
    procs = [
        subprocess.Popen(
            [*celery, "worker", "--pool=prefork", "-c", "2", "-l", "WARNING"], cwd=REPO, env=env, text=True
        ),
        subprocess.Popen(
            [*celery, "beat", "-l", "WARNING", "-s", str(tmp_path / "celerybeat-schedule")],
            cwd=REPO,
            env=env,
            text=True,
        ),
    ]
    yield procs
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(20)


def zaken_are_valid(sandbox: Sandbox) -> list[str]:
    """Every zaak the service recorded exists in the sandbox, read and checked against the official
    Zaken API document; returns their identificaties."""
    checker = ContractChecker(strict_requests=True)
    session = requests.Session()
    session.hooks["response"].append(checker.hook)
    headers = {
        "Authorization": f"Bearer {make_token(ZGW_CLIENT_ID, ZGW_SECRET)}",
        "Accept-Crs": "EPSG:4326",
        "Content-Crs": "EPSG:4326",
    }
    identificaties = []
    for url, identificatie in set(
        Voorziening.objects.exclude(zaak_url="").values_list("zaak_url", "zaak_identificatie")
    ):
        response = session.get(url, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        assert response.json()["identificatie"] == identificatie
        identificaties.append(identificatie)
    return identificaties


def player_config(live_server: Any, demo: dict[str, Any]) -> scenarios.Config:
    secrets = {a["clientId"]: a["secret"] for a in demo["applicaties"]}
    return scenarios.Config(
        base_url=f"{live_server.url}/api/v1",
        regie=scenarios.Party("demo-regie", secrets["demo-regie"]),
        backoffice=scenarios.Party("demo-backoffice", secrets["demo-backoffice"]),
        arrangement_zaak="shared",
        timeout=60,
    )


def test_a_create_answers_201_on_a_pep3333_server(live_server: Any, demo: dict[str, Any]) -> None:
    config = player_config(live_server, demo)
    regie = scenarios.Api(config, config.regie, "regie")
    dates = scenarios.Dates.from_today()
    body = {
        "gemeente": "0363",
        "wet": "WMO",
        "client": scenarios.client("999990007", "Jansen"),
        "voorzieningen": [scenarios.zin_line(dates, ("02", "02A01"))],
    }
    key = str(uuid.uuid4())

    first = regie.post("/aanvragen", body, key=key)

    assert first.status_code == 201, first.text
    assert first.headers["Location"] == first.json()["url"]


def wait_until_the_outbox_is_drained(timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while OutboxItem.objects.filter(state__in=["pending", "processing"]).exists():
        left = list(OutboxItem.objects.filter(state__in=["pending", "processing"]).values("handler", "last_error"))
        assert time.monotonic() < deadline, f"outbox not drained after {timeout:.0f} s: {left}"
        time.sleep(0.5)


@pytest.mark.parametrize("faults", [False, True], ids=["no-faults", "20pct-faults"])
def test_every_scenario_passes_against_a_live_server(
    live_server: Any,
    demo: dict[str, Any],
    background: list[subprocess.Popen[str]],
    sandbox: Sandbox,
    faults: bool,
) -> None:
    config = player_config(live_server, demo)
    sandbox.set_latency(latency.OPEN_ZAAK)  # as slow as Open Zaak, so that races would show
    if faults:
        # One write in five fails: half answer 500, half are stored but their answer is lost.
        sandbox.add_fault("/*", "500", method="POST", rate=0.1, seed=1)
        sandbox.add_fault("/*", "reset_after_commit", method="POST", rate=0.1, seed=2)
    # Each scenario also fails when one of its zaken is wrong in the ZGW APIs, not only on the API.
    zaak_check = zaakhistorie.scenario_check(config, zaakhistorie.Zgw(ZGW_CLIENT_ID, ZGW_SECRET), timeout=60)

    results = scenarios.play(config, progress=print, zaak_check=zaak_check)

    table = scenarios.format_table(results)
    print(table)
    assert all(p.poll() is None for p in background), "the worker or beat died during the run"
    assert not scenarios.failed(results), table
    outcomes = {r.code: r.outcome for r in results}
    # S9 included: the productenboek sync is played, not skipped.
    assert all(outcome == "ok" for outcome in outcomes.values()), table
    assert len(results) == 9 and all(r.steps >= 3 for r in results), table
    # What the worker sent to the ZGW APIs was accepted (a 5xx or a lost answer is a fault we injected).
    refused = [r for r in sandbox.requests if r["status"] is not None and 400 <= r["status"] < 500]
    assert not refused, refused[:3]
    if faults:
        assert any(r["status"] == 500 for r in sandbox.requests), "no fault was injected"
    assert len(zaken_are_valid(sandbox)) >= 8
    # Every zaak's whole history, read back from the ZGW APIs once the workers are done.
    wait_until_the_outbox_is_drained()
    assert not OutboxItem.objects.filter(state="dead").exists()
    findings = zaakhistorie.check(config, zaakhistorie.Zgw(ZGW_CLIENT_ID, ZGW_SECRET))
    report = zaakhistorie.format_findings(findings)
    print(report)
    assert len(findings) >= 8 and not [f for f in findings if f.problems], report
