"""The configuration tables are analysed after migrate and after every configuration change, so the
planner knows how few rows they hold (a fresh deployment's autovacuum never analyses them)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import signals

from regiekoppeling import credentials
from regiekoppeling.constants import Rol
from regiekoppeling.models import Applicatie
from regiekoppeling.planner_stats import configuration_tables

pytestmark = pytest.mark.django_db

THROUGH = Applicatie.gemeenten.through._meta.db_table


def forget_statistics() -> None:
    """As never analysed (reltuples -1, no column statistics); undone with the test's transaction."""
    with connection.cursor() as cursor:
        for table in configuration_tables():
            cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
            cursor.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = %s::regclass", [table])


def reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return float(cursor.fetchone()[0])


def rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return int(cursor.fetchone()[0])


def estimated_scope(applicatie_id: int) -> int:
    """The planner's estimate of an application's gemeenten: what every list's scope starts from."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'EXPLAIN (FORMAT JSON) SELECT gemeente_id FROM "{THROUGH}" WHERE applicatie_id = %s', [applicatie_id]
        )
        plan = cursor.fetchone()[0]
    return int(plan[0]["Plan"]["Plan Rows"])


@pytest.fixture
def configured():
    for code in ("0363", "0518", "0599"):
        credentials.gemeente_create(code=code, naam=f"Gemeente {code}")
    return credentials.applicatie_create(naam="Backoffice", rol=Rol.BACKOFFICE, gemeente_codes=["0363", "0518"])


def test_migrate_analyses_the_configuration_tables(configured):
    forget_statistics()
    config = apps.get_app_config("regiekoppeling")
    signals.post_migrate.send(sender=config, app_config=config, verbosity=0, interactive=False, using="default")

    assert {t: reltuples(t) for t in configuration_tables()} == {t: rows(t) for t in configuration_tables()}


def test_a_configuration_change_is_analysed_once_committed(django_capture_on_commit_callbacks):
    forget_statistics()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        credentials.gemeente_create(code="0344", naam="Utrecht")
    assert reltuples("regiekoppeling_gemeente") == -1  # not before the commit
    for callback in pending:
        callback()
    assert reltuples("regiekoppeling_gemeente") == 1


def test_the_scope_of_an_application_is_estimated_right_after_a_change(configured, django_capture_on_commit_callbacks):
    applicatie = configured.credential.applicatie
    forget_statistics()
    never_analysed = estimated_scope(applicatie.pk)
    with django_capture_on_commit_callbacks(execute=True):
        applicatie.gemeenten.add(credentials.gemeente_create(code="0599", naam="Rotterdam")[0])

    assert (reltuples(THROUGH), rows(THROUGH)) == (3, 3)
    assert estimated_scope(applicatie.pk) == 3
    assert never_analysed > estimated_scope(applicatie.pk)  # the guess before: 8 rows on PostgreSQL 15
