"""The JSON form of a 315/317 (`regiekoppeling.iwmo.jsonform`) as an OpenAPI schema.

Built from the reader's own limits (lengths, patterns, code lists, maxima), so the document says what
the reader refuses. What a schema cannot say (which fields belong to which berichttype, the elfproef,
the content rules) stays a 400 naming the field."""

from __future__ import annotations

from typing import Any

from ..constants import BEDRAG_MAX_EUROCENT, NUMMER_MAX, Eenheid, Frequentie, Geslacht, VerwijzerType, Wet
from ..iwmo import BerichtType, ProductSoort
from ..iwmo.jsonform import MAX_LENGTH, VOLUME_MAX

_DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "nullable": True}
_JA_NEE = {"type": "string", "enum": ["1", "2", None], "nullable": True}


def _text(key: str, description: str, *, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "description": description, "nullable": True}
    if key in MAX_LENGTH:
        schema["maxLength"] = MAX_LENGTH[key]
    if pattern:
        schema["pattern"] = pattern
    return schema


def _codes(values: list[str], description: str) -> dict[str, Any]:
    return {"type": "string", "enum": [*values, None], "nullable": True, "description": description}


def _number(maximum: int, description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": maximum, "nullable": True, "description": description}


def _object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    for name in required:
        properties[name] = {k: v for k, v in properties[name].items() if k != "nullable"}
        if "enum" in properties[name]:
            properties[name]["enum"] = [v for v in properties[name]["enum"] if v is not None]
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def verzoek_schema() -> dict[str, Any]:
    header = _object(
        {
            "aanbieder": _text("aanbieder", "Afzender: AGB-code van de aanbieder.", pattern=r"^[0-9]{8}$"),
            "gemeente": _text("gemeente", "Ontvanger: CBS-gemeentecode.", pattern=r"^[0-9]{4}$"),
            "identificatie": _text("identificatie", "BerichtIdentificatie, uniek per afzender."),
            "dagtekening": {**_DATE, "description": "Dagtekening van het bericht."},
        },
        ["aanbieder", "gemeente", "identificatie", "dagtekening"],
        "De header van het bericht.",
    )
    naam = _object(
        {
            "achternaam": _text("achternaam", "Achternaam."),
            "voorvoegsel": _text("voorvoegsel", "Voorvoegsel."),
            "voornamen": _text("voornamen", "Voornamen."),
            "voorletters": _text("voorletters", "Voorletters."),
        },
        ["achternaam"],
        "Naam van de client (315).",
    )
    client = _object(
        {
            "bsn": {**_text("bsn", "BSN: 9 cijfers, elfproef.", pattern=r"^[0-9]{9}$"), "maxLength": 9},
            "geboortedatum": {**_DATE, "description": "315: verplicht."},
            "geslacht": _codes(list(Geslacht.values), "Geslacht (COD046); 315: verplicht."),
            "naam": _nullable(naam),
            "commentaar": _text("commentaar", "Commentaar (315)."),
            "gezagsdragerBekend": {**_JA_NEE, "description": "Alleen JW315: 1 = ja, 2 = nee."},
        },
        ["bsn"],
        "De client; een 317 noemt alleen het BSN.",
    )
    product = _object(
        {
            "soort": _codes(
                [s.value for s in ProductSoort],
                "315: aangevraagd; 317: te_wijzigen of nieuw (zonder soort maakt een toewijzingNummer het "
                "te_wijzigen).",
            ),
            "referentieAanbieder": _text("referentieAanbieder", "ReferentieAanbieder; in een 317 gelijk per product."),
            "redenVerzoek": _codes(["1", "2"], "Alleen 317, daar verplicht (WJ758)."),
            "toewijzingNummer": _number(NUMMER_MAX, "317 te_wijzigen: de toewijzing die wijzigt."),
            "product": _nullable(
                _object(
                    {
                        "categorie": _text("categorie", "Productcategorie.", pattern=r"^[0-9]{2}$"),
                        "code": _text("code", "Productcode."),
                    },
                    ["categorie"],
                    "Het product; niet bij te_wijzigen.",
                )
            ),
            "ingangsdatum": {**_DATE, "description": "315 ToewijzingIngangsdatum, 317 GewensteIngangsdatum."},
            "einddatum": {**_DATE, "description": "Einddatum."},
            "omvang": _nullable(
                _object(
                    {
                        "volume": _number(VOLUME_MAX, "Volume."),
                        "eenheid": _codes(list(Eenheid.values), "Eenheid (WJ756)."),
                        "frequentie": _codes(list(Frequentie.values), "Frequentie (WJ757)."),
                    },
                    ["volume", "eenheid", "frequentie"],
                    "Omvang; sluit budget uit.",
                )
            ),
            "budget": _number(BEDRAG_MAX_EUROCENT, "Budget in eurocent; sluit omvang uit."),
            "beschikkingNummer": _number(NUMMER_MAX, "315: beschikkingnummer."),
            "beschikkingIngangsdatum": {**_DATE, "description": "315: ingangsdatum van de beschikking."},
            "verwijzer": _nullable(
                _object(
                    {
                        "type": _codes(list(VerwijzerType.values), "Type verwijzer (COD327)."),
                        "naam": _text("naam", "Naam van de verwijzer."),
                        "zorgverlenerCode": _text("zorgverlenerCode", "AGB-code.", pattern=r"^[0-9]{8}$"),
                    },
                    ["type"],
                    "315 (daar verplicht): wie de client verwees.",
                )
            ),
            "raamcontract": {**_JA_NEE, "description": "315: 1 = ja, 2 = nee."},
            "commentaar": _text("commentaar", "Commentaar (315)."),
        },
        ["referentieAanbieder", "ingangsdatum"],
        "Een verzocht product.",
    )
    return _object(
        {
            "berichttype": _codes([b.value for b in BerichtType], "Het berichttype."),
            "wet": _codes(list(Wet.values), "Optioneel; moet bij het berichttype passen."),
            "header": header,
            "client": client,
            "producten": {"type": "array", "items": product, "description": "De verzochte producten."},
            "ongewijzigdeToewijzingen": {
                "type": "array",
                "nullable": True,
                "items": {"type": "integer", "minimum": 0, "maximum": NUMMER_MAX},
                "description": "Alleen 317: ToewijzingNummers die blijven zoals ze zijn.",
            },
        },
        ["berichttype", "header", "client", "producten"],
        "Een verzoek om toewijzing (315) of om wijziging (317) in de JSON-vorm; zie de README.",
    )
