"""New rows of the intake's hot path in one INSERT each, the statement written once per process.

`Model.objects.create` and `bulk_create` build and compile their INSERT again for every call: for
an aanvraag with three lines, its two outbox items and its processing-log row that was ~4 ms of an
intake's ~16 ms of CPU (thread CPU, in process, bench/README.md "The intake's writes by hand"),
more than the values it sends. `rows_insert` writes the statement for a model and a row count once
and sends the values as Django prepares them (`pre_save` on add, then `get_db_prep_save`: the
auto_now timestamps, JSON and arrays exactly as the ORM would store them), and sets the primary keys
from `RETURNING`. `tests/test_new_rows.py` holds its rows equal to `bulk_create`'s over every column.

No signals are sent (as with `bulk_create`): nothing subscribes to these models' saves. The models
whose rows go in here have an auto-incremented primary key and no multi-table inheritance.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from .models import Applicatie, Gemeente, Product


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    pk = model._meta.pk
    assert isinstance(pk, models.AutoField), f"{model.__name__}: rows_insert needs an auto-incremented key"
    assert not model._meta.parents, f"{model.__name__}: rows_insert does not write inherited rows"
    fields = tuple(f for f in model._meta.concrete_fields if f is not pk)
    # Values come from the instance: a database default or a generated column would need the ORM.
    assert not any(f.has_db_default() or f.generated for f in fields), f"{model.__name__}: use bulk_create"
    return fields


@functools.cache
def _sql(model: type[models.Model], count: int) -> str:
    quote = connection.ops.quote_name
    fields = _fields(model)
    pk = model._meta.pk
    assert pk is not None
    row = f"({', '.join(['%s'] * len(fields))})"
    columns = ", ".join(quote(f.column) for f in fields)  # type: ignore[arg-type]
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model, values as parameters
        f"VALUES {', '.join([row] * count)} RETURNING {quote(pk.column)}"  # type: ignore[arg-type]
    )


def rows_insert[M: models.Model](objs: Sequence[M]) -> Sequence[M]:
    """Insert these new instances of one model in one statement, in the current transaction, and
    give each its primary key; returns them."""
    if not objs:
        return objs
    model = type(objs[0])
    fields = _fields(model)
    params: list[Any] = []
    for obj in objs:
        assert type(obj) is model and obj.pk is None, "rows_insert takes new instances of one model"
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_sql(model, len(objs)), params)
        keys = cursor.fetchall()
    # PostgreSQL returns the rows of one INSERT ... VALUES in the order of its VALUES.
    for obj, (key,) in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


# --- the productenboek an aanvraag names ----------------------------------------------------------


@functools.cache
def _products_sql() -> str:
    quote = connection.ops.quote_name

    def columns(model: type[models.Model], alias: str) -> list[str]:
        return [f"{alias}.{quote(str(f.column))}" for f in model._meta.concrete_fields]

    def column(model: type[models.Model], alias: str, name: str) -> str:
        return f"{alias}.{quote(str(model._meta.get_field(name).column))}"  # type: ignore[union-attr]

    through = Applicatie.gemeenten.through
    p_gemeente, g_pk = column(Product, "p", "gemeente"), column(Gemeente, "g", "id")
    ordering = ", ".join(column(Product, "p", str(name)) for name in Product._meta.ordering or ())
    return (
        f"SELECT {', '.join(columns(Product, 'p') + columns(Gemeente, 'g'))} "  # noqa: S608 - names from the models
        f"FROM {quote(Product._meta.db_table)} p JOIN {quote(Gemeente._meta.db_table)} g ON {g_pk} = {p_gemeente} "
        f"WHERE {column(Gemeente, 'g', 'code')} = %s AND {column(Product, 'p', 'wet')} = %s "
        f"AND {column(Product, 'p', 'categorie')} = ANY(%s) AND EXISTS (SELECT 1 FROM {quote(through._meta.db_table)} ag "
        f"WHERE {column(through, 'ag', 'gemeente')} = {g_pk} "
        f"AND {column(through, 'ag', 'applicatie')} = %s) "
        f"ORDER BY {ordering}"
    )


def products_named(*, indiener_id: int, gemeente: str, wet: str, categorieen: list[str]) -> list[Product]:
    """Every version of every product of these categorieen in the productenboek (`wet`) of the gemeente
    with this code, when the indiener acts for it; each with its gemeente loaded (one instance for all),
    in the model's ordering. The ORM's `Product.objects.filter(gemeente__code=..., gemeente__applicaties=
    ..., wet=..., categorie__in=...).select_related("gemeente")`, which cost ~2.9 ms of CPU to build and
    compile for its handful of rows (tests hold the two equal)."""
    with connection.cursor() as cursor:
        cursor.execute(_products_sql(), [gemeente, wet, categorieen, indiener_id])
        rows = cursor.fetchall()
    width = len(Product._meta.concrete_fields)
    names = [f.attname for f in Product._meta.concrete_fields]
    gemeente_names = [f.attname for f in Gemeente._meta.concrete_fields]
    cache_field = Product._meta.get_field("gemeente")
    loaded: Gemeente | None = None
    products = []
    for row in rows:
        product = Product.from_db(connection.alias, names, row[:width])
        if loaded is None:
            loaded = Gemeente.from_db(connection.alias, gemeente_names, row[width:])
        cache_field.set_cached_value(product, loaded)  # type: ignore[union-attr]
        products.append(product)
    return products
