"""Issue 14 item 4: no application reads or writes across the boundary of its gemeente (or of its own
party), and a foreign record answers exactly like an unknown one.

Every probe of `probes.PROBES` is sent by the rightful owner (inside a rolled-back savepoint: it must
succeed, so the probe is a real request), and by every outsider twice: with the owner's record and with
an unknown value in its place. The two answers must be equal byte for byte once that value (and the
problem's random `instance`) is replaced by a placeholder: status, headers and body. The database must
be exactly as before each outsider's request.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from regiekoppeling.models import Abonnement, Bericht, Product
from regiekoppeling.rules import bsn_problem
from tests.conftest import Api, aanvraag_body, zin_line

from .conftest import BSN_AMSTERDAM, BSN_ROTTERDAM, PDF, World, upload
from .probes import LIST_INSIDERS, LISTS, PROBES, UNKNOWN_BSN, UNKNOWN_CODE, Probe, covered_routes

pytestmark = pytest.mark.django_db

_INSTANCE = re.compile(rb"urn:uuid:[0-9a-f-]{36}")
_METHODS = {"get", "post", "put", "patch", "delete"}


# --- the routes of the URL conf ------------------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern.callback))
    return found


def api_routes() -> set[tuple[str, str]]:
    """(METHOD, route below /api/v1/) of every view the URL conf serves, from the views themselves."""
    routes = set()
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route.removeprefix("api/v1/")).replace("^", "")
        route = route.removesuffix("$")
        actions = getattr(callback, "actions", None)
        if actions is not None:
            methods = {m for m in actions if m in _METHODS}
        else:
            view = callback.view_class
            methods = {m for m in view.http_method_names if m in _METHODS and hasattr(view, m)}
        routes |= {(m.upper(), route) for m in methods}
    return routes


def test_every_route_is_covered() -> None:
    served = api_routes()
    covered = covered_routes()
    assert len(served) >= 40  # the walk found the API, not an empty URL conf
    assert served - covered.keys() == set(), "an endpoint no probe of the isolation suite tries"
    assert covered.keys() - served == set(), "a probe of an endpoint that no longer exists"


# --- sending and comparing --------------------------------------------------------------------------


def send(api: Api, probe: Probe, owner: Any, caller: Any, value: str, method: str = "") -> Any:
    target, body = probe.build(owner, caller, value)
    method = method or probe.method
    headers = api.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())) if method == "POST" else api.headers()
    if probe.multipart:
        return upload(api, body["aanvraag"], body["titel"])
    data = json.dumps(body) if body is not None else ""
    return api.client.generic(method, target, data, content_type="application/json", **headers)


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def normalised(response: Any, value: str) -> tuple[int, dict[str, str], bytes]:
    def clean(raw: bytes) -> bytes:
        # The instance urn first: a random uuid may contain the value (a gemeente code) by chance.
        return _INSTANCE.sub(b"urn:uuid:<instance>", raw).replace(value.encode(), b"<value>")

    headers = {k: clean(v.encode()).decode() for k, v in response.items()}
    return response.status_code, headers, clean(content(response))


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the product's own tables: what a foreign request must leave exactly as it was."""
    tables = {}
    for label in ("regiekoppeling", "zaken", "documenten"):
        for model in apps.get_app_config(label).get_models():
            tables[model._meta.db_table] = list(model.objects.order_by("pk").values())
    return tables


def outsiders(world: World, probe: Probe) -> list[tuple[str, Api, Any]]:
    """Every application that may not make this request: the other gemeente's, and the owner's own
    applications that do not see the record."""
    found = [(f"{world.b.code}/{name}", api, world.b) for name, api in world.b.apis.items()]
    return found + [(f"{world.a.code}/{name}", world.a.apis[name], world.a) for name in probe.insiders]


def test_no_record_is_reachable_across_the_boundary(world: World) -> None:
    failures: list[str] = []
    for probe in PROBES:
        owner, value = world.a, probe.value(world.a)
        with transaction.atomic():
            response = send(owner.apis[probe.owner], probe, owner, owner, value)
            transaction.set_rollback(True)
        if not 200 <= response.status_code < 300:
            failures.append(f"{probe.name}: the owner got {response.status_code} {content(response)[:300]!r}")
            continue
        for who, api, caller in outsiders(world, probe):
            before = snapshot()
            foreign = send(api, probe, owner, caller, value)
            if snapshot() != before:
                failures.append(f"{probe.name} by {who}: the foreign request changed the database")
            unknown_value = probe.unknown()
            unknown = send(api, probe, owner, caller, unknown_value)
            if snapshot() != before:
                failures.append(f"{probe.name} by {who}: the request for an unknown record changed the database")
            if probe.refused and foreign.status_code < 400:
                failures.append(f"{probe.name} by {who}: answered {foreign.status_code}")
            if normalised(foreign, value) != normalised(unknown, unknown_value):
                failures.append(
                    f"{probe.name} by {who}: foreign {normalised(foreign, value)} != "
                    f"unknown {normalised(unknown, unknown_value)}"
                )
            # HEAD and OPTIONS of the same URL (Django and DRF answer them for every route) must not
            # tell the two apart either.
            for method in ("HEAD", "OPTIONS") if probe.method == "GET" else ():
                pair = [normalised(send(api, probe, owner, caller, v, method), v) for v in (value, unknown_value)]
                if pair[0] != pair[1]:
                    failures.append(f"{method} {probe.name} by {who}: foreign {pair[0]} != unknown {pair[1]}")
    assert failures == [], "\n".join(failures)


