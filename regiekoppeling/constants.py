"""Codes of the standard (DOMAIN.md section 3). The lifecycle and its states are `regiekoppeling.lifecycle`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.db import models


class Wet(models.TextChoices):
    WMO = "WMO", "Wmo 2015"
    JW = "JW", "Jeugdwet"


class Rol(models.TextChoices):
    REGIE = "regie", "Regieapplicatie"
    BACKOFFICE = "backoffice", "Backofficeapplicatie"
    # The gemeente's privacy officer (functionaris gegevensbescherming): reads only the processing log.
    PRIVACY = "privacy", "Privacy (inzage in het logboek)"


class Leveringsvorm(models.TextChoices):
    ZIN = "ZIN", "Zorg in natura"
    PGB = "PGB", "Persoonsgebonden budget"


class Eenheid(models.TextChoices):
    MINUUT = "01", "Minuut"
    UUR = "04", "Uur"
    ETMAAL = "14", "Etmaal"
    DAGDEEL = "16", "Dagdeel (4 uur)"
    STUKS_OUTPUT = "82", "Stuks (output)"
    EUROS = "83", "Euro's"
    STUKS_INSPANNING = "84", "Stuks (inspanning)"


class Frequentie(models.TextChoices):
    PER_DAG = "1", "Per dag"
    PER_WEEK = "2", "Per week"
    PER_MAAND = "4", "Per maand"
    TOTAAL = "6", "Totaal binnen geldigheidsduur"


class PgbBasis(models.TextChoices):
    TOTAAL = "totaal", "Totaal over de periode"
    PER_JAAR = "per_jaar", "Per jaar"
    PER_MAAND = "per_maand", "Per maand"
    PER_WEEK = "per_week", "Per week"


class DatumGebruik(models.TextChoices):
    """COD170 (LDT_DatumGebruik): which part of a geboortedatum is known; absent means the whole date.
    CS139: the date then is 01-MM-JJJJ (1), 01-01-JJJJ (2) or 01-01-1900 (3)."""

    ALLEEN_MAAND_EN_JAAR = "1", "Dag onbekend; alleen maand en jaar gebruiken"
    ALLEEN_JAAR = "2", "Dag en maand onbekend; alleen jaar gebruiken"
    ONBEKEND = "3", "Dag, maand en jaar onbekend; onbekende datum"


class Geslacht(models.TextChoices):
    ONBEKEND = "0", "Onbekend"
    MAN = "1", "Mannelijk"
    VROUW = "2", "Vrouwelijk"


class VerwijzerType(models.TextChoices):
    GEMEENTE = "01", "Gemeente"
    HUISARTS = "02", "Huisarts"
    JEUGDARTS = "03", "Jeugdarts"
    GECERTIFICEERDE_INSTELLING = "04", "Gecertificeerde instelling"
    MEDISCH_SPECIALIST = "05", "Medisch specialist"
    ZELFVERWIJZER = "06", "Zelfverwijzer/geen verwijzer"
    RECHTER = "08", "Rechter, Officier van Justitie, functionaris JJI"


# Verwijzer types that name a professional: either a ZorgverlenerCode (AGB) or a name, never both
# (CD066/CD067); every other type carries no ZorgverlenerCode (CD068). Same rules in iWmo and iJw 3.2.
VERWIJZER_MET_ZORGVERLENER = {
    VerwijzerType.HUISARTS,
    VerwijzerType.JEUGDARTS,
    VerwijzerType.GECERTIFICEERDE_INSTELLING,
    VerwijzerType.MEDISCH_SPECIALIST,
}


class WettelijkeVertegenwoordiging(models.TextChoices):
    """WJ003 (LDT_WettelijkeVertegenwoordiging), the same in iWmo and iJw 3.2."""

    VOOGDIJ = "06", "Voogdij"
    BEWINDVOERING = "07", "Bewindvoering"
    MENTORSCHAP = "08", "Mentorschap"
    CURATELE = "09", "Onder curatele stelling"
    ZAAKWAARNEMING = "10", "Zaakwaarneming"


class SoortRelatie(models.TextChoices):
    """COD472 (LDT_SoortRelatie), the same in iWmo and iJw 3.2."""

    CURATOR = "03", "Curator (juridisch)"
    FINANCIEEL_GEMACHTIGD = "04", "Financieel (gemachtigd)"
    FINANCIEEL_TOETSING = "05", "Financieel (toetsing)"
    LEEFEENHEID = "06", "Leefeenheid"
    HULPVERLENER = "07", "Hulpverlener"
    SPECIALIST = "08", "Specialist"
    ANDERS = "09", "Anders"
    OUDER = "10", "Ouder"
    VOOGD = "11", "Voogd"
    PARTNER = "12", "Partner/echtgeno(o)t(e)"
    PLEEGOUDER = "13", "Pleegouder"
    BEWINDVOERDER = "14", "Bewindvoerder"
    MENTOR = "15", "Mentor"
    ZOON_DOCHTER = "16", "Zoon/dochter"
    FAMILIELID = "17", "Familielid"
    GEZINSLID = "18", "Gezinslid"
    BUUR = "19", "Buur"
    VRIEND_KENNIS = "20", "Vriend(in)/kennis"
    CLIENTONDERSTEUNER = "21", "Clientondersteuner"
    HUISARTS = "22", "Huisarts"
    ERVEN_VAN = "23", "Erven van"
    WERKGEVER = "24", "Werkgever"
    WIJKCOACH = "25", "Wijkcoach"


class BetrokkeneRol(models.TextChoices):
    """Who else an aanvraag names besides the client (not an iWmo field: the parties the backoffice
    needs for the 301's Relaties and for the TKB of a PGB)."""

    BUDGETHOUDER = "budgethouder", "Budgethouder (PGB), als dat niet de client is"
    WETTELIJK_VERTEGENWOORDIGER = "wettelijk_vertegenwoordiger", "Wettelijk vertegenwoordiger"
    CONTACTPERSOON = "contactpersoon", "Contactpersoon"


# A wettelijk vertegenwoordiger stands in one of these relations to the client; for a minor under the
# Jeugdwet that is a parent with gezag or a guardian (ouder/voogd).
RELATIES_VERTEGENWOORDIGER = {
    Wet.WMO: {
        SoortRelatie.CURATOR,
        SoortRelatie.OUDER,
        SoortRelatie.VOOGD,
        SoortRelatie.BEWINDVOERDER,
        SoortRelatie.MENTOR,
        SoortRelatie.ANDERS,
    },
    Wet.JW: {SoortRelatie.OUDER, SoortRelatie.VOOGD},
}


@cache
def retourcodes() -> dict[str, dict[str, str]]:
    """WJ001 Retourcode per wet, code -> omschrijving (package data made from the 3.2 XSDs by
    `devserver/retourcodes.py`; version and source are in the file)."""
    path = Path(__file__).resolve().parent / "data" / "retourcodes.json"
    codes: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["codes"]
    return codes


# Productcategorie per wet (WMO020 / JZ020). A category of one wet is invalid for the other.
PRODUCTCATEGORIEEN: dict[str, dict[str, str]] = {
    Wet.WMO: {
        "01": "Hulp bij het huishouden",
        "02": "Begeleiding",
        "03": "Persoonlijke verzorging",
        "04": "Kortdurend verblijf",
        "05": "Woondiensten",
        "06": "Overige ondersteuning gericht op het individu of huishouden/gezin",
        "07": "Dagbesteding",
        "08": "Vervoerdiensten",
        "09": "Overige groepsgerichte ondersteuning",
        "10": "Overige maatwerk arrangementen",
        "11": "Rolstoelen",
        "12": "Vervoervoorzieningen",
        "13": "Woonvoorzieningen",
        "14": "Overige hulpmiddelen",
        "15": "Beschermd wonen",
        "16": "Opvang",
        "17": "Spoedopvang",
        "18": "Overige beschermd wonen en opvang",
    },
    Wet.JW: {
        "31": "(2015) Zonder verblijf: uitgevoerd door wijk- of buurtteam",
        "32": "(2015) Zonder verblijf: ambulant",
        "33": "(2015) Zonder verblijf: dagbehandeling",
        "34": "(2015) Zonder verblijf: overig",
        "35": "(2015) Met verblijf: pleegzorg",
        "36": "(2015) Met verblijf: gezinsgericht",
        "37": "(2015) Met verblijf: gesloten plaatsing",
        "38": "(2015) Met verblijf: overig",
        "40": "Persoonlijke verzorging",
        "41": "Dagbehandeling",
        "42": "Vervoerdiensten",
        "43": "Jeugdhulp verblijf (incl. behandeling)",
        "44": "Jeugdhulp verblijf (excl. behandeling)",
        "45": "Jeugdhulp ambulant",
        "46": "Jeugdhulp crisis",
        "47": "Jeugdreclassering",
        "48": "Jeugdbescherming",
        "49": "Activiteiten in het preventief justitieel kader",
        "50": "Maatwerkarrangementen jeugd",
        "51": "Generalistische basis-ggz",
        "52": "Specialistische ggz",
        "53": "Kindergeneeskunde",
        "54": "Jeugd-ggz",
        "55": "Landelijk ingekochte zorg",
    },
}

# Categories whose products are arrangements of several underlying products (S8).
ARRANGEMENT_CATEGORIEEN = {Wet.WMO: "10", Wet.JW: "50"}

# Eenheden that need a frequentie "per week", "per maand" or "totaal" (CS338).
EENHEDEN_ZONDER_DAGFREQUENTIE = {Eenheid.ETMAAL, Eenheid.DAGDEEL, Eenheid.EUROS, Eenheid.STUKS_INSPANNING}
FREQUENTIES_VOOR_EENHEDEN_ZONDER_DAG = {Frequentie.PER_WEEK, Frequentie.PER_MAAND, Frequentie.TOTAAL}

# Amounts are integers in eurocent (LDT_Budget / bedragen, IV024).
BEDRAG_MAX_EUROCENT = 99_999_999
NUMMER_MAX = 999_999_999


# Reden wijziging toewijzing (WJ002, LDT_RedenWijziging): identical for both wetten; 01 is no longer used.
REDEN_WIJZIGING = {
    "02": "Client overleden",
    "03": "Contractwijziging",
    "04": "Herbeoordeling: verlenging toewijzing",
    "05": "Herbeoordeling: verkorting toewijzing",
    "06": "Uitstroom naar ander domein",
    "07": "Verhuizing naar een andere gemeente",
    "08": "Wijziging leveringsvorm",
    "09": "Overstap naar andere aanbieder",
    "10": "Overgang naar nieuwe bekostigingssystematiek",
    "11": "Gemeentelijke herindeling",
    "12": "Geinitieerd door de aanbieder",
    "13": "Verwijderd",
    "14": "Administratieve correctie",
}

# Reden afwijzing verzoek (WJ759, LDT_RedenAfwijzingVerzoek), for a 315/317 and for a functional refusal.
REDEN_AFWIJZING_VERZOEK = {
    "1": "Geen wijziging, maar nieuwe aanvraag",
    "2": "Past niet binnen budget",
    "3": "Geen contract",
    "4": "Past niet binnen contract",
    "5": "Andere gemeente",
    "6": "Stapeling",
    "7": "Zorginhoudelijke afkeur",
    "8": "Woonplaatsbeginsel",
    "9": "Leeftijdsgrens is bereikt",
}


def code_list(title: str, codes: dict[str, str]) -> str:
    """A code list for a help text: every value with its iWmo/iJw name."""
    return f"{title}: " + "; ".join(f"{code} = {name}" for code, name in codes.items()) + "."


# Reden beeindiging (WMO588 / JZ588): the codes differ per wet (31 is "verhuizing" in the Wmo and
# "volgens plan beeindigd" in the Jeugdwet).
REDEN_BEEINDIGING: dict[str, dict[str, str]] = {
    Wet.WMO: {
        "02": "Overlijden",
        "19": "Levering volgens plan beëindigd",
        "20": "Levering is tijdelijk beëindigd",
        "21": "Eenzijdig door client beëindigd",
        "22": "Eenzijdig door aanbieder beëindigd",
        "23": "In overeenstemming voortijdig beëindigd",
        "31": "Verhuizing naar een andere gemeente",
        "36": "Geïnitieerd door de gemeente",
        "37": "In verband met wijzigingsverzoek",
        "38": "Overstap naar andere aanbieder",
        "39": "Uitstroom naar ander domein",
    },
    Wet.JW: {
        "02": "Overlijden",
        "20": "Levering is tijdelijk beëindigd",
        "31": "Levering is volgens plan beëindigd",
        "32": "Voortijdig afgesloten: eenzijdig door de client",
        "33": "Voortijdig afgesloten: eenzijdig door de aanbieder",
        "34": "Voortijdig afgesloten: in overeenstemming",
        "35": "Voortijdig afgesloten: wegens externe omstandigheden",
        "36": "Geïnitieerd door de gemeente",
        "37": "In verband met wijzigingsverzoek",
        "38": "Overstap naar andere aanbieder",
        "39": "Uitstroom naar ander domein",
    },
}
