"""Zaken API 1.5.1: rollen and zaakinformatieobjecten.

From the rollen-* and zaakinformatieobjecten-* samples:
- a rol copies `omschrijving`/`omschrijvingGeneriek` from its roltype; a natuurlijk_persoon's
  `betrokkeneIdentificatie` comes back with every key (including `inpA_nummer`); `inpBsn` must pass the
  11-proef (`betrokkeneIdentificatie.inpBsn`, `invalid`, "Onjuist BSN nummer");
- a zaakinformatieobject is unique per (zaak, informatieobject) (`nonFieldErrors`, `unique`), its
  document's informatieobjecttype must be in the zaaktype (`missing-zaaktype-informatieobjecttype-relation`),
  and `?zaak=` answers a plain array, not a page.
Other betrokkeneTypes are stored and returned as sent (the service only registers citizens).
"""

from __future__ import annotations

import uuid
from typing import Any

from . import errors
from .fields import Fields, check_identifier, fmt_datetime, now
from .store import Store
from .web import (
    REPRESENTERS,
    Ctx,
    Request,
    Response,
    Router,
    check_query,
    created,
    json_response,
    no_content,
    ordered,
    paginate,
    read_handler,
    url_param,
)
from .zaken import BAD_URL, related, resolve_zaak, touch, zaak_notification

ROL_KEYS = (
    "url uuid zaak betrokkene betrokkeneType afwijkendeNaamBetrokkene roltype omschrijving omschrijvingGeneriek "
    "roltoelichting registratiedatum indicatieMachtiging contactpersoonRol statussen beginGeldigheid "
    "eindeGeldigheid betrokkeneIdentificatie authenticatieContext"
).split()
BETROKKENE_TYPES = (
    "natuurlijk_persoon",
    "niet_natuurlijk_persoon",
    "vestiging",
    "organisatorische_eenheid",
    "medewerker",
)
NATUURLIJK_PERSOON: dict[str, Any] = {
    "inpBsn": "",
    "anpIdentificatie": "",
    "inpA_nummer": "",
    "geslachtsnaam": "",
    "voorvoegselGeslachtsnaam": "",
    "voorletters": "",
    "voornamen": "",
    "geslachtsaanduiding": "",
    "geboortedatum": "",
    "verblijfsadres": None,
    "subVerblijfBuitenland": None,
}
# Omschrijvingen generiek a zaak has at most one rol of (Open Zaak answers `max-occurences` on `roltype`).
ONE_PER_ZAAK = ("initiator", "zaakcoordinator")
CONTACTPERSOON = {"emailadres": "", "functie": "", "telefoonnummer": "", "naam": ""}
ZIO_KEYS = (
    "url uuid informatieobject zaak aardRelatieWeergave titel beschrijving registratiedatum vernietigingsdatum status"
).split()
ROL_FILTERS = {
    "zaak": "zaak",
    "betrokkene": "betrokkene",
    "betrokkeneType": "betrokkeneType",
    "roltype": "roltype",
    "omschrijving": "omschrijving",
    "omschrijvingGeneriek": "omschrijvingGeneriek",
}
BSN_FILTER = "betrokkeneIdentificatie__natuurlijkPersoon__inpBsn"


def rol_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    return ordered(ROL_KEYS, record, {"statussen": []})


def zio_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    return ordered(ZIO_KEYS, record, {"aardRelatieWeergave": "Hoort bij, omgekeerd: kent"})


REPRESENTERS["rollen"] = rol_repr
REPRESENTERS["zaakinformatieobjecten"] = zio_repr


def _betrokkene_identificatie(fields: Fields, betrokkene_type: str | None) -> dict[str, Any] | None:
    identificatie = fields.obj("betrokkeneIdentificatie")
    if identificatie is None or betrokkene_type != "natuurlijk_persoon":
        return identificatie
    bsn = identificatie.get("inpBsn")
    if bsn:
        check_identifier(fields.errors, "betrokkeneIdentificatie.inpBsn", str(bsn), "Onjuist BSN nummer")
    known = {key: identificatie[key] for key in NATUURLIJK_PERSOON if identificatie.get(key) is not None}
    return {**NATUURLIJK_PERSOON, **known}


