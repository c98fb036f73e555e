"""S9: GET /producten (scoped, filters, ETag and 304) and the master backoffice's POST/PATCH/DELETE,
each change a bericht for the regie applications of the gemeente."""

from __future__ import annotations

import json
import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from regiekoppeling.constants import Rol
from regiekoppeling.models import Bericht, Gemeente, OutboxItem, Product
from tests.berichten.conftest import run_berichten
from tests.conftest import Api, aanvraag_body, make_applicatie

pytestmark = pytest.mark.django_db


def send(api: Api, method: str, path: str, body: Any = None) -> Any:
    headers = api.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    data = json.dumps(body) if body is not None else ""
    return api.client.generic(method, path, data, content_type="application/json", **headers)


@pytest.fixture
def master(backoffice: Api, gemeente: Gemeente) -> Api:
    gemeente.productenboek_beheerder = backoffice.applicatie
    gemeente.save()
    return backoffice


NIEUW = {
    "gemeente": "0363",
    "wet": "WMO",
    "categorie": "02",
    "code": "02B01",
    "omschrijving": "Begeleiding groep",
    "leveringsvormen": ["ZIN"],
    "eenheden": ["04", "16"],
    "frequenties": ["2"],
    "ingangsdatum": "2027-01-01",
}


def codes(page: dict) -> set[tuple[str, str, str]]:
    return {(p["gemeente"], p["categorie"], p["code"]) for p in page["results"]}


def test_list_is_scoped_to_the_callers_gemeenten_and_filters(regie, andere_gemeente):
    Product.objects.create(gemeente=andere_gemeente, wet="WMO", categorie="02", code="02R01", omschrijving="Elders")
    page = regie.get("/api/v1/producten", pageSize="100").json()
    assert page["count"] == 18 + 24 + 15
    assert all(g == "0363" for g, _, _ in codes(page))
    assert regie.get("/api/v1/producten", gemeente="0599").json()["count"] == 0
    jw = regie.get("/api/v1/producten", wet="JW", pageSize="100").json()
    assert jw["count"] == 24 + 6 and {p["wet"] for p in jw["results"]} == {"JW"}
    first = next(p for p in page["results"] if p["code"] == "02A01")
    assert first["leveringsvormen"] == ["ZIN", "PGB"] and first["einddatum"] is None and first["onderdelen"] == []
    assert regie.get("/api/v1/producten", bsn="999993653").status_code == 400


def test_etag_and_304_until_the_next_change(regie, master):
    first = regie.get("/api/v1/producten", gemeente="0363")
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = regie.client.get("/api/v1/producten", {"gemeente": "0363"}, **regie.headers(HTTP_IF_NONE_MATCH=etag))
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    product = Product.objects.get(gemeente__code="0363", code="02A01")
    detail = regie.get(f"/api/v1/producten/{product.uuid}")
    assert (
        regie.client.get(
            f"/api/v1/producten/{product.uuid}", **regie.headers(HTTP_IF_NONE_MATCH=f'W/{detail["ETag"]}, "x"')
        ).status_code
        == 304
    )
    assert send(master, "PATCH", f"/api/v1/producten/{product.uuid}", {"omschrijving": "Anders"}).status_code == 200
    # 02A01 is not on the first page, yet that page's ETag changes too: a reader of page 1 learns it must sync.
    assert "02A01" not in {p["code"] for p in first.json()["results"]}
    changed = regie.client.get("/api/v1/producten", {"gemeente": "0363"}, **regie.headers(HTTP_IF_NONE_MATCH=etag))
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_master_creates_and_the_regie_sees_it_by_gewijzigd_vanaf_and_a_bericht(regie, master):
    before = timezone.now().isoformat()
    response = send(master, "POST", "/api/v1/producten", NIEUW)
    assert response.status_code == 201, response.content
    made = response.json()
    assert response["Location"] == made["url"]
    assert {k: made[k] for k in NIEUW} == NIEUW
    recent = regie.get("/api/v1/producten", gewijzigdVanaf=before).json()
    assert [p["uuid"] for p in recent["results"]] == [made["uuid"]]

    run_berichten()
    berichten = list(Bericht.objects.all())
    assert [(b.ontvanger, b.resource, b.actie, b.gebeurtenis) for b in berichten] == [
        (regie.applicatie, "product", "create", "product_gewijzigd")
    ]
    feed = regie.get("/api/v1/berichten").json()["results"]
    assert feed[0]["resourceUrl"].endswith(f"/producten/{made['uuid']}")
    assert feed[0]["hoofdObject"] == feed[0]["resourceUrl"]
    assert feed[0]["kenmerken"] == {"gemeente": "0363", "wet": "WMO"}
    assert master.get("/api/v1/berichten").json()["results"] == []


