"""schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/fuzz/test_schemathesis.py) that make
valid requests too, so the fuzzer reaches the positive paths of the standard's steps.

Two of every three positive POSTs sent as the application whose step it is (the regie submits, the
backoffice answers; the identity is the Authorization header, mapped to a role by $FUZZ_IDENTITIES)
are replaced by the operation's own example from the document, with fresh values where the server wants
uniqueness and with references to what earlier 201s created (an aanvraag with a terugkoppeling gets a
beschikking, a granted ZIN voorziening a toewijzing, and so on). Negative cases are never touched: they
must stay invalid for the checks that expect a refusal."""

from __future__ import annotations

import atexit
import copy
import itertools
import json
import os
import uuid
from collections import Counter, defaultdict
from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

# What earlier 201s created, newest last, per kind; seeded by the test ($FUZZ_POOL) with granted ZIN
# voorzieningen, so a toewijzing has a target whatever order the fuzzer takes the operations in.
POOL: dict[str, list[Any]] = defaultdict(list, json.loads(os.environ.get("FUZZ_POOL", "{}")))
_turns: dict[str, itertools.count[int]] = defaultdict(itertools.count)
_fresh = itertools.count(1)
DOCUMENTEN = "https://documenten.example.nl/api/v1/enkelvoudiginformatieobjecten/"
# Answers per "METHOD path status", written to $FUZZ_STATS_FILE at exit: the test checks from it that
# the positive paths were reached.
STATS: Counter[str] = Counter()
_replaced: set[str] = set()


@atexit.register
def _write_stats() -> None:
    target = os.environ.get("FUZZ_STATS_FILE")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(dict(STATS), out, indent=1, sort_keys=True)


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
        # Each verwerkbaar aanvraag once, oldest first: those the test made before the run come first (the
        # fuzzer may withdraw its own meanwhile, and a second beschikking on the same lines is a 409).
        if not POOL["verwerkbaar"]:
            return None
        aanvraag = POOL["verwerkbaar"].pop(0)
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


# Whose step each POST is.
_ROLE = {
    "/aanvragen": "regie",
    "/aanvragen/{uuid}/intrekken": "regie",
    "/voorzieningen/{uuid}/intrekken": "regie",
    "/documenten": "regie",
    "/abonnementen": "regie",
    "/signalen/{uuid}/antwoord": "regie",
}
_IDENTITIES: dict[str, str] = json.loads(os.environ.get("FUZZ_IDENTITIES", "{}"))

_PATH_KIND = {
    "/toewijzingen/{uuid}/start": "toewijzing",
    "/toewijzingen/{uuid}/stop": "gestart",
    "/signalen/{uuid}/antwoord": "signaal",
}


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.method.upper() != "POST" or case.meta is None or case.meta.generation.mode.is_negative:
        return
    if any(case.meta.is_negative_at(where) for where in ParameterLocation) or case.media_type != "application/json":
        return
    path = case.operation.path
    role = _IDENTITIES.get((case.headers or {}).get("Authorization", ""))
    if role != _ROLE.get(path, "backoffice"):
        return
    if next(_turns[path]) % 3 == 2:  # one in three stays the fuzzer's own
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
        case.headers = {**(case.headers or {}), "Idempotency-Key": str(uuid.uuid4())}
        _replaced.add(case.id)


@schemathesis.hook
def after_call(ctx: Any, case: Any, response: Any) -> None:
    STATS[f"{case.method.upper()} {case.operation.path} {response.status_code}"] += 1
    if case.id in _replaced:  # how the valid requests fared
        STATS[f"valid {case.method.upper()} {case.operation.path} {response.status_code}"] += 1
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
        aanvraag = _uuid_of(answer["aanvraag"])
        POOL["verwerkbaar"] += [a for a in POOL["aanvraag"] if a[0] == aanvraag]
    elif path == "/beschikkingen":
        granted = {_uuid_of(r["voorziening"]) for r in answer.get("regels", []) if r.get("uitkomst") == "toegekend"}
        POOL["toegekend"] += [v for v in POOL["zin"] if v in granted]
    elif path == "/toewijzingen":
        POOL["toewijzing"].append(answer["uuid"])
    elif path == "/toewijzingen/{uuid}/start":
        POOL["gestart"].append(answer["uuid"])
    elif path == "/signalen":
        POOL["signaal"].append(answer["uuid"])
