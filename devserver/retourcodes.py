"""Writes `regiekoppeling/data/retourcodes.json` from the packaged iWmo/iJw 3.2 Basisschema's.

The product reads the code list from that JSON (no XSD parsing at run time); this script is how the
file was made, and `tests/iwmo/test_retourcodes.py` checks that the file still equals the XSDs.
Run: `python -m devserver.retourcodes` (after replacing the XSDs with another release).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
XSD = ROOT / "regiekoppeling" / "iwmo" / "xsd"
TARGET = ROOT / "regiekoppeling" / "data" / "retourcodes.json"
_NS = {"xs": "http://www.w3.org/2001/XMLSchema"}
_SOURCES = {"WMO": XSD / "iwmo-3.2" / "xsd" / "Basisschema.xsd", "JW": XSD / "ijw-3.2" / "xsd" / "Basisschema.xsd"}


def codes_from_xsd(path: Path) -> dict[str, str]:
    """The enumeration of LDT_RetourCode (WJ001) with its documentation, in the schema's order."""
    tree = etree.parse(str(path))
    simple = tree.find(".//xs:simpleType[@name='LDT_RetourCode']", _NS)
    assert simple is not None, f"LDT_RetourCode ontbreekt in {path}"
    return {
        e.get("value"): " ".join((e.findtext(".//xs:documentation", namespaces=_NS) or "").split())
        for e in simple.findall(".//xs:enumeration", _NS)
    }


def build() -> dict[str, Any]:
    return {
        "codelijst": "WJ001 Retourcode (LDT_RetourCode)",
        "versie": "iWmo 3.2 en iJw 3.2 (BerichtVersie 3, BerichtSubversie 2)",
        "bron": "regiekoppeling/iwmo/xsd/{iwmo,ijw}-3.2/xsd/Basisschema.xsd (zie de README daar voor de herkomst)",
        "codes": {wet: codes_from_xsd(path) for wet, path in _SOURCES.items()},
    }


if __name__ == "__main__":
    TARGET.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{TARGET}: {', '.join(f'{w} {len(c)}' for w, c in build()['codes'].items())} codes")
