"""Zaken API 1.5.1, the /zaken resource: create, list, read/HEAD (ETag, 304, expand), PATCH/PUT, DELETE.

Behaviour copied from the zaken-*.json samples:
- `Accept-Crs` (and `Content-Crs` on writes) is negotiated by the server for this resource only.
- `identificatie` is generated (ZAAK-<year>-<10 digits>) when absent and unique per bronorganisatie.
- `einddatumGepland` = startdatum + servicenorm, `uiterlijkeEinddatumAfdoening` = startdatum +
  doorlooptijd of the zaaktype, unless the client sends them.
- The zaaktype must exist (`does_not_exist`) and be published (`not-published`).
- GET detail and list items carry `"_expand": {}`; POST/PATCH responses do not.
- A zaak created with `hoofdzaak` shows up in the hoofdzaak's `deelzaken`.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import errors
from .catalogi import VERTROUWELIJKHEID
from .fields import Fields, add_duration, fmt_datetime, now, parse_date, today
from .notify import message
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
    detail,
    json_response,
    no_content,
    ordered,
    paginate,
    represent,
    url_param,
)

ZAAK_KEYS = (
    "url uuid identificatie bronorganisatie omschrijving toelichting zaaktype registratiedatum "
    "verantwoordelijkeOrganisatie startdatum einddatum einddatumGepland uiterlijkeEinddatumAfdoening "
    "publicatiedatum laatstGemuteerd laatstGeopend communicatiekanaal communicatiekanaalNaam productenOfDiensten "
    "vertrouwelijkheidaanduiding betalingsindicatie betalingsindicatieWeergave laatsteBetaaldatum zaakgeometrie "
    "verlenging opschorting selectielijstklasse hoofdzaak deelzaken relevanteAndereZaken gerelateerdeZaken "
    "eigenschappen rollen status zaakinformatieobjecten zaakobjecten kenmerken archiefnominatie archiefstatus "
    "archiefactiedatum resultaat opdrachtgevendeOrganisatie processobjectaard startdatumBewaartermijn processobject"
).split()
BETALINGSINDICATIE = {
    "": "",
    "nvt": "Er is geen sprake van te betalen, met de zaak gemoeide, kosten.",
    "nog_niet": "De met de zaak gemoeide kosten zijn (nog) niet betaald.",
    "gedeeltelijk": "De met de zaak gemoeide kosten zijn gedeeltelijk betaald.",
    "geheel": "De met de zaak gemoeide kosten zijn geheel betaald.",
}
# writable fields that the sandbox stores as sent, with Open Zaak's defaults
PASSTHROUGH: dict[str, Any] = {
    "publicatiedatum": None,
    "laatstGeopend": None,
    "communicatiekanaal": "",
    "communicatiekanaalNaam": "",
    "productenOfDiensten": [],
    "betalingsindicatie": "",
    "laatsteBetaaldatum": None,
    "zaakgeometrie": None,
    "verlenging": None,
    "opschorting": {"indicatie": False, "eerdereOpschorting": False, "reden": ""},
    "selectielijstklasse": "",
    "kenmerken": [],
    "archiefnominatie": None,
    "archiefstatus": "nog_te_archiveren",
    "archiefactiedatum": None,
    "opdrachtgevendeOrganisatie": "",
    "processobjectaard": "",
    "startdatumBewaartermijn": None,
    "processobject": {"datumkenmerk": "", "identificatie": "", "objecttype": "", "registratie": ""},
}
AARD_RELATIE = ("vervolg", "onderwerp", "bijdrage")
ZAAK_FILTERS = {
    "identificatie",
    "bronorganisatie",
    "bronorganisatie__in",
    "zaaktype",
    "archiefstatus",
    "archiefnominatie",
    "startdatum",
    "einddatum__isnull",
    "rol__betrokkeneType",
    "rol__omschrijvingGeneriek",
    "rol__betrokkeneIdentificatie__natuurlijkPersoon__inpBsn",
    "expand",
    "page",
}
BAD_URL = 'Bad URL "{url}" - object could not be fetched. This *may* be because you have insufficient read permissions.'
BAD_LINK = "Ongeldige hyperlink - Object bestaat niet."


def related(store: Store, collection: str, zaak_url: str) -> list[dict[str, Any]]:
    return store.referring(collection, "zaak", zaak_url)


def current_status(store: Store, zaak_url: str) -> dict[str, Any] | None:
    """The status with the latest datumStatusGezet (not the last one created)."""
    statussen = related(store, "statussen", zaak_url)
    return max(statussen, key=lambda s: (s["_moment"], s["_seq"])) if statussen else None


def zaak_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    url = record["url"]
    status = current_status(store, url)
    resultaten = related(store, "resultaten", url)
    derived = {
        "betalingsindicatieWeergave": BETALINGSINDICATIE.get(record["betalingsindicatie"], ""),
        "deelzaken": [z["url"] for z in store.referring("zaken", "hoofdzaak", url)],
        "gerelateerdeZaken": [],
        "eigenschappen": [],
        "rollen": [r["url"] for r in related(store, "rollen", url)],
        "status": status["url"] if status else None,
        "zaakinformatieobjecten": [r["url"] for r in related(store, "zaakinformatieobjecten", url)],
        "zaakobjecten": [],
        "resultaat": resultaten[0]["url"] if resultaten else None,
    }
    return ordered(ZAAK_KEYS, record, derived)


REPRESENTERS["zaken"] = zaak_repr


def zaak_notification(store: Store, zaak: dict[str, Any], resource: str, url: str, actie: str) -> dict[str, Any]:
    zaaktype = store.resolve(zaak["zaaktype"], "zaaktypen")
    kenmerken = {
        "bronorganisatie": zaak["bronorganisatie"],
        "zaaktype": zaak["zaaktype"],
        "zaaktype.catalogus": zaaktype["catalogus"] if zaaktype else "",
        "vertrouwelijkheidaanduiding": zaak["vertrouwelijkheidaanduiding"],
    }
    return message("zaken", zaak["url"], resource, url, actie, kenmerken)


def touch(store: Store, zaak: dict[str, Any]) -> None:
    zaak["laatstGemuteerd"] = fmt_datetime(now())
    store.put("zaken", zaak)


def resolve_zaak(ctx: Ctx, fields: Fields, name: str = "zaak", *, required: bool = True) -> dict[str, Any] | None:
    """A `zaak` URL field in the Zaken API itself (DRF HyperlinkedRelatedField semantics)."""
    url = fields.url(name, required=required)
    if url is None:
        return None
    zaak = ctx.store.resolve(url, "zaken")
    if zaak is None:
        fields.errors.add(name, "does_not_exist", BAD_LINK)
    return zaak


def resolve_type(
    ctx: Ctx, fields: Fields, name: str, collection: str, *, required: bool = True
) -> dict[str, Any] | None:
    """A catalogue URL field: must exist (`does_not_exist`) and be published (`not-published`)."""
    url = fields.url(name, required=required)
    if url is None:
        return None
    record = ctx.store.resolve(url, collection)
    if record is None:
        fields.errors.add(name, "does_not_exist", BAD_URL.format(url=url))
        return None
    if record.get("concept"):
        fields.errors.add(name, "not-published", "De resource is niet gepubliceerd.")
        return None
    return record


# --- expand --------------------------------------------------------------------------------------


def parse_expand(req: Request) -> list[list[str]]:
    raw = req.params().get("expand", "")
    return [part.strip().split(".") for part in raw.split(",") if part.strip()]


def expand(store: Store, data: dict[str, Any], paths: list[list[str]]) -> dict[str, Any]:
    """Open Zaak's `_expand`: each named URL field resolved to its object, nested paths in its own `_expand`."""
    tree: dict[str, list[list[str]]] = {}
    for path in paths:
        tree.setdefault(path[0], [])
        if len(path) > 1:
            tree[path[0]].append(path[1:])
    result: dict[str, Any] = {}
    for name, sub in tree.items():
        if name not in data or name.startswith("_"):
            raise errors.invalid("expand", "invalid-expand-field", f"'{name}' is geen geldige expand waarde.")
        value = data[name]

        def one(url: Any, sub: list[list[str]] = sub) -> Any:
            found = store.lookup(url) if isinstance(url, str) else None
            if found is None:
                return None
            representation = represent(store, *found)
            if sub:
                representation["_expand"] = expand(store, representation, sub)
            return representation

        result[name] = [one(u) for u in value] if isinstance(value, list) else one(value)
    return result


