"""schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/fuzz/test_schemathesis.py) that make
valid requests too, so the fuzzer reaches the positive paths of the standard's steps.

Every other positive POST is replaced by the operation's own example from the document, with fresh
values where the server wants uniqueness and with references to what earlier 201s created (an
aanvraag with a terugkoppeling gets a beschikking, a granted ZIN voorziening a toewijzing, and so on).
Negative cases are never touched: they must stay invalid for the checks that expect a refusal."""

from __future__ import annotations

import copy
import itertools
from collections import defaultdict
from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

# What earlier 201s created, newest last, per kind.
POOL: dict[str, list[Any]] = defaultdict(list)
_turns: dict[str, itertools.count[int]] = defaultdict(itertools.count)
_fresh = itertools.count(1)
DOCUMENTEN = "https://documenten.example.nl/api/v1/enkelvoudiginformatieobjecten/"


def _uuid_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _example(case: Any) -> dict[str, Any] | None:
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    example = content.get("application/json", {}).get("example")
    return copy.deepcopy(example) if isinstance(example, dict) else None


def _latest(kind: str) -> Any:
    return POOL[kind][-1] if POOL[kind] else None


def _valid_body(path: str, body: dict[str, Any], case: Any) -> dict[str, Any] | None:
    n = next(_fresh)
    if path == "/aanvragen":
        return {**body, "regieReferentie": f"FUZZ-{n}"}
    if path == "/terugkoppelingen":
        aanvraag = _latest("aanvraag")
        return {**body, "aanvraag": aanvraag[0]} if aanvraag else None
    if path == "/beschikkingen":
        aanvraag = _latest("verwerkbaar")
        if not aanvraag:
            return None
        regels = [{"voorziening": v, "uitkomst": "toegekend"} for v in aanvraag[1]]
        return {**body, "aanvraag": aanvraag[0], "regels": regels, "beschikkingnummer": 70000000 + n}
    if path == "/toewijzingen":
        zin = _latest("toegekend")
        return {**body, "voorziening": zin, "toewijzingnummer": 700000000 + n} if zin else None
    if path == "/signalen":
        body["verzoek"]["header"]["identificatie"] = f"FUZZ-{n}"
        return body
    if path == "/documenten":
        aanvraag = _latest("aanvraag")
        reference = f"{DOCUMENTEN}{n:08d}-0000-4000-8000-000000000000"
        return {**body, "aanvraag": aanvraag[0], "informatieobject": reference} if aanvraag else None
    if path == "/producten":
        return {**body, "code": f"02Z{n % 100:02d}"}
    return body


_PATH_KIND = {
    "/toewijzingen/{uuid}/start": "toewijzing",
    "/toewijzingen/{uuid}/stop": "gestart",
    "/signalen/{uuid}/antwoord": "signaal",
}


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.method.upper() != "POST" or case.meta is None or case.meta.generation.mode.is_negative:
        return
    if case.meta.is_negative_at(ParameterLocation.BODY) or case.media_type != "application/json":
        return
    path = case.operation.path
    if next(_turns[path]) % 2:  # the other half stays the fuzzer's own
        return
    body = _example(case)
    if body is None:
        return
    if path in _PATH_KIND:
        target = _latest(_PATH_KIND[path])
        if target is None:
            return
        case.path_parameters = {**(case.path_parameters or {}), "uuid": target}
    valid = _valid_body(path, body, case)
    if valid is not None:
        case.body = valid


@schemathesis.hook
def after_call(ctx: Any, case: Any, response: Any) -> None:
    if case.method.upper() != "POST" or response.status_code not in (200, 201):
        return
    try:
        answer = response.json()
    except ValueError:
        return
    path = case.operation.path
    if path == "/aanvragen":
        lines = answer.get("voorzieningen", [])
        POOL["aanvraag"].append((answer["uuid"], [v["uuid"] for v in lines]))
        POOL["zin"] += [v["uuid"] for v in lines if v.get("leveringsvorm") == "ZIN"]
    elif path == "/terugkoppelingen" and answer.get("soort") == "verwerkbaar":
        uuid = _uuid_of(answer["aanvraag"])
        POOL["verwerkbaar"] += [a for a in POOL["aanvraag"] if a[0] == uuid]
    elif path == "/beschikkingen":
        granted = {_uuid_of(r["voorziening"]) for r in answer.get("regels", []) if r.get("uitkomst") == "toegekend"}
        POOL["toegekend"] += [v for v in POOL["zin"] if v in granted]
    elif path == "/toewijzingen":
        POOL["toewijzing"].append(answer["uuid"])
    elif path == "/toewijzingen/{uuid}/start":
        POOL["gestart"].append(answer["uuid"])
    elif path == "/signalen":
        POOL["signaal"].append(answer["uuid"])
