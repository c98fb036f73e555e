"""Documenten API (Open Zaak reports 1.4.2): enkelvoudiginformatieobjecten, download, lock/unlock and
bestandsdelen.

From the enkelvoudiginformatieobjecten-* and bestandsdelen-* samples:
- `identificatie` is generated (DOCUMENT-<year>-<10 digits>) when absent; `bestandsomvang` is computed;
  in responses `inhoud` is the download URL (`.../download?versie=N`), never the content.
- With `inhoud: null` and `bestandsomvang` set, the document is created locked, with `bestandsdelen`
  of at most `chunk_size` bytes each (Open Zaak's default is 4 GiB, hence one part in the sample; tests
  lower it to force several parts). Each part is PUT as multipart (`inhoud` file + `lock`); `/unlock`
  (204, no body) then joins the parts and `inhoud` becomes a download URL.
- `/download` answers raw bytes as application/octet-stream with an ETag and no API-version; with
  `Accept: application/json` it is a 406 whose body is the literal text `application/octet-stream`.
- The create response has `lock` and no `_expand`; a GET has `_expand: {}` and no `lock`.
- Any published informatieobjecttype is accepted; the zaaktype link is checked by the Zaken API.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import uuid
from typing import Any

from . import errors
from .catalogi import VERTROUWELIJKHEID
from .fields import Fields, fmt_datetime, now
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
    no_content,
    ordered,
    paginate,
)
from .zaken import resolve_type

EIO_KEYS = (
    "url identificatie bronorganisatie creatiedatum titel vertrouwelijkheidaanduiding auteur status formaat taal "
    "versie beginRegistratie bestandsnaam inhoud bestandsomvang link beschrijving ontvangstdatum verzenddatum "
    "indicatieGebruiksrecht verschijningsvorm ondertekening integriteit informatieobjecttype locked bestandsdelen "
    "trefwoorden"
).split()
DOCUMENT_STATUS = ("", "in_bewerking", "ter_vaststelling", "definitief", "gearchiveerd")
OCTET = "application/octet-stream"
INCORRECT_LOCK = "Incorrect lock ID."


def _parts(store: Store, document_url: str) -> list[dict[str, Any]]:
    return sorted(
        (p for p in store.all("bestandsdelen") if p["informatieobject"] == document_url), key=lambda p: p["volgnummer"]
    )


def _part_repr(part: dict[str, Any], lock: str) -> dict[str, Any]:
    return {
        "url": part["url"],
        "volgnummer": part["volgnummer"],
        "omvang": part["omvang"],
        "voltooid": part["voltooid"],
        "lock": lock,
    }


def eio_repr(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    has_content = record.get("_content") is not None
    derived = {
        "inhoud": f"{record['url']}/download?versie={record['versie']}" if has_content else None,
        "bestandsdelen": [_part_repr(p, record["lock"]) for p in _parts(store, record["url"])],
    }
    return ordered(EIO_KEYS, record, derived)


REPRESENTERS["enkelvoudiginformatieobjecten"] = eio_repr


def _notification(store: Store, record: dict[str, Any], actie: str) -> dict[str, Any]:
    iot = store.resolve(record["informatieobjecttype"], "informatieobjecttypen")
    kenmerken = {
        "bronorganisatie": record["bronorganisatie"],
        "informatieobjecttype": record["informatieobjecttype"],
        "vertrouwelijkheidaanduiding": record["vertrouwelijkheidaanduiding"],
        "informatieobjecttype.catalogus": iot["catalogus"] if iot else "",
    }
    return message("documenten", record["url"], "enkelvoudiginformatieobject", record["url"], actie, kenmerken)


def _decode(fields: Fields) -> bytes | None:
    value = fields.body.get("inhoud")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        fields.errors.add("inhoud", "invalid", "Het verzonden bestand is ongeldig.")
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        fields.errors.add("inhoud", "invalid", "Het verzonden bestand is geen geldige base64-inhoud.")
        return None


def _document_fields(ctx: Ctx, fields: Fields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, max_length, required in (
        ("identificatie", 40, False),
        ("titel", 200, True),
        ("auteur", 200, True),
        ("formaat", 255, False),
        ("bestandsnaam", 255, False),
        ("beschrijving", 1000, False),
        ("verschijningsvorm", None, False),
        ("link", 200, False),
    ):
        value = fields.string(name, required=required, max_length=max_length, blank=not required)
        if value is not None:
            values[name] = value
    taal = fields.string("taal", required=True, max_length=3, blank=False)
    if taal is not None and len(taal) != 3:
        fields.errors.add("taal", "min_length", "Zorg ervoor dat dit veld minimaal 3 karakters bevat.")
    elif taal is not None:
        values["taal"] = taal
    bron = fields.rsin("bronorganisatie", required=True)
    if bron is not None:
        values["bronorganisatie"] = bron
    creatiedatum = fields.date("creatiedatum", required=True, nullable=False)
    if creatiedatum is not None:
        values["creatiedatum"] = creatiedatum.isoformat()
    for name in ("ontvangstdatum", "verzenddatum"):
        if fields.present(name):
            day = fields.date(name)
            values[name] = day.isoformat() if day else None
    for name, choices in (("vertrouwelijkheidaanduiding", VERTROUWELIJKHEID), ("status", DOCUMENT_STATUS)):
        value = fields.choice(name, choices)
        if value is not None:
            values[name] = value
    if fields.present("indicatieGebruiksrecht"):
        values["indicatieGebruiksrecht"] = fields.boolean("indicatieGebruiksrecht")
    for name in ("ondertekening", "integriteit"):
        if fields.present(name):
            values[name] = fields.obj(name)
    if fields.present("trefwoorden"):
        values["trefwoorden"] = fields.array("trefwoorden") or []
    iot = resolve_type(ctx, fields, "informatieobjecttype", "informatieobjecttypen", required=not fields.partial)
    if iot is not None:
        values["informatieobjecttype"] = iot["url"]
    return values


def _check_unique(store: Store, record: dict[str, Any]) -> None:
    for other in store.all("enkelvoudiginformatieobjecten"):
        if (
            other["uuid"] != record["uuid"]
            and other["identificatie"] == record["identificatie"]
            and other["bronorganisatie"] == record["bronorganisatie"]
        ):
            raise errors.invalid(
                "identificatie",
                "identificatie-niet-uniek",
                f"Deze identificatie ({record['identificatie']}) bestaat al voor deze bronorganisatie",
            )


def _make_parts(ctx: Ctx, record: dict[str, Any], size: int) -> None:
    count = max(1, math.ceil(size / ctx.chunk_size))
    for index in range(count):
        uid = str(uuid.uuid4())
        omvang = min(ctx.chunk_size, size - index * ctx.chunk_size)
        ctx.store.put(
            "bestandsdelen",
            {
                "uuid": uid,
                "url": ctx.store.url("bestandsdelen", uid),
                "informatieobject": record["url"],
                "volgnummer": index + 1,
                "omvang": omvang,
                "voltooid": False,
                "_content": None,
            },
        )


def create_document(ctx: Ctx, req: Request) -> Response:
    fields = Fields(req.json())
    values = _document_fields(ctx, fields)
    content = _decode(fields)
    omvang = fields.integer("bestandsomvang", minimum=0)
    fields.errors.raise_if_any()
    iot = ctx.store.resolve(values["informatieobjecttype"], "informatieobjecttypen")
    assert iot is not None
    uid = str(uuid.uuid4())
    record: dict[str, Any] = {
        "uuid": uid,
        "url": ctx.store.url("enkelvoudiginformatieobjecten", uid),
        "identificatie": "",
        "vertrouwelijkheidaanduiding": iot["vertrouwelijkheidaanduiding"],
        "status": "",
        "formaat": "",
        "versie": 1,
        "beginRegistratie": fmt_datetime(now()),
        "bestandsnaam": "",
        "bestandsomvang": omvang,
        "link": "",
        "beschrijving": "",
        "ontvangstdatum": None,
        "verzenddatum": None,
        "indicatieGebruiksrecht": None,
        "verschijningsvorm": "",
        "ondertekening": None,
        "integriteit": None,
        "locked": False,
        "lock": "",
        "trefwoorden": [],
        "_content": None,
        **values,
    }
    if content is not None:
        record["_content"] = base64.b64encode(content).decode()
        record["bestandsomvang"] = len(content)
    if not record["identificatie"]:
        year = str(now().year)
        record["identificatie"] = f"DOCUMENT-{year}-{ctx.store.next_number('document-' + year):010d}"
    _check_unique(ctx.store, record)
    ctx.store.put("enkelvoudiginformatieobjecten", record)
    if content is None and omvang:
        record["locked"] = True
        record["lock"] = uuid.uuid4().hex
        _make_parts(ctx, record, omvang)
    data = {**eio_repr(ctx.store, record), "lock": record["lock"]}
    return created(data, _notification(ctx.store, record, "create"))


def _get(ctx: Ctx, uid: str) -> dict[str, Any]:
    record = ctx.store.get("enkelvoudiginformatieobjecten", uid)
    if record is None:
        raise errors.not_found()
    return record


def read_document(ctx: Ctx, req: Request, uid: str) -> Response:
    data = eio_repr(ctx.store, _get(ctx, uid))
    return detail(req, {**data, "_expand": {}}, etag_data=data)


def list_documents(ctx: Ctx, req: Request) -> Response:
    check_query(req, {"identificatie", "bronorganisatie", "page"})
    params = req.params()
    records = [
        r
        for r in ctx.store.all("enkelvoudiginformatieobjecten")
        if all(name not in params or r[name] == params[name] for name in ("identificatie", "bronorganisatie"))
    ]
    return paginate(ctx, req, records, lambda r: {**eio_repr(ctx.store, r), "_expand": {}})


def _accepts_octet(accept: str | None) -> bool:
    if not accept:
        return True
    types = [part.split(";")[0].strip() for part in accept.split(",")]
    return any(t in ("*/*", "application/*", OCTET) for t in types)


def download(ctx: Ctx, req: Request, uid: str) -> Response:
    record = _get(ctx, uid)
    if not _accepts_octet(req.header("Accept")):
        # Open Zaak's content negotiation failure: the body is the bare media type it can offer
        return Response(406, {"Content-Type": OCTET}, OCTET.encode())
    content = base64.b64decode(record["_content"] or "")
    etag = '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"'
    name = re.sub(r'["\\\r\n]', "_", record["bestandsnaam"] or "document")
    headers = {"Content-Type": OCTET, "ETag": etag, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(200, headers, content, api_version=False)


def lock(ctx: Ctx, req: Request, uid: str) -> Response:
    record = _get(ctx, uid)
    if record["locked"]:
        raise errors.invalid("nonFieldErrors", "existing-lock", "Het document is al gelockt.")
    record["locked"] = True
    record["lock"] = uuid.uuid4().hex
    ctx.store.put("enkelvoudiginformatieobjecten", record)
    return json_response({"lock": record["lock"]})


def unlock(ctx: Ctx, req: Request, uid: str) -> Response:
    record = _get(ctx, uid)
    fields = Fields(req.json())
    given = fields.string("lock", required=True)
    fields.errors.raise_if_any()
    if given != record["lock"]:
        raise errors.invalid("nonFieldErrors", "incorrect-lock-id", INCORRECT_LOCK)
    parts = _parts(ctx.store, record["url"])
    if any(not p["voltooid"] for p in parts):
        raise errors.invalid("nonFieldErrors", "incomplete-upload", "Alle bestandsdelen moeten geupload zijn")
    if parts:
        content = b"".join(base64.b64decode(p["_content"]) for p in parts)
        record["_content"] = base64.b64encode(content).decode()
        record["bestandsomvang"] = len(content)
        record["beginRegistratie"] = fmt_datetime(now())
        for part in parts:
            ctx.store.delete("bestandsdelen", part["uuid"])
    record["locked"] = False
    record["lock"] = ""
    ctx.store.put("enkelvoudiginformatieobjecten", record)
    return no_content()


def patch_document(ctx: Ctx, req: Request, uid: str) -> Response:
    record = _get(ctx, uid)
    fields = Fields(req.json(), partial=True)
    values = _document_fields(ctx, fields)
    content = _decode(fields) if fields.present("inhoud") else None
    given = fields.body.get("lock")
    fields.errors.raise_if_any()
    if not record["locked"]:
        raise errors.invalid("nonFieldErrors", "unlocked", "Unlocked document can't be modified")
    if given != record["lock"]:
        raise errors.invalid("nonFieldErrors", "incorrect-lock-id", INCORRECT_LOCK)
    record.update(values)
    _check_unique(ctx.store, record)
    if content is not None:
        record["_content"] = base64.b64encode(content).decode()
        record["bestandsomvang"] = len(content)
    record["versie"] += 1  # every change is a new version in the Documenten API
    record["beginRegistratie"] = fmt_datetime(now())
    ctx.store.put("enkelvoudiginformatieobjecten", record)
    response = json_response({**eio_repr(ctx.store, record), "lock": record["lock"]})
    response.notifications.append(_notification(ctx.store, record, "partial_update"))
    return response


def delete_document(ctx: Ctx, req: Request, uid: str) -> Response:
    record = _get(ctx, uid)
    used = [z for z in ctx.store.all("zaakinformatieobjecten") if z["informatieobject"] == record["url"]]
    used += [b for b in ctx.store.all("besluitinformatieobjecten") if b["informatieobject"] == record["url"]]
    if used:
        raise errors.invalid(
            "nonFieldErrors", "pending-relations", "Het informatieobject heeft nog relaties met zaken of besluiten."
        )
    for part in _parts(ctx.store, record["url"]):
        ctx.store.delete("bestandsdelen", part["uuid"])
    ctx.store.delete("enkelvoudiginformatieobjecten", record["uuid"])
    return no_content(_notification(ctx.store, record, "destroy"))


def parse_multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """The parts of a multipart/form-data body by field name (exact bytes: no line-ending rewriting)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise errors.parse_error("Multipart form parse error - Invalid boundary in multipart: None")
    delimiter = b"--" + match.group(1).encode()
    result: dict[str, bytes] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, payload = chunk.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            result[name.group(1).decode()] = payload.removesuffix(b"\r\n")
    return result