def create_rol(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    zaak = resolve_zaak(ctx, fields)
    betrokkene_type = fields.choice("betrokkeneType", BETROKKENE_TYPES, required=True)
    roltype_url = fields.url("roltype", required=True)
    roltype = ctx.store.resolve(roltype_url, "roltypen") if roltype_url else None
    if roltype_url and roltype is None:
        fields.errors.add("roltype", "does_not_exist", BAD_URL.format(url=roltype_url))
    roltoelichting = fields.string("roltoelichting", required=True, max_length=1000)
    betrokkene = fields.url("betrokkene") or ""
    afwijkende_naam = fields.string("afwijkendeNaamBetrokkene", max_length=625) or ""
    machtiging = fields.choice("indicatieMachtiging", ("", "gemachtigde", "machtiginggever")) or ""
    contactpersoon = fields.obj("contactpersoonRol")
    identificatie = _betrokkene_identificatie(fields, betrokkene_type)
    fields.errors.raise_if_any()
    assert zaak is not None and roltype is not None
    if roltype["zaaktype"] != zaak["zaaktype"]:
        raise errors.invalid(
            "nonFieldErrors", "zaaktype-mismatch", "De referentie hoort niet bij het zaaktype van de zaak."
        )
    generiek = roltype["omschrijvingGeneriek"]
    if generiek in ONE_PER_ZAAK:
        # Open Zaak 1.30's RolOccurenceValidator: one initiator and one zaakcoordinator per zaak.
        existing = sum(1 for r in related(ctx.store, "rollen", zaak["url"]) if r["omschrijvingGeneriek"] == generiek)
        if existing:
            raise errors.invalid("roltype", "max-occurences", f"De waarde `{generiek}` komt al {existing} keer voor")
    uid = str(uuid.uuid4())
    record = ctx.store.put(
        "rollen",
        {
            "uuid": uid,
            "url": ctx.store.url("rollen", uid),
            "zaak": zaak["url"],
            "betrokkene": betrokkene,
            "betrokkeneType": betrokkene_type,
            "afwijkendeNaamBetrokkene": afwijkende_naam,
            "roltype": roltype["url"],
            "omschrijving": roltype["omschrijving"],
            "omschrijvingGeneriek": roltype["omschrijvingGeneriek"],
            "roltoelichting": roltoelichting,
            "registratiedatum": fmt_datetime(now()),
            "indicatieMachtiging": machtiging,
            "contactpersoonRol": {**CONTACTPERSOON, **(contactpersoon or {})},
            "beginGeldigheid": None,
            "eindeGeldigheid": None,
            "betrokkeneIdentificatie": identificatie,
            "authenticatieContext": None,
        },
    )
    touch(ctx.store, zaak)
    return created(rol_repr(ctx.store, record), zaak_notification(ctx.store, zaak, "rol", record["url"], "create"))


def delete_rol(ctx: Ctx, req: Request, uid: str) -> Response:
    record = ctx.store.get("rollen", uid)
    if record is None:
        raise errors.not_found()
    ctx.store.delete("rollen", record["uuid"])
    zaak = ctx.store.resolve(record["zaak"], "zaken")
    if zaak is None:
        return no_content()
    touch(ctx.store, zaak)
    return no_content(zaak_notification(ctx.store, zaak, "rol", record["url"], "destroy"))


def list_rollen(ctx: Ctx, req: Request) -> Response:
    check_query(req, {*ROL_FILTERS, BSN_FILTER, "page"})
    for name in ("zaak", "roltype", "betrokkene"):
        url_param(req, name)
    params = req.params()
    items = []
    for record in ctx.store.all("rollen"):
        if any(name in params and record[key] != params[name] for name, key in ROL_FILTERS.items()):
            continue
        if BSN_FILTER in params and (record.get("betrokkeneIdentificatie") or {}).get("inpBsn") != params[BSN_FILTER]:
            continue
        items.append(record)
    return paginate(ctx, req, items, lambda r: rol_repr(ctx.store, r))


def create_zio(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    zaak = resolve_zaak(ctx, fields)
    document_url = fields.url("informatieobject", required=True)
    document = ctx.store.resolve(document_url, "enkelvoudiginformatieobjecten") if document_url else None
    if document_url and document is None:
        fields.errors.add("informatieobject", "does_not_exist", BAD_URL.format(url=document_url))
    titel = fields.string("titel", max_length=200) or ""
    beschrijving = fields.string("beschrijving") or ""
    vernietigingsdatum = fields.datetime("vernietigingsdatum") if fields.body.get("vernietigingsdatum") else None
    status_url = fields.url("status", nullable=True)
    if status_url and ctx.store.resolve(status_url, "statussen") is None:
        fields.errors.add("status", "does_not_exist", "Ongeldige hyperlink - Object bestaat niet.")
    fields.errors.raise_if_any()
    assert zaak is not None and document is not None
    pairs = {(z["zaak"], z["informatieobject"]) for z in ctx.store.all("zaakinformatieobjecten")}
    if (zaak["url"], document["url"]) in pairs:
        raise errors.invalid("nonFieldErrors", "unique", "De velden zaak, informatieobject moeten een unieke set zijn.")
    zaaktype = ctx.store.resolve(zaak["zaaktype"], "zaaktypen")
    if zaaktype is None or document["informatieobjecttype"] not in zaaktype["informatieobjecttypen"]:
        raise errors.invalid(
            "nonFieldErrors",
            "missing-zaaktype-informatieobjecttype-relation",
            "Het informatieobjecttype hoort niet bij het zaaktype van de zaak.",
        )
    uid = str(uuid.uuid4())
    record = ctx.store.put(
        "zaakinformatieobjecten",
        {
            "uuid": uid,
            "url": ctx.store.url("zaakinformatieobjecten", uid),
            "informatieobject": document["url"],
            "zaak": zaak["url"],
            "titel": titel,
            "beschrijving": beschrijving,
            "registratiedatum": fmt_datetime(now()),
            "vernietigingsdatum": fmt_datetime(vernietigingsdatum) if vernietigingsdatum else None,
            "status": status_url,
        },
    )
    touch(ctx.store, zaak)
    notification = zaak_notification(ctx.store, zaak, "zaakinformatieobject", record["url"], "create")
    return created(zio_repr(ctx.store, record), notification)


def delete_zio(ctx: Ctx, req: Request, uid: str) -> Response:
    record = ctx.store.get("zaakinformatieobjecten", uid)
    if record is None:
        raise errors.not_found()
    ctx.store.delete("zaakinformatieobjecten", record["uuid"])
    zaak = ctx.store.resolve(record["zaak"], "zaken")
    if zaak is None:
        return no_content()
    touch(ctx.store, zaak)
    return no_content(zaak_notification(ctx.store, zaak, "zaakinformatieobject", record["url"], "destroy"))


def list_zio(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"zaak", "informatieobject"})
    zaak, document = url_param(req, "zaak"), url_param(req, "informatieobject")
    items = [
        zio_repr(ctx.store, r)
        for r in ctx.store.all("zaakinformatieobjecten")
        if (zaak is None or r["zaak"] == zaak) and (document is None or r["informatieobject"] == document)
    ]
    return json_response(items)  # not paginated (zaakinformatieobjecten-list-by-zaak-200)


def register(router: Router) -> None:
    router.add("zaken", "/rollen", get=list_rollen, post=create_rol)
    router.add("zaken", "/rollen/{uuid}", get=read_handler("rollen"), delete=delete_rol)
    router.add("zaken", "/zaakinformatieobjecten", get=list_zio, post=create_zio)
    router.add("zaken", "/zaakinformatieobjecten/{uuid}", get=read_handler("zaakinformatieobjecten"), delete=delete_zio)
