"""Parsing untrusted XML: no DTD, no entities, no network, no disk, bounded size and depth.

An iWmo/iJw bericht never has a DOCTYPE, so any DOCTYPE is refused: that closes entity expansion
(billion laughs), external entities (file:///etc/passwd, http://...) and external DTDs in one rule.
Three layers, each enough on its own for the common attacks:
1. the raw bytes are searched for a DOCTYPE before libxml2 sees them;
2. the parser resolves no entities, loads no DTD, may not use the network, keeps libxml2's limits on
   depth and text size (huge_tree=False), and any load it still attempts goes to a resolver that refuses;
3. after parsing, a document that turns out to have a DTD (e.g. in an encoding layer 1 did not search) is refused.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..exceptions import DomainValidationError, InvalidParam
from .errors import BerichtTeGroot

_DOCTYPE = "<!DOCTYPE"
# UTF-8 (and every ASCII-compatible encoding), UTF-16 in both byte orders.
_DOCTYPE_FORMS = (_DOCTYPE.encode("ascii"), _DOCTYPE.encode("utf-16-le"), _DOCTYPE.encode("utf-16-be"))


class ExterneBronGeweigerd(Exception):
    """Raised by the resolver if libxml2 ever tries to load something (it should not get that far)."""


class _RefuseLoads(etree.Resolver):
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        raise ExterneBronGeweigerd(f"Externe bron geweigerd: {system_url}")


def doctype_refused() -> DomainValidationError:
    return DomainValidationError(
        [
            InvalidParam(
                "DOCTYPE",
                "doctype",
                "Een DOCTYPE (DTD of entiteiten) is niet toegestaan in een iWmo/iJw-bericht; er is niets ingelezen.",
            )
        ]
    )


def mentions_doctype(xml: bytes) -> bool:
    # Searching the whole document is cheaper than finding where the prolog ends; a literal
    # '<!DOCTYPE' in a CDATA section is refused too, which no iWmo/iJw bericht needs.
    return any(form in xml for form in _DOCTYPE_FORMS)


def parse(xml: bytes, *, max_bytes: int) -> Any:
    """The root element of `xml`, or DomainValidationError (doctype, parse_error) / BerichtTeGroot."""
    if not isinstance(xml, bytes | bytearray):
        # A str has already been decoded by someone who guessed the encoding; the XML declaration decides.
        raise TypeError("parse_verzoek verwacht bytes (de ruwe request body), geen str.")
    if len(xml) > max_bytes:
        raise BerichtTeGroot(len(xml), max_bytes)
    if mentions_doctype(xml):
        raise doctype_refused()
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    parser.resolvers.add(_RefuseLoads())
    try:
        root = etree.fromstring(bytes(xml), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise DomainValidationError(
            [InvalidParam(f"regel {line}", "parse_error", f"Geen goedgevormde XML (kolom {column}): {exc.msg}")]
        ) from None
    except ExterneBronGeweigerd:
        raise doctype_refused() from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise doctype_refused()
    return root
