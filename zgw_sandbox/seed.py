"""The demo catalogus the sandbox starts with, and the URLs a test or the launcher configures itself with.

UUIDs are derived (uuid5) from names, so every sandbox on the same base URL has the same catalogue URLs:
`make run` can be configured once, and a restart with a data file does not change them.

Contents (domein SOC, RSIN 002220647, which passes the 11-proef):
- published zaaktypen WMO-VOORZIENING and JW-VOORZIENING, and a concept zaaktype WMO-CONCEPT, each with
  statustypen 1 Ontvangen .. 6 Afgehandeld (the highest volgnummer is the eindstatus), roltypen initiator
  and behandelaar, resultaattypen Toegekend / Afgewezen / Ingetrokken (vernietigen after P15Y);
- informatieobjecttypen Aanvraag, Beschikking, Budgetplan, Bijlage linked to all three zaaktypen, and
  "Interne notitie" linked to none (for the missing-zaaktype-informatieobjecttype-relation error);
- besluittype Beschikking linked to the zaaktypen and to the informatieobjecttype Beschikking.
"""

from __future__ import annotations

import uuid
from typing import Any

from .store import Store

_NAMESPACE = uuid.UUID("6f0c2a52-3c1e-4f55-9a7e-2d0b8e5f1c11")
CATALOGUS_RSIN = "002220647"
BEGIN = "2024-01-01"
SELECTIELIJST = "https://selectielijst.openzaak.nl/api/v1"

ZAAKTYPEN: dict[str, dict[str, Any]] = {
    "WMO-VOORZIENING": {
        "omschrijving": "Wmo-voorziening",
        "doel": "Verstrekken van een Wmo-voorziening",
        "aanleiding": "Aanvraag Wmo-voorziening door inwoner",
        "onderwerp": "Wmo-voorziening",
        "trefwoorden": ["wmo"],
        "concept": False,
    },
    "JW-VOORZIENING": {
        "omschrijving": "Jeugdhulpvoorziening",
        "doel": "Verstrekken van een jeugdhulpvoorziening",
        "aanleiding": "Aanvraag jeugdhulp door ouder of jeugdige",
        "onderwerp": "Jeugdhulpvoorziening",
        "trefwoorden": ["jeugdwet"],
        "concept": False,
    },
    # The hoofdzaaktype of an aanvraag under the hoofdzaak strategy: it lists the voorziening zaaktypen as
    # its deelzaaktypen, as Open Zaak requires of a deelzaak (`invalid-deelzaaktype`).
    "RK-AANVRAAG": {
        "omschrijving": "Aanvraag maatschappelijke ondersteuning",
        "doel": "Behandelen van een aanvraag met een of meer voorzieningen",
        "aanleiding": "Aanvraag via de regieapplicatie",
        "onderwerp": "Aanvraag",
        "trefwoorden": ["aanvraag"],
        "concept": False,
        "deelzaaktypen": ["WMO-VOORZIENING", "JW-VOORZIENING"],
    },
    "WMO-CONCEPT": {
        "omschrijving": "Wmo-voorziening (concept)",
        "doel": "Nieuwe versie, nog niet gepubliceerd",
        "aanleiding": "Aanvraag Wmo-voorziening door inwoner",
        "onderwerp": "Wmo-voorziening",
        "trefwoorden": ["wmo"],
        "concept": True,
    },
}
STATUSTYPEN = ["Ontvangen", "In behandeling", "In onderzoek", "Besluit genomen", "In levering", "Afgehandeld"]
ROLTYPEN = {"initiator": "Initiator", "behandelaar": "Behandelaar"}
RESULTAATTYPEN = ["Toegekend", "Afgewezen", "Ingetrokken"]
LINKED_IOTS = {"Aanvraag": "Aanvraag", "Beschikking": "Beschikking", "Budgetplan": "Plan", "Bijlage": "Bijlage"}
UNLINKED_IOT = "Interne notitie"
BESLUITTYPE = "Beschikking"


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _url(base_url: str, collection: str, uid: str) -> str:
    return f"{base_url}/catalogi/api/v1/{collection}/{uid}"


