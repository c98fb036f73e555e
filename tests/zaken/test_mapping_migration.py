"""The migration to the product mappings keeps existing configurations working: the typed values stay
the defaults, the statustype rows keep their statustype, and `arrangement_gedeeld` becomes the default
strategy that now shares an arrangement's zaak by itself. It is reversible."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("zaken", "0003_besluiten")]
AFTER = [("zaken", "0004_product_mappings")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_configurations_keep_working():
    executor = migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        gemeente = old.get_model("regiekoppeling", "Gemeente").objects.create(code="0344", naam="Utrecht")
        service = old.get_model("zgw_consumers", "Service")
        services = {
            f"{kind}_service": service.objects.create(
                label=kind, slug=f"{kind}-0344", api_type=api_type, api_root=f"https://zgw.example/{kind}/api/v1/"
            )
            for kind, api_type in (("zaken", "zrc"), ("catalogi", "ztc"), ("documenten", "drc"), ("besluiten", "brc"))
        }
        config = old.get_model("zaken", "ZGWConfig").objects.create(
            gemeente=gemeente, bronorganisatie="002220647", catalogus="https://zgw.example/catalogus",
            zaaktype_wmo="WMO-VOORZIENING", zaaktype_jw="JW-VOORZIENING", strategie="arrangement_gedeeld",
            **services,
        )  # fmt: skip
        old.get_model("zaken", "StatustypeMapping").objects.create(
            config=config, zaaktype="WMO-VOORZIENING", status="in_behandeling", statustype_omschrijving="In behandeling"
        )

        executor = migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        migrated = new.get_model("zaken", "ZGWConfig").objects.get(pk=config.pk)
        assert (migrated.strategie, migrated.zaaktype_wmo, migrated.besluittype) == (
            "per_voorziening",
            "WMO-VOORZIENING",
            "Beschikking",
        )
        row = new.get_model("zaken", "StatustypeMapping").objects.get(config=config.pk)
        assert (row.statustype_omschrijving, row.resultaattype_omschrijving) == ("In behandeling", "")
        assert not new.get_model("zaken", "ProductMapping").objects.exists()

        executor = migrate(BEFORE)  # and back
        back = executor.loader.project_state(BEFORE).apps.get_model("zaken", "StatustypeMapping")
        assert back.objects.get(config=config.pk).statustype_omschrijving == "In behandeling"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
