"""The lines and documents of a page of aanvragen: one statement each, written once per process.

Through the ORM these two reads cost more CPU than the rows they return: per page the queryset was
built and compiled again (the `IN` list of 100 ids, the product's join, 40 columns), and every value
went through Django's converter loop. For a page's 300 lines 2.7 ms, for its (often no) documents
0.9 ms; the same statements written once and read as plain tuples 1.2 and 0.13 ms, the uuids and
timestamps as text (what the representation writes) less again (thread CPU, in process, bench/README.md "The
page's parts by hand"). The statements are built from the models' metadata, not from input, and
`tests/api/test_representations.py` holds their rows equal to the ORM's `values_list(named=True)`
over every column.

The page's aanvragen themselves are read by the ORM (their scope, filters and cursor), as rows
(`ShownRows`: named tuples with a `pk`) instead of model instances: an instance cost ~10 us to build,
as much as compiling the page's query. They are read without joins (`selectors.aanvragen_shown_to`):
their gemeente's code, their indiener's name and their arrangement product come from `related_of`,
one statement over the three small tables. Joined into the page's query they cost PostgreSQL ~0.9 ms of planning for every
page (the joins' orders against the aanvraag's indexes), against ~0.1 ms without them.

Only the reads of already scoped ids live here: which aanvragen the caller may see is decided by the
ORM queryset of `selectors.aanvragen_shown_to`, and only its page's ids reach these statements.
"""

from __future__ import annotations

import functools
import json
import operator
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from django.db import connection, models
from django.db.models.query import BaseIterable

from .models import Aanvraag, Applicatie, Document, Gemeente, Product, Voorziening
from .sql_names import column, order_by, quoted, table

# What `representations.product` reads of a line's product, carried as `shown_product_<name>`.
PRODUCT_SHOWN = ("categorie", "code", "omschrijving")

# What `representations.document_shown` reads of a document; not its upload's path, hash or state.
DOCUMENT_SHOWN = (
    "uuid", "aanvraag_id", "voorziening_id", "titel", "beschrijving", "soort", "auteur", "bestandsnaam", "formaat",
    "bestandsomvang", "informatieobject", "registratie", "registratie_fouten", "aangemaakt_op",
)  # fmt: skip


def _json(value: str | None) -> Any:
    # Django reads jsonb as text (its loader) and decodes in JSONField.from_db_value; the empty list,
    # what nearly every row holds, without the decoder.
    if value is None:
        return None
    return [] if value == "[]" else json.loads(value)


class _Read:
    """A statement and the named tuple its rows become, with the JSON columns decoded."""

    def __init__(self, sql: str, names: Sequence[str], json_positions: Iterable[int]) -> None:
        self.sql = sql
        self.row: Any = namedtuple("Row", names)  # type: ignore[misc]
        self.json_positions = tuple(json_positions)

    def by_aanvraag(self, aanvraag_ids: list[int]) -> dict[int, list[Any]]:
        """The rows of these aanvragen, in the statement's order, by aanvraag id (`aanvraag_id` is a
        column of both reads)."""
        if not aanvraag_ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [aanvraag_ids])
            raw = cursor.fetchall()
        make: Callable[..., Any] = self.row._make
        positions = self.json_positions
        by_aanvraag: dict[int, list[Any]] = {}
        for values in raw:
            if positions:
                values = list(values)
                for i in positions:
                    values[i] = _json(values[i])
            row = make(values)
            by_aanvraag.setdefault(row.aanvraag_id, []).append(row)
        return by_aanvraag


def _selected(field: models.Field[Any, Any], alias: str) -> str:
    # A uuid and a timestamp as text: what the representation writes anyway. A UUID object cost ~1.3
    # us to load and ~0.6 us to write back, a datetime ~0.85 and ~1.15 (`api/moments.py` writes a
    # timestamp's text in the response's zone).
    selected = f"{alias}.{quoted(field)}"
    return f"{selected}::text" if isinstance(field, models.UUIDField | models.DateTimeField) else selected


def _json_positions(model: type[models.Model], names: Sequence[str]) -> list[int]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [i for i, name in enumerate(names) if isinstance(fields.get(name), models.JSONField)]


@functools.cache
def _lines() -> _Read:
    fields = Voorziening._meta.concrete_fields
    names = [f.attname for f in fields] + [f"shown_product_{name}" for name in PRODUCT_SHOWN]
    columns = [_selected(f, "v") for f in fields]
    columns += [column(Product, "p", name) for name in PRODUCT_SHOWN]
    sql = (
        f"SELECT {', '.join(columns)} FROM {table(Voorziening)} v "  # noqa: S608
        f"LEFT JOIN {table(Product)} p "
        f"ON p.{quoted(Product._meta.pk)} = {column(Voorziening, 'v', 'product')} "
        f"WHERE {column(Voorziening, 'v', 'aanvraag')} = ANY(%s) ORDER BY {order_by(Voorziening, 'v')}"
    )
    return _Read(sql, names, _json_positions(Voorziening, names))