def put_bestandsdeel(ctx: Ctx, req: Request, uid: str) -> Response:
    part = ctx.store.get("bestandsdelen", uid)
    if part is None:
        raise errors.not_found()
    content_type = req.header("Content-Type") or ""
    if not content_type.startswith("multipart/form-data"):
        raise errors.unsupported_media_type(content_type)
    form = parse_multipart(content_type, req.body)
    document = ctx.store.resolve(part["informatieobject"], "enkelvoudiginformatieobjecten")
    assert document is not None
    problems = errors.Errors()
    if "inhoud" not in form:
        problems.add("inhoud", "required", "Er is geen bestand verstuurd.")
    if "lock" not in form:
        problems.add("lock", "required", "Dit veld is vereist.")
    problems.raise_if_any()
    if form["lock"].decode() != document["lock"]:
        raise errors.invalid("nonFieldErrors", "incorrect-lock-id", INCORRECT_LOCK)
    if len(form["inhoud"]) != part["omvang"]:
        raise errors.invalid(
            "nonFieldErrors", "file-size", "Het aangeleverde bestand heeft een afwijkende bestandsgrootte (omvang)."
        )
    part["_content"] = base64.b64encode(form["inhoud"]).decode()
    part["voltooid"] = True
    ctx.store.put("bestandsdelen", part)
    return json_response(_part_repr(part, document["lock"]))


def register(router: Router) -> None:
    api = "documenten"
    router.add(api, "/enkelvoudiginformatieobjecten", get=list_documents, post=create_document)
    router.add(
        api, "/enkelvoudiginformatieobjecten/{uuid}", get=read_document, patch=patch_document, delete=delete_document
    )
    router.add(api, "/enkelvoudiginformatieobjecten/{uuid}/download", get=download)
    router.add(api, "/enkelvoudiginformatieobjecten/{uuid}/lock", post=lock)
    router.add(api, "/enkelvoudiginformatieobjecten/{uuid}/unlock", post=unlock)
    router.add(api, "/bestandsdelen/{uuid}", put=put_bestandsdeel)
