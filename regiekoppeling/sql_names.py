"""Names in the statements written by hand (`page_parts`, `new_rows`): tables, columns and the
models' own ordering, quoted, from the models' metadata only (never from input)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def quoted(field: Any) -> str:
    """A concrete field's column, quoted."""
    column = field.column
    assert isinstance(column, str), field
    return connection.ops.quote_name(column)


def column(model: type[models.Model], alias: str, name: str) -> str:
    return f"{alias}.{quoted(model._meta.get_field(name))}"


def order_by(model: type[models.Model], alias: str) -> str:
    # The model's own ordering (`Meta.ordering`), so these rows come as the ORM would give them.
    terms = []
    for term in model._meta.ordering or ():
        name = str(term).lstrip("-")
        field = model._meta.pk.name if name == "pk" else name  # get_field knows `aanvraag_id` too
        terms.append(f"{column(model, alias, field)}{' DESC' if str(term).startswith('-') else ''}")
    return ", ".join(terms)
