"""Scenario S7: a provider's verzoek om toewijzing (315) or verzoek om wijziging (317), forwarded by the
backoffice as the raw iWmo/iJw 3.2 XML or as JSON, turned into one validated `Verzoek`.

Public API
- `parse_verzoek(xml: bytes) -> Verzoek`: WMO315, JW315, WMO317 or JW317 (message type from the root
  namespace), parsed safely (no DOCTYPE, entities, network or disk; size capped), validated against the
  official XSD, then held to the content rules in `rules.py`.
- `verzoek_from_json(data: dict) -> Verzoek`: the same content as JSON (shape below), same content rules.
- `verzoek_to_json(verzoek) -> dict`: the JSON form (every key, null where absent); round-trips.
- Errors: `DomainValidationError` with `InvalidParam(name, code, reason)` entries (400). Codes:
  `xsd` (one per schema error, name = element location such as `Bericht/Client/Bsn`), `parse_error`
  (name `regel N`), `doctype`, `onbekend_bericht`, and the content rules: `elfproef`, `ongeldige_datum`,
  `voor_ingangsdatum`, `categorie_bij_wet`, `CD077` (omvang and budget), `CS338` (eenheid/frequentie),
  `CD066`/`CD067`/`CD068` (verwijzer: zorgverlenercode or naam for types 02-05, no code otherwise),
  `referentie_niet_uniek` (315), `geen_wijziging`, `verzoek_niet_eenduidig`, `toewijzing_dubbel` (317);
  JSON also gets field codes (`required`, `invalid`, `invalid_choice`, `max_length`, `not_integer`,
  `out_of_range`, `blank`, `unknown_field`, `niet_toegestaan`). For XML the names are element
  locations in the sender's document, for JSON dotted camelCase paths (`producten.0.einddatum`).
  At most 100 entries are listed; a last one (`xsd` on `Bericht`, or `te_veel_fouten` on `verzoek`)
  says how many more there were.
  `BerichtTeGroot` (413) when the XML exceeds `IWMO_MAX_BYTES`; `SchemaFout` (an `ImproperlyConfigured`,
  500) when an XSD is missing or broken.
- Settings, read at call time: `IWMO_XSD_DIR` (default `<repo>/../shared/iwmo`; holds
  `iwmo-3.2/xsd/WMO315.xsd`, `ijw-3.2/xsd/JW315.xsd`, ... with their `Basisschema.xsd`; each schema is
  compiled once per path and cached), `IWMO_MAX_BYTES` (default 25 MiB, the standard's OP179 limit).

JSON form: the camelCase names of the dataclass fields in `model.py`. null means absent, dates are
"JJJJ-MM-DD", amounts are integer eurocent, codes are strings (leading zeros matter)::

    {
      "berichttype": "WMO315",            # WMO315 | JW315 | WMO317 | JW317 (required)
      "wet": "WMO",                       # optional; must match the berichttype
      "header": {"aanbieder": "42420001", # Afzender, AGB code
                 "gemeente": "0384",      # Ontvanger, CBS code
                 "identificatie": "123456789012", "dagtekening": "2023-07-15"},
      "client": {"bsn": "999900006",
                 # 315 only (required there); a 317 carries only the BSN:
                 "geboortedatum": "1972-07-16", "geslacht": "1",
                 "naam": {"achternaam": "Wit", "voorvoegsel": "de", "voornamen": "Tim", "voorletters": "T"},
                 "commentaar": "...",
                 "gezagsdragerBekend": "1"},       # JW315 only
      "producten": [{
          "soort": "aangevraagd",         # 315: aangevraagd; 317: te_wijzigen | nieuw
                                          #   (optional; a toewijzingNummer makes it te_wijzigen)
          "referentieAanbieder": "42420001",   # required; in a 317 the Verzoek's, equal on every product
          "redenVerzoek": "1",            # 317 only, required there, equal on every product
          "toewijzingNummer": 10072,      # 317 te_wijzigen only, required there
          "product": {"categorie": "01", "code": "ABCDE"},   # not on te_wijzigen
          "ingangsdatum": "2023-06-01",   # required (315 ToewijzingIngangsdatum, 317 GewensteIngangsdatum)
          "einddatum": "2023-06-30",
          "omvang": {"volume": 4, "eenheid": "14", "frequentie": "4"},   # or:
          "budget": 120000,
          # 315 only:
          "beschikkingNummer": 1234, "beschikkingIngangsdatum": "2023-06-01",
          "verwijzer": {"type": "04", "naam": "Verwijzer Naam", "zorgverlenerCode": null},   # required in 315
          "raamcontract": "1", "commentaar": "..."
      }],
      "ongewijzigdeToewijzingen": [10071]  # 317 only: ToewijzingNummers kept as they are
    }

A field of another message type (e.g. `verwijzer` on a 317 product) is refused (`niet_toegestaan`),
an unknown key too (`unknown_field`), so a misspelt field is never silently dropped.
"""

from __future__ import annotations

from typing import Any

from .errors import BerichtTeGroot, SchemaFout
from .jsonform import read as _read
from .jsonform import to_json as _to_json
from .model import (
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
)
from .parse import parse_verzoek
from .schemas import clear_schema_cache


def verzoek_from_json(data: dict[str, Any]) -> Verzoek:
    """A validated Verzoek from the JSON form; `DomainValidationError` listing every problem otherwise."""
    return _read(data)


def verzoek_to_json(verzoek: Verzoek) -> dict[str, Any]:
    return _to_json(verzoek)


__all__ = [
    "BerichtTeGroot",
    "BerichtType",
    "Client",
    "Header",
    "Naam",
    "Omvang",
    "Product",
    "ProductSoort",
    "SchemaFout",
    "Verwijzer",
    "VerzochtProduct",
    "Verzoek",
    "clear_schema_cache",
    "parse_verzoek",
    "verzoek_from_json",
    "verzoek_to_json",
]
