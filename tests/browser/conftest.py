"""A real headless Chromium (Debian's `chromium`, driven by Playwright) against pytest-django's live server.

Playwright's own browser download is not used: the tests launch the system `chromium` and fail, never
skip, when it is missing. One browser serves a test module; every test gets a fresh context (no
cookies). Each main page visited is saved as `.screenshots/<name>.png` at the repository root (git
ignores it), and the page of a failing test as `.screenshots/FAILED-<test>.png`.
"""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, sync_playwright

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

USERNAME = "beheerder"
PASSWORD = "een-lang-wachtwoord-voor-de-browser"

_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_failed] = True
    return report


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API keeps an asyncio loop running in this thread while it is open,
    and Django refuses database calls under a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The
    tests' own ORM calls are plain synchronous code, so the variable is set for the module's tests only
    (the live server answers in its own thread, without a loop)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "The browser tests need Debian's chromium on PATH: `apt-get install chromium` "
            "(`make test` installs it when run as root). Playwright's own browser download is not used.",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if request.node.stash.get(_failed, False):
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()


@pytest.fixture
def superuser(live_server: Any, settings: Any) -> Any:
    """A superuser in the database the live server reads (live_server makes the test transactional).
    A fast password hasher: the default one costs about half a second per hash, twice per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return get_user_model().objects.create_superuser(USERNAME, "beheerder@example.invalid", PASSWORD)
