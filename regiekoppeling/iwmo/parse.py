"""A raw WMO315/JW315/WMO317/JW317 bericht to a validated `Verzoek`.

Steps: safe parse (`safexml`), message type from the root namespace, the official XSD (`schemas`),
then the XML is mapped onto the JSON form and read by the same reader and content rules as JSON
(`jsonform`). While mapping, every field's element is remembered, so a content rule that
names `producten.1.einddatum` is reported as `Bericht/Client/AangevraagdeProducten/AangevraagdProduct[2]/
ToewijzingEinddatum`: the sender of XML gets locations in its own document.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lxml import etree

from ..exceptions import DomainValidationError, InvalidParam
from . import jsonform, safexml, schemas
from .model import BerichtType, ProductSoort, Verzoek
from .schemas import location

_BY_NAMESPACE = {b.namespace: b for b in BerichtType}
_ISTANDAARDEN = "http://www.istandaarden.nl/"


def parse_verzoek(xml: bytes) -> Verzoek:
    """Parse, validate and read a forwarded 315/317.

    Raises `BerichtTeGroot` (over IWMO_MAX_BYTES), `DomainValidationError` (doctype, parse_error,
    onbekend_bericht, xsd, or a content rule) and `SchemaFout` (XSD missing: a configuration error).
    """
    root = safexml.parse(xml, max_bytes=schemas.max_bytes())
    berichttype = detect(root)
    errors = schemas.schema_for(berichttype).errors(root)
    if errors:
        raise DomainValidationError(errors)
    mapped = _Mapper(root, berichttype)
    data = mapped.data()
    try:
        return jsonform.read(data)
    except DomainValidationError as exc:
        raise DomainValidationError([mapped.relocate(p) for p in exc.params]) from None


def detect(root: Any) -> BerichtType:
    namespace = etree.QName(root).namespace or ""
    berichttype = _BY_NAMESPACE.get(namespace)
    if berichttype is not None:
        return berichttype
    expected = ", ".join(b.value for b in BerichtType)
    if namespace.startswith(_ISTANDAARDEN):
        reason = f"Bericht met namespace {namespace} wordt hier niet verwerkt; alleen {expected} (release 3.2)."
    else:
        reason = f"Geen iWmo/iJw 3.2-bericht (namespace {namespace or 'geen'}); verwacht {expected}."
    raise DomainValidationError([InvalidParam(etree.QName(root).localname, "onbekend_bericht", reason)])


class _Mapper:
    """The validated XML as the JSON form, remembering where each JSON field came from.

    The XSD has already checked structure and types, so missing optional elements are simply None
    and integers parse; dates stay text so the reader judges them (libxml2 accepts years like 12023)."""

    def __init__(self, root: Any, berichttype: BerichtType) -> None:
        self.root = root
        self.bt = berichttype
        # JSON name -> element; its location is only written out for a field that has an error
        # (computing it for every field would triple the time a valid bericht takes).
        self.paths: dict[str, Any] = {}
        self._ns = {"m": berichttype.namespace, "b": berichttype.basis_namespace}
        self._tags: dict[str, str] = {}

    def relocate(self, param: InvalidParam) -> InvalidParam:
        """The JSON name as the XML location; a field that is absent is named by its nearest ancestor."""
        parts = param.name.split(".")
        for n in range(len(parts), 0, -1):
            found = self.paths.get(".".join(parts[:n]))
            if found is not None:
                return replace(param, name=location(found))
        return replace(param, name=location(self.root))

    def data(self) -> dict[str, Any]:
        header = self._el(self.root, "header", "m:Header")
        client = self._el(self.root, "client", "m:Client")
        data: dict[str, Any] = {
            "berichttype": self.bt.value,
            "wet": self.bt.wet.value,
            "header": {
                "aanbieder": self._text(header, "header.aanbieder", "m:Afzender"),
                "gemeente": self._text(header, "header.gemeente", "m:Ontvanger"),
                "identificatie": self._text(
                    header, "header.identificatie", "m:BerichtIdentificatie", "b:Identificatie"
                ),
                "dagtekening": self._text(header, "header.dagtekening", "m:BerichtIdentificatie", "b:Dagtekening"),
            },
        }
        if self.bt.is_wijziging:
            data["client"] = {"bsn": self._text(client, "client.bsn", "m:Bsn")}
            data["producten"], data["ongewijzigdeToewijzingen"] = self._wijziging(client)
        else:
            data["client"] = self._client_315(client)
            data["producten"] = self._aangevraagd(client)
        return data

    def _client_315(self, client: Any) -> dict[str, Any]:
        p = "client"
        naam = self._el(client, "client.naam", "m:Naam")
        return {
            "bsn": self._text(client, f"{p}.bsn", "m:Bsn"),
            "geboortedatum": self._text(client, f"{p}.geboortedatum", "m:Geboortedatum", "b:Datum"),
            "geslacht": self._text(client, f"{p}.geslacht", "m:Geslacht"),
            "naam": {
                "achternaam": self._text(naam, f"{p}.naam.achternaam", "b:Geslachtsnaam", "b:Achternaam"),
                "voorvoegsel": self._text(naam, f"{p}.naam.voorvoegsel", "b:Geslachtsnaam", "b:Voorvoegsel"),
                "voornamen": self._text(naam, f"{p}.naam.voornamen", "b:Voornamen"),
                "voorletters": self._text(naam, f"{p}.naam.voorletters", "b:Voorletters"),
            },
            "commentaar": self._text(client, f"{p}.commentaar", "m:Commentaar"),
            "gezagsdragerBekend": self._text(client, f"{p}.gezagsdragerBekend", "m:GezagsdragerBekend"),
        }

    def _aangevraagd(self, client: Any) -> list[dict[str, Any]]:
        lijst = self._el(client, "producten", "m:AangevraagdeProducten")
        out = []
        for index, el in enumerate(self._all(lijst, "m:AangevraagdProduct")):
            p = f"producten.{index}"
            self.paths[p] = el
            out.append(
                {
                    "soort": ProductSoort.AANGEVRAAGD.value,
                    "referentieAanbieder": self._text(el, f"{p}.referentieAanbieder", "m:ReferentieAanbieder"),
                    "beschikkingNummer": self._int(el, f"{p}.beschikkingNummer", "m:BeschikkingNummer"),
                    "product": self._product(el, p),
                    "beschikkingIngangsdatum": self._text(
                        el, f"{p}.beschikkingIngangsdatum", "m:BeschikkingIngangsdatum"
                    ),
                    "ingangsdatum": self._text(el, f"{p}.ingangsdatum", "m:ToewijzingIngangsdatum"),
                    "einddatum": self._text(el, f"{p}.einddatum", "m:ToewijzingEinddatum"),
                    "omvang": self._omvang(el, p),
                    "budget": self._int(el, f"{p}.budget", "m:Budget"),
                    "verwijzer": self._verwijzer(el, p),
                    "raamcontract": self._text(el, f"{p}.raamcontract", "m:Raamcontract"),
                    "commentaar": self._text(el, f"{p}.commentaar", "m:Commentaar"),
                }
            )
        return out

    def _wijziging(self, client: Any) -> tuple[list[dict[str, Any]], list[int | None]]:
        verzoek = self._el(client, "producten", "m:Verzoek")
        referentie = self._text(verzoek, "verzoek.referentieAanbieder", "m:ReferentieAanbieder")
        reden = self._text(verzoek, "verzoek.redenVerzoek", "m:RedenVerzoek")
        ongewijzigd = [
            self._int(el, f"ongewijzigdeToewijzingen.{index}", "m:ToewijzingNummer")
            for index, el in enumerate(self._all(verzoek, "m:OngewijzigdeProducten", "m:OngewijzigdProduct"))
        ]
        elements = [
            (ProductSoort.TE_WIJZIGEN, el) for el in self._all(verzoek, "m:TeWijzigenProducten", "m:TeWijzigenProduct")
        ]
        elements += [(ProductSoort.NIEUW, el) for el in self._all(verzoek, "m:NieuweProducten", "m:NieuwProduct")]
        out = []
        for index, (soort, el) in enumerate(elements):
            p = f"producten.{index}"
            self.paths[p] = el
            # One ReferentieAanbieder and RedenVerzoek for the whole Verzoek, repeated on each product.
            for field in ("referentieAanbieder", "redenVerzoek"):
                if f"verzoek.{field}" in self.paths:
                    self.paths[f"{p}.{field}"] = self.paths[f"verzoek.{field}"]
            line: dict[str, Any] = {
                "soort": soort.value,
                "referentieAanbieder": referentie,
                "redenVerzoek": reden,
                "ingangsdatum": self._text(el, f"{p}.ingangsdatum", "m:GewensteIngangsdatum"),
                "einddatum": self._text(el, f"{p}.einddatum", "m:Einddatum"),
                "omvang": self._omvang(el, p),
                "budget": self._int(el, f"{p}.budget", "m:Budget"),
            }
            if soort == ProductSoort.TE_WIJZIGEN:
                line["toewijzingNummer"] = self._int(el, f"{p}.toewijzingNummer", "m:ToewijzingNummer")
            else:
                line["product"] = self._product(el, p)
            out.append(line)
        return out, ongewijzigd

    def _product(self, parent: Any, p: str) -> dict[str, Any] | None:
        el = self._el(parent, f"{p}.product", "m:Product")
        if el is None:
            return None
        return {
            "categorie": self._text(el, f"{p}.product.categorie", "b:Categorie"),
            "code": self._text(el, f"{p}.product.code", "b:Code"),
        }

    def _omvang(self, parent: Any, p: str) -> dict[str, Any] | None:
        el = self._el(parent, f"{p}.omvang", "m:Omvang")
        if el is None:
            return None
        return {
            "volume": self._int(el, f"{p}.omvang.volume", "b:Volume"),
            "eenheid": self._text(el, f"{p}.omvang.eenheid", "b:Eenheid"),
            "frequentie": self._text(el, f"{p}.omvang.frequentie", "b:Frequentie"),
        }

    def _verwijzer(self, parent: Any, p: str) -> dict[str, Any] | None:
        el = self._el(parent, f"{p}.verwijzer", "m:Verwijzer")
        if el is None:
            return None
        return {
            "type": self._text(el, f"{p}.verwijzer.type", "b:Type"),
            "naam": self._text(el, f"{p}.verwijzer.naam", "b:Naam"),
            "zorgverlenerCode": self._text(el, f"{p}.verwijzer.zorgverlenerCode", "b:ZorgverlenerCode"),
        }

    # -- element access --------------------------------------------------------------------------

    def _clark(self, step: str) -> str:
        tag = self._tags.get(step)
        if tag is None:
            prefix, local = step.split(":")
            tag = self._tags[step] = f"{{{self._ns[prefix]}}}{local}"
        return tag

    def _el(self, parent: Any, name: str, *steps: str) -> Any:
        el = parent
        for step in steps:
            if el is None:
                return None
            # iterchildren(tag) stays in C; find() goes through ElementPath, 4x slower per field.
            el = next(el.iterchildren(self._clark(step)), None)
        if el is not None and name:
            self.paths[name] = el
        return el

    def _all(self, parent: Any, *steps: str) -> list[Any]:
        if parent is None:
            return []
        *outer, last = steps
        container = self._el(parent, "", *outer) if outer else parent
        return [] if container is None else list(container.iterchildren(self._clark(last)))

    def _text(self, parent: Any, name: str, *steps: str) -> str | None:
        el = self._el(parent, name, *steps)
        if el is None or el.text is None:
            return None
        # The XSD collapses whitespace for dates and codes; names and comments lose only their edges.
        return str(el.text).strip()

    def _int(self, parent: Any, name: str, *steps: str) -> int | None:
        text = self._text(parent, name, *steps)
        return None if text is None else int(text)