def test_document_download_by_the_owner_is_the_file(world: World) -> None:
    """The download probe above is only meaningful if the owner's answer is the document itself."""
    response = world.a.regie.get(f"/api/v1/documenten/{world.a.ids['document']}/inhoud")
    assert response.status_code == 200
    assert content(response) == PDF


def _list_value(world: World, ref: str) -> tuple[str, str]:
    """(the owner's value, an unknown one) of a list filter."""
    if ref == "code":
        return world.a.code, UNKNOWN_CODE
    if ref == "referentie":
        return f"REF-{world.a.code}-1", f"REF-{UNKNOWN_CODE}-1"
    return world.a.ids[ref], str(uuid.uuid4())


def foreign_to(world: World, api: Api) -> set[str]:
    """The uuids of the owning gemeente's records this application may not see: all of them for the
    other gemeente; for the owner's own applications all but their own feed and webhooks and the
    gemeente's productenboek (which every regie and backoffice reads)."""
    if api in world.b.apis.values():
        return world.uuids(world.a)
    own = {str(u) for u in Bericht.objects.filter(ontvanger=api.applicatie).values_list("uuid", flat=True)}
    own |= {str(u) for u in Abonnement.objects.filter(applicatie=api.applicatie).values_list("uuid", flat=True)}
    boek = {str(u) for u in Product.objects.filter(gemeente__code=world.a.code).values_list("uuid", flat=True)}
    return world.uuids(world.a) - own - boek


def test_lists_show_nothing_across_the_boundary(world: World) -> None:
    failures: list[str] = []
    own_ids = world.uuids(world.b)
    for route, filters in LISTS.items():
        callers = [(f"{world.b.code}/{n}", api) for n, api in world.b.apis.items()]
        insiders = LIST_INSIDERS.get(route, ("regie2", "privacy"))
        callers += [(f"{world.a.code}/{n}", world.a.apis[n]) for n in insiders]
        for who, api in callers:
            page = api.get(f"/api/v1/{route}", pageSize="100")
            body = content(page).decode()
            leaked = sorted(u for u in foreign_to(world, api) if u in body)
            if page.status_code != 200 or leaked:
                failures.append(f"list {route} by {who}: {page.status_code}, foreign records {leaked}")
            for name, ref in filters.items():
                value, unknown_value = _list_value(world, ref)
                foreign = normalised(api.get(f"/api/v1/{route}", **{name: value}), value)
                unknown = normalised(api.get(f"/api/v1/{route}", **{name: unknown_value}), unknown_value)
                if foreign != unknown:
                    failures.append(f"list {route}?{name} by {who}: foreign {foreign} != unknown {unknown}")
        # The lists work: the other gemeente's backoffice (its regie, for its own feed) sees its own.
        reader = world.b.regie if route in ("berichten", "abonnementen") else world.b.backoffice
        if not own_ids & set(
            re.findall(r"[0-9a-f-]{36}", content(reader.get(f"/api/v1/{route}", pageSize="100")).decode())
        ):
            failures.append(f"list {route}: the other gemeente's own records are not in its own list")
    assert failures == [], "\n".join(failures)


def test_public_documents_hold_no_tenant_data(world: World) -> None:
    for name in ("openapi.json", "openapi.yaml"):
        anonymous = APIClient().get(f"/api/v1/{name}")
        assert anonymous.status_code == 200
        body = content(anonymous).decode()
        assert not [u for u in world.uuids(world.a) | world.uuids(world.b) if u in body]
        assert world.a.bsn not in body and world.b.bsn not in body
        assert content(world.b.regie.get(f"/api/v1/{name}")) == content(anonymous)


def test_zgw_notificaties_refuse_every_application(world: World) -> None:
    """Open Zaak's notifications come in with the token of a NotificatieAbonnement, not an application's."""
    for tenant in (world.a, world.b):
        for name, api in tenant.apis.items():
            before = snapshot()
            response = api.post("/api/v1/zgw-notificaties", {"kanaal": "zaken", "hoofdObject": "x"})
            assert (name, response.status_code) == (name, 401)
            assert snapshot() == before


def test_unknown_values_are_unknown() -> None:
    assert bsn_problem(UNKNOWN_BSN) is None  # a valid BSN, so a refusal of it is not about its form
    assert UNKNOWN_BSN not in (BSN_AMSTERDAM, BSN_ROTTERDAM)


def test_idempotency_keys_belong_to_one_application(world: World) -> None:
    """A key another application used is unknown to this one: no replay of the other's answer, and no
    422 "key used for another request" that would tell the key exists."""
    client = {"bsn": world.b.bsn, "geboortedatum": "1950-01-01", "geslacht": "2", "achternaam": "Jansen"}
    line = zin_line(ingangsdatum="2033-01-01", einddatum="2033-12-31")
    theirs = world.a.regie.post("/api/v1/aanvragen", aanvraag_body(line, gemeente=world.a.code), key="gedeeld-1")
    assert theirs.status_code == 201
    mine = world.b.regie.post(
        "/api/v1/aanvragen", aanvraag_body(line, gemeente=world.b.code, client=client), key="gedeeld-1"
    )
    assert mine.status_code == 201 and not mine.has_header("Idempotent-Replayed")
    assert mine.json()["uuid"] != theirs.json()["uuid"] and mine.json()["gemeente"] == world.b.code
    # The same key and the other's very body: refused for its own reason, not replayed.
    same = world.b.regie2.post("/api/v1/aanvragen", aanvraag_body(line, gemeente=world.a.code), key="gedeeld-1")
    assert same.status_code == 400 and not same.has_header("Idempotent-Replayed")
    assert [p["code"] for p in same.json()["invalidParams"]] == ["niet_toegestaan"]
