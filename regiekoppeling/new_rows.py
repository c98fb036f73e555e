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
from typing import Any, NamedTuple

from django.db import connection, models

from .models import Applicatie, Gemeente, Product
from .sql_names import column, order_by, quoted, table


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
    fields = _fields(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    columns = ", ".join(quoted(f) for f in fields)
    return (
        f"INSERT INTO {table(model)} ({columns}) "  # noqa: S608 - names from the model, values as parameters
        f"VALUES {', '.join([row] * count)} RETURNING {quoted(model._meta.pk)}"
    )


def rows_insert[M: models.Model](objs: Sequence[M]) -> Sequence[M]:
    """Insert these new instances of one model in one statement, in the current transaction, and
    give each its primary key (as `bulk_create` leaves them); returns them."""
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


class _ProductRead(NamedTuple):
    sql: str
    product_names: list[str]
    gemeente_names: list[str]


@functools.cache
def _product_read() -> _ProductRead:
    """The statement and the attribute names its rows are read into, once per process."""
    through = Applicatie.gemeenten.through
    g_pk = column(Gemeente, "g", "id")
    selected = [f"p.{quoted(f)}" for f in Product._meta.concrete_fields]
    selected += [f"g.{quoted(f)}" for f in Gemeente._meta.concrete_fields]
    sql = (
        f"SELECT {', '.join(selected)} "  # noqa: S608 - names from the models
        f"FROM {table(Product)} p JOIN {table(Gemeente)} g ON {g_pk} = {column(Product, 'p', 'gemeente')} "
        f"WHERE {column(Gemeente, 'g', 'code')} = %s AND {column(Product, 'p', 'wet')} = %s "
        f"AND {column(Product, 'p', 'categorie')} = ANY(%s) AND EXISTS (SELECT 1 FROM {table(through)} ag "
        f"WHERE {column(through, 'ag', 'gemeente')} = {g_pk} AND {column(through, 'ag', 'applicatie')} = %s) "
        f"ORDER BY {order_by(Product, 'p')}"
    )
    return _ProductRead(
        sql,
        [f.attname for f in Product._meta.concrete_fields],
        [f.attname for f in Gemeente._meta.concrete_fields],
    )


def products_named(*, indiener_id: int, gemeente: str, wet: str, categorieen: list[str]) -> list[Product]:
    """Every version of every product of these categorieen in the productenboek (`wet`) of the gemeente
    with this code, when the indiener acts for it; each with its gemeente loaded (one instance for all),
    in the model's ordering. The ORM's `Product.objects.filter(gemeente__code=..., gemeente__applicaties=
    ..., wet=..., categorie__in=...).select_related("gemeente")`, which cost ~2.9 ms of CPU to build and
    compile for its handful of rows (tests hold the two equal)."""
    read = _product_read()
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [gemeente, wet, categorieen, indiener_id])
        rows = cursor.fetchall()
    width = len(read.product_names)
    gemeente_of = Product._meta.get_field("gemeente")
    loaded: Gemeente | None = None
    products = []
    for row in rows:
        product = Product.from_db(connection.alias, read.product_names, row[:width])
        if loaded is None:
            loaded = Gemeente.from_db(connection.alias, read.gemeente_names, row[width:])
        gemeente_of.set_cached_value(product, loaded)  # type: ignore[union-attr]  # as select_related leaves it
        products.append(product)
    return products
