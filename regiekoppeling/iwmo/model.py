"""What a forwarded verzoek om toewijzing (315) or verzoek om wijziging (317) contains, once validated.

The names follow the iWmo/iJw 3.2 berichten where they can; where two berichten name the same thing
differently (ToewijzingIngangsdatum in 315, GewensteIngangsdatum in 317) the model has one name and
the docstrings say where it comes from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ..constants import Wet

_NS = "http://www.istandaarden.nl/{standaard}/3_2/{bericht}/schema"


class BerichtType(StrEnum):
    """The four berichten of scenario S7, named as their XSD files are."""

    WMO315 = "WMO315"
    JW315 = "JW315"
    WMO317 = "WMO317"
    JW317 = "JW317"

    @property
    def wet(self) -> Wet:
        return Wet.WMO if self.startswith("WMO") else Wet.JW

    @property
    def is_wijziging(self) -> bool:
        """A 317 (verzoek om wijziging); otherwise a 315 (verzoek om toewijzing)."""
        return self.endswith("317")

    @property
    def berichtcode(self) -> str:
        """Header/BerichtCode as the XSD fixes it (COD002)."""
        return {"WMO315": "444", "JW315": "446", "WMO317": "480", "JW317": "486"}[self.value]

    @property
    def namespace(self) -> str:
        return _NS.format(standaard=self._standaard, bericht=self.value.lower())

    @property
    def basis_namespace(self) -> str:
        """Namespace of the Basisschema types (Datum, Product, Omvang, ...) used inside the bericht."""
        return _NS.format(standaard=self._standaard, bericht="basisschema")

    @property
    def _standaard(self) -> str:
        return "iwmo" if self.wet == Wet.WMO else "ijw"


class ProductSoort(StrEnum):
    """Which element of the bericht a requested product came from."""

    AANGEVRAAGD = "aangevraagd"  # 315 AangevraagdProduct
    TE_WIJZIGEN = "te_wijzigen"  # 317 TeWijzigenProduct: changes an existing toewijzing
    NIEUW = "nieuw"  # 317 NieuwProduct


@dataclass(frozen=True, slots=True)
class Header:
    aanbieder: str
    """Header/Afzender: AGB code of the aanbieder that sent the verzoek (8 digits)."""
    gemeente: str
    """Header/Ontvanger: CBS code of the gemeente (4 digits)."""
    identificatie: str
    """BerichtIdentificatie/Identificatie (at most 12 characters, unique per afzender)."""
    dagtekening: dt.date
    """BerichtIdentificatie/Dagtekening."""


@dataclass(frozen=True, slots=True)
class Naam:
    """Client/Naam (CDT_VerkorteNaam)."""

    achternaam: str
    voorvoegsel: str | None = None
    voornamen: str | None = None
    voorletters: str | None = None


@dataclass(frozen=True, slots=True)
class Client:
    bsn: str
    # A 317 carries only the BSN; a 315 always has the three fields below.
    geboortedatum: dt.date | None = None
    geslacht: str | None = None
    """COD046: 0 onbekend, 1 mannelijk, 2 vrouwelijk."""
    naam: Naam | None = None
    commentaar: str | None = None
    gezagsdrager_bekend: str | None = None
    """JW315 only: GezagsdragerBekend (1 ja, 2 nee)."""


@dataclass(frozen=True, slots=True)
class Product:
    categorie: str
    """Productcategorie (Wmo 01-18, Jw 31-55)."""
    code: str | None = None
    """Productcode, at most 5 characters (national list 021 or a bilateral code)."""


@dataclass(frozen=True, slots=True)
class Omvang:
    volume: int
    eenheid: str
    """WJ756: 01 minuut, 04 uur, 14 etmaal, 16 dagdeel, 82 stuks (output), 83 euro's, 84 stuks (inspanning)."""
    frequentie: str
    """WMO757: 1 per dag, 2 per week, 4 per maand, 6 totaal binnen geldigheidsduur."""


@dataclass(frozen=True, slots=True)
class Verwijzer:
    """315 only: who referred the client (COD327 type, naam or AGB zorgverlenercode)."""

    type: str
    naam: str | None = None
    zorgverlener_code: str | None = None


@dataclass(frozen=True, slots=True)
class VerzochtProduct:
    """One product the aanbieder asks for: the line the regie answers (honoured, rejected, in onderzoek)."""

    soort: ProductSoort
    referentie_aanbieder: str
    """ReferentieAanbieder (at most 36). In a 317 the one reference of the whole Verzoek, repeated per product."""
    ingangsdatum: dt.date
    """315 ToewijzingIngangsdatum; 317 GewensteIngangsdatum."""
    einddatum: dt.date | None = None
    """315 ToewijzingEinddatum; 317 Einddatum."""
    product: Product | None = None
    """Absent for a 317 TeWijzigenProduct: the toewijzing it changes names the product."""
    omvang: Omvang | None = None
    budget: int | None = None
    """ZIN budget in eurocent; excludes omvang."""
    toewijzing_nummer: int | None = None
    """317 TeWijzigenProduct: the toewijzing this request changes."""
    reden_verzoek: str | None = None
    """317 RedenVerzoek (WJ758: 1 verandering clientsituatie, 2 wijziging zorgplan), repeated per product."""
    beschikking_nummer: int | None = None
    beschikking_ingangsdatum: dt.date | None = None
    verwijzer: Verwijzer | None = None
    raamcontract: str | None = None
    """315 Raamcontract (1 ja, 2 nee): the aanbieder relies on a national framework contract."""
    commentaar: str | None = None


@dataclass(frozen=True, slots=True)
class Verzoek:
    """A validated 315 or 317, whichever form (XML or JSON) it arrived in."""

    berichttype: BerichtType
    wet: Wet
    header: Header
    client: Client
    producten: tuple[VerzochtProduct, ...]
    """315: every AangevraagdProduct; 317: every TeWijzigenProduct, then every NieuwProduct, in bericht order."""
    ongewijzigde_toewijzingen: tuple[int, ...] = ()
    """317 OngewijzigdeProducten: the ToewijzingNummers the aanbieder wants to keep as they are."""
