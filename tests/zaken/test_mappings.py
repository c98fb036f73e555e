"""Mappings per product (then the gemeente's default), arrangements on one zaak with an outcome per line,
and a state the catalogue cannot follow recorded on the voorzieningen, never passed over."""

from __future__ import annotations

import datetime as dt

import pytest

from regiekoppeling.models import Aanvraag, OutboxItem, Product, Signaal, Voorziening
from regiekoppeling.outbox import outbox_process, outbox_requeue
from regiekoppeling.signalen import herindicatie_raise_due
from tests.conftest import aanvraag_body, pgb_line, zin_line
from tests.zaken.conftest import run_outbox
from zaken.configcheck import zgw_config_problems
from zaken.models import ProductMapping, StatustypeMapping, ZaakStrategie

pytestmark = pytest.mark.django_db

ARRANGEMENT = {"isArrangement": True, "arrangementProduct": {"categorie": "10", "code": "10A01"}}


def product(categorie: str, code: str = "") -> Product:
    return Product.objects.get(wet="WMO", categorie=categorie, code=code)


def send(regie, *lines, **extra) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines, **extra))
    assert response.status_code == 201, response.content
    return Aanvraag.objects.get(uuid=response.json()["uuid"])


def registered(regie, *lines, **extra) -> Aanvraag:
    aanvraag = send(regie, *lines, **extra)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    return aanvraag


def zaaktype_identificatie(reader, zaak: dict) -> str:
    return reader.json(zaak["zaaktype"])["identificatie"]


def test_the_product_mapping_picks_the_zaaktype_before_the_gemeente_default(regie, zgw, reader):
    ProductMapping.objects.create(config=zgw, product=product("02", "02A01"), zaaktype="JW-VOORZIENING")

    aanvraag = registered(regie, zin_line(), pgb_line())

    by_suffix = {z["identificatie"].rsplit("-", 1)[1]: z for z in reader.zaken()}
    assert zaaktype_identificatie(reader, by_suffix["1"]) == "JW-VOORZIENING"  # the product's
    assert zaaktype_identificatie(reader, by_suffix["2"]) == "WMO-VOORZIENING"  # the wet's default
    # The status of the product's zaaktype, through the mapping of the wet's zaaktype (it has none of its own).
    assert set(Voorziening.objects.filter(aanvraag=aanvraag).values_list("zaakstatus", flat=True)) == {"Ontvangen"}


def test_the_product_strategy_hoofdzaak_makes_its_line_a_deelzaak(regie, zgw, reader):
    assert zgw.strategie == ZaakStrategie.PER_VOORZIENING
    ProductMapping.objects.create(config=zgw, product=product("02", "02A01"), strategie=ZaakStrategie.HOOFDZAAK)

    registered(regie, zin_line(), pgb_line())

    by_suffix = {z["identificatie"].rsplit("-", 1)[1]: z for z in reader.zaken()}
    assert set(by_suffix) == {"H", "1", "2"}
    assert by_suffix["1"]["hoofdzaak"] == by_suffix["H"]["url"]
    assert by_suffix["2"]["hoofdzaak"] is None  # the other product keeps the gemeente's strategy


def test_an_arrangement_shares_one_zaak_even_under_the_hoofdzaak_strategy(regie, zgw, reader):
    zgw.strategie = ZaakStrategie.HOOFDZAAK
    zgw.save()

    aanvraag = registered(regie, zin_line(), zin_line(product={"categorie": "07", "code": "07A01"}), **ARRANGEMENT)

    by_suffix = {z["identificatie"].rsplit("-", 1)[1]: z for z in reader.zaken()}
    assert set(by_suffix) == {"H", "A"}
    assert by_suffix["A"]["hoofdzaak"] == by_suffix["H"]["url"]
    assert {v.zaak_url for v in Voorziening.objects.filter(aanvraag=aanvraag)} == {by_suffix["A"]["url"]}


def test_the_arrangement_product_may_split_it_deliberately(regie, zgw, reader):
    ProductMapping.objects.create(
        config=zgw, product=product("10", "10A01"), strategie=ZaakStrategie.ARRANGEMENT_GESPLITST
    )

    registered(regie, zin_line(), zin_line(product={"categorie": "07", "code": "07A01"}), **ARRANGEMENT)

    assert sorted(z["identificatie"].rsplit("-", 1)[1] for z in reader.zaken()) == ["1", "2"]


def test_the_arrangement_product_mapping_gives_the_shared_zaak_its_zaaktype(regie, zgw, reader):
    ProductMapping.objects.create(config=zgw, product=product("10", "10A01"), zaaktype="JW-VOORZIENING")

    registered(regie, zin_line(), zin_line(product={"categorie": "07", "code": "07A01"}), **ARRANGEMENT)

    (zaak,) = reader.zaken()
    assert zaaktype_identificatie(reader, zaak) == "JW-VOORZIENING"


