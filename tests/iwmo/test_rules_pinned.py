"""The iWmo content rules pinned at their boundary and by the message a sender reads (issue 15: each rule
fails a test when it is removed, inverted or moved by one day)."""

from __future__ import annotations

from regiekoppeling.iwmo import parse_verzoek, verzoek_from_json, verzoek_to_json

from .conftest import example, jw315, jw317, replace_once
from .test_rules import errors_of, wmo315_json


def test_einddatum_on_the_ingangsdatum_is_a_valid_one_day_toewijzing() -> None:
    xml = replace_once(
        example("WMO315"), "<wmo315:ToewijzingEinddatum>2023-06-30", "<wmo315:ToewijzingEinddatum>2023-06-01"
    )
    line = parse_verzoek(xml).producten[0]
    assert line.einddatum == line.ingangsdatum


def test_omvang_and_budget_message() -> None:
    xml = replace_once(example("WMO315"), "</wmo315:Omvang>", "</wmo315:Omvang><wmo315:Budget>10000</wmo315:Budget>")
    [error] = errors_of(xml)
    assert error.reason == "Omvang en budget sluiten elkaar uit (CD077/CD078): kies er een."


def test_cs338_message() -> None:
    xml = replace_once(example("WMO315"), "<iwmo:Frequentie>4<", "<iwmo:Frequentie>1<")
    [error] = errors_of(xml)
    assert error.reason == "Bij eenheid 14 moet de frequentie 2 (per week), 4 (per maand) of 6 (totaal) zijn (CS338)."


def test_referentie_niet_uniek_message() -> None:
    first, second = errors_of(jw315(tweede_referentie="JW-REF-1"))
    assert (
        first.reason
        == second.reason
        == (
            "ReferentieAanbieder JW-REF-1 komt vaker voor in dit verzoek (9347); "
            "het antwoord per product zou niet eenduidig zijn."
        )
    )


def test_distinct_referenties_in_a_315_are_accepted() -> None:
    referenties = [line.referentie_aanbieder for line in parse_verzoek(jw315()).producten]
    assert referenties == ["JW-REF-1", "JW-REF-2"]


def test_317_with_nothing_to_change_message() -> None:
    xml = example("WMO317")
    start, end = xml.index(b"<wmo317:TeWijzigenProducten>"), xml.index(b"</wmo317:NieuweProducten>")
    [error] = errors_of(xml[:start] + xml[end + len(b"</wmo317:NieuweProducten>") :])
    assert error.reason == (
        "Een verzoek om wijziging bevat minstens één te wijzigen of nieuw product; er valt niets te beoordelen."
    )


def test_toewijzing_dubbel_message_and_distinct_numbers_accepted() -> None:
    [error] = errors_of(jw317(ongewijzigd=502, te_wijzigen=502))
    assert error.reason == "ToewijzingNummer 502 komt meer dan eens voor in dit verzoek."
    assert parse_verzoek(jw317(ongewijzigd=501, te_wijzigen=502)).ongewijzigde_toewijzingen == (501,)


def test_verzoek_niet_eenduidig_message() -> None:
    data = verzoek_to_json(parse_verzoek(jw317()))
    data["producten"][1]["referentieAanbieder"] = "ANDERS"
    [error] = errors_of(data)
    first = data["producten"][0]["referentieAanbieder"]
    assert error.reason == (
        "Een verzoek om wijziging heeft één referentieAanbieder voor alle producten; "
        f"product 0 heeft '{first}', dit product 'ANDERS'."
    )


def test_verzoek_om_toewijzing_without_products() -> None:
    data = wmo315_json()
    data["producten"] = []
    errors = errors_of(data)
    assert [(e.name, e.code, e.reason) for e in errors if e.name == "producten"] == [
        ("producten", "required", "Een verzoek om toewijzing vraagt minstens één product aan.")
    ]


def test_a_valid_verzoek_has_no_problems_in_json_either() -> None:
    data = wmo315_json()
    assert verzoek_to_json(verzoek_from_json(data)) == data


def test_verwijzer_without_naam_and_code_is_named_as_a_whole_in_json() -> None:
    data = wmo315_json()
    data["producten"][0]["verwijzer"] = {"type": "04", "naam": None, "zorgverlenerCode": None}
    [error] = errors_of(data)
    assert (error.name, error.code) == ("producten.0.verwijzer", "CD067")
    assert error.reason == "Verwijzer type 04 vraagt om een zorgverlenerscode (AGB) of de naam."


def test_verwijzer_with_naam_and_code_message() -> None:
    data = wmo315_json()
    data["producten"][0]["verwijzer"] = {"type": "04", "naam": "Huisarts", "zorgverlenerCode": "01234567"}
    [error] = errors_of(data)
    assert (error.name, error.code) == ("producten.0.verwijzer.naam", "CD066")
    assert error.reason == "Met een zorgverlenerscode blijft de naam van de verwijzer leeg."
