"""Catalogi API 1.3.1: read access to the seeded catalogue, plus creating and publishing an
informatieobjecttype (the only catalogue writes in the samples).

Representations follow the catalogi-*.json samples field by field. Relations that Open Zaak derives
(zaaktype.statustypen, informatieobjecttype.zaaktypen, besluittype.zaaktypen ...) are computed from
the stored records, so they cannot get out of step. List filters `status` default to `definitief`,
as in the standard: concept types only show up with `status=concept` or `status=alles`.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import errors
from .fields import Fields
from .store import Store
from .web import (
    REPRESENTERS,
    Ctx,
    Request,
    Response,
    Router,
    check_query,
    choice_param,
    created,
    date_param,
    json_response,
    ordered,
    paginate,
    read_handler,
    url_param,
)

VERTROUWELIJKHEID = (
    "openbaar",
    "beperkt_openbaar",
    "intern",
    "zaakvertrouwelijk",
    "vertrouwelijk",
    "confidentieel",
    "geheim",
    "zeer_geheim",
)
STATUS = ("alles", "concept", "definitief")

CATALOGUS_KEYS = (
    "url domein rsin contactpersoonBeheerNaam contactpersoonBeheerTelefoonnummer contactpersoonBeheerEmailadres "
    "zaaktypen besluittypen informatieobjecttypen naam versie begindatumVersie"
).split()
ZAAKTYPE_KEYS = (
    "url identificatie omschrijving omschrijvingGeneriek vertrouwelijkheidaanduiding doel aanleiding toelichting "
    "indicatieInternOfExtern handelingInitiator onderwerp handelingBehandelaar doorlooptijd servicenorm "
    "opschortingEnAanhoudingMogelijk verlengingMogelijk verlengingstermijn trefwoorden publicatieIndicatie "
    "publicatietekst verantwoordingsrelatie productenOfDiensten selectielijstProcestype referentieproces concept "
    "verantwoordelijke broncatalogus bronzaaktype beginGeldigheid eindeGeldigheid versiedatum beginObject "
    "eindeObject catalogus statustypen resultaattypen eigenschappen informatieobjecttypen roltypen besluittypen "
    "deelzaaktypen gerelateerdeZaaktypen zaakobjecttypen"
).split()
STATUSTYPE_KEYS = (
    "url omschrijving omschrijvingGeneriek statustekst zaaktype zaaktypeIdentificatie volgnummer isEindstatus "
    "informeren doorlooptijd toelichting checklistitemStatustype catalogus eigenschappen zaakobjecttypen "
    "beginGeldigheid eindeGeldigheid beginObject eindeObject"
).split()
ROLTYPE_KEYS = (
    "url zaaktype zaaktypeIdentificatie omschrijving omschrijvingGeneriek catalogus beginGeldigheid "
    "eindeGeldigheid beginObject eindeObject"
).split()
RESULTAATTYPE_KEYS = (
    "url zaaktype zaaktypeIdentificatie omschrijving resultaattypeomschrijving omschrijvingGeneriek "
    "selectielijstklasse toelichting archiefnominatie archiefactietermijn brondatumArchiefprocedure "
    "procesobjectaard indicatieSpecifiek procestermijn catalogus besluittypen besluittypeOmschrijving "
    "informatieobjecttypen informatieobjecttypeOmschrijving beginGeldigheid eindeGeldigheid beginObject eindeObject"
).split()
IOT_KEYS = (
    "url catalogus omschrijving vertrouwelijkheidaanduiding beginGeldigheid eindeGeldigheid concept besluittypen "
    "informatieobjectcategorie trefwoord omschrijvingGeneriek zaaktypen beginObject eindeObject"
).split()
BESLUITTYPE_KEYS = (
    "url catalogus zaaktypen omschrijving omschrijvingGeneriek besluitcategorie reactietermijn publicatieIndicatie "
    "publicatietekst publicatietermijn toelichting informatieobjecttypen beginGeldigheid eindeGeldigheid concept "
    "resultaattypen resultaattypenOmschrijving vastgelegdIn beginObject eindeObject"
).split()


def _urls(records: list[dict[str, Any]]) -> list[str]:
    return [r["url"] for r in records]


def _of_zaaktype(store: Store, collection: str, zaaktype_url: str) -> list[dict[str, Any]]:
    return [r for r in store.all(collection) if r["zaaktype"] == zaaktype_url]


def statustypen_of(store: Store, zaaktype_url: str) -> list[dict[str, Any]]:
    # Open Zaak orders statustypen by descending volgnummer (catalogi-statustypen-list sample: 3, 2, 1)
    return sorted(_of_zaaktype(store, "statustypen", zaaktype_url), key=lambda r: -r["volgnummer"])


def is_eindstatus(store: Store, statustype: dict[str, Any]) -> bool:
    highest = max(r["volgnummer"] for r in _of_zaaktype(store, "statustypen", statustype["zaaktype"]))
    return bool(statustype["volgnummer"] == highest)


def _zaaktype_of(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    zaaktype = store.resolve(record["zaaktype"], "zaaktypen")
    assert zaaktype is not None
    return zaaktype


def catalogus_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    derived = {
        name: _urls([r for r in store.all(name) if r["catalogus"] == record["url"]])
        for name in ("zaaktypen", "besluittypen", "informatieobjecttypen")
    }
    return ordered(CATALOGUS_KEYS, record, derived)


def zaaktype_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    derived = {
        "statustypen": _urls(statustypen_of(store, record["url"])),
        "resultaattypen": _urls(
            sorted(_of_zaaktype(store, "resultaattypen", record["url"]), key=lambda r: r["omschrijving"])
        ),
        "roltypen": _urls(_of_zaaktype(store, "roltypen", record["url"])),
        "eigenschappen": [],
        "deelzaaktypen": list(record.get("deelzaaktypen", [])),
        "gerelateerdeZaaktypen": [],
        "zaakobjecttypen": [],
    }
    return ordered(ZAAKTYPE_KEYS, record, derived)


def _zaaktype_derived(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    zaaktype = _zaaktype_of(store, record)
    return {"zaaktypeIdentificatie": zaaktype["identificatie"], "catalogus": zaaktype["catalogus"]}


def statustype_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    derived = {**_zaaktype_derived(store, record), "isEindstatus": is_eindstatus(store, record)}
    return ordered(STATUSTYPE_KEYS, record, derived)


def roltype_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    return ordered(ROLTYPE_KEYS, record, _zaaktype_derived(store, record))


def resultaattype_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    return ordered(RESULTAATTYPE_KEYS, record, _zaaktype_derived(store, record))


def iot_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    derived = {
        "zaaktypen": _urls([z for z in store.all("zaaktypen") if record["url"] in z["informatieobjecttypen"]]),
        "besluittypen": _urls([b for b in store.all("besluittypen") if record["url"] in b["informatieobjecttypen"]]),
    }
    return ordered(IOT_KEYS, record, derived)


def besluittype_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    derived = {
        "zaaktypen": _urls([z for z in store.all("zaaktypen") if record["url"] in z["besluittypen"]]),
        "resultaattypen": [],
        "resultaattypenOmschrijving": [],
    }
    return ordered(BESLUITTYPE_KEYS, record, derived)


REPRESENTERS.update(
    {
        "catalogussen": catalogus_repr,
        "zaaktypen": zaaktype_repr,
        "statustypen": statustype_repr,
        "roltypen": roltype_repr,
        "resultaattypen": resultaattype_repr,
        "informatieobjecttypen": iot_repr,
        "besluittypen": besluittype_repr,
    }
)


# --- handlers ----------------------------------------------------------------------------------


def _geldig(record: dict[str, Any], day: str | None) -> bool:
    if day is None:
        return True
    begin, end = record.get("beginGeldigheid"), record.get("eindeGeldigheid")
    return (begin is None or begin <= day) and (end is None or day <= end)


def _concept_ok(concept: bool, status: str | None) -> bool:
    return status == "alles" or (status == "concept") == concept


def _list(ctx: Ctx, req: Request, collection: str, records: list[dict[str, Any]]) -> Response:
    return paginate(ctx, req, records, lambda r: REPRESENTERS[collection](ctx.store, r))


def list_catalogussen(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"domein", "domein__in", "rsin", "rsin__in", "page"})
    params = req.params()
    records = [
        r
        for r in ctx.store.all("catalogussen")
        if ("domein" not in params or r["domein"] == params["domein"])
        and ("domein__in" not in params or r["domein"] in params["domein__in"].split(","))
        and ("rsin" not in params or r["rsin"] == params["rsin"])
        and ("rsin__in" not in params or r["rsin"] in params["rsin__in"].split(","))
    ]
    return _list(ctx, req, "catalogussen", records)


def list_zaaktypen(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"catalogus", "identificatie", "trefwoorden", "status", "datumGeldigheid", "page"})
    catalogus = url_param(req, "catalogus")
    status = choice_param(req, "status", STATUS, "definitief")
    day = date_param(req, "datumGeldigheid")
    params = req.params()
    trefwoorden = [t for t in params.get("trefwoorden", "").split(",") if t]
    records = [
        r
        for r in ctx.store.all("zaaktypen")
        if (catalogus is None or r["catalogus"] == catalogus)
        and ("identificatie" not in params or r["identificatie"] == params["identificatie"])
        and all(t in r["trefwoorden"] for t in trefwoorden)
        and _concept_ok(r["concept"], status)
        and _geldig(r, day)
    ]
    return _list(ctx, req, "zaaktypen", records)


def _list_zaaktype_children(collection: str, extra: dict[str, str]) -> Any:
    """statustypen/roltypen/resultaattypen: filtered by their zaaktype (and its concept state)."""
    identificatie_param = "zaaktype_identificatie" if collection == "resultaattypen" else "zaaktypeIdentificatie"
    datum_param = "datum_geldigheid" if collection == "resultaattypen" else "datumGeldigheid"

    def handler(ctx: Ctx, req: Request) -> Response:
        check_query(req, {"zaaktype", identificatie_param, "status", datum_param, "page", *extra})
        zaaktype_url = url_param(req, "zaaktype")
        status = choice_param(req, "status", STATUS, "definitief")
        day = date_param(req, datum_param)
        params = req.params()
        records = []
        for record in ctx.store.all(collection):
            zaaktype = _zaaktype_of(ctx.store, record)
            if zaaktype_url is not None and record["zaaktype"] != zaaktype_url:
                continue
            if identificatie_param in params and zaaktype["identificatie"] != params[identificatie_param]:
                continue
            if not _concept_ok(zaaktype["concept"], status) or not _geldig(zaaktype, day):
                continue
            if any(name in params and record[field] != params[name] for name, field in extra.items()):
                continue
            records.append(record)
        if collection == "statustypen":
            records.sort(key=lambda r: (r["zaaktype"], -r["volgnummer"]))
        return _list(ctx, req, collection, records)

    return handler


def list_informatieobjecttypen(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"catalogus", "status", "datumGeldigheid", "omschrijving", "page"})
    catalogus = url_param(req, "catalogus")
    status = choice_param(req, "status", STATUS, "definitief")
    day = date_param(req, "datumGeldigheid")
    omschrijving = req.params().get("omschrijving")
    records = [
        r
        for r in ctx.store.all("informatieobjecttypen")
        if (catalogus is None or r["catalogus"] == catalogus)
        and (omschrijving is None or r["omschrijving"] == omschrijving)
        and _concept_ok(r["concept"], status)
        and _geldig(r, day)
    ]
    return _list(ctx, req, "informatieobjecttypen", records)


def list_besluittypen(ctx: Ctx, req: Request) -> Response:
    check_query(
        req, {"catalogus", "zaaktypen", "informatieobjecttypen", "status", "omschrijving", "datumGeldigheid", "page"}
    )
    catalogus = url_param(req, "catalogus")
    zaaktype = url_param(req, "zaaktypen")
    iot = url_param(req, "informatieobjecttypen")
    status = choice_param(req, "status", STATUS, "definitief")
    day = date_param(req, "datumGeldigheid")
    omschrijving = req.params().get("omschrijving")
    records = []
    for record in ctx.store.all("besluittypen"):
        representation = besluittype_repr(ctx.store, record)
        if (
            (catalogus is None or record["catalogus"] == catalogus)
            and (zaaktype is None or zaaktype in representation["zaaktypen"])
            and (iot is None or iot in record["informatieobjecttypen"])
            and (omschrijving is None or record["omschrijving"] == omschrijving)
            and _concept_ok(record["concept"], status)
            and _geldig(record, day)
        ):
            records.append(record)
    return _list(ctx, req, "besluittypen", records)


def create_informatieobjecttype(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    catalogus_url = fields.url("catalogus", required=True)
    omschrijving = fields.string("omschrijving", required=True, max_length=80, blank=False)
    vertrouwelijkheid = fields.choice("vertrouwelijkheidaanduiding", VERTROUWELIJKHEID, required=True)
    begin = fields.date("beginGeldigheid", required=True, nullable=False)
    einde = fields.date("eindeGeldigheid")
    categorie = fields.string("informatieobjectcategorie", required=True, max_length=80, blank=False)
    trefwoord = fields.array("trefwoord") or []
    generiek = fields.obj("omschrijvingGeneriek") or {}
    if catalogus_url and ctx.store.resolve(catalogus_url, "catalogussen") is None:
        fields.errors.add("catalogus", "does_not_exist", "Ongeldige hyperlink - Object bestaat niet.")
    fields.errors.raise_if_any()
    uid = str(uuid.uuid4())
    keys = [
        "informatieobjecttypeOmschrijvingGeneriek",
        "definitieInformatieobjecttypeOmschrijvingGeneriek",
        "herkomstInformatieobjecttypeOmschrijvingGeneriek",
        "hierarchieInformatieobjecttypeOmschrijvingGeneriek",
        "opmerkingInformatieobjecttypeOmschrijvingGeneriek",
    ]
    record = ctx.store.put(
        "informatieobjecttypen",
        {
            "uuid": uid,
            "url": ctx.store.url("informatieobjecttypen", uid),
            "catalogus": catalogus_url,
            "omschrijving": omschrijving,
            "vertrouwelijkheidaanduiding": vertrouwelijkheid,
            "beginGeldigheid": begin.isoformat() if begin else None,
            "eindeGeldigheid": einde.isoformat() if einde else None,
            "concept": True,
            "informatieobjectcategorie": categorie,
            "trefwoord": trefwoord,
            "omschrijvingGeneriek": {key: str(generiek.get(key, "")) for key in keys},
            "beginObject": begin.isoformat() if begin else None,
            "eindeObject": einde.isoformat() if einde else None,
        },
    )
    return created(iot_repr(ctx.store, record))


def publish_informatieobjecttype(ctx: Ctx, req: Request, uid: str) -> Response:
    record = ctx.store.get("informatieobjecttypen", uid)
    if record is None:
        raise errors.not_found()
    record["concept"] = False
    ctx.store.put("informatieobjecttypen", record)
    return json_response(iot_repr(ctx.store, record))


def register(router: Router) -> None:
    api = "catalogi"
    router.add(api, "/catalogussen", get=list_catalogussen)
    router.add(api, "/catalogussen/{uuid}", get=read_handler("catalogussen"))
    router.add(api, "/zaaktypen", get=list_zaaktypen)
    router.add(api, "/zaaktypen/{uuid}", get=read_handler("zaaktypen"))
    router.add(api, "/statustypen", get=_list_zaaktype_children("statustypen", {}))
    router.add(api, "/statustypen/{uuid}", get=read_handler("statustypen"))
    roltypen = _list_zaaktype_children("roltypen", {"omschrijvingGeneriek": "omschrijvingGeneriek"})
    router.add(api, "/roltypen", get=roltypen)
    router.add(api, "/roltypen/{uuid}", get=read_handler("roltypen"))
    router.add(api, "/resultaattypen", get=_list_zaaktype_children("resultaattypen", {}))
    router.add(api, "/resultaattypen/{uuid}", get=read_handler("resultaattypen"))
    router.add(api, "/informatieobjecttypen", get=list_informatieobjecttypen, post=create_informatieobjecttype)
    router.add(api, "/informatieobjecttypen/{uuid}", get=read_handler("informatieobjecttypen"))
    router.add(api, "/informatieobjecttypen/{uuid}/publish", post=publish_informatieobjecttype)
    router.add(api, "/besluittypen", get=list_besluittypen)
    router.add(api, "/besluittypen/{uuid}", get=read_handler("besluittypen"))
