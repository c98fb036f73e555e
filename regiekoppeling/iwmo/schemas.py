"""The official iWmo/iJw 3.2 XSDs: where they are, compiled once, and their errors as InvalidParams.

The schemas ship with the product as package data (`regiekoppeling/iwmo/xsd/`, version and source in
the README there). The setting `IWMO_XSD_DIR` (environment variable of the same name) overrides that
directory, for a gemeente that takes its schemas straight from the iStandaarden release package. Layout,
as in those packages: `iwmo-3.2/xsd/WMO315.xsd`, `ijw-3.2/xsd/JW315.xsd`, ..., each next to the
`Basisschema.xsd` it imports.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree

from ..exceptions import InvalidParam
from .errors import MAX_ERRORS, SchemaFout, capped
from .model import BerichtType

DEFAULT_MAX_BYTES = 25 * 1024 * 1024  # OP179: an iWmo/iJw bericht is at most 25 MB
_SUBDIR = {"WMO": "iwmo-3.2/xsd", "JW": "ijw-3.2/xsd"}
PACKAGED_XSD_DIR = Path(__file__).resolve().parent / "xsd"


def xsd_dir() -> Path:
    """Read at call time, so a changed setting (or a test's `settings` fixture) takes effect at once."""
    configured = getattr(settings, "IWMO_XSD_DIR", None)
    if configured:
        return Path(configured)
    return PACKAGED_XSD_DIR


def max_bytes() -> int:
    return int(getattr(settings, "IWMO_MAX_BYTES", DEFAULT_MAX_BYTES))


def xsd_path(berichttype: BerichtType) -> Path:
    return xsd_dir() / _SUBDIR[berichttype.wet] / f"{berichttype.value}.xsd"


class Schema:
    """One compiled XSD. lxml keeps the error log of the last run on the schema object, so runs are
    serialised: validating a bericht takes well under a millisecond, a lock costs nothing here."""

    def __init__(self, schema: etree.XMLSchema, path: Path) -> None:
        self._schema = schema
        self._lock = threading.Lock()
        self.path = path

    def errors(self, root: Any) -> list[InvalidParam]:
        tree = root.getroottree()
        with self._lock:
            if self._schema.validate(tree):
                return []
            entries = list(self._schema.error_log)
        locate = _Locator(tree)
        shown = [
            InvalidParam(locate(e.path, e.line), "xsd", f"{_short(e.message)} (regel {e.line})")
            for e in entries[:MAX_ERRORS]
        ]
        return capped(shown, total=len(entries), name="Bericht", code="xsd")


def schema_for(berichttype: BerichtType) -> Schema:
    path = xsd_path(berichttype)
    if not path.is_file():
        raise SchemaFout(
            f"XSD {path.name} niet gevonden: {path} bestaat niet. Zet de instelling IWMO_XSD_DIR op de map "
            f"met {_SUBDIR[berichttype.wet]}/{path.name} en Basisschema.xsd (nu: {xsd_dir()})."
        )
    return _compile(str(path.resolve()))


def clear_schema_cache() -> None:
    """Forget compiled schemas, e.g. after replacing the XSD files in place."""
    _compile.cache_clear()


@functools.lru_cache(maxsize=32)
def _compile(path: str) -> Schema:
    # Our own files, but still parsed without network or DTDs; the Basisschema import is resolved
    # relative to the file by libxml2.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return Schema(etree.XMLSchema(etree.parse(path, parser)), Path(path))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise SchemaFout(f"XSD {path} kan niet worden gelezen of gecompileerd: {exc}") from exc


_CLARK = re.compile(r"\{https?://[^}]*\}")
_PREFIX = re.compile(r"(?<=/)[^/:\[\]]+:")


def _short(message: str) -> str:
    """libxml2 names elements `{namespace}Name`; the namespace is the same everywhere, so drop it."""
    return _CLARK.sub("", message).strip()


class _Locator:
    """Turns libxml2's node path into the location style used for every error: `Bericht/Client/Bsn`,
    with `[n]` only where an element repeats (as the official iStandaarden XSLT reports it).

    libxml2 writes elements of a default namespace as `*[n]`, which tells a sender nothing, so the path
    is evaluated on the document and the element's location written out from the element itself."""

    def __init__(self, tree: Any) -> None:
        self._tree = tree
        self._prefixes: dict[str, str] = {}
        for el in tree.iter():
            for prefix, uri in getattr(el, "nsmap", {}).items():
                if prefix is not None:
                    self._prefixes.setdefault(prefix, uri)

    def __call__(self, path: str | None, line: int) -> str:
        if not path:
            return f"regel {line}"
        try:
            found = self._tree.xpath(path, namespaces=self._prefixes)
        except etree.XPathError:
            found = None
        if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
            return location(found[0])
        return _PREFIX.sub("", path).lstrip("/")


def location(el: Any) -> str:
    parts: list[str] = []
    node = el
    while node is not None:
        name = etree.QName(node).localname
        # Counted in lxml's C iteration: a bericht may repeat a product thousands of times.
        before = sum(1 for _ in node.itersiblings(node.tag, preceding=True))
        if before or next(node.itersiblings(node.tag), None) is not None:
            name += f"[{before + 1}]"
        parts.append(name)
        node = node.getparent()
    return "/".join(reversed(parts))
