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
    RELATIES_VERTEGENWOORDIGER,
    VERWIJZER_MET_ZORGVERLENER,
    BetrokkeneRol,
    Frequentie,
    Leveringsvorm,
    SoortRelatie,
    Wet,
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


def geboortedatum_problems(datum: dt.date, gebruik: str) -> list[InvalidParam]:
    """CS139: a geboortedatum with its datumgebruik (COD170) carries 01 for what is unknown: the day
    (1), day and month (2), or the whole date as 1900-01-01 (3)."""
    expected = {
        "1": datum.replace(day=1),
        "2": datum.replace(month=1, day=1),
        "3": dt.date(1900, 1, 1),
    }.get(gebruik, datum)
    if datum == expected:
        return []
    return [
        InvalidParam(
            "client.geboortedatum",
            "CS139",
            f"Bij datumgebruik {gebruik} is de geboortedatum {expected.isoformat()} (onbekende delen 01, onbekend 1900-01-01).",
        )
    ]


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


def regel_problems(
    index: int, leveringsvorm: str, regel: dict[str, Any], period: tuple[dt.date, dt.date | None]
) -> list[InvalidParam]:
    """What a beschikking grants for one line, in the shapes of the aanvraag: a partly granted PGB
    line says its `pgb` (bedrag, basis, period within the grant; the TKB needs all three), a ZIN line
    grants no PGB. `period` is the granted one (the regel's dates, else the line's)."""
    p = f"regels.{index}"
    pgb = regel.get("pgb")
    if leveringsvorm != Leveringsvorm.PGB:
        if pgb is not None:
            return [InvalidParam(f"{p}.pgb", "niet_bij_zin", "Een ZIN-voorziening krijgt geen PGB toegekend.")]
        return []
    out: list[InvalidParam] = []
    # Toegekend without a `pgb` grants the PGB as asked; a partial grant must say what it grants.
    if regel["uitkomst"] == "gedeeltelijk_toegekend" and pgb is None:
        out.append(
            InvalidParam(f"{p}.pgb", "required", "Een gedeeltelijk toegekend PGB noemt bedrag, basis en periode.")
        )
    if regel.get("budget") is not None:
        out.append(InvalidParam(f"{p}.budget", "niet_bij_pgb", "Een PGB-voorziening krijgt geen ZIN-budget."))
    if pgb is not None:
        out.extend(_pgb_period_problems(p, pgb, *period))
    return out


def verwijzer_condition(type_: str, naam: str, code: str) -> tuple[str, str, str] | None:
    """The iWmo/iJw 3.2 conditions on a verwijzer (CD066-CD068), as (field, rule, reason) with field
    `naam` or `zorgverlenerscode`, or None. Shared by the aanvraag and the forwarded 315."""
    if type_ not in VERWIJZER_MET_ZORGVERLENER:
        if code:
            return "zorgverlenerscode", "CD068", f"Verwijzer type {type_} heeft geen zorgverlenerscode (alleen 02-05)."
        return None
    if code and naam:
        return "naam", "CD066", "Met een zorgverlenerscode blijft de naam van de verwijzer leeg."
    if not code and not naam:
        return "zorgverlenerscode", "CD067", f"Verwijzer type {type_} vraagt om een zorgverlenerscode (AGB) of de naam."
    return None


def verwijzer_problems(index: int, wet: str, verwijzer: dict[str, Any] | None) -> list[InvalidParam]:
    """The verwijzer of one line (CD066-CD068). Under the Jeugdwet every line has one: access to
    jeugdhulp goes through a verwijzer (gemeente, huisarts, jeugdarts, GI, ...), and the JW315
    requires it."""
    p = f"voorzieningen.{index}.verwijzer"
    if verwijzer is None:
        if wet == Wet.JW:
            return [InvalidParam(p, "required", "Onder de Jeugdwet heeft elke voorziening een verwijzer.")]
        return []
    found = verwijzer_condition(
        verwijzer["type"], verwijzer.get("naam") or "", verwijzer.get("zorgverlenerscode") or ""
    )
    return [InvalidParam(f"{p}.{found[0]}", found[1], found[2])] if found else []


def betrokkenen_problems(data: dict[str, Any]) -> list[InvalidParam]:
    """Budgethouder only with a PGB line and never the client; at most one of each role; a wettelijk
    vertegenwoordiger says which vertegenwoordiging and stands in a fitting relation (Jeugdwet: ouder
    or voogd)."""
    out: list[InvalidParam] = []
    has_pgb = any(line["leveringsvorm"] == Leveringsvorm.PGB for line in data["voorzieningen"])
    seen: set[str] = set()
    for i, b in enumerate(data.get("betrokkenen") or []):
        p = f"betrokkenen.{i}"
        rol = b["rol"]
        if rol in seen:
            out.append(InvalidParam(f"{p}.rol", "dubbel", f"De rol {rol} staat al eerder in de aanvraag."))
        seen.add(rol)
        if rol == BetrokkeneRol.BUDGETHOUDER:
            if not has_pgb:
                out.append(
                    InvalidParam(f"{p}.rol", "zonder_pgb", "Een budgethouder hoort bij een aanvraag met een PGB.")
                )
            if not b.get("bsn"):
                out.append(InvalidParam(f"{p}.bsn", "required", "De budgethouder wordt bij het BSN gemeld (TKB)."))
            elif b["bsn"] == data["client"]["bsn"]:
                out.append(
                    InvalidParam(
                        f"{p}.bsn", "is_client", "Is de client zelf budgethouder, laat de budgethouder dan weg."
                    )
                )
        if rol == BetrokkeneRol.WETTELIJK_VERTEGENWOORDIGER:
            if not b.get("vertegenwoordiging"):
                out.append(
                    InvalidParam(
                        f"{p}.vertegenwoordiging", "required", "Noem de wettelijke vertegenwoordiging (WJ003)."
                    )
                )
            allowed = RELATIES_VERTEGENWOORDIGER[data["wet"]]
            if b["soort_relatie"] not in allowed:
                names = ", ".join(f"{c} {SoortRelatie(c).label}" for c in sorted(allowed))
                out.append(
                    InvalidParam(
                        f"{p}.soortRelatie",
                        "relatie_bij_rol",
                        f"Een wettelijk vertegenwoordiger ({data['wet']}) heeft als relatie: {names}.",
                    )
                )
        elif b.get("vertegenwoordiging"):
            out.append(
                InvalidParam(
                    f"{p}.vertegenwoordiging",
                    "niet_bij_rol",
                    "Alleen een wettelijk vertegenwoordiger heeft een vertegenwoordiging.",
                )
            )
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
