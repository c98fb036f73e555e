"""Besluiten API (Open Zaak reports 1.1.0): besluiten and besluitinformatieobjecten.

From the besluit*-*.json samples:
- `identificatie` is unique per verantwoordelijkeOrganisatie (`identificatie-niet-uniek`) and generated
  (BESLUIT-<year>-<10 digits>) when absent;
- with a `zaak`, the besluittype must be one of the zaaktype's besluittypen;
- a besluitinformatieobject's document type must be one of the besluittype's informatieobjecttypen;
- notifications go to kanaal `besluiten` with hoofdObject the besluit.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import errors
from .fields import Fields, today
from .notify import message
from .store import Store
from .web import (
    REPRESENTERS,
    Ctx,
    Request,
    Response,
    Router,
    check_query,
    created,
    detail,
    json_response,
    ordered,
    paginate,
    url_param,
)
from .zaken import BAD_URL, resolve_type

BESLUIT_KEYS = (
    "url identificatie verantwoordelijkeOrganisatie besluittype zaak datum toelichting bestuursorgaan ingangsdatum "
    "vervaldatum vervalreden vervalredenWeergave publicatiedatum verzenddatum uiterlijkeReactiedatum"
).split()
VERVALREDEN = {
    "": "",
    "tijdelijk": "Besluit met tijdelijke werking",
    "ingetrokken_overheid": "Besluit ingetrokken door overheid",
    "ingetrokken_belanghebbende": "Besluit ingetrokken o.v.v. belanghebbende",
}
OPTIONAL_DATES = ("vervaldatum", "publicatiedatum", "verzenddatum", "uiterlijkeReactiedatum")


def besluit_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    return ordered(BESLUIT_KEYS, record, {"vervalredenWeergave": VERVALREDEN.get(record["vervalreden"], "")})


def bio_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    return ordered(("url", "informatieobject", "besluit"), record)


REPRESENTERS["besluiten"] = besluit_repr
REPRESENTERS["besluitinformatieobjecten"] = bio_repr


def _notification(store: Store, besluit: dict[str, Any], resource: str, url: str) -> dict[str, Any]:
    besluittype = store.resolve(besluit["besluittype"], "besluittypen")
    kenmerken = {
        "verantwoordelijkeOrganisatie": besluit["verantwoordelijkeOrganisatie"],
        "besluittype": besluit["besluittype"],
        "besluittype.catalogus": besluittype["catalogus"] if besluittype else "",
    }
    return message("besluiten", besluit["url"], resource, url, "create", kenmerken)


def create_besluit(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    identificatie = fields.string("identificatie", max_length=50)
    organisatie = fields.rsin("verantwoordelijkeOrganisatie", required=True)
    besluittype = resolve_type(ctx, fields, "besluittype", "besluittypen")
    zaak_url = fields.url("zaak")
    zaak = ctx.store.resolve(zaak_url, "zaken") if zaak_url else None
    if zaak_url and zaak is None:
        fields.errors.add("zaak", "does_not_exist", BAD_URL.format(url=zaak_url))
    datum = fields.date("datum", required=True, nullable=False)
    if datum is not None and datum > today():
        fields.errors.add("datum", "future_not_allowed", "Zorg ervoor dat deze waarde niet in de toekomst ligt.")
    ingangsdatum = fields.date("ingangsdatum", required=True, nullable=False)
    dates = {name: fields.date(name) for name in OPTIONAL_DATES}
    toelichting = fields.string("toelichting") or ""
    bestuursorgaan = fields.string("bestuursorgaan", max_length=50) or ""
    vervalreden = fields.choice("vervalreden", tuple(VERVALREDEN)) or ""
    fields.errors.raise_if_any()
    assert organisatie is not None and besluittype is not None and datum is not None and ingangsdatum is not None
    if identificatie:
        taken = [b for b in ctx.store.all("besluiten") if b["verantwoordelijkeOrganisatie"] == organisatie]
        if any(b["identificatie"] == identificatie for b in taken):
            raise errors.invalid(
                "identificatie",
                "identificatie-niet-uniek",
                f"Deze identificatie ({identificatie}) bestaat al voor deze verantwoordelijke organisatie",
            )
    if zaak is not None:
        zaaktype = ctx.store.resolve(zaak["zaaktype"], "zaaktypen")
        if zaaktype is None or besluittype["url"] not in zaaktype["besluittypen"]:
            raise errors.invalid(
                "nonFieldErrors", "zaaktype-mismatch", "De referentie hoort niet bij het zaaktype van de zaak."
            )
    if not identificatie:
        year = str(today().year)
        identificatie = f"BESLUIT-{year}-{ctx.store.next_number('besluit-' + year):010d}"
    uid = str(uuid.uuid4())
    record = ctx.store.put(
        "besluiten",
        {
            "uuid": uid,
            "url": ctx.store.url("besluiten", uid),
            "identificatie": identificatie,
            "verantwoordelijkeOrganisatie": organisatie,
            "besluittype": besluittype["url"],
            "zaak": zaak["url"] if zaak else "",
            "datum": datum.isoformat(),
            "toelichting": toelichting,
            "bestuursorgaan": bestuursorgaan,
            "ingangsdatum": ingangsdatum.isoformat(),
            "vervalreden": vervalreden,
            **{name: value.isoformat() if value else None for name, value in dates.items()},
        },
    )
    return created(besluit_repr(ctx.store, record), _notification(ctx.store, record, "besluit", record["url"]))


def read_besluit(ctx: Ctx, req: Request, uid: str) -> Response:
    record = ctx.store.get("besluiten", uid)
    if record is None:
        raise errors.not_found()
    return detail(req, besluit_repr(ctx.store, record))


def list_besluiten(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"identificatie", "verantwoordelijkeOrganisatie", "besluittype", "zaak", "page"})
    url_param(req, "besluittype")
    url_param(req, "zaak")
    params = req.params()
    names = ("identificatie", "verantwoordelijkeOrganisatie", "besluittype", "zaak")
    records = [
        r for r in ctx.store.all("besluiten") if all(name not in params or r[name] == params[name] for name in names)
    ]
    return paginate(ctx, req, records, lambda r: besluit_repr(ctx.store, r))


def create_bio(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    besluit_url = fields.url("besluit", required=True)
    besluit = ctx.store.resolve(besluit_url, "besluiten") if besluit_url else None
    if besluit_url and besluit is None:
        fields.errors.add("besluit", "does_not_exist", "Ongeldige hyperlink - Object bestaat niet.")
    document_url = fields.url("informatieobject", required=True)
    document = ctx.store.resolve(document_url, "enkelvoudiginformatieobjecten") if document_url else None
    if document_url and document is None:
        fields.errors.add("informatieobject", "does_not_exist", BAD_URL.format(url=document_url))
    fields.errors.raise_if_any()
    assert besluit is not None and document is not None
    if any(
        b["besluit"] == besluit["url"] and b["informatieobject"] == document["url"]
        for b in ctx.store.all("besluitinformatieobjecten")
    ):
        raise errors.invalid(
            "nonFieldErrors", "unique", "De velden besluit, informatieobject moeten een unieke set zijn."
        )
    besluittype = ctx.store.resolve(besluit["besluittype"], "besluittypen")
    if besluittype is None or document["informatieobjecttype"] not in besluittype["informatieobjecttypen"]:
        raise errors.invalid(
            "nonFieldErrors",
            "missing-besluittype-informatieobjecttype-relation",
            "Het informatieobjecttype hoort niet bij het besluittype van het besluit.",
        )
    uid = str(uuid.uuid4())
    record = ctx.store.put(
        "besluitinformatieobjecten",
        {
            "uuid": uid,
            "url": ctx.store.url("besluitinformatieobjecten", uid),
            "informatieobject": document["url"],
            "besluit": besluit["url"],
        },
    )
    return created(
        bio_repr(ctx.store, record), _notification(ctx.store, besluit, "besluitinformatieobject", record["url"])
    )


def read_bio(ctx: Ctx, req: Request, uid: str) -> Response:
    record = ctx.store.get("besluitinformatieobjecten", uid)
    if record is None:
        raise errors.not_found()
    return detail(req, bio_repr(ctx.store, record))


def list_bio(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"besluit", "informatieobject"})
    besluit, document = url_param(req, "besluit"), url_param(req, "informatieobject")
    items = [
        bio_repr(ctx.store, r)
        for r in ctx.store.all("besluitinformatieobjecten")
        if (besluit is None or r["besluit"] == besluit) and (document is None or r["informatieobject"] == document)
    ]
    return json_response(items)  # a plain array, like the Zaken API's zaakinformatieobjecten


def register(router: Router) -> None:
    router.add("besluiten", "/besluiten", get=list_besluiten, post=create_besluit)
    router.add("besluiten", "/besluiten/{uuid}", get=read_besluit)
    router.add("besluiten", "/besluitinformatieobjecten", get=list_bio, post=create_bio)
    router.add("besluiten", "/besluitinformatieobjecten/{uuid}", get=read_bio)
