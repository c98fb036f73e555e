"""Content rules of the standard for one aanvraag (iWmo/iJw 3.2 rule codes in the comments).

Pure functions over the validated input: they return every violation at once, so a client sees
all problems of its request in one answer. Lookups that need the database (productenboek, OP043
against stored lines) live in `services.py` and feed these functions (a product is passed in as found).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from stdnum.nl import bsn as stdnum_bsn

from .constants import (
    ARRANGEMENT_CATEGORIEEN,
    EENHEDEN_ZONDER_DAGFREQUENTIE,
    FREQUENTIES_VOOR_EENHEDEN_ZONDER_DAG,
    PRODUCTCATEGORIEEN,
    Frequentie,
    Leveringsvorm,
)
from .exceptions import InvalidParam

if TYPE_CHECKING:  # the rules stay importable without the app registry (the iwmo package uses them)
    from .models import Product

Line = dict[str, Any]


def bsn_problem(value: str) -> str | None:
    """Why `value` is not a BSN, or None. Elfproef (CS002), 9 ASCII digits, not all zeros."""
    # str.isdigit() alone also takes full-width and other digits, which the elfproef happily reads.
    if len(value) != 9 or not (value.isascii() and value.isdigit()):
        return "Een BSN bestaat uit precies 9 cijfers."
    if set(value) == {"0"}:
        return "Een BSN mag niet uit alleen nullen bestaan."
    if not stdnum_bsn.is_valid(value):
        return "Het BSN voldoet niet aan de elfproef."
    return None


def looks_like_bsn(value: str) -> bool:
    return len(value) == 9 and value.isdigit() and set(value) != {"0"} and stdnum_bsn.is_valid(value)


def categorie_problem(wet: str, categorie: str) -> str | None:
    if categorie not in PRODUCTCATEGORIEEN.get(wet, {}):
        return f"Productcategorie {categorie} hoort niet bij wet {wet}."
    return None


def line_problems(index: int, line: Line) -> list[InvalidParam]:
    """Rules that look at one voorziening line only."""
    p = f"voorzieningen.{index}"
    out: list[InvalidParam] = []
    omvang = line.get("omvang")
    budget = line.get("budget")
    pgb = line.get("pgb")
    ingang: dt.date = line["ingangsdatum"]
    eind: dt.date | None = line.get("einddatum")
    code = (line.get("product") or {}).get("code") or ""
    is_pgb = line["leveringsvorm"] == Leveringsvorm.PGB

    if omvang is not None and budget is not None:  # CD077 / CD078
        out.append(InvalidParam(f"{p}.budget", "omvang_en_budget", "Omvang en budget sluiten elkaar uit."))
    if code and omvang is None:  # CD041
        out.append(InvalidParam(f"{p}.omvang", "required", "Omvang is verplicht als een productcode is gevuld."))
    if not is_pgb and not code and omvang is None and budget is None:
        out.append(
            InvalidParam(
                f"{p}.omvang", "required", "Een ZIN-voorziening zonder productcode heeft omvang of budget nodig."
            )
        )
    if omvang is not None:
        eenheid, frequentie = omvang["eenheid"], omvang["frequentie"]
        if eenheid in EENHEDEN_ZONDER_DAGFREQUENTIE and frequentie not in FREQUENTIES_VOOR_EENHEDEN_ZONDER_DAG:
            out.append(  # CS338
                InvalidParam(
                    f"{p}.omvang.frequentie",
                    "frequentie_bij_eenheid",
                    f"Bij eenheid {eenheid} moet de frequentie 2 (per week), 4 (per maand) of 6 (totaal) zijn.",
                )
            )
    if eind is not None and eind < ingang:
        out.append(InvalidParam(f"{p}.einddatum", "voor_ingangsdatum", "Einddatum ligt voor de ingangsdatum."))
    if eind is None and budget is not None:  # CD075
        out.append(InvalidParam(f"{p}.einddatum", "required", "Einddatum is verplicht bij een budget."))
    if eind is None and omvang is not None and omvang["frequentie"] == Frequentie.PER_WEEK:  # CD076
        out.append(InvalidParam(f"{p}.einddatum", "required", "Einddatum is verplicht bij frequentie 'per week'."))

    if is_pgb:
        if pgb is None:
            out.append(InvalidParam(f"{p}.pgb", "required", "Een PGB-voorziening heeft een PGB-bedrag nodig."))
        if budget is not None:
            out.append(InvalidParam(f"{p}.budget", "niet_bij_pgb", "Een PGB-voorziening heeft geen ZIN-budget."))
        if pgb is not None:
            out.extend(_pgb_period_problems(p, pgb, ingang, eind))
    elif pgb is not None:
        out.append(InvalidParam(f"{p}.pgb", "niet_bij_zin", "Een ZIN-voorziening heeft geen PGB-gegevens."))
    return out


def productenboek_problems(
    index: int, line: Line, product: Product, *, arrangement: Product | None = None
) -> list[InvalidParam]:
    """What the productenboek allows for this product: leveringsvorm, eenheid and frequentie, and for
    an arrangement with named onderdelen, only those products."""
    p = f"voorzieningen.{index}"
    out: list[InvalidParam] = []
    label = product.code or f"categorie {product.categorie}"
    vorm = line["leveringsvorm"]
    if vorm not in product.leveringsvormen:
        allowed = ", ".join(product.leveringsvormen)
        reason = f"Leveringsvorm {vorm} is niet toegestaan voor product {label} (wel: {allowed})."
        out.append(InvalidParam(f"{p}.leveringsvorm", "niet_in_productenboek", reason))
    omvang = line.get("omvang")
    if omvang is not None:
        for field, allowed_values in (("eenheid", product.eenheden), ("frequentie", product.frequenties)):
            if omvang[field] not in allowed_values:
                reason = (
                    f"{field.capitalize()} {omvang[field]} is niet toegestaan voor product {label} "
                    f"(wel: {', '.join(allowed_values)})."
                )
                out.append(InvalidParam(f"{p}.omvang.{field}", "niet_in_productenboek", reason))
    if arrangement is not None:
        onderdelen = list(arrangement.onderdelen.all())
        if onderdelen and product not in onderdelen:
            reason = f"Product {label} is geen onderdeel van arrangement {arrangement.code or arrangement.categorie}."
            out.append(InvalidParam(f"{p}.product", "niet_in_arrangement", reason))
    return out


def _pgb_period_problems(p: str, pgb: dict[str, Any], ingang: dt.date, eind: dt.date | None) -> list[InvalidParam]:
    out: list[InvalidParam] = []
    start, end = pgb.get("ingangsdatum"), pgb.get("einddatum")
    if start is not None and start < ingang:
        out.append(
            InvalidParam(f"{p}.pgb.ingangsdatum", "buiten_periode", "De PGB-periode begint voor de voorziening.")
        )
    if end is not None and eind is not None and end > eind:
        out.append(InvalidParam(f"{p}.pgb.einddatum", "buiten_periode", "De PGB-periode eindigt na de voorziening."))
    if start is not None and end is not None and end < start:
        out.append(InvalidParam(f"{p}.pgb.einddatum", "voor_ingangsdatum", "Einddatum ligt voor de ingangsdatum."))
    return out


def arrangement_problems(data: dict[str, Any]) -> list[InvalidParam]:
    out: list[InvalidParam] = []
    product = data.get("arrangement_product")
    if not data.get("is_arrangement"):
        if product is not None:
            out.append(
                InvalidParam(
                    "arrangementProduct", "zonder_arrangement", "Alleen een arrangement heeft een arrangementproduct."
                )
            )
        return out
    if len(data["voorzieningen"]) < 2:
        out.append(
            InvalidParam(
                "voorzieningen", "arrangement_te_klein", "Een arrangement bestaat uit minstens twee voorzieningen."
            )
        )
    if product is not None and product["categorie"] != ARRANGEMENT_CATEGORIEEN[data["wet"]]:
        out.append(
            InvalidParam(
                "arrangementProduct.categorie",
                "geen_arrangement",
                f"Een arrangement heeft productcategorie {ARRANGEMENT_CATEGORIEEN[data['wet']]}.",
            )
        )
    return out


Period = tuple[dt.date, dt.date | None]


def periods_overlap(a: Period, b: Period) -> bool:
    a_start, a_end = a
    b_start, b_end = b
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def op043_problems(
    lines: list[tuple[int, str, Period, str]], stored: Iterable[tuple[str, Period, str]]
) -> list[InvalidParam]:
    """PGB and ZIN for the same product and client may not overlap (OP043).

    `lines`: (index, product key, period, leveringsvorm) of the new aanvraag;
    `stored`: (product key, period, leveringsvorm) of the client's current voorzieningen.
    """
    out: list[InvalidParam] = []
    stored = list(stored)
    for index, key, period, vorm in lines:
        others = [(k, per, v) for i, k, per, v in lines if i != index] + stored
        if any(k == key and v != vorm and periods_overlap(period, per) for k, per, v in others):
            out.append(
                InvalidParam(
                    f"voorzieningen.{index}.leveringsvorm",
                    "OP043",
                    "De client heeft voor hetzelfde product al PGB en ZIN in een overlappende periode.",
                )
            )
    return out