def with_expand(store: Store, data: dict[str, Any], paths: list[list[str]]) -> dict[str, Any]:
    return {**data, "_expand": expand(store, data, paths) if paths else {}}


# --- validation ----------------------------------------------------------------------------------


def _validate(ctx: Ctx, body: Any, existing: dict[str, Any] | None, *, partial: bool) -> dict[str, Any]:
    """Validate a create/update body; returns the changed fields in record form."""
    fields = Fields(body, partial=partial)
    values: dict[str, Any] = {}
    for name, max_length in (("identificatie", 40), ("omschrijving", 80), ("toelichting", 1000)):
        value = fields.string(name, max_length=max_length)
        if value is not None:
            values[name] = value
    for name in ("bronorganisatie", "verantwoordelijkeOrganisatie"):
        value = fields.rsin(name, required=True)
        if value is not None:
            values[name] = value
    for name, required in (("startdatum", True), ("registratiedatum", False)):
        day = fields.date(name, required=required, nullable=False)
        if day is not None:
            values[name] = day.isoformat()
    for name in ("einddatumGepland", "uiterlijkeEinddatumAfdoening"):
        if fields.present(name):
            day = fields.date(name)
            values[name] = day.isoformat() if day else None
    vertrouwelijkheid = fields.choice("vertrouwelijkheidaanduiding", VERTROUWELIJKHEID)
    if vertrouwelijkheid:
        values["vertrouwelijkheidaanduiding"] = vertrouwelijkheid
    zaaktype = resolve_type(ctx, fields, "zaaktype", "zaaktypen")
    if zaaktype is not None:
        if existing is not None and zaaktype["url"] != existing["zaaktype"]:
            fields.errors.add("zaaktype", "wijzigen-niet-toegelaten", "Dit veld mag niet gewijzigd worden.")
        values["zaaktype"] = zaaktype["url"]
    if fields.present("hoofdzaak"):
        zaaktype_url = values.get("zaaktype") or (existing or {}).get("zaaktype")
        values["hoofdzaak"] = _validate_hoofdzaak(ctx, fields, existing, zaaktype_url)
    if fields.present("relevanteAndereZaken"):
        values["relevanteAndereZaken"] = _validate_relevante(ctx, fields)
    for name in PASSTHROUGH:
        if fields.present(name):
            values[name] = body[name]
    fields.errors.raise_if_any()
    _check_unique(ctx, values, existing)
    return values


