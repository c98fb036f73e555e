"""Zaken API 1.5.1: statussen and resultaten, including the rules for closing a zaak.

From the statussen-*.json and zaken-read-closed-200 samples:
- `datumStatusGezet` may not be in the future, not even by a second (`date-in-future`).
- Two statussen of one zaak may not share a `datumStatusGezet` (`unique`, snake_case field names).
- An eindstatus (highest volgnummer) needs a resultaat (`resultaat-does-not-exist`) and every related
  document needs `indicatieGebruiksrecht` set (`indicatiegebruiksrecht-unset`), checked in that order.
- The eindstatus closes the zaak: `einddatum`, `archiefnominatie` (from the resultaattype),
  `startdatumBewaartermijn` and `archiefactiedatum` (+ archiefactietermijn) are derived. Only this status
  notification is sent, no separate zaak update.
- A later non-eindstatus reopens the zaak (Open Zaak's "heropenen").
- The zaak's `status` is the status with the latest `datumStatusGezet`.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from . import errors
from .catalogi import is_eindstatus
from .fields import Fields, add_duration, fmt_datetime, now, parse_date
from .store import Store
from .web import (
    REPRESENTERS,
    Ctx,
    Request,
    Response,
    Router,
    bool_param,
    check_query,
    created,
    no_content,
    ordered,
    paginate,
    read_handler,
    url_param,
)
from .zaken import BAD_LINK, BAD_URL, current_status, related, resolve_zaak, touch, zaak_notification

STATUS_KEYS = (
    "url uuid zaak statustype datumStatusGezet statustoelichting indicatieLaatstGezetteStatus gezetdoor "
    "zaakinformatieobjecten"
).split()
RESULTAAT_KEYS = ("url", "uuid", "zaak", "resultaattype", "toelichting")
MISMATCH = "De referentie hoort niet bij het zaaktype van de zaak."


def status_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    current = current_status(store, record["zaak"])
    derived = {
        "indicatieLaatstGezetteStatus": current is not None and current["uuid"] == record["uuid"],
        "zaakinformatieobjecten": [
            z["url"] for z in store.all("zaakinformatieobjecten") if z.get("status") == record["url"]
        ],
    }
    return ordered(STATUS_KEYS, record, derived)


def resultaat_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    return ordered(RESULTAAT_KEYS, record)


REPRESENTERS["statussen"] = status_repr
REPRESENTERS["resultaten"] = resultaat_repr


def _check_eindstatus(store: Store, zaak: dict[str, Any]) -> None:
    if not related(store, "resultaten", zaak["url"]):
        raise errors.invalid("nonFieldErrors", "resultaat-does-not-exist", "Zaak has no resultaat.")
    for zio in related(store, "zaakinformatieobjecten", zaak["url"]):
        document = store.resolve(zio["informatieobject"], "enkelvoudiginformatieobjecten")
        if document is not None and document.get("indicatieGebruiksrecht") is None:
            raise errors.invalid(
                "nonFieldErrors",
                "indicatiegebruiksrecht-unset",
                "Er zijn gerelateerde informatieobjecten waarvoor `indicatieGebruiksrecht` nog niet gespecifieerd "
                "is. Je moet deze zetten voor je de zaak kan afsluiten.",
            )


def _close(store: Store, zaak: dict[str, Any], einddatum: str) -> None:
    zaak["einddatum"] = einddatum
    resultaat = related(store, "resultaten", zaak["url"])[0]
    resultaattype = store.resolve(resultaat["resultaattype"], "resultaattypen")
    if resultaattype is None:
        return
    if zaak["archiefnominatie"] is None:
        zaak["archiefnominatie"] = resultaattype["archiefnominatie"]
    procedure = resultaattype.get("brondatumArchiefprocedure") or {}
    # only the afleidingswijze the seeded resultaattypen use; others leave the dates to the client
    if procedure.get("afleidingswijze") == "afgehandeld":
        zaak["startdatumBewaartermijn"] = einddatum
        termijn = resultaattype.get("archiefactietermijn")
        if termijn and zaak["archiefactiedatum"] is None:
            zaak["archiefactiedatum"] = add_duration(parse_date(einddatum), termijn).isoformat()


def _reopen(zaak: dict[str, Any]) -> None:
    for name in ("einddatum", "archiefnominatie", "archiefactiedatum", "startdatumBewaartermijn"):
        zaak[name] = None


def create_status(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    zaak = resolve_zaak(ctx, fields)
    statustype_url = fields.url("statustype", required=True)
    statustype = ctx.store.resolve(statustype_url, "statustypen") if statustype_url else None
    if statustype_url and statustype is None:
        fields.errors.add("statustype", "does_not_exist", BAD_URL.format(url=statustype_url))
    moment = fields.datetime("datumStatusGezet", required=True)
    if moment is not None and moment > now():
        fields.errors.add("datumStatusGezet", "date-in-future", "Deze datum mag niet in de toekomst zijn")
    toelichting = fields.string("statustoelichting", max_length=1000)
    gezetdoor = fields.url("gezetdoor")
    if gezetdoor and ctx.store.resolve(gezetdoor, "rollen") is None:
        fields.errors.add("gezetdoor", "does_not_exist", BAD_LINK)
    fields.errors.raise_if_any()
    assert zaak is not None and statustype is not None and moment is not None
    if any(s["_moment"] == moment.timestamp() for s in related(ctx.store, "statussen", zaak["url"])):
        raise errors.invalid(
            "nonFieldErrors", "unique", "De velden zaak, datum_status_gezet moeten een unieke set zijn."
        )
    if statustype["zaaktype"] != zaak["zaaktype"]:
        raise errors.invalid("nonFieldErrors", "zaaktype-mismatch", MISMATCH)
    eind = is_eindstatus(ctx.store, statustype)
    if not eind and zaak["einddatum"] is not None and ctx.client_id not in ctx.heropenen:
        # A status after the end status reopens the zaak: Open Zaak only allows that with the scope
        # zaken.heropenen, and answers 403 otherwise.
        raise errors.permission_denied()
    if eind:
        _check_eindstatus(ctx.store, zaak)
    uid = str(uuid.uuid4())
    record = ctx.store.put(
        "statussen",
        {
            "uuid": uid,
            "url": ctx.store.url("statussen", uid),
            "zaak": zaak["url"],
            "statustype": statustype["url"],
            "datumStatusGezet": fmt_datetime(moment),
            "statustoelichting": toelichting or "",
            "gezetdoor": gezetdoor,
            "_moment": moment.timestamp(),
        },
    )
    if eind:
        # Django stores UTC, so the date of the moment in UTC becomes the einddatum
        _close(ctx.store, zaak, moment.astimezone(UTC).date().isoformat())
    elif zaak["einddatum"] is not None:
        _reopen(zaak)
    touch(ctx.store, zaak)
    return created(
        status_repr(ctx.store, record), zaak_notification(ctx.store, zaak, "status", record["url"], "create")
    )


def create_resultaat(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    zaak = resolve_zaak(ctx, fields)
    url = fields.url("resultaattype", required=True)
    resultaattype = ctx.store.resolve(url, "resultaattypen") if url else None
    if url and resultaattype is None:
        fields.errors.add("resultaattype", "does_not_exist", BAD_URL.format(url=url))
    toelichting = fields.string("toelichting", max_length=1000)
    if zaak is not None and related(ctx.store, "resultaten", zaak["url"]):
        fields.errors.add("zaak", "unique", "resultaat met deze zaak bestaat al.")
    fields.errors.raise_if_any()
    assert zaak is not None and resultaattype is not None
    if resultaattype["zaaktype"] != zaak["zaaktype"]:
        raise errors.invalid("nonFieldErrors", "zaaktype-mismatch", MISMATCH)
    uid = str(uuid.uuid4())
    record = ctx.store.put(
        "resultaten",
        {
            "uuid": uid,
            "url": ctx.store.url("resultaten", uid),
            "zaak": zaak["url"],
            "resultaattype": resultaattype["url"],
            "toelichting": toelichting or "",
        },
    )
    touch(ctx.store, zaak)
    return created(
        resultaat_repr(ctx.store, record), zaak_notification(ctx.store, zaak, "resultaat", record["url"], "create")
    )


def delete_resultaat(ctx: Ctx, req: Request, uid: str) -> Response:
    record = ctx.store.get("resultaten", uid)
    if record is None:
        raise errors.not_found()
    zaak = ctx.store.resolve(record["zaak"], "zaken")
    ctx.store.delete("resultaten", record["uuid"])
    if zaak is None:
        return no_content()
    touch(ctx.store, zaak)
    return no_content(zaak_notification(ctx.store, zaak, "resultaat", record["url"], "destroy"))


def list_statussen(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"zaak", "statustype", "indicatieLaatstGezetteStatus", "page"})
    zaak, statustype = url_param(req, "zaak"), url_param(req, "statustype")
    laatste = bool_param(req, "indicatieLaatstGezetteStatus")
    records = [
        r
        for r in ctx.store.all("statussen")
        if (zaak is None or r["zaak"] == zaak) and (statustype is None or r["statustype"] == statustype)
    ]
    if laatste is not None:
        records = [r for r in records if status_repr(ctx.store, r)["indicatieLaatstGezetteStatus"] == laatste]
    return paginate(ctx, req, records, lambda r: status_repr(ctx.store, r))


def list_resultaten(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"zaak", "resultaattype", "page"})
    zaak, resultaattype = url_param(req, "zaak"), url_param(req, "resultaattype")
    records = [
        r
        for r in ctx.store.all("resultaten")
        if (zaak is None or r["zaak"] == zaak) and (resultaattype is None or r["resultaattype"] == resultaattype)
    ]
    return paginate(ctx, req, records, lambda r: resultaat_repr(ctx.store, r))


def register(router: Router) -> None:
    router.add("zaken", "/statussen", get=list_statussen, post=create_status)
    router.add("zaken", "/statussen/{uuid}", get=read_handler("statussen"))
    router.add("zaken", "/resultaten", get=list_resultaten, post=create_resultaat)
    router.add("zaken", "/resultaten/{uuid}", get=read_handler("resultaten"), delete=delete_resultaat)