def seed_urls(base_url: str) -> dict[str, Any]:
    """The URLs of the seeded catalogue for a sandbox on `base_url` (JSON-serialisable)."""

    def url(collection: str, *parts: str) -> str:
        return _url(base_url, collection, _uid(collection, *parts))

    return {
        "baseUrl": base_url,
        "apiRoots": {api: f"{base_url}/{api}/api/v1/" for api in ("zaken", "catalogi", "documenten", "besluiten")},
        "rsin": CATALOGUS_RSIN,
        "catalogus": url("catalogussen", "SOC"),
        "zaaktypen": {ident: url("zaaktypen", ident) for ident in ZAAKTYPEN},
        "statustypen": {ident: {name: url("statustypen", ident, name) for name in STATUSTYPEN} for ident in ZAAKTYPEN},
        "roltypen": {ident: {gen: url("roltypen", ident, gen) for gen in ROLTYPEN} for ident in ZAAKTYPEN},
        "resultaattypen": {
            ident: {name: url("resultaattypen", ident, name) for name in RESULTAATTYPEN} for ident in ZAAKTYPEN
        },
        "informatieobjecttypen": {name: url("informatieobjecttypen", name) for name in [*LINKED_IOTS, UNLINKED_IOT]},
        "unlinkedInformatieobjecttype": url("informatieobjecttypen", UNLINKED_IOT),
        "besluittypen": {BESLUITTYPE: url("besluittypen", BESLUITTYPE)},
    }


def install(store: Store) -> None:
    """Write (or overwrite) the seed records; other records, e.g. created informatieobjecttypen, stay."""
    urls = seed_urls(store.base_url)
    catalogus = urls["catalogus"]

    def put(collection: str, url: str, record: dict[str, Any]) -> None:
        uid = url.rsplit("/", 1)[1]
        existing = store.get(collection, uid)
        seq = {"_seq": existing["_seq"]} if existing else {}
        store.put(collection, {"uuid": uid, "url": url, **record, **seq})

    put(
        "catalogussen",
        catalogus,
        {
            "domein": "SOC",
            "rsin": CATALOGUS_RSIN,
            "contactpersoonBeheerNaam": "Functioneel beheer Sociaal Domein",
            "contactpersoonBeheerTelefoonnummer": "",
            "contactpersoonBeheerEmailadres": "functioneelbeheer@gemeente.example",
            "naam": "Sociaal domein (sandbox)",
            "versie": "1",
            "begindatumVersie": BEGIN,
        },
    )
    iots = urls["informatieobjecttypen"]
    besluittype = urls["besluittypen"][BESLUITTYPE]
    for name, category in [*LINKED_IOTS.items(), (UNLINKED_IOT, "Notitie")]:
        put(
            "informatieobjecttypen",
            iots[name],
            {
                "catalogus": catalogus,
                "omschrijving": name,
                "vertrouwelijkheidaanduiding": "intern" if name == UNLINKED_IOT else "vertrouwelijk",
                "beginGeldigheid": BEGIN,
                "eindeGeldigheid": None,
                "concept": False,
                "informatieobjectcategorie": category,
                "trefwoord": [],
                "omschrijvingGeneriek": {
                    "informatieobjecttypeOmschrijvingGeneriek": "",
                    "definitieInformatieobjecttypeOmschrijvingGeneriek": "",
                    "herkomstInformatieobjecttypeOmschrijvingGeneriek": "",
                    "hierarchieInformatieobjecttypeOmschrijvingGeneriek": "",
                    "opmerkingInformatieobjecttypeOmschrijvingGeneriek": "",
                },
                "beginObject": BEGIN,
                "eindeObject": None,
            },
        )
    put(
        "besluittypen",
        besluittype,
        {
            "catalogus": catalogus,
            "omschrijving": BESLUITTYPE,
            "omschrijvingGeneriek": BESLUITTYPE,
            "besluitcategorie": "Beschikking Wmo/Jeugdwet",
            "reactietermijn": "P42D",
            "publicatieIndicatie": False,
            "publicatietekst": "",
            "publicatietermijn": None,
            "toelichting": "",
            "informatieobjecttypen": [iots["Beschikking"]],
            "beginGeldigheid": BEGIN,
            "eindeGeldigheid": None,
            "concept": False,
            "vastgelegdIn": ["Beschikking"],
            "beginObject": BEGIN,
            "eindeObject": None,
        },
    )
    for ident, spec in ZAAKTYPEN.items():
        _install_zaaktype(put, urls, ident, spec)


