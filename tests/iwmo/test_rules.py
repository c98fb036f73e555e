"""Each content rule broken once. In XML the error names the element in the sender's document; rules the
XSD already covers (categorie per wet, lengths) are shown through the JSON form, where only the rule guards."""

from __future__ import annotations

from typing import Any

import pytest

from regiekoppeling.exceptions import DomainValidationError, InvalidParam
from regiekoppeling.iwmo import parse_verzoek, verzoek_from_json, verzoek_to_json

from .conftest import BSN_FOUT, example, jw315, jw317, replace_once

PRODUCT_1 = "Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]"
PRODUCT_2 = "Bericht/Client/AangevraagdeProducten/AangevraagdProduct[2]"


def errors_of(xml_or_json: bytes | dict[str, Any]) -> list[InvalidParam]:
    with pytest.raises(DomainValidationError) as info:
        if isinstance(xml_or_json, bytes):
            parse_verzoek(xml_or_json)
        else:
            verzoek_from_json(xml_or_json)
    return info.value.params


def codes(params: list[InvalidParam]) -> list[tuple[str, str]]:
    return [(p.name, p.code) for p in params]


def wmo315_json() -> dict[str, Any]:
    return verzoek_to_json(parse_verzoek(example("WMO315")))


def test_elfproef() -> None:
    xml = replace_once(example("WMO315"), "<wmo315:Bsn>999900006<", f"<wmo315:Bsn>{BSN_FOUT}<")
    [error] = errors_of(xml)
    assert (error.name, error.code) == ("Bericht/Client/Bsn", "elfproef")
    assert "elfproef" in error.reason


def test_einddatum_voor_ingangsdatum() -> None:
    xml = replace_once(
        example("WMO315"), "<wmo315:ToewijzingEinddatum>2023-06-30", "<wmo315:ToewijzingEinddatum>2023-05-31"
    )
    [error] = errors_of(xml)
    assert (error.name, error.code) == (f"{PRODUCT_1}/ToewijzingEinddatum", "voor_ingangsdatum")
    assert error.reason == "Einddatum 2023-05-31 ligt voor de ingangsdatum 2023-06-01."


def test_einddatum_voor_gewenste_ingangsdatum_in_317() -> None:
    xml = replace_once(jw317(), "<jw317:Einddatum>2024-10-31", "<jw317:Einddatum>2024-04-30")
    assert codes(errors_of(xml)) == [
        ("Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct/Einddatum", "voor_ingangsdatum")
    ]


def test_date_that_the_xsd_accepts_but_is_no_real_date() -> None:
    """xs:date allows five-digit years; Python (and every backoffice) does not."""
    xml = replace_once(example("WMO315"), "<iwmo:Dagtekening>2023-07-15", "<iwmo:Dagtekening>12023-07-15")
    assert codes(errors_of(xml)) == [("Bericht/Header/BerichtIdentificatie/Dagtekening", "ongeldige_datum")]


def test_date_that_does_not_exist_in_json() -> None:
    data = wmo315_json()
    data["producten"][1]["einddatum"] = "2023-02-30"
    data["client"]["geboortedatum"] = "16-07-1972"
    assert codes(errors_of(data)) == [
        ("client.geboortedatum", "ongeldige_datum"),
        ("producten.1.einddatum", "ongeldige_datum"),
    ]


def test_xml_date_that_does_not_exist_is_an_xsd_error() -> None:
    xml = replace_once(
        example("WMO315"), "<wmo315:ToewijzingEinddatum>2023-06-30", "<wmo315:ToewijzingEinddatum>2023-06-31"
    )
    [error] = errors_of(xml)
    assert (error.name, error.code) == (f"{PRODUCT_1}/ToewijzingEinddatum", "xsd")


def test_categorie_must_belong_to_the_wet() -> None:
    data = wmo315_json()
    data["producten"][0]["product"]["categorie"] = "45"  # Jeugdhulp ambulant
    [error] = errors_of(data)
    assert (error.name, error.code) == ("producten.0.product.categorie", "categorie_bij_wet")
    assert error.reason == "Productcategorie 45 hoort niet bij wet WMO."
    # In XML the Wmo Basisschema itself lists the Wmo categories only.
    xml = replace_once(example("WMO315"), "<iwmo:Categorie>01<", "<iwmo:Categorie>45<")
    assert codes(errors_of(xml)) == [(f"{PRODUCT_1}/Product/Categorie", "xsd")]


def test_omvang_and_budget_exclude_each_other() -> None:
    xml = replace_once(example("WMO315"), "</wmo315:Omvang>", "</wmo315:Omvang><wmo315:Budget>10000</wmo315:Budget>")
    [error] = errors_of(xml)
    assert (error.name, error.code) == (f"{PRODUCT_1}/Budget", "CD077")


