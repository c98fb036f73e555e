"""`new_rows`: the intake's INSERTs and its productenboek read, written once per process, held equal to
what the ORM stores and reads."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any
from unittest import mock

import pytest
from django.db import models, transaction
from django.utils import timezone

from regiekoppeling import new_rows
from regiekoppeling.constants import Rol
from regiekoppeling.models import Aanvraag, Applicatie, OutboxItem, Product, Verwerking, Voorziening
from regiekoppeling.new_rows import products_named, rows_insert

from .conftest import BSN_B, make_applicatie, pgb_line, zin_line

MOMENT = dt.datetime(2027, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)


def stored(model: type[models.Model], pks: list[int]) -> list[dict[str, Any]]:
    rows = model.objects.filter(pk__in=pks).order_by("pk").values()
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def fresh(instances: list[Any]) -> list[Any]:
    """Unsaved copies of stored instances, with new values where they must be unique."""
    copies = []
    for instance in instances:
        new = copy.deepcopy(instance)
        new.pk = None
        new._state.adding = True
        for field in type(new)._meta.concrete_fields:
            if isinstance(field, models.UUIDField) and field.unique:
                setattr(new, field.attname, uuid.uuid4())
        if isinstance(new, Voorziening):
            new.volgnummer += 10  # unique per aanvraag
        copies.append(new)
    return copies


@pytest.fixture
def written(regie, body) -> dict[type[models.Model], list[Any]]:
    """Rows of every model the intake inserts, over their optional values (a PGB line and ZIN lines
    with and without einddatum, betrokkenen, a verwijzer)."""
    budgethouder = {"rol": "budgethouder", "soortRelatie": "14", "bsn": BSN_B, "naam": {"achternaam": "Vries"}}
    verwijzer = {"type": "02", "zorgverlenerscode": "01123456"}
    open_ended = zin_line(
        product={"categorie": "07", "code": "07A01"}, omvang={"volume": 3, "eenheid": "04", "frequentie": "4"}
    )
    del open_ended["einddatum"]
    response = regie.post(
        "/api/v1/aanvragen",
        body(
            zin_line(verwijzer=verwijzer, toelichting="Met spoed"),
            pgb_line(pgb={"bedrag": 99999, "basis": "per_week", "tariefreferentie": "T-1"}),
            open_ended,
            betrokkenen=[budgethouder],
            toelichting="Een toelichting",
        ),
    )
    assert response.status_code == 201, response.json()
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    written: dict[type[models.Model], list[Any]] = {
        Aanvraag: [aanvraag],
        Voorziening: list(aanvraag.voorzieningen.order_by("volgnummer")),
        OutboxItem: list(OutboxItem.objects.filter(aanvraag=aanvraag).order_by("pk")),
        Verwerking: list(Verwerking.objects.filter(aanvraag_uuid=aanvraag.uuid).order_by("pk")),
    }
    assert [len(rows) > 0 for rows in written.values()] == [True] * 4
    assert written[Aanvraag][0].betrokkenen and any(v.pgb_bedrag for v in written[Voorziening])
    assert any(v.einddatum is None for v in written[Voorziening])
    return written


@pytest.mark.django_db
def test_rows_insert_stores_what_bulk_create_stores(written, django_assert_num_queries):
    for model, instances in written.items():
        ours, theirs = fresh(instances), None
        with mock.patch("django.utils.timezone.now", return_value=MOMENT), transaction.atomic():
            theirs = copy.deepcopy(ours)
            keep = transaction.savepoint()
            with django_assert_num_queries(1):
                assert rows_insert(ours) is ours
            got = stored(model, [o.pk for o in ours])
            transaction.savepoint_rollback(keep)
            model.objects.bulk_create(theirs)
            expected = stored(model, [o.pk for o in theirs])
        assert got == expected, model.__name__
        assert len(got) == len(instances)
        # The instances are as bulk_create leaves them: keys in order, saved, the timestamps set.
        assert all(o.pk is not None and not o._state.adding for o in ours)
        assert [o.pk for o in ours] == sorted(o.pk for o in ours)
        for mine, other in zip(ours, theirs, strict=True):
            for field in model._meta.concrete_fields:
                if not field.primary_key:
                    assert getattr(mine, field.attname) == getattr(other, field.attname), field.name


@pytest.mark.django_db
def test_rows_insert_takes_new_rows_of_one_model(written, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rows_insert([]) == []
    with pytest.raises(AssertionError):
        rows_insert(written[Voorziening])  # stored already
    with pytest.raises(AssertionError):
        rows_insert(fresh(written[Voorziening]) + fresh(written[OutboxItem]))
    # A column the database fills (db_default) is not this function's: refused, not silently written.
    field = Voorziening._meta.get_field("toelichting")
    new_rows._fields.cache_clear()
    try:
        with mock.patch.object(field, "has_db_default", return_value=True), pytest.raises(AssertionError):
            rows_insert(fresh(written[Voorziening]))
    finally:
        new_rows._fields.cache_clear()


def orm_products(applicatie: Applicatie, code: str, wet: str, categorieen: list[str]) -> list[Product]:
    return list(
        Product.objects.filter(
            gemeente__code=code, gemeente__applicaties=applicatie, wet=wet, categorie__in=categorieen
        ).select_related("gemeente")
    )


def as_values(product: Product) -> tuple[Any, ...]:
    own = tuple(getattr(product, f.attname) for f in Product._meta.concrete_fields)
    return own + tuple(getattr(product.gemeente, f.attname) for f in type(product.gemeente)._meta.concrete_fields)


@pytest.mark.django_db
def test_products_named_are_the_orms(gemeente, andere_gemeente, regie, django_assert_num_queries):
    # Versions of one product, stored out of order, and a product of the same categorie elsewhere.
    later = Product.objects.get(gemeente=gemeente, wet="WMO", code="02A01")
    Product.objects.filter(pk=later.pk).update(ingangsdatum=dt.date(2027, 1, 1))
    Product.objects.create(
        gemeente=gemeente, wet="WMO", categorie="02", code="02A01", omschrijving="Oud", einddatum=dt.date(2026, 12, 31)
    )
    Product.objects.create(gemeente=andere_gemeente, wet="WMO", categorie="02", code="02A01", omschrijving="Elders")
    beide = make_applicatie("Beide", Rol.REGIE, [gemeente, andere_gemeente], "beide-test").applicatie
    cases = [
        (regie.applicatie, "0363", "WMO", ["02", "07", "01"]),
        (regie.applicatie, "0363", "WMO", ["02"]),
        (regie.applicatie, "0363", "JW", ["45", "40"]),
        (regie.applicatie, "0363", "JW", ["02"]),
        (regie.applicatie, "0599", "WMO", ["02"]),  # does not act for it
        (regie.applicatie, "9999", "WMO", ["02"]),  # no such gemeente
        (beide, "0599", "WMO", ["02"]),
        (beide, "0363", "WMO", ["02", "99"]),
    ]
    for applicatie, code, wet, categorieen in cases:
        with django_assert_num_queries(1):
            ours = products_named(indiener_id=applicatie.pk, gemeente=code, wet=wet, categorieen=categorieen)
            gemeenten = {id(p.gemeente) for p in ours}  # loaded with them: no query
        expected = orm_products(applicatie, code, wet, categorieen)
        assert [as_values(p) for p in ours] == [as_values(p) for p in expected], (code, wet, categorieen)
        assert len(gemeenten) <= 1
        assert all(not p._state.adding and p._state.db == "default" for p in ours)
    assert len(products_named(indiener_id=regie.applicatie.pk, gemeente="0363", wet="WMO", categorieen=["02"])) >= 3
    assert products_named(indiener_id=regie.applicatie.pk, gemeente="0599", wet="WMO", categorieen=["02"]) == []
    assert timezone.is_aware(orm_products(beide, "0599", "WMO", ["02"])[0].gewijzigd_op)
