"""The official examples and the iJw messages parse to exactly the expected Verzoek."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from regiekoppeling.constants import Wet
from regiekoppeling.iwmo import (
    BerichtType,
    Client,
    Header,
    Naam,
    Omvang,
    Product,
    ProductSoort,
    Verwijzer,
    VerzochtProduct,
    Verzoek,
    parse_verzoek,
    schemas,
    verzoek_from_json,
    verzoek_to_json,
)
from regiekoppeling.iwmo.parse import detect
from regiekoppeling.iwmo.safexml import parse as safe_parse

from .conftest import BSN_JW, example, jw315, jw317

D = dt.date


def test_wmo315_example() -> None:
    verwijzer = Verwijzer(type="04", naam="Verwijzer Naam", zorgverlener_code=None)
    assert parse_verzoek(example("WMO315")) == Verzoek(
        berichttype=BerichtType.WMO315,
        wet=Wet.WMO,
        header=Header(aanbieder="42420001", gemeente="0384", identificatie="123456789012", dagtekening=D(2023, 7, 15)),
        client=Client(
            bsn="999900006",
            geboortedatum=D(1972, 7, 16),
            geslacht="1",
            naam=Naam(achternaam="Wit", voorvoegsel="de", voornamen="Tim", voorletters="T"),
            commentaar="Commentaar client",
            gezagsdrager_bekend=None,
        ),
        producten=(
            VerzochtProduct(
                soort=ProductSoort.AANGEVRAAGD,
                referentie_aanbieder="42420001",
                ingangsdatum=D(2023, 6, 1),
                einddatum=D(2023, 6, 30),
                product=Product(categorie="01", code="ABCDE"),
                omvang=Omvang(volume=4, eenheid="14", frequentie="4"),
                budget=None,
                toewijzing_nummer=None,
                reden_verzoek=None,
                beschikking_nummer=1234,
                beschikking_ingangsdatum=D(2023, 6, 1),
                verwijzer=verwijzer,
                raamcontract="1",
                commentaar="Commentaar Aangevraagd Product",
            ),
            VerzochtProduct(
                soort=ProductSoort.AANGEVRAAGD,
                referentie_aanbieder="42420002",
                ingangsdatum=D(2023, 6, 1),
                einddatum=D(2023, 6, 30),
                product=Product(categorie="02", code="BCDEF"),
                omvang=Omvang(volume=4, eenheid="14", frequentie="4"),
                budget=None,
                toewijzing_nummer=None,
                reden_verzoek=None,
                beschikking_nummer=1234,
                beschikking_ingangsdatum=D(2023, 6, 1),
                verwijzer=verwijzer,
                raamcontract="1",
                commentaar="Commentaat Aangevraagd Product 2",  # sic, as in the official example
            ),
        ),
        ongewijzigde_toewijzingen=(),
    )


def test_wmo317_example() -> None:
    assert parse_verzoek(example("WMO317")) == Verzoek(
        berichttype=BerichtType.WMO317,
        wet=Wet.WMO,
        header=Header(aanbieder="65656055", gemeente="0384", identificatie="987654321", dagtekening=D(2023, 4, 2)),
        client=Client(bsn="999900006"),
        producten=(
            VerzochtProduct(
                soort=ProductSoort.TE_WIJZIGEN,
                referentie_aanbieder="9003",
                ingangsdatum=D(2023, 4, 2),
                einddatum=D(2023, 12, 31),
                toewijzing_nummer=10072,
                reden_verzoek="1",
            ),
            VerzochtProduct(
                soort=ProductSoort.NIEUW,
                referentie_aanbieder="9003",
                ingangsdatum=D(2023, 4, 2),
                einddatum=D(2023, 12, 31),
                product=Product(categorie="01", code="01A12"),
                omvang=Omvang(volume=20, eenheid="14", frequentie="4"),
                reden_verzoek="1",
            ),
        ),
        ongewijzigde_toewijzingen=(10071,),
    )


@pytest.mark.parametrize(("build", "berichttype"), [(jw315, BerichtType.JW315), (jw317, BerichtType.JW317)])
def test_built_jw_messages_are_valid_against_the_official_xsd(build: Any, berichttype: BerichtType) -> None:
    root = safe_parse(build(), max_bytes=schemas.max_bytes())
    assert detect(root) == berichttype
    assert schemas.schema_for(berichttype).errors(root) == []


def test_jw315() -> None:
    header = Header(aanbieder="87654321", gemeente="0363", identificatie="JW315-0001", dagtekening=D(2024, 3, 1))
    assert parse_verzoek(jw315()) == Verzoek(
        berichttype=BerichtType.JW315,
        wet=Wet.JW,
        header=header,
        client=Client(
            bsn=BSN_JW,
            geboortedatum=D(2012, 5, 4),
            geslacht="2",
            naam=Naam(achternaam="Jansen", voorletters="S"),
            gezagsdrager_bekend="1",
        ),
        producten=(
            VerzochtProduct(
                soort=ProductSoort.AANGEVRAAGD,
                referentie_aanbieder="JW-REF-1",
                ingangsdatum=D(2024, 4, 1),
                einddatum=D(2024, 9, 30),
                product=Product(categorie="45", code="45A12"),
                omvang=Omvang(volume=90, eenheid="01", frequentie="2"),
                verwijzer=Verwijzer(type="02", zorgverlener_code="01234567"),
            ),
            VerzochtProduct(
                soort=ProductSoort.AANGEVRAAGD,
                referentie_aanbieder="JW-REF-2",
                ingangsdatum=D(2024, 4, 1),
                einddatum=D(2024, 12, 31),
                product=Product(categorie="50"),
                budget=250000,
                beschikking_nummer=777,
                verwijzer=Verwijzer(type="04", naam="GI Noord"),
                raamcontract="2",
                commentaar="Budget voor het arrangement",
            ),
        ),
    )


def test_jw317() -> None:
    verzoek = parse_verzoek(jw317())
    assert verzoek == Verzoek(
        berichttype=BerichtType.JW317,
        wet=Wet.JW,
        header=Header(aanbieder="87654321", gemeente="0363", identificatie="JW317-0001", dagtekening=D(2024, 3, 1)),
        client=Client(bsn=BSN_JW),
        producten=(
            VerzochtProduct(
                soort=ProductSoort.TE_WIJZIGEN,
                referentie_aanbieder="VOW-2024-17",
                ingangsdatum=D(2024, 5, 1),
                einddatum=D(2024, 10, 31),
                omvang=Omvang(volume=6, eenheid="04", frequentie="2"),
                toewijzing_nummer=502,
                reden_verzoek="2",
            ),
            VerzochtProduct(
                soort=ProductSoort.NIEUW,
                referentie_aanbieder="VOW-2024-17",
                ingangsdatum=D(2024, 5, 1),
                product=Product(categorie="54", code="54001"),
                omvang=Omvang(volume=3, eenheid="16", frequentie="6"),
                reden_verzoek="2",
            ),
            VerzochtProduct(
                soort=ProductSoort.NIEUW,
                referentie_aanbieder="VOW-2024-17",
                ingangsdatum=D(2024, 6, 1),
                einddatum=D(2024, 6, 30),
                budget=99999999,
                reden_verzoek="2",
            ),
        ),
        ongewijzigde_toewijzingen=(501,),
    )
    assert verzoek.berichttype.berichtcode == "486"


@pytest.mark.parametrize("message", [example("WMO315"), example("WMO317"), jw315(), jw317()], ids=str)
def test_json_form_round_trips(message: bytes) -> None:
    verzoek = parse_verzoek(message)
    assert verzoek_from_json(verzoek_to_json(verzoek)) == verzoek


def test_default_namespace_and_other_prefixes_are_the_same_bericht() -> None:
    """Prefixes are the sender's choice; only the namespaces count."""
    xml = example("WMO315").decode()
    xml = (
        xml.replace("wmo315:", "")
        .replace("xmlns:wmo315=", "xmlns=")
        .replace("iwmo:", "b:")
        .replace("xmlns:iwmo", "xmlns:b")
    )
    assert parse_verzoek(xml.encode()) == parse_verzoek(example("WMO315"))


def test_timing_of_parse_and_validate_wmo315() -> None:
    """Not an assertion on speed: prints the numbers for the report (`pytest -s` or the -rP summary)."""
    xml = example("WMO315")
    schemas.clear_schema_cache()
    start = time.perf_counter()
    schemas.schema_for(BerichtType.WMO315)
    compile_ms = (time.perf_counter() - start) * 1000
    runs = 500
    start = time.perf_counter()
    for _ in range(runs):
        parse_verzoek(xml)
    per_run_ms = (time.perf_counter() - start) * 1000 / runs
    print(f"\nWMO315: XSD compile {compile_ms:.1f} ms (once); parse+XSD+rules {per_run_ms:.3f} ms per bericht")