def _validate_hoofdzaak(
    ctx: Ctx, fields: Fields, existing: dict[str, Any] | None, zaaktype_url: str | None
) -> str | None:
    hoofdzaak = resolve_zaak(ctx, fields, "hoofdzaak", required=False)
    if hoofdzaak is None:
        return None
    if hoofdzaak["hoofdzaak"]:
        fields.errors.add("hoofdzaak", "deelzaak-als-hoofdzaak", "Een deelzaak kan niet als hoofdzaak gebruikt worden.")
    if existing is not None and hoofdzaak["url"] == existing["url"]:
        fields.errors.add("hoofdzaak", "self-forbidden", "Een zaak kan niet de hoofdzaak van zichzelf zijn.")
    hoofdtype = ctx.store.resolve(hoofdzaak["zaaktype"], "zaaktypen") or {}
    if zaaktype_url and zaaktype_url not in hoofdtype.get("deelzaaktypen", []):
        # zaken-create-deelzaak-type-not-in-deelzaaktypen-400
        fields.errors.add(
            "hoofdzaak", "invalid-deelzaaktype", "Zaaktype niet vastgelegd in deelzaaktypen van hoofdzaak.zaaktype"
        )
    return str(hoofdzaak["url"])


def _validate_relevante(ctx: Ctx, fields: Fields) -> list[dict[str, Any]]:
    items = fields.array("relevanteAndereZaken") or []
    result = []
    for index, item in enumerate(items):
        sub = Fields(item)
        url = sub.url("url", required=True)
        aard = sub.choice("aardRelatie", AARD_RELATIE, required=True)
        prefix = f"relevanteAndereZaken.{index}"
        # nested errors get their dotted path, as Open Zaak names them
        for param in sub.errors.params:
            fields.errors.add(f"{prefix}.{param['name']}", param["code"], param["reason"])
        if url and ctx.store.resolve(url, "zaken") is None:
            fields.errors.add(f"{prefix}.url", "does_not_exist", BAD_URL.format(url=url))
        if url and aard:
            result.append({"url": url, "aardRelatie": aard})
    return result


