"""Content rules for a 315/317 that the XSD cannot express (iWmo/iJw 3.2 rule codes where they exist).

Pure functions over the model. Names are the JSON (camelCase, dotted) paths of the field; `parse.py`
translates them to the element's location in the XML. Only rules that matter for the regie's answer
are coded here: rules the backoffice already enforced before forwarding (retourbericht 316/318) and
rules that need stored data (is the toewijzing known, is there a verzoek in progress) are not.
"""

from __future__ import annotations

from collections import Counter

from ..constants import EENHEDEN_ZONDER_DAGFREQUENTIE, FREQUENTIES_VOOR_EENHEDEN_ZONDER_DAG
from ..exceptions import InvalidParam
from ..rules import bsn_problem, categorie_problem, verwijzer_condition
from .model import Client, ProductSoort, VerzochtProduct, Verzoek


def client_problems(client: Client) -> list[InvalidParam]:
    # The XSD only checks nine digits; the elfproef (CS002 in the standard) is ours.
    problem = bsn_problem(client.bsn)
    return [InvalidParam("client.bsn", "elfproef", problem)] if problem else []


def product_problems(wet: str, index: int, line: VerzochtProduct) -> list[InvalidParam]:
    p = f"producten.{index}"
    out: list[InvalidParam] = []
    if line.product is not None:
        # The XSD of each wet lists its own categories, so this fires for JSON (or a foreign XSD) only.
        problem = categorie_problem(wet, line.product.categorie)
        if problem:
            out.append(InvalidParam(f"{p}.product.categorie", "categorie_bij_wet", problem))
    if line.omvang is not None and line.budget is not None:  # CD077 / CD078
        out.append(
            InvalidParam(f"{p}.budget", "CD077", "Omvang en budget sluiten elkaar uit (CD077/CD078): kies er een.")
        )
    if line.omvang is not None:
        eenheid, frequentie = line.omvang.eenheid, line.omvang.frequentie
        if eenheid in EENHEDEN_ZONDER_DAGFREQUENTIE and frequentie not in FREQUENTIES_VOOR_EENHEDEN_ZONDER_DAG:
            out.append(
                InvalidParam(
                    f"{p}.omvang.frequentie",
                    "CS338",
                    f"Bij eenheid {eenheid} moet de frequentie 2 (per week), 4 (per maand) of 6 (totaal) zijn (CS338).",
                )
            )
    if line.verwijzer is not None:
        v = line.verwijzer
        found = verwijzer_condition(v.type, v.naam or "", v.zorgverlener_code or "")
        if found:
            # Named after the field that is wrong, or the verwijzer itself when one is missing (CD067).
            field = {"naam": ".naam", "zorgverlenerscode": ".zorgverlenerCode"}[found[0]] if found[1] != "CD067" else ""
            out.append(InvalidParam(f"{p}.verwijzer{field}", found[1], found[2]))
    if line.einddatum is not None and line.einddatum < line.ingangsdatum:
        out.append(
            InvalidParam(
                f"{p}.einddatum",
                "voor_ingangsdatum",
                f"Einddatum {line.einddatum.isoformat()} ligt voor de ingangsdatum {line.ingangsdatum.isoformat()}.",
            )
        )
    return out


def verzoek_problems(verzoek: Verzoek) -> list[InvalidParam]:
    out = client_problems(verzoek.client)
    for index, line in enumerate(verzoek.producten):
        out += product_problems(verzoek.wet, index, line)
    out += set_problems(verzoek)
    return out


def set_problems(verzoek: Verzoek) -> list[InvalidParam]:
    """Rules over all products together: the regie answers per ReferentieAanbieder, so it must be unambiguous."""
    out: list[InvalidParam] = []
    producten = verzoek.producten
    if not verzoek.berichttype.is_wijziging:
        if not producten:
            out.append(
                InvalidParam("producten", "required", "Een verzoek om toewijzing vraagt minstens één product aan.")
            )
        counts = Counter(line.referentie_aanbieder for line in producten)
        for index, line in enumerate(producten):
            if counts[line.referentie_aanbieder] > 1:  # retourcode 9347
                out.append(
                    InvalidParam(
                        f"producten.{index}.referentieAanbieder",
                        "referentie_niet_uniek",
                        f"ReferentieAanbieder {line.referentie_aanbieder} komt vaker voor in dit verzoek (9347); "
                        "het antwoord per product zou niet eenduidig zijn.",
                    )
                )
        return out

    if not any(line.soort in (ProductSoort.TE_WIJZIGEN, ProductSoort.NIEUW) for line in producten):
        out.append(
            InvalidParam(
                "producten",
                "geen_wijziging",
                "Een verzoek om wijziging bevat minstens één te wijzigen of nieuw product; er valt niets te beoordelen.",
            )
        )
    # Each toewijzing is either kept or changed, once; otherwise the 319/301 answer contradicts itself.
    seen: set[int] = set()
    numbered = [(f"ongewijzigdeToewijzingen.{i}", nr) for i, nr in enumerate(verzoek.ongewijzigde_toewijzingen)]
    numbered += [
        (f"producten.{i}.toewijzingNummer", line.toewijzing_nummer)
        for i, line in enumerate(producten)
        if line.toewijzing_nummer is not None
    ]
    for name, nummer in numbered:
        if nummer in seen:
            out.append(
                InvalidParam(
                    name, "toewijzing_dubbel", f"ToewijzingNummer {nummer} komt meer dan eens voor in dit verzoek."
                )
            )
        seen.add(nummer)
    # A 317 has one ReferentieAanbieder and one RedenVerzoek; the JSON form repeats them per product.
    for field, values in (
        ("referentieAanbieder", [line.referentie_aanbieder for line in producten]),
        ("redenVerzoek", [line.reden_verzoek for line in producten]),
    ):
        for index, value in enumerate(values):
            if value != values[0]:
                out.append(
                    InvalidParam(
                        f"producten.{index}.{field}",
                        "verzoek_niet_eenduidig",
                        f"Een verzoek om wijziging heeft één {field} voor alle producten; "
                        f"product 0 heeft '{values[0]}', dit product '{value}'.",
                    )
                )
    return out