def test_only_the_master_backoffice_writes(regie, backoffice, master, gemeente):
    other = Api(make_applicatie("Tweede backoffice", Rol.BACKOFFICE, [gemeente], "backoffice-2"))
    assert send(other, "POST", "/api/v1/producten", NIEUW).status_code == 403
    assert send(regie, "POST", "/api/v1/producten", NIEUW).status_code == 403
    product = Product.objects.get(gemeente=gemeente, code="02A01")
    assert send(other, "PATCH", f"/api/v1/producten/{product.uuid}", {"omschrijving": "x"}).status_code == 403
    assert send(other, "DELETE", f"/api/v1/producten/{product.uuid}").status_code == 403
    assert Product.objects.get(pk=product.pk).omschrijving == "Individuele begeleiding"
    elders = send(master, "POST", "/api/v1/producten", {**NIEUW, "gemeente": "0599"})
    assert elders.status_code == 400 and elders.json()["invalidParams"][0]["name"] == "gemeente"
    assert OutboxItem.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"categorie": "45"}, "categorie", "wet_categorie"),
        ({"code": "02A01", "ingangsdatum": "2026-01-01"}, "ingangsdatum", "overlap"),
        ({"einddatum": "2026-12-31"}, "einddatum", "voor_ingangsdatum"),
        ({"leveringsvormen": []}, "leveringsvormen", "min_length"),
        ({"eenheden": ["99"]}, "eenheden.0", "invalid_choice"),
        ({"onderdelen": [str(uuid.uuid4())]}, "onderdelen.0", "invalid"),
        ({"onderdeel": "x"}, "onderdeel", "unknown_field"),
        ({"ingangsdatum": "2027-1-1"}, "ingangsdatum", "invalid"),
    ],
)
def test_bad_product_is_a_400_naming_the_field_and_nothing_stored(master, change, field, code):
    count = Product.objects.count()
    response = send(master, "POST", "/api/v1/producten", {**NIEUW, **change})
    assert response.status_code == 400, response.content
    found = {p["name"]: p["code"] for p in response.json()["invalidParams"]}
    assert field in found, found
    assert found[field] == code or code == "invalid", found
    assert Product.objects.count() == count and OutboxItem.objects.count() == 0


def test_onderdelen_only_for_an_arrangement_of_the_same_gemeente(master, gemeente):
    onderdeel = Product.objects.get(gemeente=gemeente, code="02A01")
    response = send(master, "POST", "/api/v1/producten", {**NIEUW, "onderdelen": [str(onderdeel.uuid)]})
    assert response.json()["invalidParams"][0]["name"] == "onderdelen"
    arrangement = {**NIEUW, "categorie": "10", "code": "10B01", "onderdelen": [str(onderdeel.uuid)]}
    made = send(master, "POST", "/api/v1/producten", arrangement)
    assert made.status_code == 201, made.content
    assert made.json()["onderdelen"] == [str(onderdeel.uuid)]


def test_a_used_product_is_ended_not_deleted(regie, master, gemeente):
    assert regie.post("/api/v1/aanvragen", aanvraag_body()).status_code == 201
    product = Product.objects.get(gemeente=gemeente, code="02A01")
    path = f"/api/v1/producten/{product.uuid}"
    refused = send(master, "DELETE", path)
    assert refused.status_code == 409 and "1 nog open" in refused.json()["detail"]
    renamed = send(master, "PATCH", path, {"code": "02A09"})
    assert renamed.status_code == 400 and renamed.json()["invalidParams"][0]["code"] == "in_gebruik"
    ended = send(master, "PATCH", path, {"einddatum": "2027-06-30"})
    assert ended.status_code == 200 and ended.json()["einddatum"] == "2027-06-30"
    assert Product.objects.get(pk=product.pk).einddatum.isoformat() == "2027-06-30"
    history = product.history.order_by("history_id")
    assert [(h.history_type, h.history_change_reason) for h in history] == [("+", None), ("~", "API: Backoffice")]
    later = aanvraag_body(regieReferentie="later")
    later["voorzieningen"][0].update(ingangsdatum="2027-07-01", einddatum="2027-12-31")
    later["client"]["bsn"] = "999990019"
    assert regie.post("/api/v1/aanvragen", later).status_code == 400


def test_an_unused_product_is_deleted_with_a_bericht(regie, master, gemeente):
    product = Product.objects.get(gemeente=gemeente, code="45A02")
    assert send(master, "DELETE", f"/api/v1/producten/{product.uuid}").status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()
    run_berichten()
    assert Bericht.objects.get().actie == "destroy"


def test_applicatie_create_makes_a_productenboek_master(gemeente):
    out = StringIO()
    call_command(
        "applicatie_create", "--naam", "BO", "--rol", "backoffice", "--gemeente", "0363", "--productenboek-master",
        stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["productenboekMaster"] == ["0363"]
    assert Gemeente.objects.get(code="0363").productenboek_beheerder.naam == "BO"


def test_the_openapi_document_describes_the_productenboek(client):
    document = client.get("/api/v1/openapi.json").json()
    lijst = document["paths"]["/producten"]["get"]
    assert {p["name"] for p in lijst["parameters"]} >= {"If-None-Match", "gemeente", "wet", "gewijzigdVanaf"}
    assert "ETag" in lijst["responses"]["200"]["headers"] and "ETag" in lijst["responses"]["304"]["headers"]
    assert set(document["paths"]["/producten"]) == {"get", "post"}
    assert set(document["paths"]["/producten/{uuid}"]) == {"get", "patch", "delete"}
    assert "409" in document["paths"]["/producten/{uuid}"]["delete"]["responses"]


def test_gemeente_create_can_seed_the_categorieen():
    out = StringIO()
    call_command("gemeente_create", "--code", "0344", "--naam", "Utrecht", "--productenboek-categorieen", stdout=out)
    assert json.loads(out.getvalue())["productenToegevoegd"] == 18 + 24
    again = StringIO()
    call_command("gemeente_create", "--code", "0344", "--naam", "Utrecht", "--productenboek-categorieen", stdout=again)
    assert json.loads(again.getvalue())["productenToegevoegd"] == 0
    assert set(Product.objects.filter(gemeente__code="0344").values_list("code", flat=True)) == {""}