@functools.cache
def _documenten() -> _Read:
    fields = {f.attname: f for f in Document._meta.concrete_fields}
    columns = [_selected(fields[name], "d") for name in DOCUMENT_SHOWN]
    sql = (
        f"SELECT {', '.join(columns)} FROM {table(Document)} d "  # noqa: S608
        f"WHERE {column(Document, 'd', 'aanvraag')} = ANY(%s) ORDER BY {order_by(Document, 'd')}"
    )
    return _Read(sql, DOCUMENT_SHOWN, _json_positions(Document, DOCUMENT_SHOWN))


def lines_of(aanvraag_ids: list[int]) -> dict[int, list[Any]]:
    """The lines of these aanvragen (ids the caller may see), in `Voorziening.Meta.ordering`, by
    aanvraag id: every column under its attribute name (a uuid and a timestamp as PostgreSQL's text),
    the product's shown columns as `shown_product_<name>`."""
    return _lines().by_aanvraag(aanvraag_ids)


def documenten_of(aanvraag_ids: list[int]) -> dict[int, list[Any]]:
    """The documents of these aanvragen (ids the caller may see), in `Document.Meta.ordering`, by
    aanvraag id: the columns of `DOCUMENT_SHOWN` (a uuid and a timestamp as PostgreSQL's text)."""
    return _documenten().by_aanvraag(aanvraag_ids)


class Related(NamedTuple):
    """What a page of aanvragen shows of other tables, by id: gemeente codes, application names
    (the indiener), products (an arrangement's, as `representations` shows a product)."""

    gemeenten: dict[int, str]
    applicaties: dict[int, str]
    producten: dict[int, dict[str, str]]


@functools.cache
def _related_sql() -> str:
    def columns(model: type[models.Model], *names: str) -> str:
        return ", ".join(quoted(model._meta.get_field(name)) for name in names)

    def pk(model: type[models.Model]) -> str:
        return quoted(model._meta.pk)

    # Three small lookups by primary key in one round trip; the first column says which.
    return (
        f"SELECT 0, {pk(Gemeente)}, {columns(Gemeente, 'code')}, NULL, NULL FROM {table(Gemeente)} "  # noqa: S608
        f"WHERE {pk(Gemeente)} = ANY(%s) UNION ALL "
        f"SELECT 1, {pk(Applicatie)}, {columns(Applicatie, 'naam')}, NULL, NULL FROM {table(Applicatie)} "
        f"WHERE {pk(Applicatie)} = ANY(%s) UNION ALL "
        f"SELECT 2, {pk(Product)}, {columns(Product, *PRODUCT_SHOWN)} FROM {table(Product)} WHERE {pk(Product)} = ANY(%s)"
    )


def related_of(aanvragen: Sequence[Aanvraag]) -> Related:
    """The gemeente codes, indiener names and arrangement products these aanvragen show; one statement
    (none for no aanvragen)."""
    related = Related({}, {}, {})
    if not aanvragen:
        return related
    gemeenten = list({a.gemeente_id for a in aanvragen})
    applicaties = list({a.indiener_id for a in aanvragen})
    producten = list({a.arrangement_product_id for a in aanvragen if a.arrangement_product_id is not None})
    with connection.cursor() as cursor:
        cursor.execute(_related_sql(), [gemeenten, applicaties, producten])
        rows = cursor.fetchall()
    for kind, pk, first, second, third in rows:
        if kind == 0:
            related.gemeenten[pk] = first
        elif kind == 1:
            related.applicaties[pk] = first
        else:
            related.producten[pk] = dict(zip(PRODUCT_SHOWN, (first, second, third), strict=True))
    return related


@functools.cache
def _row_class(names: tuple[str, ...], model: type[models.Model]) -> Any:
    """A named tuple of these columns of `model`'s query, with `pk` when its primary key is among them
    and `model` (what it is a row of) as a class attribute."""
    base: Any = namedtuple("Row", names)  # type: ignore[misc]
    extra: dict[str, Any] = {"__slots__": (), "model": model}
    if model._meta.pk.attname in names:
        extra["pk"] = property(operator.itemgetter(names.index(model._meta.pk.attname)))
    return type(f"{model.__name__}Row", (base,), extra)


def is_row_of(obj: Any, model: type[models.Model]) -> bool:
    """Whether `obj` is a row of `ShownRows` of `model`'s table."""
    return isinstance(obj, tuple) and getattr(obj, "model", None) is model


class ShownRows(BaseIterable):  # type: ignore[type-arg]
    """The iterable of a queryset whose objects are only shown (`selectors.aanvragen_shown_to`): each
    row as a named tuple of the selected columns, under their attribute names, with `pk`; JSON
    columns decoded as Django would. The ORM builds and compiles the query as for instances."""

    def __iter__(self) -> Any:
        queryset = self.queryset
        compiler = queryset.query.get_compiler(using=queryset.db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        names, json_positions = [], []
        for position, (expression, _sql, alias) in enumerate(compiler.select or ()):
            field = getattr(expression, "target", None)
            name = alias or getattr(field, "attname", None)
            if name is None:
                raise TypeError(f"ShownRows: a column without a name: {expression!r}")
            names.append(name)
            if isinstance(field, models.JSONField) and not alias:
                json_positions.append(position)
        make = _row_class(tuple(names), queryset.model)._make
        for chunk in results:
            for values in chunk:
                if json_positions:
                    values = list(values)
                    for i in json_positions:
                        values[i] = _json(values[i])
                yield make(values)
