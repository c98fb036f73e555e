"""Aanvragen are checked against the productenboek of their gemeente and wet: a product of that
gemeente, valid on the line's ingangsdatum, with an allowed leveringsvorm, eenheid and frequentie."""

from __future__ import annotations

import datetime as dt

import pytest

from regiekoppeling.demo import products_load
from regiekoppeling.models import Product, Voorziening
from tests.api.test_bad_input import assert_refused
from tests.conftest import aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db


def reasons(body: dict) -> dict[str, tuple[str, str]]:
    return {p["name"]: (p["code"], p["reason"]) for p in body["invalidParams"]}


def next_version(gemeente, code: str, start: dt.date) -> Product:
    """End the current version of a WMO product the day before `start` and add the next one."""
    current = Product.objects.get(gemeente=gemeente, code=code)
    Product.objects.filter(pk=current.pk).update(einddatum=start - dt.timedelta(days=1))
    return Product.objects.create(
        gemeente=gemeente, wet="WMO", categorie=current.categorie, code=code, omschrijving="Nieuw", ingangsdatum=start
    )


def test_a_product_of_another_gemeente_is_unknown_here(regie, gemeente, andere_gemeente):
    Product.objects.create(gemeente=andere_gemeente, wet="WMO", categorie="02", code="02R01", omschrijving="Elders")
    body = assert_refused(
        regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(product={"categorie": "02", "code": "02R01"}))),
        "voorzieningen.0.product.code",
    )
    code, reason = reasons(body)["voorzieningen.0.product.code"]
    assert code == "onbekend"
    assert "productenboek van gemeente 0363 (WMO)" in reason


def test_an_expired_product_is_refused_with_its_validity(regie, gemeente):
    Product.objects.filter(gemeente=gemeente, code="02A01").update(einddatum=dt.date(2026, 12, 31))
    body = assert_refused(regie.post("/api/v1/aanvragen", aanvraag_body()), "voorzieningen.0.product.code")
    code, reason = reasons(body)["voorzieningen.0.product.code"]
    assert code == "niet_geldig"
    assert "op 2027-01-01 niet geldig" in reason and "2015-01-01 t/m 2026-12-31" in reason


def test_a_product_not_yet_valid_is_refused(regie, gemeente):
    Product.objects.filter(gemeente=gemeente, categorie="01", code="").update(ingangsdatum=dt.date(2027, 2, 1))
    body = assert_refused(
        regie.post("/api/v1/aanvragen", aanvraag_body(pgb_line())), "voorzieningen.0.product.categorie"
    )
    assert reasons(body)["voorzieningen.0.product.categorie"][0] == "niet_geldig"


def test_the_version_valid_on_the_ingangsdatum_is_used(regie, gemeente):
    nieuw = next_version(gemeente, "02A01", dt.date(2027, 4, 1))
    body = aanvraag_body(zin_line(ingangsdatum="2027-04-01"))
    response = regie.post("/api/v1/aanvragen", body)
    assert response.status_code == 201, response.content
    assert Voorziening.objects.get().product == nieuw
    assert response.json()["voorzieningen"][0]["product"]["omschrijving"] == "Nieuw"


def test_leveringsvorm_eenheid_and_frequentie_must_be_allowed(regie, gemeente):
    Product.objects.filter(gemeente=gemeente, code="02A01").update(
        leveringsvormen=["PGB"], eenheden=["01"], frequenties=["4"]
    )
    body = assert_refused(
        regie.post("/api/v1/aanvragen", aanvraag_body()),
        "voorzieningen.0.leveringsvorm",
        "voorzieningen.0.omvang.eenheid",
        "voorzieningen.0.omvang.frequentie",
    )
    found = reasons(body)
    assert found["voorzieningen.0.leveringsvorm"] == (
        "niet_in_productenboek",
        "Leveringsvorm ZIN is niet toegestaan voor product 02A01 (wel: PGB).",
    )
    assert found["voorzieningen.0.omvang.eenheid"][1] == "Eenheid 04 is niet toegestaan voor product 02A01 (wel: 01)."
    assert found["voorzieningen.0.omvang.frequentie"][0] == "niet_in_productenboek"


def test_an_arrangement_with_onderdelen_takes_only_those(regie, gemeente):
    arrangement = Product.objects.get(gemeente=gemeente, code="10A01")
    arrangement.onderdelen.set(Product.objects.filter(gemeente=gemeente, code__in=["02A01", "07A01"]))
    lines = [zin_line(), zin_line(product={"categorie": "03", "code": "03A01"})]
    body = aanvraag_body(*lines, isArrangement=True, arrangementProduct={"categorie": "10", "code": "10A01"})
    refused = assert_refused(regie.post("/api/v1/aanvragen", body), "voorzieningen.1.product")
    assert reasons(refused) == {
        "voorzieningen.1.product": ("niet_in_arrangement", "Product 03A01 is geen onderdeel van arrangement 10A01.")
    }
    lines[1] = zin_line(product={"categorie": "07", "code": "07A01"})
    body = aanvraag_body(*lines, isArrangement=True, arrangementProduct={"categorie": "10", "code": "10A01"})
    assert regie.post("/api/v1/aanvragen", body).status_code == 201


def test_seed_is_per_gemeente_and_idempotent(gemeente, andere_gemeente):
    assert products_load(gemeente=andere_gemeente) == 18 + 24 + 15
    assert products_load(gemeente=andere_gemeente) == 0
    assert Product.objects.filter(gemeente=gemeente).count() == Product.objects.filter(gemeente=andere_gemeente).count()
    hbh = Product.objects.get(gemeente=gemeente, code="01A01")
    assert hbh.leveringsvormen == ["ZIN", "PGB"] and hbh.einddatum is None
    assert hbh.ingangsdatum == dt.date(2015, 1, 1)
    assert [h.history_type for h in hbh.history.all()] == ["+"]
    # A second version of a seeded product: seeding again adds nothing and does not trip over the two.
    next_version(gemeente, "01A01", dt.date(2027, 1, 1))
    assert products_load(gemeente=gemeente) == 0
