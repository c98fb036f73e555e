"""The migration to a productenboek per gemeente: every gemeente gets its own copy of the old global
products, and the lines of a gemeente point at its own copy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("regiekoppeling", "0012_credentials_encrypted")]
AFTER = [("regiekoppeling", "0013_productenboek")]


@pytest.mark.django_db(transaction=True)
def test_the_global_products_become_one_list_per_gemeente():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        gemeente_model = old.get_model("regiekoppeling", "Gemeente")
        amsterdam = gemeente_model.objects.create(code="0363", naam="Amsterdam")
        rotterdam = gemeente_model.objects.create(code="0599", naam="Rotterdam")
        product = old.get_model("regiekoppeling", "Product").objects.create(
            wet="WMO", categorie="02", code="02A01", omschrijving="Begeleiding"
        )
        regie = old.get_model("regiekoppeling", "Applicatie").objects.create(naam="Regie", rol="regie")
        aanvraag_model = old.get_model("regiekoppeling", "Aanvraag")
        lines = {}
        for gemeente in (amsterdam, rotterdam):
            aanvraag = aanvraag_model.objects.create(
                gemeente=gemeente, wet="WMO", indiener=regie, client_bsn="999993653",
                client_geboortedatum=dt.date(1950, 1, 1), client_geslacht="2", client_achternaam="Jansen",
            )  # fmt: skip
            line = old.get_model("regiekoppeling", "Voorziening").objects.create(
                aanvraag=aanvraag, volgnummer=1, product=product, leveringsvorm="ZIN", ingangsdatum=dt.date(2027, 1, 1)
            )
            lines[gemeente.code] = line.pk

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        products = new.get_model("regiekoppeling", "Product").objects.order_by("id")
        assert [(p.gemeente.code, p.code, p.ingangsdatum) for p in products] == [
            ("0363", "02A01", dt.date(2015, 1, 1)),
            ("0599", "02A01", dt.date(2015, 1, 1)),
        ]
        assert len({p.uuid for p in products}) == 2
        voorziening = new.get_model("regiekoppeling", "Voorziening")
        for code, pk in lines.items():
            assert voorziening.objects.get(pk=pk).product.gemeente.code == code
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
