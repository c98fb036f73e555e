"""Where the parser names an error in the sender's XML, pinned (issue 15): a rule on a field is named by
its element, an absent field by its nearest ancestor, the 317's shared fields by the Verzoek's element."""

from __future__ import annotations

from regiekoppeling.exceptions import InvalidParam
from regiekoppeling.iwmo import safexml, schemas
from regiekoppeling.iwmo.parse import _Mapper, detect

from .conftest import example, jw317

PRODUCT_1 = "Bericht/Client/AangevraagdeProducten/AangevraagdProduct[1]"


def mapper(xml: bytes) -> _Mapper:
    root = safexml.parse(xml, max_bytes=schemas.max_bytes())
    mapped = _Mapper(root, detect(root))
    mapped.data()
    return mapped


def located(mapped: _Mapper, name: str) -> str:
    return mapped.relocate(InvalidParam(name, "test", "reden")).name


def test_a_field_is_named_by_its_element() -> None:
    assert located(mapper(example("WMO315")), "producten.0.einddatum") == f"{PRODUCT_1}/ToewijzingEinddatum"


def test_an_absent_field_is_named_by_its_nearest_ancestor() -> None:
    mapped = mapper(example("WMO315"))
    # One level up, two levels up, and only the first part known.
    assert located(mapped, "producten.0.geenVeld") == PRODUCT_1
    assert located(mapped, "producten.0.geenVeld.diep") == PRODUCT_1
    assert located(mapped, "producten.7.einddatum") == "Bericht/Client/AangevraagdeProducten"
    assert located(mapped, "onbekend") == "Bericht"


def test_the_317_names_the_verzoek_for_its_shared_fields() -> None:
    mapped = mapper(jw317())
    verzoek = "Bericht/Client/Verzoek"
    assert located(mapped, "producten.0.referentieAanbieder") == f"{verzoek}/ReferentieAanbieder"
    assert located(mapped, "producten.1.redenVerzoek") == f"{verzoek}/RedenVerzoek"