def _check_unique(ctx: Ctx, values: dict[str, Any], existing: dict[str, Any] | None) -> None:
    identificatie = values.get("identificatie") or (existing or {}).get("identificatie")
    bron = values.get("bronorganisatie") or (existing or {}).get("bronorganisatie")
    if not identificatie:
        return
    for zaak in ctx.store.all("zaken"):
        same = existing is not None and zaak["uuid"] == existing["uuid"]
        if not same and zaak["identificatie"] == identificatie and zaak["bronorganisatie"] == bron:
            raise errors.invalid(
                "identificatie",
                "identificatie-niet-uniek",
                f"Deze identificatie ({identificatie}) bestaat al voor deze bronorganisatie",
            )


def _generate_identificatie(ctx: Ctx, registratiedatum: str, bron: str) -> str:
    year = registratiedatum[:4]
    taken = {z["identificatie"] for z in ctx.store.all("zaken") if z["bronorganisatie"] == bron}
    while True:
        candidate = f"ZAAK-{year}-{ctx.store.next_number('zaak-' + year):010d}"
        if candidate not in taken:
            return candidate


# --- handlers ------------------------------------------------------------------------------------


def create_zaak(ctx: Ctx, req: Request) -> Response:
    values = _validate(ctx, req.json(), None, partial=False)
    zaaktype = ctx.store.resolve(values["zaaktype"], "zaaktypen")
    assert zaaktype is not None
    start = values["startdatum"]
    uid = str(uuid.uuid4())
    record: dict[str, Any] = {
        "uuid": uid,
        "url": ctx.store.url("zaken", uid),
        "omschrijving": "",
        "toelichting": "",
        "registratiedatum": today().isoformat(),
        "einddatum": None,
        "vertrouwelijkheidaanduiding": zaaktype["vertrouwelijkheidaanduiding"],
        "hoofdzaak": None,
        "relevanteAndereZaken": [],
        **PASSTHROUGH,
        **values,
    }
    start_day = parse_date(start)
    if "einddatumGepland" not in values:
        servicenorm = zaaktype.get("servicenorm")
        record["einddatumGepland"] = add_duration(start_day, servicenorm).isoformat() if servicenorm else None
    if "uiterlijkeEinddatumAfdoening" not in values:
        record["uiterlijkeEinddatumAfdoening"] = add_duration(start_day, zaaktype["doorlooptijd"]).isoformat()
    if not record.get("identificatie"):
        record["identificatie"] = _generate_identificatie(ctx, record["registratiedatum"], record["bronorganisatie"])
    touch(ctx.store, record)
    return created(zaak_repr(ctx.store, record), zaak_notification(ctx.store, record, "zaak", record["url"], "create"))


def _get_zaak(ctx: Ctx, uid: str) -> dict[str, Any]:
    record = ctx.store.get("zaken", uid)
    if record is None:
        raise errors.not_found()
    return record


def read_zaak(ctx: Ctx, req: Request, uid: str) -> Response:
    record = _get_zaak(ctx, uid)
    data = zaak_repr(ctx.store, record)
    # the ETag is the same with and without expand (zaken-read-expand-status-200)
    return detail(req, with_expand(ctx.store, data, parse_expand(req)), etag_data=data)