def _install_zaaktype(put: Any, urls: dict[str, Any], ident: str, spec: dict[str, Any]) -> None:
    catalogus = urls["catalogus"]
    zaaktype = urls["zaaktypen"][ident]
    put(
        "zaaktypen",
        zaaktype,
        {
            "identificatie": ident,
            "omschrijving": spec["omschrijving"],
            "omschrijvingGeneriek": "",
            "vertrouwelijkheidaanduiding": "vertrouwelijk",
            "doel": spec["doel"],
            "aanleiding": spec["aanleiding"],
            "toelichting": "",
            "indicatieInternOfExtern": "extern",
            "handelingInitiator": "Aanvragen",
            "onderwerp": spec["onderwerp"],
            "handelingBehandelaar": "Behandelen",
            # Open Zaak normalises durations to days: 8 weeks doorlooptijd, 6 weeks servicenorm
            "doorlooptijd": "P56D",
            "servicenorm": "P42D",
            "opschortingEnAanhoudingMogelijk": True,
            "verlengingMogelijk": True,
            "verlengingstermijn": "P14D",
            "trefwoorden": spec["trefwoorden"],
            "publicatieIndicatie": False,
            "publicatietekst": "",
            "verantwoordingsrelatie": [],
            "productenOfDiensten": [],
            "selectielijstProcestype": f"{SELECTIELIJST}/procestypen/{_uid('procestype', ident)}",
            "referentieproces": {"naam": spec["omschrijving"] + " verstrekken", "link": ""},
            "concept": spec["concept"],
            "verantwoordelijke": "Gemeente (sandbox)",
            "broncatalogus": {"url": "", "domein": "", "rsin": ""},
            "bronzaaktype": {"url": "", "identificatie": "", "omschrijving": ""},
            "beginGeldigheid": BEGIN,
            "eindeGeldigheid": None,
            "versiedatum": BEGIN,
            "beginObject": BEGIN,
            "eindeObject": None,
            "catalogus": catalogus,
            "informatieobjecttypen": [urls["informatieobjecttypen"][name] for name in LINKED_IOTS],
            "besluittypen": list(urls["besluittypen"].values()),
            "deelzaaktypen": [urls["zaaktypen"][d] for d in spec.get("deelzaaktypen", [])],
        },
    )
    for volgnummer, name in enumerate(STATUSTYPEN, start=1):
        put(
            "statustypen",
            urls["statustypen"][ident][name],
            {
                "omschrijving": name,
                "omschrijvingGeneriek": name,
                "statustekst": "",
                "zaaktype": zaaktype,
                "volgnummer": volgnummer,
                "informeren": False,
                "doorlooptijd": None,
                "toelichting": None,
                "checklistitemStatustype": [],
                "eigenschappen": [],
                "zaakobjecttypen": [],
                "beginGeldigheid": None,
                "eindeGeldigheid": None,
                "beginObject": None,
                "eindeObject": None,
            },
        )
    for generiek, name in ROLTYPEN.items():
        put(
            "roltypen",
            urls["roltypen"][ident][generiek],
            {
                "zaaktype": zaaktype,
                "omschrijving": name,
                "omschrijvingGeneriek": generiek,
                "beginGeldigheid": None,
                "eindeGeldigheid": None,
                "beginObject": None,
                "eindeObject": None,
            },
        )
    for name in RESULTAATTYPEN:
        put(
            "resultaattypen",
            urls["resultaattypen"][ident][name],
            {
                "zaaktype": zaaktype,
                "omschrijving": name,
                "resultaattypeomschrijving": f"{SELECTIELIJST}/resultaattypeomschrijvingen/{_uid('rto', name)}",
                "omschrijvingGeneriek": name,
                "selectielijstklasse": f"{SELECTIELIJST}/resultaten/{_uid('klasse', ident, name)}",
                "toelichting": "",
                "archiefnominatie": "vernietigen",
                "archiefactietermijn": "P15Y",
                "brondatumArchiefprocedure": {
                    "afleidingswijze": "afgehandeld",
                    "datumkenmerk": "",
                    "einddatumBekend": False,
                    "objecttype": "",
                    "registratie": "",
                    "procestermijn": None,
                },
                "procesobjectaard": "",
                "indicatieSpecifiek": None,
                "procestermijn": None,
                "besluittypen": [],
                "besluittypeOmschrijving": [],
                "informatieobjecttypen": [],
                "informatieobjecttypeOmschrijving": [],
                "beginGeldigheid": None,
                "eindeGeldigheid": None,
                "beginObject": None,
                "eindeObject": None,
            },
        )
