"""New rows of the intake's hot path in one INSERT each, the statement written once per process.

`Model.objects.create` and `bulk_create` build and compile their INSERT again for every call: for
an aanvraag with three lines, its two outbox items and its processing-log row that was ~4 ms of an
intake's ~16 ms of CPU (thread CPU, in process, bench/README.md "The intake's writes by hand"),
more than the values it sends. `rows_insert` writes the statement for a model once and takes the
values as Django prepares them (`pre_save` on add, then `get_db_prep_save`: the auto_now timestamps
and JSON exactly as the ORM would store them), and sets the primary keys from `RETURNING`.

The rows go as one JSON parameter that PostgreSQL turns into the table's rows
(`jsonb_populate_recordset`): quoting ~100 parameters one by one in Python (psycopg's client-side
binding, which Django uses) cost more than the statement (a 3-row INSERT of lines 720-890 us, as JSON
380-540 us). Only for models whose fields all have an exact JSON form (text, integers, booleans, dates,
timestamps, decimals as text, uuids, JSON as its own text); any other model, or a value of another
type, goes as parameters of an `INSERT ... VALUES`. `tests/test_new_rows.py` holds both ways' rows
equal to `bulk_create`'s over every column.

No signals are sent (as with `bulk_create`): nothing subscribes to these models' saves. The models
whose rows go in here have an auto-incremented primary key and no multi-table inheritance.
"""

from __future__ import annotations

import decimal
import functools
import json
from collections.abc import Sequence
from typing import Any

import orjson
from django.db import connection, models
from psycopg.types.json import Jsonb

from .models import Applicatie, Gemeente, Product


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    pk = model._meta.pk
    assert isinstance(pk, models.AutoField), f"{model.__name__}: rows_insert needs an auto-incremented key"
    assert not model._meta.parents, f"{model.__name__}: rows_insert does not write inherited rows"
    return tuple(f for f in model._meta.concrete_fields if f is not pk)


def _names(model: type[models.Model]) -> tuple[str, str, str]:
    """The table, its columns (without the key) and the key's column, quoted."""
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    columns = ", ".join(quote(str(f.column)) for f in _fields(model))
    return quote(model._meta.db_table), columns, quote(str(pk.column))


@functools.cache
def _sql_values(model: type[models.Model], count: int) -> str:
    table, columns, key = _names(model)
    row = f"({', '.join(['%s'] * len(_fields(model)))})"
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * count)} RETURNING {key}"  # noqa: S608 - names from the model


@functools.cache
def _sql_json(model: type[models.Model]) -> str:
    table, columns, key = _names(model)
    # In the order of the JSON array (WITH ORDINALITY), so RETURNING gives the keys in that order.
    return (
        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 - names from the model
        f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) WITH ORDINALITY AS r ORDER BY r.ordinality "
        f"RETURNING {key}"
    )


# Field types whose prepared values have one exact JSON form that PostgreSQL reads back as the same value.
_AS_JSON = {
    "CharField", "TextField", "SlugField", "EmailField", "URLField", "UUIDField", "BooleanField",
    "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
    "PositiveSmallIntegerField", "DateField", "DateTimeField", "DecimalField", "JSONField", "ForeignKey",
}  # fmt: skip


@functools.cache
def _json_columns(model: type[models.Model]) -> tuple[str, ...] | None:
    """The columns of the JSON form, or None when a field has none."""
    fields = _fields(model)
    if any(f.get_internal_type() not in _AS_JSON for f in fields):
        return None
    return tuple(str(f.column) for f in fields)


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)  # numeric reads its text exactly
    if isinstance(value, Jsonb):
        return orjson.Fragment((value.dumps or json.dumps)(value.obj))  # the ORM's own JSON text
    raise TypeError(type(value))


def rows_insert[M: models.Model](objs: Sequence[M]) -> Sequence[M]:
    """Insert these new instances of one model in one statement, in the current transaction, and
    give each its primary key; returns them."""
    if not objs:
        return objs
    model = type(objs[0])
    fields = _fields(model)
    rows: list[list[Any]] = []
    for obj in objs:
        assert type(obj) is model and obj.pk is None, "rows_insert takes new instances of one model"
        rows.append([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    with connection.cursor() as cursor:
        cursor.execute(*_statement(model, rows))
        keys = cursor.fetchall()
    for obj, (key,) in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _statement(model: type[models.Model], rows: list[list[Any]]) -> tuple[str, list[Any]]:
    columns = _json_columns(model)
    # A float has no exact JSON form (orjson writes NaN as null); the fields above never prepare one.
    if columns is not None and not any(isinstance(value, float) for row in rows for value in row):
        try:
            document = orjson.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=_json_value)
        except TypeError:
            pass  # a value without an exact JSON form: as parameters
        else:
            return _sql_json(model), [document.decode()]
    return _sql_values(model, len(rows)), [value for row in rows for value in row]


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
