"""Messages for the iWmo/iJw tests: the official Wmo examples and iJw messages built from the XSDs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

# Test BSNs from the 999990000-999999999 range that pass the elfproef (999900006 is the examples' own).
BSN_JW = "999993653"
BSN_FOUT = "999900007"  # nine digits, fails the elfproef


def shared_iwmo() -> Path:
    """The default IWMO_XSD_DIR (`<repo>/../shared/iwmo`), whatever a test set; the examples live there too."""
    return Path(django_settings.BASE_DIR).parent / "shared" / "iwmo"


def example(name: str) -> bytes:
    return (shared_iwmo() / "iwmo-3.2" / "examples" / f"{name}.xml").read_bytes()


@pytest.fixture(autouse=True)
def _default_xsd_dir(settings: Any) -> None:
    """Every test starts from the defaults, whatever the developer's environment sets."""
    for name in ("IWMO_XSD_DIR", "IWMO_MAX_BYTES"):
        if hasattr(settings, name):
            delattr(settings, name)


def replace_once(xml: bytes, old: str, new: str) -> bytes:
    """Mutate an example; fail loudly if the example no longer contains what the test relies on."""
    assert old.encode() in xml, old
    return xml.replace(old.encode(), new.encode(), 1)


_JW_HEADER = """
  <jw{n}:Header>
    <jw{n}:BerichtCode>{code}</jw{n}:BerichtCode>
    <jw{n}:BerichtVersie>3</jw{n}:BerichtVersie>
    <jw{n}:BerichtSubversie>2</jw{n}:BerichtSubversie>
    <jw{n}:Afzender>87654321</jw{n}:Afzender>
    <jw{n}:Ontvanger>0363</jw{n}:Ontvanger>
    <jw{n}:BerichtIdentificatie>
      <ijw:Identificatie>JW{n}-0001</ijw:Identificatie>
      <ijw:Dagtekening>2024-03-01</ijw:Dagtekening>
    </jw{n}:BerichtIdentificatie>
    <jw{n}:XsdVersie>
      <ijw:BasisschemaXsdVersie>0.1.0</ijw:BasisschemaXsdVersie>
      <ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie>
    </jw{n}:XsdVersie>
  </jw{n}:Header>"""


