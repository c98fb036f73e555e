"""The productenboek in a real browser: import a file with one bad row and read the error, then a good
import through its preview, then an export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from regiekoppeling.demo import products_load
from regiekoppeling.models import Gemeente, Product
from tests.browser.conftest import screenshot
from tests.browser.test_admin_in_browser import log_in

HEADER = "gemeente,wet,categorie,code,omschrijving,leveringsvormen,eenheden,frequenties,ingangsdatum,einddatum\n"
GOOD = HEADER + "0363,WMO,02,02C01,Begeleiding licht,ZIN,04,2 4,2027-01-01,\n"
BAD = GOOD + "0363,WMO,45,02C02,Verkeerde categorie,ZIN,,,2027-01-01,\n"


@pytest.fixture
def gemeente(live_server: Any) -> Gemeente:
    gemeente = Gemeente.objects.create(code="0363", naam="Amsterdam")
    products_load(gemeente=gemeente)
    return gemeente


def choose_file(page: Page, path: Path) -> None:
    page.goto("/admin/regiekoppeling/product/import/")
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="csv")
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_import_with_a_bad_row_then_a_good_one_then_export(
    page: Page, superuser: Any, gemeente: Gemeente, tmp_path: Path
) -> None:
    log_in(page)
    before = Product.objects.count()

    bad = tmp_path / "producten-fout.csv"
    bad.write_text(BAD, encoding="utf-8")
    choose_file(page, bad)
    rows = page.locator("tr:has(.validation-error-count)")
    assert rows.count() == 1
    assert rows.first.locator("td").first.inner_text().strip() == "2"  # the second row of data
    page.hover(".validation-error-count")  # the reason shows when the pointer is on the row's error count
    reason = page.locator(".validation-error-container").first
    reason.wait_for(state="visible")
    assert "categorie" in reason.inner_text() and "Productcategorie 45 hoort niet bij wet WMO." in reason.inner_text()
    screenshot(page, "productenboek-import-fout")
    assert page.locator("input[name=import_file_name]").count() == 0  # no confirm button
    assert Product.objects.count() == before

    good = tmp_path / "producten.csv"
    good.write_text(GOOD, encoding="utf-8")
    choose_file(page, good)
    screenshot(page, "productenboek-import-preview")
    assert "Begeleiding licht" in page.locator("body").inner_text()
    assert Product.objects.count() == before  # the preview stores nothing
    page.click("form input[type=submit][name=confirm], form:has(input[name=import_file_name]) [type=submit]")
    page.wait_for_load_state()
    assert Product.objects.filter(gemeente=gemeente, code="02C01", leveringsvormen=["ZIN"]).count() == 1
    assert page.locator(".messagelist .success").count() == 1
    screenshot(page, "productenboek-na-import")

    page.goto("/admin/regiekoppeling/product/export/")
    page.select_option("#id_format", label="csv")
    with page.expect_download() as download_info:
        page.click("form input[type=submit]")
    exported = Path(download_info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert exported[0] == HEADER.strip() + ",onderdelen"
    assert "0363,WMO,02,02C01,Begeleiding licht,ZIN,04,2 4,2027-01-01,," in exported
    assert len(exported) == 1 + Product.objects.count()
