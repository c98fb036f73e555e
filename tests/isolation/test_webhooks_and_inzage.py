"""Issue 14 item 4, continued: the pushed side of the boundary (webhooks) and the inzage.

Every application of both gemeenten has an abonnement on a real HTTP receiver (its own path). After
every bericht of the world is delivered, each receiver holds exactly its own application's feed, and
nothing of the other gemeente; a new abonnement made by the other gemeente afterwards receives nothing
of the next event in the first. The privacy officer of each gemeente finds its own citizens'
processings and nothing of the other's, and the other's officer gets the answer an unknown BSN gets.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from regiekoppeling.models import Bericht, Verwerking
from tests.berichten.conftest import run_berichten, run_webhooks

from .conftest import Tenant, World, ok
from .probes import UNKNOWN_BSN

pytestmark = pytest.mark.django_db


def delivered(receiver: Any, tenant: Tenant, name: str) -> list[str]:
    """The bericht uuids this receiver got for one application (X-Regiekoppeling-Bericht)."""
    path = f"/hook/{tenant.code}/{name}"
    return sorted(r.headers["X-Regiekoppeling-Bericht"] for r in receiver.received if r.path == path)


def test_every_webhook_receives_its_own_feed_and_nothing_else(world: World, receiver: Any) -> None:
    assert all(result == "done" for result in run_webhooks())
    for tenant, other in ((world.a, world.b), (world.b, world.a)):
        foreign = world.uuids(other)
        for name, api in tenant.apis.items():
            own = sorted(
                str(u) for u in Bericht.objects.filter(ontvanger=api.applicatie).values_list("uuid", flat=True)
            )
            assert delivered(receiver, tenant, name) == own, (tenant.code, name)
            bodies = [r.body.decode() for r in receiver.received if r.path == f"/hook/{tenant.code}/{name}"]
            assert not [u for u in foreign if any(u in body for body in bodies)], (tenant.code, name)
        # Something was delivered, so the equality above can fail: the regie and the backoffice hear of
        # every step of their aanvragen.
        assert delivered(receiver, tenant, "regie") and delivered(receiver, tenant, "backoffice")
    assert receiver.received and all(r.path.count("/") == 3 for r in receiver.received)  # /hook/<code>/<app>


def test_a_new_abonnement_elsewhere_hears_nothing_of_this_gemeente(world: World, receiver: Any) -> None:
    run_webhooks()
    receiver.received.clear()
    for name, api in world.b.apis.items():
        ok(api.post("/api/v1/abonnementen", {"callbackUrl": f"{receiver.url}/nieuw/{world.b.code}/{name}"}))

    ok(world.a.regie.post(f"/api/v1/aanvragen/{world.a.ids['aanvraag_nieuw']}/intrekken", {"reden": "Dubbel"}))
    run_berichten()
    assert all(result == "done" for result in run_webhooks())

    paths = {r.path for r in receiver.received}
    assert paths and all(p.startswith(f"/hook/{world.a.code}/") for p in paths), paths
    assert world.a.ids["aanvraag_nieuw"] in json.dumps([r.body.decode() for r in receiver.received])


def test_the_inzage_shows_each_gemeente_its_own_citizens_only(world: World) -> None:
    for tenant, other in ((world.a, world.b), (world.b, world.a)):
        own = tenant.privacy.post("/api/v1/verwerkingen/_zoek", {"bsn": tenant.bsn}).json()
        assert own["count"] > 0
        applicaties = {r["applicatie"]["uuid"] for r in own["results"] if r["applicatie"]}
        assert applicaties <= {str(api.applicatie.uuid) for api in tenant.apis.values()}
        assert {r["gemeente"] for r in own["results"]} == {tenant.code}

        before = Verwerking.objects.count()
        foreign = tenant.privacy.post("/api/v1/verwerkingen/_zoek", {"bsn": other.bsn})
        unknown = tenant.privacy.post("/api/v1/verwerkingen/_zoek", {"bsn": UNKNOWN_BSN})
        assert foreign.json() == unknown.json() == {"count": 0, "next": None, "previous": None, "results": []}
        assert Verwerking.objects.count() == before  # nothing read, nothing logged
