"""The JSON form: the same content as the XML, the same content rules, and strict about its shape."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from regiekoppeling.exceptions import DomainValidationError, InvalidParam
from regiekoppeling.iwmo import BerichtType, ProductSoort, parse_verzoek, verzoek_from_json, verzoek_to_json

from .conftest import example, jw315, jw317

# The shape of the package docstring, written out by hand as a backoffice would send it.
WMO315_JSON: dict[str, Any] = {
    "berichttype": "WMO315",
    "header": {
        "aanbieder": "42420001",
        "gemeente": "0384",
        "identificatie": "123456789012",
        "dagtekening": "2023-07-15",
    },
    "client": {
        "bsn": "999900006",
        "geboortedatum": "1972-07-16",
        "geslacht": "1",
        "naam": {"achternaam": "Wit", "voorvoegsel": "de", "voornamen": "Tim", "voorletters": "T"},
        "commentaar": "Commentaar client",
    },
    "producten": [
        {
            "referentieAanbieder": ref,
            "beschikkingNummer": 1234,
            "product": {"categorie": categorie, "code": code},
            "beschikkingIngangsdatum": "2023-06-01",
            "ingangsdatum": "2023-06-01",
            "einddatum": "2023-06-30",
            "omvang": {"volume": 4, "eenheid": "14", "frequentie": "4"},
            "verwijzer": {"type": "04", "naam": "Verwijzer Naam"},
            "raamcontract": "1",
            "commentaar": commentaar,
        }
        for ref, categorie, code, commentaar in [
            ("42420001", "01", "ABCDE", "Commentaar Aangevraagd Product"),
            ("42420002", "02", "BCDEF", "Commentaat Aangevraagd Product 2"),
        ]
    ],
}


def errors_of(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(DomainValidationError) as info:
        verzoek_from_json(data)
    return [(p.name, p.code) for p in info.value.params]


def wmo315() -> dict[str, Any]:
    return copy.deepcopy(WMO315_JSON)


def test_hand_written_json_equals_the_xml() -> None:
    assert verzoek_from_json(wmo315()) == parse_verzoek(example("WMO315"))


def test_json_survives_serialisation() -> None:
    data = verzoek_to_json(parse_verzoek(jw317()))
    assert verzoek_from_json(json.loads(json.dumps(data))) == parse_verzoek(jw317())


def test_317_soort_follows_from_the_toewijzingnummer() -> None:
    data = verzoek_to_json(parse_verzoek(example("WMO317")))
    for line in data["producten"]:
        del line["soort"]
    assert [p.soort for p in verzoek_from_json(data).producten] == [ProductSoort.TE_WIJZIGEN, ProductSoort.NIEUW]


def test_jw315_json_with_gezagsdrager() -> None:
    verzoek = verzoek_from_json(verzoek_to_json(parse_verzoek(jw315())))
    assert verzoek.berichttype == BerichtType.JW315
    assert verzoek.client.gezagsdrager_bekend == "1"


def test_unknown_berichttype() -> None:
    with pytest.raises(DomainValidationError) as info:
        verzoek_from_json({**wmo315(), "berichttype": "WMO301"})
    assert info.value.params == [
        InvalidParam(
            "berichttype",
            "onbekend_bericht",
            "Onbekend berichttype 'WMO301'; verwacht een van WMO315, JW315, WMO317, JW317.",
        )
    ]
    assert errors_of({}) == [("berichttype", "onbekend_bericht")]
    assert errors_of([wmo315()]) == [("verzoek", "invalid")]


def test_required_fields() -> None:
    data = wmo315()
    del data["header"]["dagtekening"]
    del data["client"]["naam"]
    del data["producten"][0]["verwijzer"]
    del data["producten"][1]["ingangsdatum"]
    data["producten"][1]["omvang"] = {"eenheid": "14"}
    assert errors_of(data) == [
        ("header.dagtekening", "required"),
        ("client.naam", "required"),
        ("producten.0.verwijzer", "required"),
        ("producten.1.ingangsdatum", "required"),
        ("producten.1.omvang.volume", "required"),
        ("producten.1.omvang.frequentie", "required"),
    ]


def test_types_and_codes() -> None:
    data = wmo315()
    data["header"]["aanbieder"] = "4242"
    data["header"]["gemeente"] = 384
    data["client"]["geslacht"] = "M"
    data["producten"][0]["budget"] = 12.5
    data["producten"][0]["omvang"]["volume"] = True
    data["producten"][0]["omvang"]["eenheid"] = "99"
    data["producten"][1]["beschikkingNummer"] = 1_000_000_000
    data["producten"][1]["product"]["code"] = "ABCDEF"
    data["producten"][1]["verwijzer"]["naam"] = "  "
    assert errors_of(data) == [
        ("header.aanbieder", "invalid"),
        ("header.gemeente", "invalid"),
        ("client.geslacht", "invalid_choice"),
        ("producten.0.omvang.volume", "not_integer"),
        ("producten.0.omvang.eenheid", "invalid_choice"),
        ("producten.0.budget", "not_integer"),
        ("producten.1.product.code", "max_length"),
        ("producten.1.beschikkingNummer", "out_of_range"),
        ("producten.1.verwijzer.naam", "blank"),
    ]


def test_unknown_and_foreign_fields() -> None:
    data = wmo315()
    data["producten"][0]["omvang"]["per"] = "week"
    data["producten"][0]["toewijzingNummer"] = 1  # a 317 field
    data["client"]["gezagsdragerBekend"] = "1"  # iJw only
    data["ongewijzigdeToewijzingen"] = [5]  # 317 only
    data["extra"] = True
    assert errors_of(data) == [
        ("ongewijzigdeToewijzingen", "niet_toegestaan"),
        ("extra", "unknown_field"),
        ("client.gezagsdragerBekend", "niet_toegestaan"),
        ("producten.0.toewijzingNummer", "niet_toegestaan"),
        ("producten.0.omvang.per", "unknown_field"),
    ]


def test_317_product_kinds_have_their_own_fields() -> None:
    data = verzoek_to_json(parse_verzoek(jw317()))
    data["producten"][0]["product"] = {"categorie": "45"}  # a TeWijzigenProduct has no Product
    data["producten"][1]["verwijzer"] = {"type": "02"}  # only a 315 names the verwijzer
    data["producten"][2]["soort"] = "aangevraagd"
    data["client"]["naam"] = {"achternaam": "Jansen"}  # a 317 carries only the BSN
    assert errors_of(data) == [
        ("client.naam", "niet_toegestaan"),
        ("producten.0.product", "niet_toegestaan"),
        ("producten.1.verwijzer", "niet_toegestaan"),
        ("producten.2.soort", "invalid_choice"),
    ]


def test_317_te_wijzigen_needs_its_toewijzing_and_reden() -> None:
    data = verzoek_to_json(parse_verzoek(jw317()))
    data["producten"][0]["soort"] = "te_wijzigen"
    data["producten"][0]["toewijzingNummer"] = None
    for line in data["producten"]:
        line["redenVerzoek"] = None
    assert errors_of(data) == [
        ("producten.0.toewijzingNummer", "required"),
        ("producten.0.redenVerzoek", "required"),
        ("producten.1.redenVerzoek", "required"),
        ("producten.2.redenVerzoek", "required"),
    ]


def test_wet_must_match_the_berichttype() -> None:
    assert errors_of({**wmo315(), "wet": "JW"}) == [("wet", "invalid")]
    assert verzoek_from_json({**wmo315(), "wet": "WMO"}).wet == "WMO"


def test_315_asks_for_at_least_one_product() -> None:
    assert errors_of({**wmo315(), "producten": []}) == [("producten", "required")]


def test_ongewijzigde_toewijzingen_are_numbers() -> None:
    data = verzoek_to_json(parse_verzoek(jw317()))
    data["ongewijzigdeToewijzingen"] = [501, "502", -1]
    assert errors_of(data) == [
        ("ongewijzigdeToewijzingen.1", "not_integer"),
        ("ongewijzigdeToewijzingen.2", "out_of_range"),
    ]


def test_field_errors_and_content_rules_together() -> None:
    """A broken part does not hide the content rules of the parts that could be read."""
    data = wmo315()
    data["client"]["bsn"] = "999900007"
    del data["producten"][0]["ingangsdatum"]
    data["producten"][1]["budget"] = 100
    assert errors_of(data) == [
        ("producten.0.ingangsdatum", "required"),
        ("client.bsn", "elfproef"),
        ("producten.1.budget", "CD077"),
    ]


def test_many_problems_are_capped() -> None:
    data = wmo315()
    line = data["producten"][0]
    data["producten"] = [{**line, "referentieAanbieder": f"R{i}", "budget": 1} for i in range(150)]
    with pytest.raises(DomainValidationError) as info:
        verzoek_from_json(data)
    params = info.value.params
    assert len(params) == 101
    assert (params[0].name, params[0].code) == ("producten.0.budget", "CD077")
    assert (params[-1].name, params[-1].code) == ("verzoek", "te_veel_fouten")
    assert params[-1].reason.startswith("En nog 50 fouten")
