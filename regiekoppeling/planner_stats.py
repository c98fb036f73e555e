"""Statistics of the small configuration tables, kept current for PostgreSQL's planner.

Every list is scoped through the gemeenten of the calling application (`applicatie_gemeenten`, a few
rows). Autovacuum analyses a table after 50 changed rows plus 10 %, so on a deployment with a few
gemeenten these tables are never analysed, and the planner guesses their size from nothing (a 22x
misestimate of the visible rows at a million voorzieningen, issue 13). So they are analysed after
`migrate` and after every change of the configuration, on commit. ANALYZE of a table of a few rows
takes about a millisecond.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, transaction


def configuration_tables() -> list[str]:
    from .models import Applicatie, Credential, Gemeente

    through = Applicatie.gemeenten.through
    return [m._meta.db_table for m in (Gemeente, Applicatie, through, Credential)]


def configuration_analyse(*, using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(t) for t in configuration_tables())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def analyse_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    """post_migrate of this app: the tables exist (and may just have been filled by a data migration)."""
    configuration_analyse(using=using)


def analyse_after_change(**kwargs: Any) -> None:
    """post_save, post_delete or m2m_changed of a configuration model: analyse once the change is committed."""
    action = kwargs.get("action")
    if kwargs.get("raw") or (action is not None and not action.startswith("post_")):
        return  # a fixture being loaded, or the pre_ half of an m2m change
    using = kwargs.get("using") or "default"
    transaction.on_commit(lambda: configuration_analyse(using=using), using=using, robust=True)