def list_zaken(ctx: Ctx, req: Request) -> Response:
    check_query(req, ZAAK_FILTERS)
    params = req.params()
    zaaktype = url_param(req, "zaaktype")
    einddatum_isnull = choice_param(req, "einddatum__isnull", ("true", "false", "True", "False", "1", "0"))
    paths = parse_expand(req)
    bron_in = params["bronorganisatie__in"].split(",") if "bronorganisatie__in" in params else None
    records = []
    # Every page filters all zaken again (as a database would, without its indexes): keep the loop lean.
    exact = [(name, params[name]) for name in _EXACT if name in params]
    open_wanted = None if einddatum_isnull is None else einddatum_isnull.lower() in ("true", "1")
    by_rol = any(key.startswith("rol__") for key in params)
    for zaak in reversed(ctx.store.all("zaken")):  # newest first, as Open Zaak orders them
        if zaaktype is not None and zaak["zaaktype"] != zaaktype:
            continue
        if any(zaak[name] != value for name, value in exact):
            continue
        if bron_in is not None and zaak["bronorganisatie"] not in bron_in:
            continue
        if open_wanted is not None and (zaak["einddatum"] is None) != open_wanted:
            continue
        if by_rol and not _rol_filters(ctx.store, zaak, params):
            continue
        records.append(zaak)
    return paginate(ctx, req, records, lambda z: with_expand(ctx.store, zaak_repr(ctx.store, z), paths))


_EXACT = ("identificatie", "bronorganisatie", "archiefstatus", "archiefnominatie", "startdatum")


def _rol_filters(store: Store, zaak: dict[str, Any], params: dict[str, str]) -> bool:
    wanted = {key: value for key, value in params.items() if key.startswith("rol__")}
    if not wanted:
        return True
    for rol in related(store, "rollen", zaak["url"]):
        identificatie = rol.get("betrokkeneIdentificatie") or {}
        checks = {
            "rol__betrokkeneType": rol["betrokkeneType"],
            "rol__omschrijvingGeneriek": rol["omschrijvingGeneriek"],
            "rol__betrokkeneIdentificatie__natuurlijkPersoon__inpBsn": (
                identificatie.get("inpBsn") if rol["betrokkeneType"] == "natuurlijk_persoon" else None
            ),
        }
        if all(checks[key] == value for key, value in wanted.items()):
            return True
    return False


def _update_zaak(ctx: Ctx, req: Request, uid: str, *, partial: bool) -> Response:
    record = _get_zaak(ctx, uid)
    values = _validate(ctx, req.json(), record, partial=partial)
    record.update(values)
    touch(ctx.store, record)
    actie = "partial_update" if partial else "update"
    response = json_response(zaak_repr(ctx.store, record))
    response.notifications.append(zaak_notification(ctx.store, record, "zaak", record["url"], actie))
    return response


def patch_zaak(ctx: Ctx, req: Request, uid: str) -> Response:
    return _update_zaak(ctx, req, uid, partial=True)


def put_zaak(ctx: Ctx, req: Request, uid: str) -> Response:
    return _update_zaak(ctx, req, uid, partial=False)


def delete_zaak(ctx: Ctx, req: Request, uid: str) -> Response:
    record = _get_zaak(ctx, uid)
    for collection in ("statussen", "rollen", "resultaten", "zaakinformatieobjecten"):
        for child in related(ctx.store, collection, record["url"]):
            ctx.store.delete(collection, child["uuid"])
    ctx.store.delete("zaken", record["uuid"])
    return no_content(zaak_notification(ctx.store, record, "zaak", record["url"], "destroy"))


def register(router: Router) -> None:
    router.add("zaken", "/zaken", crs=True, get=list_zaken, post=create_zaak)
    router.add("zaken", "/zaken/{uuid}", crs=True, get=read_zaak, patch=patch_zaak, put=put_zaak, delete=delete_zaak)
