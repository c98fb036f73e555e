"""The retourcode list the product ships equals the enumeration in the official 3.2 XSDs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devserver import retourcodes as generator
from regiekoppeling.constants import retourcodes

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "iwmo"


def test_package_data_is_what_the_generator_makes_from_the_packaged_xsds():
    shipped = json.loads(generator.TARGET.read_text(encoding="utf-8"))
    assert shipped == generator.build()
    assert shipped["versie"].startswith("iWmo 3.2 en iJw 3.2")


@pytest.mark.parametrize(("wet", "folder"), [("WMO", "iwmo-3.2"), ("JW", "ijw-3.2")])
def test_codes_equal_the_reference_xsds(wet, folder):
    reference = generator.codes_from_xsd(SHARED / folder / "xsd" / "Basisschema.xsd")
    assert retourcodes()[wet] == reference
    assert len(reference) == 59
    assert reference["0001"] == "Bericht is afgekeurd om technische redenen."
    assert "S329" in reference and "9019" in reference
