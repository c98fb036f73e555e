"""The productenboek in the admin: import (CSV, XLSX) with a preview, bad rows reported by row and
reason with nothing stored, export, the rules on the edit form, and the history of a product."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from regiekoppeling.models import OutboxItem, Product

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/regiekoppeling/product/import/"
HEADER = "gemeente,wet,categorie,code,omschrijving,leveringsvormen,eenheden,frequenties,ingangsdatum,einddatum\n"
GOOD = HEADER + (
    "0363,WMO,02,02C01,Begeleiding licht,ZIN,04,2 4,2027-01-01,\n"
    "0363,JW,45,45C01,Ambulant kort,ZIN PGB,,,2027-01-01,2027-12-31\n"
)
EXPORTED_HEADER = HEADER.strip() + ",onderdelen"  # the export names the onderdelen too
CSV, XLSX = "0", "1"  # the order of ProductAdmin.import_formats


@pytest.fixture
def admin_client(client, gemeente):
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.invalid", "x")
    client.force_login(user)
    return client


def upload(admin_client, content: bytes, name: str = "producten.csv", fmt: str = CSV):
    file = SimpleUploadedFile(name, content)
    return admin_client.post(IMPORT_URL, {"import_file": file, "format": fmt, "resource": "0"})


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_bad_row_is_reported_with_its_row_and_reason_and_nothing_is_stored(admin_client):
    before = Product.objects.count()
    bad = GOOD + "0363,WMO,45,02C02,Verkeerde categorie,ZIN,,,2027-01-01,\n"
    response = upload(admin_client, bad.encode())
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    page = text(response)
    assert "Productcategorie 45 hoort niet bij wet WMO." in page
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [3]
    assert Product.objects.count() == before and OutboxItem.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("0363,WMO,02,02C01,Nog eens,ZIN,,,2027-01-01,\n", "staat meer dan eens in het bestand"),
        ("0363,WMO,02,02A01,Overlapt,ZIN,,,2026-01-01,\n", "geldigheden mogen niet overlappen"),
        ("0363,WMO,02,02C09,Eind voor begin,ZIN,,,2027-01-01,2026-01-01\n", "Einddatum ligt voor de ingangsdatum"),
        ("0363,WMO,02,02C09,Onbekende eenheid,ZIN,77,,2027-01-01,\n", "&#x27;77&#x27; is geen geldige keuze"),
    ],
)
def test_duplicate_overlap_and_bad_values_are_row_errors(admin_client, extra, reason):
    before = Product.objects.count()
    response = upload(admin_client, (GOOD + extra).encode())
    assert reason in text(response)
    assert "confirm_form" not in response.context
    assert Product.objects.count() == before


def test_wrong_delimiter_and_wrong_encoding_are_named(admin_client):
    response = upload(admin_client, GOOD.replace(",", ";").encode())
    page = text(response)
    assert "Kolommen ontbreken: gemeente, wet, categorie" in page and "Is het scheidingsteken een komma?" in page
    latin = GOOD.replace("Begeleiding licht", "Begeleiding één").encode("latin-1")
    assert "Het bestand is geen UTF-8" in text(upload(admin_client, latin))
    assert not Product.objects.filter(code__in=["02C01", "45C01"]).exists()


def test_a_good_import_is_previewed_then_applied_with_history_and_berichten(admin_client):
    preview = upload(admin_client, ("\ufeff" + GOOD).encode())  # with the BOM a spreadsheet writes
    assert "confirm_form" in preview.context, text(preview)[:3000]
    assert [row.import_type for row in preview.context["result"].valid_rows()] == ["new", "new"]
    assert not Product.objects.filter(code="02C01").exists()  # a preview stores nothing
    confirm = preview.context["confirm_form"].initial
    done = admin_client.post("/admin/regiekoppeling/product/process_import/", confirm, follow=True)
    assert done.status_code == 200
    made = Product.objects.get(code="02C01")
    assert (made.leveringsvormen, made.eenheden, made.frequenties) == (["ZIN"], ["04"], ["2", "4"])
    jw = Product.objects.get(code="45C01")
    assert jw.eenheden == ["01", "04", "14", "16", "82", "83", "84"] and str(jw.einddatum) == "2027-12-31"
    assert made.history.get().history_user.username == "beheer"
    assert OutboxItem.objects.filter(handler="bericht", payload__resource="product").count() == 2
    # The same file again changes nothing.
    again = upload(admin_client, GOOD.encode())
    assert [row.import_type for row in again.context["result"].rows] == ["skip", "skip"]


def test_xlsx_import_with_numbers_for_codes(admin_client):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["0363", "WMO", 2, "02D01", "Uit Excel", "ZIN", 4, 2, "2027-01-01", None])
    data = io.BytesIO()
    book.save(data)
    preview = upload(admin_client, data.getvalue(), "producten.xlsx", XLSX)
    assert "confirm_form" in preview.context, text(preview)[:3000]
    admin_client.post("/admin/regiekoppeling/product/process_import/", preview.context["confirm_form"].initial)
    made = Product.objects.get(code="02D01")
    assert (made.categorie, made.eenheden, made.frequenties) == ("02", ["04"], ["2"])


def test_export_as_csv_and_xlsx(admin_client):
    response = admin_client.post(
        "/admin/regiekoppeling/product/export/", {"format": CSV, "resource": "0", **_all_fields(admin_client)}
    )
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == EXPORTED_HEADER
    assert "0363,WMO,02,02A01,Individuele begeleiding,ZIN PGB,01 04 14 16 82 83 84,1 2 4 6,2015-01-01,," in lines
    assert len(lines) == 1 + Product.objects.count()
    xlsx = admin_client.post(
        "/admin/regiekoppeling/product/export/", {"format": XLSX, "resource": "0", **_all_fields(admin_client)}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == EXPORTED_HEADER.split(",")
    assert sheet.max_row == 1 + Product.objects.count()


def _all_fields(admin_client) -> dict[str, str]:
    form = admin_client.get("/admin/regiekoppeling/product/export/").context["form"]
    return {name: "on" for name, field in form.fields.items() if field.widget.input_type == "checkbox"}


def test_the_edit_form_applies_the_rules(admin_client, gemeente):
    product = Product.objects.get(gemeente=gemeente, code="02A01")
    url = f"/admin/regiekoppeling/product/{product.pk}/change/"
    data = {
        "gemeente": gemeente.pk, "wet": "WMO", "categorie": "02", "code": "02A01", "omschrijving": "x",
        "leveringsvormen": ["ZIN"], "eenheden": ["04"], "frequenties": ["2"], "ingangsdatum": "2015-01-01",
        "einddatum": "2014-12-31",
    }  # fmt: skip
    refused = admin_client.post(url, data)
    assert refused.status_code == 200 and "Einddatum ligt voor de ingangsdatum." in text(refused)
    data["einddatum"] = "2027-12-31"
    assert admin_client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.leveringsvormen == ["ZIN"] and str(product.einddatum) == "2027-12-31"
    assert admin_client.get(f"/admin/regiekoppeling/product/{product.pk}/history/").status_code == 200
    assert OutboxItem.objects.filter(handler="bericht", payload__actie="partial_update").count() == 1


def test_onderdelen_of_an_arrangement_are_imported_checked_and_exported(admin_client, gemeente):
    header = HEADER.strip() + ",onderdelen\n"
    row = "0363,WMO,10,10C01,Arrangement thuis,ZIN,,,2027-01-01,,{}\n"
    unknown = upload(admin_client, (header + row.format("02A01 99X99")).encode())
    assert "Onderdeel 99X99 staat niet (geldig op de ingangsdatum) in dit productenboek." in text(unknown)
    no_arrangement = upload(admin_client, (header + "0363,WMO,02,02C05,Geen,ZIN,,,2027-01-01,,02A01\n").encode())
    assert "Alleen een arrangement (categorie 10) heeft onderdelen." in text(no_arrangement)
    assert not Product.objects.filter(code__in=["10C01", "02C05"]).exists()

    preview = upload(admin_client, (header + row.format("02A01 07")).encode())
    assert "confirm_form" in preview.context, text(preview)[:3000]
    admin_client.post("/admin/regiekoppeling/product/process_import/", preview.context["confirm_form"].initial)
    arrangement = Product.objects.get(gemeente=gemeente, code="10C01")
    assert sorted((p.categorie, p.code) for p in arrangement.onderdelen.all()) == [("02", "02A01"), ("07", "")]
    exported = admin_client.post(
        "/admin/regiekoppeling/product/export/", {"format": CSV, "resource": "0", **_all_fields(admin_client)}
    )
    line = next(x for x in exported.content.decode("utf-8-sig").splitlines() if ",10C01," in x)
    assert line.endswith(",2027-01-01,,02A01 07") or line.endswith(",2027-01-01,,07 02A01")


def test_only_a_backoffice_can_be_chosen_as_master_of_the_productenboek(admin_client, gemeente, regie, backoffice):
    form = admin_client.get(f"/admin/regiekoppeling/gemeente/{gemeente.pk}/change/").context["adminform"].form
    assert list(form.fields["productenboek_beheerder"].queryset) == [backoffice.applicatie]
    data = {"code": "0363", "naam": "Amsterdam", "herindicatie_termijn_dagen": "", "productenboek_beheerder": ""}
    data["productenboek_beheerder"] = str(regie.applicatie.pk)
    assert admin_client.post(f"/admin/regiekoppeling/gemeente/{gemeente.pk}/change/", data).status_code == 200
    data["productenboek_beheerder"] = str(backoffice.applicatie.pk)
    assert admin_client.post(f"/admin/regiekoppeling/gemeente/{gemeente.pk}/change/", data).status_code == 302
    gemeente.refresh_from_db()
    assert gemeente.productenboek_beheerder == backoffice.applicatie
