"""Notificaties API 1.0.0 (the Open Notificaties side): kanalen and abonnementen.

Kanalen `zaken`, `documenten` and `besluiten` exist from the start (Open Zaak registers them). An
abonnement takes `callbackUrl`, `auth` (sent back literally as the `Authorization` header) and `kanalen`
with `filters` on the kenmerken; every message the sandbox emits on its own writes goes to each
abonnement whose kanaal and filters match (see `notify.py`), besides the fixed callback of the command
line. Unlike the reference implementation, a new abonnement's callback is not called to test it.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import errors
from .store import Store
from .web import Ctx, Request, Response, Router, created, json_response, no_content

KANALEN = ("zaken", "documenten", "besluiten")


def _ensure_kanalen(store: Store) -> None:
    existing = {k["naam"] for k in store.all("kanaal")}
    for naam in KANALEN:
        if naam not in existing:
            uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kanaal:{naam}"))
            store.put(
                "kanaal",
                {
                    "uuid": uid,
                    "url": store.url("kanaal", uid),
                    "naam": naam,
                    "documentatieLink": "",
                    "filters": ["bronorganisatie", "zaaktype", "vertrouwelijkheidaanduiding"],
                },
            )


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "uuid" and not k.startswith("_")}


def list_kanalen(ctx: Ctx, req: Request) -> Response:
    _ensure_kanalen(ctx.store)
    naam = req.params().get("naam")
    return json_response([_public(k) for k in ctx.store.all("kanaal") if naam is None or k["naam"] == naam])


def read_kanaal(ctx: Ctx, req: Request, uid: str) -> Response:
    _ensure_kanalen(ctx.store)
    record = ctx.store.get("kanaal", uid)
    if record is None:
        raise errors.not_found()
    return json_response(_public(record))


def _abonnement_body(ctx: Ctx, req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise errors.invalid("nonFieldErrors", "invalid", "Ongeldige invoer.")
    problems = errors.Errors()
    for name in ("callbackUrl", "auth"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            problems.add(name, "required", "Dit veld is vereist.")
    if isinstance(body.get("callbackUrl"), str) and not body["callbackUrl"].startswith(("http://", "https://")):
        problems.add("callbackUrl", "invalid", "Voer een geldige URL in.")
    kanalen = body.get("kanalen")
    known = {k["naam"] for k in ctx.store.all("kanaal")}
    if not isinstance(kanalen, list) or not kanalen:
        problems.add("kanalen", "required", "Dit veld is vereist.")
    else:
        for index, kanaal in enumerate(kanalen):
            if not isinstance(kanaal, dict) or kanaal.get("naam") not in known:
                problems.add(f"kanalen.{index}.naam", "does_not_exist", "Kanaal bestaat niet.")
            elif not isinstance(kanaal.get("filters", {}), dict):
                problems.add(f"kanalen.{index}.filters", "invalid", "Verwacht een object.")
    problems.raise_if_any()
    assert isinstance(kanalen, list)
    return {
        "callbackUrl": body["callbackUrl"],
        "auth": body["auth"],
        "kanalen": [{"naam": k["naam"], "filters": dict(k.get("filters") or {})} for k in kanalen],
    }


def create_abonnement(ctx: Ctx, req: Request) -> Response:
    _ensure_kanalen(ctx.store)
    values = _abonnement_body(ctx, req)
    uid = str(uuid.uuid4())
    record = ctx.store.put("abonnement", {"uuid": uid, "url": ctx.store.url("abonnement", uid), **values})
    return created(_public(record))


def list_abonnementen(ctx: Ctx, req: Request) -> Response:
    return json_response([_public(a) for a in ctx.store.all("abonnement")])


def read_abonnement(ctx: Ctx, req: Request, uid: str) -> Response:
    record = ctx.store.get("abonnement", uid)
    if record is None:
        raise errors.not_found()
    return json_response(_public(record))


def delete_abonnement(ctx: Ctx, req: Request, uid: str) -> Response:
    if ctx.store.get("abonnement", uid) is None:
        raise errors.not_found()
    ctx.store.delete("abonnement", uid)
    return no_content()


def subscribers(store: Store, message: dict[str, Any]) -> list[tuple[str, str]]:
    """(callbackUrl, auth) of every abonnement that takes this message (kanaal and filters match)."""
    found = []
    with store.lock:
        for abonnement in store.all("abonnement"):
            for kanaal in abonnement["kanalen"]:
                if kanaal["naam"] != message["kanaal"]:
                    continue
                kenmerken = message.get("kenmerken") or {}
                if all(kenmerken.get(key) == value for key, value in kanaal["filters"].items()):
                    found.append((abonnement["callbackUrl"], abonnement["auth"]))
                    break
    return found


def register(router: Router) -> None:
    router.add("notificaties", "/kanaal", get=list_kanalen)
    router.add("notificaties", "/kanaal/{uuid}", get=read_kanaal)
    router.add("notificaties", "/abonnement", get=list_abonnementen, post=create_abonnement)
    router.add("notificaties", "/abonnement/{uuid}", get=read_abonnement, delete=delete_abonnement)