def test_each_line_of_a_shared_zaak_keeps_its_own_outcome(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, zin_line(), zin_line(product={"categorie": "07", "code": "07A01"}), **ARRANGEMENT)
    verwerkbaar(backoffice, aanvraag)
    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    first, second = aanvraag.voorzieningen.order_by("volgnummer")
    body = {
        "aanvraag": str(aanvraag.uuid), "beschikkingnummer": 202600077, "datum": "2026-11-20",
        "ingangsdatum": "2027-01-01",
        "regels": [{"voorziening": str(first.uuid), "uitkomst": "toegekend"},
                   {"voorziening": str(second.uuid), "uitkomst": "afgewezen"}],
    }  # fmt: skip
    assert backoffice.post("/api/v1/beschikkingen", body).status_code == 201

    assert run_outbox(aanvraag, "besluit") == ["done"]

    (besluit,) = reader.json("/besluiten/api/v1/besluiten")["results"]
    assert besluit["identificatie"] == "202600077"
    assert besluit["toelichting"] == "Beschikking 202600077: regel 1 (02A01): toegekend; regel 2 (07A01): afgewezen"
    (zaak,) = reader.zaken()
    resultaat = reader.json(zaak["resultaat"])
    assert reader.json(resultaat["resultaattype"])["omschrijving"] == "Toegekend"  # one line is granted
    assert resultaat["toelichting"] == besluit["toelichting"]
    lines = {
        v["volgnummer"]: v["status"] for v in regie.get(f"/api/v1/aanvragen/{aanvraag.uuid}").json()["voorzieningen"]
    }
    assert lines == {1: "toegekend", 2: "afgewezen"}


def verwerkbaar(backoffice, aanvraag: Aanvraag) -> None:
    response = backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "verwerkbaar"})
    assert response.status_code == 201


def status_fout(regie, aanvraag: Aanvraag) -> str:
    (line,) = regie.get(f"/api/v1/aanvragen/{aanvraag.uuid}").json()["voorzieningen"]
    return str(line["zaak"]["statusFout"])


def test_a_statustype_the_catalogue_lacks_is_recorded_and_the_item_is_not_done(regie, backoffice, zgw, reader):
    aanvraag = registered(regie, zin_line())
    StatustypeMapping.objects.filter(config=zgw, status="in_behandeling").update(
        statustype_omschrijving="In behandelng"
    )
    verwerkbaar(backoffice, aanvraag)

    assert run_outbox(aanvraag, "zaak_status") == ["dead"]

    fout = status_fout(regie, aanvraag)
    assert fout.startswith("Statustype 'In behandelng' (voor status 'In behandeling') bestaat niet bij het zaaktype")
    assert "In behandeling" in fout.split("kies een van:")[1]
    item = OutboxItem.objects.get(aanvraag=aanvraag, handler="zaak_status")
    assert "In behandelng" in item.last_error
    (zaak,) = reader.zaken()
    assert reader.json(reader.json(zaak["status"])["statustype"])["omschrijving"] == "Ontvangen"  # unchanged

    # Fixed and re-queued (the admin's action): the zaak follows, and the record is gone.
    StatustypeMapping.objects.filter(config=zgw, status="in_behandeling").update(
        statustype_omschrijving="In behandeling"
    )
    assert outbox_requeue(item_ids=[item.pk]) == 1
    assert outbox_process(item_id=item.pk) == "done"
    assert status_fout(regie, aanvraag) == ""
    assert Voorziening.objects.get(aanvraag=aanvraag).zaakstatus == "In behandeling"


def test_an_unmapped_state_is_recorded_on_the_voorziening(regie, backoffice, zgw):
    aanvraag = registered(regie, zin_line())
    StatustypeMapping.objects.filter(config=zgw, status="in_behandeling").delete()
    verwerkbaar(backoffice, aanvraag)

    assert run_outbox(aanvraag, "zaak_status") == ["done"]  # nothing to retry: the zaak keeps its status

    assert status_fout(regie, aanvraag) == (
        "Status 'In behandeling' heeft geen statustype-koppeling voor dit zaaktype; de zaak houdt haar status."
    )
    assert Voorziening.objects.get(aanvraag=aanvraag).zaakstatus == "Ontvangen"
    problems = zgw_config_problems(config=zgw)
    assert any(
        "Status in_behandeling heeft geen statustype-koppeling bij zaaktype WMO-VOORZIENING" in p for p in problems
    )


def test_a_deliberate_no_change_is_not_a_problem(regie, backoffice, zgw):
    aanvraag = registered(regie, zin_line())
    StatustypeMapping.objects.filter(config=zgw, status="in_behandeling").update(statustype_omschrijving="")
    verwerkbaar(backoffice, aanvraag)

    assert run_outbox(aanvraag, "zaak_status") == ["done"]

    assert status_fout(regie, aanvraag) == ""
    assert zgw_config_problems(config=zgw) == []