def test_cs338_eenheid_needs_frequentie_per_week_maand_or_totaal() -> None:
    xml = replace_once(example("WMO315"), "<iwmo:Frequentie>4<", "<iwmo:Frequentie>1<")  # etmaal per dag
    [error] = errors_of(xml)
    assert (error.name, error.code) == (f"{PRODUCT_1}/Omvang/Frequentie", "CS338")
    assert "eenheid 14" in error.reason


@pytest.mark.parametrize("eenheid", ["01", "04", "82"])
def test_cs338_does_not_restrict_other_eenheden(eenheid: str) -> None:
    xml = replace_once(example("WMO315"), "<iwmo:Eenheid>14<", f"<iwmo:Eenheid>{eenheid}<")
    xml = replace_once(xml, "<iwmo:Frequentie>4<", "<iwmo:Frequentie>1<")
    assert parse_verzoek(xml).producten[0].omvang.frequentie == "1"


def test_referentie_aanbieder_at_most_36() -> None:
    data = wmo315_json()
    data["producten"][0]["referentieAanbieder"] = "R" * 37
    assert codes(errors_of(data)) == [("producten.0.referentieAanbieder", "max_length")]
    data["producten"][0]["referentieAanbieder"] = "R" * 36
    assert verzoek_from_json(data).producten[0].referentie_aanbieder == "R" * 36
    xml = replace_once(example("WMO315"), ">42420002<", f">{'R' * 37}<")
    assert codes(errors_of(xml)) == [(f"{PRODUCT_2}/ReferentieAanbieder", "xsd")]


def test_referentie_aanbieder_unique_within_a_315() -> None:
    assert codes(errors_of(jw315(tweede_referentie="JW-REF-1"))) == [
        (f"{PRODUCT_1}/ReferentieAanbieder", "referentie_niet_uniek"),
        (f"{PRODUCT_2}/ReferentieAanbieder", "referentie_niet_uniek"),
    ]


def test_317_with_nothing_to_change() -> None:
    xml = example("WMO317")
    start, end = xml.index(b"<wmo317:TeWijzigenProducten>"), xml.index(b"</wmo317:NieuweProducten>")
    xml = xml[:start] + xml[end + len(b"</wmo317:NieuweProducten>") :]
    assert codes(errors_of(xml)) == [("Bericht/Client/Verzoek", "geen_wijziging")]


def test_317_toewijzing_kept_and_changed_at_once() -> None:
    assert codes(errors_of(jw317(ongewijzigd=502, te_wijzigen=502))) == [
        ("Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct/ToewijzingNummer", "toewijzing_dubbel")
    ]


def test_317_json_has_one_referentie_and_reden() -> None:
    data = verzoek_to_json(parse_verzoek(jw317()))
    data["producten"][1]["referentieAanbieder"] = "ANDERS"
    data["producten"][2]["redenVerzoek"] = "1"
    assert codes(errors_of(data)) == [
        ("producten.1.referentieAanbieder", "verzoek_niet_eenduidig"),
        ("producten.2.redenVerzoek", "verzoek_niet_eenduidig"),
    ]


def test_every_problem_at_once() -> None:
    data = wmo315_json()
    data["client"]["bsn"] = BSN_FOUT
    data["producten"][0]["budget"] = 5000
    data["producten"][0]["einddatum"] = "2023-01-01"
    data["producten"][1]["omvang"]["frequentie"] = "1"
    data["producten"][1]["product"]["categorie"] = "31"
    assert codes(errors_of(data)) == [
        ("client.bsn", "elfproef"),
        ("producten.0.budget", "CD077"),
        ("producten.0.einddatum", "voor_ingangsdatum"),
        ("producten.1.product.categorie", "categorie_bij_wet"),
        ("producten.1.omvang.frequentie", "CS338"),
    ]


def test_verwijzer_conditions_cd066_cd067_cd068_in_xml() -> None:
    """The example's verwijzer is type 04 with a Naam; the conditions of the 315 apply to it."""
    both = replace_once(
        example("WMO315"),
        "<iwmo:Naam>Verwijzer Naam</iwmo:Naam>",
        "<iwmo:Naam>Verwijzer Naam</iwmo:Naam><iwmo:ZorgverlenerCode>01234567</iwmo:ZorgverlenerCode>",
    )
    assert codes(errors_of(both)) == [(f"{PRODUCT_1}/Verwijzer/Naam", "CD066")]
    neither = replace_once(example("WMO315"), "<iwmo:Naam>Verwijzer Naam</iwmo:Naam>", "")
    assert codes(errors_of(neither)) == [(f"{PRODUCT_1}/Verwijzer", "CD067")]


def test_verwijzer_cd068_in_json() -> None:
    data = wmo315_json()
    data["producten"][0]["verwijzer"] = {"type": "06", "naam": None, "zorgverlenerCode": "01234567"}
    assert codes(errors_of(data)) == [("producten.0.verwijzer.zorgverlenerCode", "CD068")]