def _bericht(n: str, code: str, client: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<jw{n}:Bericht xmlns:ijw="http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
               xmlns:jw{n}="http://www.istandaarden.nl/ijw/3_2/jw{n}/schema">{_JW_HEADER.format(n=n, code=code)}
  <jw{n}:Client>{client}
  </jw{n}:Client>
</jw{n}:Bericht>
""".encode()


def jw315(*, bsn: str = BSN_JW, tweede_referentie: str = "JW-REF-2") -> bytes:
    """A JW315 with the fields the Wmo example lacks: GezagsdragerBekend, ZorgverlenerCode, a budget line."""
    return _bericht(
        "315",
        "446",
        f"""
    <jw315:Bsn>{bsn}</jw315:Bsn>
    <jw315:Geboortedatum><ijw:Datum>2012-05-04</ijw:Datum></jw315:Geboortedatum>
    <jw315:Geslacht>2</jw315:Geslacht>
    <jw315:Naam>
      <ijw:Geslachtsnaam><ijw:Achternaam>Jansen</ijw:Achternaam></ijw:Geslachtsnaam>
      <ijw:Voorletters>S</ijw:Voorletters>
    </jw315:Naam>
    <jw315:GezagsdragerBekend>1</jw315:GezagsdragerBekend>
    <jw315:AangevraagdeProducten>
      <jw315:AangevraagdProduct>
        <jw315:ReferentieAanbieder>JW-REF-1</jw315:ReferentieAanbieder>
        <jw315:Product><ijw:Categorie>45</ijw:Categorie><ijw:Code>45A12</ijw:Code></jw315:Product>
        <jw315:ToewijzingIngangsdatum>2024-04-01</jw315:ToewijzingIngangsdatum>
        <jw315:ToewijzingEinddatum>2024-09-30</jw315:ToewijzingEinddatum>
        <jw315:Omvang><ijw:Volume>90</ijw:Volume><ijw:Eenheid>01</ijw:Eenheid><ijw:Frequentie>2</ijw:Frequentie></jw315:Omvang>
        <jw315:Verwijzer><ijw:Type>02</ijw:Type><ijw:ZorgverlenerCode>01234567</ijw:ZorgverlenerCode></jw315:Verwijzer>
      </jw315:AangevraagdProduct>
      <jw315:AangevraagdProduct>
        <jw315:ReferentieAanbieder>{tweede_referentie}</jw315:ReferentieAanbieder>
        <jw315:BeschikkingNummer>777</jw315:BeschikkingNummer>
        <jw315:Product><ijw:Categorie>50</ijw:Categorie></jw315:Product>
        <jw315:ToewijzingIngangsdatum>2024-04-01</jw315:ToewijzingIngangsdatum>
        <jw315:ToewijzingEinddatum>2024-12-31</jw315:ToewijzingEinddatum>
        <jw315:Budget>250000</jw315:Budget>
        <jw315:Verwijzer><ijw:Type>04</ijw:Type><ijw:Naam>GI Noord</ijw:Naam></jw315:Verwijzer>
        <jw315:Raamcontract>2</jw315:Raamcontract>
        <jw315:Commentaar>Budget voor het arrangement</jw315:Commentaar>
      </jw315:AangevraagdProduct>
    </jw315:AangevraagdeProducten>""",
    )


def jw317(*, ongewijzigd: int = 501, te_wijzigen: int = 502) -> bytes:
    return _bericht(
        "317",
        "486",
        f"""
    <jw317:Bsn>{BSN_JW}</jw317:Bsn>
    <jw317:Verzoek>
      <jw317:ReferentieAanbieder>VOW-2024-17</jw317:ReferentieAanbieder>
      <jw317:RedenVerzoek>2</jw317:RedenVerzoek>
      <jw317:OngewijzigdeProducten>
        <jw317:OngewijzigdProduct><jw317:ToewijzingNummer>{ongewijzigd}</jw317:ToewijzingNummer></jw317:OngewijzigdProduct>
      </jw317:OngewijzigdeProducten>
      <jw317:TeWijzigenProducten>
        <jw317:TeWijzigenProduct>
          <jw317:ToewijzingNummer>{te_wijzigen}</jw317:ToewijzingNummer>
          <jw317:GewensteIngangsdatum>2024-05-01</jw317:GewensteIngangsdatum>
          <jw317:Einddatum>2024-10-31</jw317:Einddatum>
          <jw317:Omvang><ijw:Volume>6</ijw:Volume><ijw:Eenheid>04</ijw:Eenheid><ijw:Frequentie>2</ijw:Frequentie></jw317:Omvang>
        </jw317:TeWijzigenProduct>
      </jw317:TeWijzigenProducten>
      <jw317:NieuweProducten>
        <jw317:NieuwProduct>
          <jw317:Product><ijw:Categorie>54</ijw:Categorie><ijw:Code>54001</ijw:Code></jw317:Product>
          <jw317:GewensteIngangsdatum>2024-05-01</jw317:GewensteIngangsdatum>
          <jw317:Omvang><ijw:Volume>3</ijw:Volume><ijw:Eenheid>16</ijw:Eenheid><ijw:Frequentie>6</ijw:Frequentie></jw317:Omvang>
        </jw317:NieuwProduct>
        <jw317:NieuwProduct>
          <jw317:GewensteIngangsdatum>2024-06-01</jw317:GewensteIngangsdatum>
          <jw317:Einddatum>2024-06-30</jw317:Einddatum>
          <jw317:Budget>99999999</jw317:Budget>
        </jw317:NieuwProduct>
      </jw317:NieuweProducten>
    </jw317:Verzoek>""",
    )