def test_a_resultaattype_the_catalogue_lacks_is_recorded_when_the_zaak_closes(regie, zgw, reader):
    aanvraag = registered(regie, zin_line())
    StatustypeMapping.objects.create(
        config=zgw, zaaktype="WMO-VOORZIENING", status="ingetrokken", resultaattype_omschrijving="Teruggetrokken"
    )
    assert regie.post(f"/api/v1/aanvragen/{aanvraag.uuid}/intrekken", {}).status_code == 200

    assert run_outbox(aanvraag, "zaak_status") == ["dead"]

    assert "resultaattype 'Teruggetrokken'" in status_fout(regie, aanvraag)
    (zaak,) = reader.zaken()
    assert zaak["einddatum"] is None
    assert any("Resultaattype 'Teruggetrokken' (voor status ingetrokken)" in p for p in zgw_config_problems(config=zgw))


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"zaaktype": "BESTAAT-NIET"}, "Zaaktype 'BESTAAT-NIET' bestaat niet"),
        ({"besluittype": "Bestaat niet"}, "Besluittype 'Bestaat niet' bestaat niet"),
        ({"informatieobjecttypen": ["Interne notitie"]}, "'Interne notitie' is niet gekoppeld aan zaaktype"),
        (
            {"strategie": ZaakStrategie.HOOFDZAAK, "zaaktype": "WMO-VOORZIENING"},
            None,  # RK-AANVRAAG lists it as a deelzaaktype
        ),
    ],
)
def test_the_check_follows_the_product_mappings(zgw, fields, reason):
    ProductMapping.objects.create(config=zgw, product=product("02", "02A01"), **fields)

    problems = zgw_config_problems(config=zgw)

    if reason is None:
        assert problems == []
    else:
        assert any(reason in p for p in problems), problems


def test_the_product_mapping_sets_the_herindicatie_lead_time(regie, backoffice, zgw, gemeente):
    assert gemeente.herindicatie_termijn_dagen is None  # the setting's 30 days, say the gemeente
    aanvraag = send(regie, pgb_line(einddatum="2027-12-31"), zin_line(einddatum="2027-12-31"))
    verwerkbaar(backoffice, aanvraag)
    pgb, _ = aanvraag.voorzieningen.order_by("volgnummer")
    body = {
        "aanvraag": str(aanvraag.uuid), "beschikkingnummer": 88, "datum": "2026-11-20", "ingangsdatum": "2027-01-01",
        "regels": [{"voorziening": str(v.uuid), "uitkomst": "toegekend"} for v in aanvraag.voorzieningen.all()],
    }  # fmt: skip
    assert backoffice.post("/api/v1/beschikkingen", body).status_code == 201
    ProductMapping.objects.create(config=zgw, product=pgb.product, herindicatie_termijn_dagen=90)

    assert herindicatie_raise_due(today=dt.date(2027, 10, 1)) == 0  # 91 days before
    assert herindicatie_raise_due(today=dt.date(2027, 10, 2)) == 1  # 90 days: the product's lead time
    assert Signaal.objects.get().voorziening == pgb


def test_the_state_mapping_takes_the_zaaktypes_own_rows_else_those_of_the_wet(zgw, django_assert_num_queries):
    from zaken import mapping
    from zaken.models import StatustypeMapping

    wmo = zgw.zaaktype_for("WMO")
    StatustypeMapping.objects.filter(config=zgw).delete()
    StatustypeMapping.objects.bulk_create(
        [
            StatustypeMapping(config=zgw, zaaktype=wmo, status="ontvangen", statustype_omschrijving="Wet: ontvangen"),
            StatustypeMapping(config=zgw, zaaktype=wmo, status="toegekend", statustype_omschrijving="Wet: toegekend"),
            StatustypeMapping(config=zgw, zaaktype="EIGEN", status="ontvangen", statustype_omschrijving="Eigen"),
        ]
    )

    def state(zaaktype: str, status: str) -> tuple[bool, str]:
        with django_assert_num_queries(1):
            found = mapping.state(zgw, zaaktype_identificatie=zaaktype, wet="WMO", status=status)
        return found.mapped, found.statustype

    assert state("EIGEN", "ontvangen") == (True, "Eigen")
    # The zaaktype has rows of its own, none for this state: unmapped, the wet's row does not count.
    assert state("EIGEN", "toegekend") == (False, "")
    assert state("ZONDER", "toegekend") == (True, "Wet: toegekend")  # no rows of its own: the wet's
    assert state("ZONDER", "afgewezen") == (False, "")
    assert state(wmo, "ontvangen") == (True, "Wet: ontvangen")
