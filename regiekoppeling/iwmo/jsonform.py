"""The JSON form of a 315/317 and the one reader that both forms (JSON, and XML after the XSD) go through.

Because XML is first turned into this JSON shape, the content rules run on exactly the same data
whichever form the backoffice sent; only the names in the errors differ (see `parse.py`).
The shape is documented in the package docstring (`regiekoppeling/iwmo/__init__.py`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

from ..constants import BEDRAG_MAX_EUROCENT, NUMMER_MAX, Eenheid, Frequentie, Geslacht, VerwijzerType
from ..exceptions import DomainValidationError, InvalidParam
from . import rules
from .errors import capped
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

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AGB = re.compile(r"[0-9]{8}")
_GEMEENTE = re.compile(r"[0-9]{4}")
_BSN = re.compile(r"[0-9]{9}")
_CATEGORIE = re.compile(r"[0-9]{2}")
_JA_NEE = ("1", "2")  # COD260
# Django's `.values` builds a new list on every access; these are looked up per product.
_GESLACHT = tuple(Geslacht.values)
_EENHEID = tuple(Eenheid.values)
_FREQUENTIE = tuple(Frequentie.values)
_VERWIJZERTYPE = tuple(VerwijzerType.values)
_REDEN_VERZOEK = ("1", "2")  # WJ758

# Lengths and ranges of the Basisschema datatypes (LDT_*), so JSON is held to what the XSD allows.
MAX_LENGTH = {
    "identificatie": 12,
    "referentieAanbieder": 36,
    "achternaam": 200,
    "voornamen": 200,
    "voorvoegsel": 10,
    "voorletters": 6,
    "code": 5,
    "naam": 64,
}
VOLUME_MAX = 99_999_999

_TOP = {"berichttype", "wet", "header", "client", "producten", "ongewijzigdeToewijzingen"}
_CLIENT = {"bsn", "geboortedatum", "geslacht", "naam", "commentaar", "gezagsdragerBekend"}
_CLIENT_315 = {"bsn", "geboortedatum", "geslacht", "naam", "commentaar"}
_PRODUCT = {
    "soort",
    "referentieAanbieder",
    "redenVerzoek",
    "toewijzingNummer",
    "product",
    "ingangsdatum",
    "einddatum",
    "omvang",
    "budget",
    "beschikkingNummer",
    "beschikkingIngangsdatum",
    "verwijzer",
    "raamcontract",
    "commentaar",
}
# Which fields each kind of product has in its XSD, and which of those are required there.
_PRODUCT_ALLOWED = {
    ProductSoort.AANGEVRAAGD: _PRODUCT - {"redenVerzoek", "toewijzingNummer"},
    ProductSoort.TE_WIJZIGEN: {
        "soort",
        "referentieAanbieder",
        "redenVerzoek",
        "toewijzingNummer",
        "ingangsdatum",
        "einddatum",
        "omvang",
        "budget",
    },
    ProductSoort.NIEUW: {
        "soort",
        "referentieAanbieder",
        "redenVerzoek",
        "product",
        "ingangsdatum",
        "einddatum",
        "omvang",
        "budget",
    },
}
_PRODUCT_REQUIRED = {
    ProductSoort.AANGEVRAAGD: {"referentieAanbieder", "ingangsdatum", "verwijzer"},
    ProductSoort.TE_WIJZIGEN: {"referentieAanbieder", "redenVerzoek", "toewijzingNummer", "ingangsdatum"},
    ProductSoort.NIEUW: {"referentieAanbieder", "redenVerzoek", "ingangsdatum"},
}


def read(data: Any) -> Verzoek:
    """A validated Verzoek from the JSON form, or DomainValidationError with every problem found."""
    if not isinstance(data, dict):
        raise DomainValidationError([InvalidParam("verzoek", "invalid", "Verwacht een JSON-object.")])
    try:
        berichttype = BerichtType(str(data.get("berichttype")))
    except ValueError:
        raise DomainValidationError(
            [
                InvalidParam(
                    "berichttype",
                    "onbekend_bericht",
                    f"Onbekend berichttype {data.get('berichttype')!r}; verwacht een van "
                    f"{', '.join(b.value for b in BerichtType)}.",
                )
            ]
        ) from None
    return _Reader(berichttype).verzoek(data)


def to_json(verzoek: Verzoek) -> dict[str, Any]:
    """The JSON form of `verzoek` (every field, null where absent); `read(to_json(v)) == v`."""
    plain = _plain(verzoek)
    assert isinstance(plain, dict)
    return plain


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {camel(f.name): _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Reader:
    """Reads one JSON verzoek, collecting every problem instead of stopping at the first.

    Required getters return a placeholder ("" / 0 / date.min) after recording the problem, so a
    part is still built (and thrown away: `_part_ok`) while the fields after it are checked too."""

    def __init__(self, berichttype: BerichtType) -> None:
        self.bt = berichttype
        self.errors: list[InvalidParam] = []

    # -- the verzoek and its parts ---------------------------------------------------------------

    def verzoek(self, data: dict[str, Any]) -> Verzoek:
        bt = self.bt
        self._keys(data, "", _TOP, _TOP - (set() if bt.is_wijziging else {"ongewijzigdeToewijzingen"}))
        wet = data.get("wet")
        if wet is not None and wet != bt.wet:
            self._add("wet", "invalid", f"Een {bt.value} hoort bij wet {bt.wet.value}, niet bij {wet!r}.")
        header = self._header(data)
        client = self._client(data)
        producten = self._producten(data)
        ongewijzigd = self._ongewijzigd(data)

        if client is not None:
            self.errors += rules.client_problems(client)
        for index, line in enumerate(producten or []):
            if line is not None:
                self.errors += rules.product_problems(bt.wet, index, line)
        verzoek = None
        complete = producten is not None and all(line is not None for line in producten)
        if header is not None and client is not None and ongewijzigd is not None and complete:
            verzoek = Verzoek(
                berichttype=bt,
                wet=bt.wet,
                header=header,
                client=client,
                producten=tuple(line for line in producten or [] if line is not None),
                ongewijzigde_toewijzingen=ongewijzigd,
            )
            self.errors += rules.set_problems(verzoek)
        if self.errors or verzoek is None:
            raise DomainValidationError(capped(self.errors, name="verzoek", code="te_veel_fouten"))
        return verzoek

    def _header(self, data: dict[str, Any]) -> Header | None:
        d = self._obj(data, "header", "", required=True)
        if d is None:
            return None
        start = len(self.errors)
        self._keys(d, "header", {"aanbieder", "gemeente", "identificatie", "dagtekening"})
        header = Header(
            aanbieder=self._req_str(d, "aanbieder", "header", pattern=_AGB, hint="een AGB-code van 8 cijfers"),
            gemeente=self._req_str(
                d, "gemeente", "header", pattern=_GEMEENTE, hint="een CBS-gemeentecode van 4 cijfers"
            ),
            identificatie=self._req_str(d, "identificatie", "header"),
            dagtekening=self._req_date(d, "dagtekening", "header"),
        )
        return header if self._part_ok(start) else None

    def _client(self, data: dict[str, Any]) -> Client | None:
        d = self._obj(data, "client", "", required=True)
        if d is None:
            return None
        start = len(self.errors)
        bt = self.bt
        p = "client"
        if bt.is_wijziging:
            self._keys(d, p, _CLIENT, {"bsn"})
            client = Client(bsn=self._req_str(d, "bsn", p, pattern=_BSN, hint="9 cijfers"))
            return client if self._part_ok(start) else None
        allowed = _CLIENT_315 | ({"gezagsdragerBekend"} if bt == BerichtType.JW315 else set())
        self._keys(d, p, _CLIENT, allowed)
        client = Client(
            bsn=self._req_str(d, "bsn", p, pattern=_BSN, hint="9 cijfers"),
            geboortedatum=self._req_date(d, "geboortedatum", p),
            geslacht=self._req_str(d, "geslacht", p, choices=_GESLACHT),
            naam=self._naam(d, p),
            commentaar=self._str(d, "commentaar", p),
            gezagsdrager_bekend=self._str(d, "gezagsdragerBekend", p, choices=_JA_NEE),
        )
        return client if self._part_ok(start) else None

    def _naam(self, data: dict[str, Any], path: str) -> Naam | None:
        d = self._obj(data, "naam", path, required=True)
        if d is None:
            return None
        p = _join(path, "naam")
        self._keys(d, p, {"achternaam", "voorvoegsel", "voornamen", "voorletters"})
        return Naam(
            achternaam=self._req_str(d, "achternaam", p),
            voorvoegsel=self._str(d, "voorvoegsel", p),
            voornamen=self._str(d, "voornamen", p),
            voorletters=self._str(d, "voorletters", p),
        )

    def _producten(self, data: dict[str, Any]) -> list[VerzochtProduct | None] | None:
        value = data.get("producten")
        if value is None:
            self._add("producten", "required", "Dit veld is verplicht (een lijst, eventueel leeg bij een 317).")
            return None
        if not isinstance(value, list):
            self._add("producten", "invalid", "Verwacht een lijst.")
            return None
        return [self._product(item, f"producten.{index}") for index, item in enumerate(value)]

    def _product(self, d: Any, p: str) -> VerzochtProduct | None:
        if not isinstance(d, dict):
            self._add(p, "invalid", "Verwacht een object.")
            return None
        start = len(self.errors)
        soort = self._soort(d, p)
        allowed, required = _PRODUCT_ALLOWED[soort], _PRODUCT_REQUIRED[soort]
        self._keys(d, p, _PRODUCT, allowed, why=f"een {soort.value} product van een {self.bt.value}")
        line = VerzochtProduct(
            soort=soort,
            referentie_aanbieder=self._req_str(d, "referentieAanbieder", p),
            ingangsdatum=self._req_date(d, "ingangsdatum", p),
            einddatum=self._date(d, "einddatum", p),
            product=self._product_code(d, p),
            omvang=self._omvang(d, p),
            budget=self._int(d, "budget", p, maximum=BEDRAG_MAX_EUROCENT),
            toewijzing_nummer=self._int(
                d, "toewijzingNummer", p, maximum=NUMMER_MAX, required="toewijzingNummer" in required
            ),
            reden_verzoek=self._str(d, "redenVerzoek", p, choices=_REDEN_VERZOEK, required="redenVerzoek" in required),
            beschikking_nummer=self._int(d, "beschikkingNummer", p, maximum=NUMMER_MAX),
            beschikking_ingangsdatum=self._date(d, "beschikkingIngangsdatum", p),
            verwijzer=self._verwijzer(d, p, required="verwijzer" in required),
            raamcontract=self._str(d, "raamcontract", p, choices=_JA_NEE),
            commentaar=self._str(d, "commentaar", p),
        )
        return line if self._part_ok(start) else None

    def _soort(self, d: dict[str, Any], p: str) -> ProductSoort:
        choices: tuple[ProductSoort, ...]
        if self.bt.is_wijziging:
            choices = (ProductSoort.TE_WIJZIGEN, ProductSoort.NIEUW)
            # Only a TeWijzigenProduct refers to a toewijzing, so the number tells the two apart.
            default = ProductSoort.TE_WIJZIGEN if d.get("toewijzingNummer") is not None else ProductSoort.NIEUW
        else:
            choices = (ProductSoort.AANGEVRAAGD,)
            default = ProductSoort.AANGEVRAAGD
        value = d.get("soort")
        if value is None:
            return default
        if value not in choices:
            self._add(
                _join(p, "soort"),
                "invalid_choice",
                f"Een {self.bt.value} kent alleen soort {' of '.join(c.value for c in choices)}.",
            )
            return default
        return ProductSoort(value)

    def _product_code(self, data: dict[str, Any], path: str) -> Product | None:
        d = self._obj(data, "product", path, required=False)
        if d is None:
            return None
        p = _join(path, "product")
        self._keys(d, p, {"categorie", "code"})
        # Whether the categorie belongs to the wet is a content rule (rules.product_problems).
        return Product(
            categorie=self._req_str(d, "categorie", p, pattern=_CATEGORIE, hint="2 cijfers"),
            code=self._str(d, "code", p),
        )

    def _omvang(self, data: dict[str, Any], path: str) -> Omvang | None:
        d = self._obj(data, "omvang", path, required=False)
        if d is None:
            return None
        p = _join(path, "omvang")
        self._keys(d, p, {"volume", "eenheid", "frequentie"})
        return Omvang(
            volume=self._int(d, "volume", p, maximum=VOLUME_MAX, required=True) or 0,
            eenheid=self._req_str(d, "eenheid", p, choices=_EENHEID),
            frequentie=self._req_str(d, "frequentie", p, choices=_FREQUENTIE),
        )

    def _verwijzer(self, data: dict[str, Any], path: str, *, required: bool) -> Verwijzer | None:
        d = self._obj(data, "verwijzer", path, required=required)
        if d is None:
            return None
        p = _join(path, "verwijzer")
        self._keys(d, p, {"type", "naam", "zorgverlenerCode"})
        return Verwijzer(
            type=self._req_str(d, "type", p, choices=_VERWIJZERTYPE),
            naam=self._str(d, "naam", p),
            zorgverlener_code=self._str(d, "zorgverlenerCode", p, pattern=_AGB, hint="een AGB-code van 8 cijfers"),
        )

    def _ongewijzigd(self, data: dict[str, Any]) -> tuple[int, ...] | None:
        value = data.get("ongewijzigdeToewijzingen")
        if value is None:
            return ()
        if not isinstance(value, list):
            self._add("ongewijzigdeToewijzingen", "invalid", "Verwacht een lijst van ToewijzingNummers.")
            return None
        start = len(self.errors)
        numbers = tuple(
            self._int({"n": item}, "n", "", maximum=NUMMER_MAX, required=True, name=f"ongewijzigdeToewijzingen.{i}")
            or 0
            for i, item in enumerate(value)
        )
        return numbers if self._part_ok(start) else None

    # -- fields ----------------------------------------------------------------------------------

    def _add(self, name: str, code: str, reason: str) -> None:
        self.errors.append(InvalidParam(name, code, reason))

    def _part_ok(self, start: int) -> bool:
        return len(self.errors) == start

    def _keys(
        self,
        data: dict[str, Any],
        path: str,
        known: Collection[str],
        allowed: Collection[str] | None = None,
        why: str = "",
    ) -> None:
        for key in data:
            name = _join(path, str(key))
            if key not in known:
                self._add(name, "unknown_field", "Onbekend veld.")
            elif allowed is not None and key not in allowed and data[key] not in (None, []):  # null, [] = absent
                self._add(name, "niet_toegestaan", f"Dit veld komt niet voor in {why or 'een ' + self.bt.value}.")

    def _obj(self, data: dict[str, Any], key: str, path: str, *, required: bool) -> dict[str, Any] | None:
        value = data.get(key)
        name = _join(path, key)
        if value is None:
            if required:
                self._add(name, "required", "Dit veld is verplicht.")
            return None
        if not isinstance(value, dict):
            self._add(name, "invalid", "Verwacht een object.")
            return None
        return value

    def _str(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
        choices: Collection[str] | None = None,
    ) -> str | None:
        value = data.get(key)
        name = _join(path, key)
        if value is None:
            if required:
                self._add(name, "required", "Dit veld is verplicht.")
            return None
        if not isinstance(value, str):
            self._add(name, "invalid", "Verwacht een tekst (string); codes met voorloopnullen als tekst.")
            return None
        if not value.strip():
            self._add(name, "blank", "Dit veld mag niet leeg zijn.")
            return None
        limit = MAX_LENGTH.get(key)
        if limit is not None and len(value) > limit:
            self._add(name, "max_length", f"Maximaal {limit} tekens; dit zijn er {len(value)}.")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self._add(name, "invalid", f"Verwacht {hint}.")
            return None
        if choices is not None and value not in choices:
            self._add(name, "invalid_choice", f"{value!r} is geen geldige waarde; kies uit {', '.join(choices)}.")
            return None
        return value

    def _req_str(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
        choices: Collection[str] | None = None,
    ) -> str:
        value = self._str(data, key, path, required=True, pattern=pattern, hint=hint, choices=choices)
        return "" if value is None else value

    def _int(
        self, data: dict[str, Any], key: str, path: str, *, maximum: int, required: bool = False, name: str = ""
    ) -> int | None:
        value = data.get(key)
        name = name or _join(path, key)
        if value is None:
            if required:
                self._add(name, "required", "Dit veld is verplicht.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._add(name, "not_integer", "Moet een geheel getal zijn (JSON integer, bedragen in eurocent).")
            return None
        if not 0 <= value <= maximum:
            self._add(name, "out_of_range", f"Moet tussen 0 en {maximum} liggen.")
            return None
        return value

    def _date(self, data: dict[str, Any], key: str, path: str, *, required: bool = False) -> dt.date | None:
        value = data.get(key)
        name = _join(path, key)
        if value is None:
            if required:
                self._add(name, "required", "Dit veld is verplicht.")
            return None
        # fromisoformat alone would also take '20230715' and week dates; the standard writes JJJJ-MM-DD.
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self._add(name, "ongeldige_datum", f"{value!r} is geen bestaande datum in de vorm JJJJ-MM-DD.")
        return None

    def _req_date(self, data: dict[str, Any], key: str, path: str) -> dt.date:
        value = self._date(data, key, path, required=True)
        return dt.date.min if value is None else value
