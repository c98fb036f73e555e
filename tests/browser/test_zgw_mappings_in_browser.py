"""The ZGW mappings in a real browser: a statustype is picked from the choices the gemeente's catalogue
offers (the ZGW sandbox over HTTP), and a mapping that no longer resolves is flagged on the form, by the
check action and on the health page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from regiekoppeling.models import Gemeente
from tests.browser.conftest import screenshot
from tests.browser.test_admin_in_browser import log_in
from zaken.demo import zgw_configure
from zaken.models import StatustypeMapping, ZGWConfig
from zgw_sandbox import Sandbox, start_sandbox

CLIENT_ID = "regiekoppeling-browser"
SECRET = "sandbox-browser-secret-0123456789abcdef"
CATALOGUE = ["Ontvangen", "In behandeling", "In onderzoek", "Besluit genomen", "In levering", "Afgehandeld"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sandbox = start_sandbox(clients={CLIENT_ID: SECRET})
    yield sandbox
    sandbox.stop()


@pytest.fixture
def config(sandbox: Sandbox, live_server: Any, settings: Any) -> ZGWConfig:
    # The live server answers in a thread of this process: a local cache per test, no stale catalogue.
    settings.CACHES = {**settings.CACHES, "zgw": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    sandbox.reset()
    gemeente, _ = Gemeente.objects.get_or_create(code="0363", defaults={"naam": "Amsterdam"})
    return zgw_configure(
        gemeente=gemeente,
        base_url=sandbox.base_url,
        client_id=CLIENT_ID,
        secret=SECRET,
        catalogus=sandbox.seed["catalogus"],
        bronorganisatie=sandbox.seed["rsin"],
    )


def statustype_row(page: Page, zaaktype: str, status: str) -> int:
    """The index of the inline row that maps this state of this zaaktype."""
    total = int(page.input_value("#id_statustypen-TOTAL_FORMS"))
    for index in range(total):
        prefix = f"#id_statustypen-{index}"
        if page.input_value(f"{prefix}-zaaktype") == zaaktype and page.input_value(f"{prefix}-status") == status:
            return index
    raise AssertionError(f"no row for {zaaktype} {status}")


def test_map_a_statustype_by_picking_it_from_the_catalogue(page: Page, superuser: Any, config: ZGWConfig) -> None:
    log_in(page)
    page.goto(f"/admin/zaken/zgwconfig/{config.pk}/change/")
    index = statustype_row(page, "WMO-VOORZIENING", "in_onderzoek")
    select = f"#id_statustypen-{index}-statustype_omschrijving"

    offered = page.locator(f"{select} option").all_text_contents()
    assert offered == ["(geen statuswijziging)", *CATALOGUE]  # read from the Catalogi API, not typed
    assert page.locator("#id_zaaktype_wmo option").all_text_contents() == [
        "JW-VOORZIENING - Jeugdhulpvoorziening",
        "RK-AANVRAAG - Aanvraag maatschappelijke ondersteuning",
        "WMO-VOORZIENING - Wmo-voorziening",
    ]  # published and valid today: the concept zaaktype is not offered
    page.select_option(select, label="Besluit genomen")
    screenshot(page, "zgwconfig-change")
    page.click("input[name=_continue]")
    page.wait_for_load_state()

    assert page.locator(".messagelist .success").count() == 1, page.locator(".errorlist").all_text_contents()
    row = StatustypeMapping.objects.get(config=config, zaaktype="WMO-VOORZIENING", status="in_onderzoek")
    assert row.statustype_omschrijving == "Besluit genomen"


def test_a_bad_mapping_is_flagged(page: Page, superuser: Any, config: ZGWConfig) -> None:
    # Stored before the choices existed (typed), or renamed in the catalogue since.
    StatustypeMapping.objects.filter(config=config, zaaktype="WMO-VOORZIENING", status="in_behandeling").update(
        statustype_omschrijving="In behandelng"
    )
    log_in(page)

    # The list's check action names the problem and links the health page.
    page.goto("/admin/zaken/zgwconfig/")
    page.locator("#result_list tbody tr").first.locator("input.action-select").check()
    page.select_option("select[name=action]", "check_configuration")
    page.click("button[name=index]")
    page.wait_for_load_state()
    error = page.locator(".messagelist .error")
    assert error.count() == 1
    assert "Statustype 'In behandelng' (voor status in_behandeling) bestaat niet" in error.inner_text()

    error.locator("a").click()  # "alle problemen": the health page of this gemeente
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/zaken/zgwconfig/{config.pk}/controle/")
    problems = page.locator("#problems li").all_text_contents()
    assert problems == [
        "Statustype 'In behandelng' (voor status in_behandeling) bestaat niet bij zaaktype WMO-VOORZIENING; "
        "kies een van: Afgehandeld, Besluit genomen, In behandeling, In levering, In onderzoek, Ontvangen."
    ]
    screenshot(page, "zgwconfig-controle")

    # The form shows the stored value as not resolving, and refuses to save it.
    page.goto(f"/admin/zaken/zgwconfig/{config.pk}/change/")
    index = statustype_row(page, "WMO-VOORZIENING", "in_behandeling")
    select = f"#id_statustypen-{index}-statustype_omschrijving"
    assert page.locator(f"{select} option:checked").inner_text() == "In behandelng (bestaat niet in de catalogus)"
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/zaken/zgwconfig/{config.pk}/change/")  # not saved: the form again
    assert (
        "Statustype 'In behandelng' bestaat niet bij zaaktype WMO-VOORZIENING"
        in page.locator("#statustypen-group .errorlist").first.inner_text()
    )
    screenshot(page, "zgwconfig-refused")

    page.select_option(select, label="In behandeling")  # fixed by picking
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert page.locator(".messagelist .success").count() == 1
    page.goto(f"/admin/zaken/zgwconfig/{config.pk}/controle/")
    assert page.locator("#controle-status").inner_text().startswith("De configuratie is in orde")
