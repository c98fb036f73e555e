"""GET /berichten: each application reads only its own feed, in order, page by page with a cursor."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from regiekoppeling.api.pagination import encode_cursor
from regiekoppeling.models import Bericht
from tests.berichten.conftest import run_berichten
from tests.conftest import BSN_A, BSN_B, aanvraag_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def drie_aanvragen(regie, backoffice):
    created = []
    for i, bsn in enumerate([BSN_A, BSN_B, "999990032"]):
        body = aanvraag_body(regieReferentie=f"REF-{i}")
        body["client"]["bsn"] = bsn
        response = regie.post("/api/v1/aanvragen", body)
        assert response.status_code == 201, response.content
        created.append(response.json())
    run_berichten()
    return created


def feed(api, **params):
    response = api.get("/api/v1/berichten", **params)
    assert response.status_code == 200, response.content
    return response.json()


def cursor_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_feed_item_is_a_notificaties_message(regie, drie_aanvragen):
    first = drie_aanvragen[0]
    item = feed(regie)["results"][0]
    bericht = Bericht.objects.get(uuid=item["uuid"])
    base = settings.API_PUBLIC_URL
    assert item == {
        "url": f"{settings.API_PUBLIC_URL}/berichten/{bericht.uuid}",
        "uuid": str(bericht.uuid),
        "kanaal": "voorzieningen",
        "hoofdObject": f"{base}/aanvragen/{first['uuid']}",
        "resource": "aanvraag",
        "resourceUrl": f"{base}/aanvragen/{first['uuid']}",
        "actie": "create",
        "aanmaakdatum": bericht.aanmaakdatum.isoformat().replace("+00:00", "Z"),
        "kenmerken": {"gemeente": "0363", "wet": "WMO", "status": "ontvangen"},
        "gebeurtenis": "aanvraag_ontvangen",
    }
    assert regie.get(f"/api/v1/berichten/{bericht.uuid}").json() == item


def test_no_bsn_in_the_feed(regie, backoffice, drie_aanvragen):
    for api in (regie, backoffice):
        content = api.get("/api/v1/berichten").content.decode()
        assert all(bsn not in content for bsn in (BSN_A, BSN_B, "999990032"))
        assert "bsn" not in content.lower()


def test_ordered_and_paged_with_a_cursor(backoffice, drie_aanvragen):
    expected = [a["uuid"] for a in drie_aanvragen]

    page = feed(backoffice, pageSize=2)
    assert [r["hoofdObject"].rsplit("/", 1)[1] for r in page["results"]] == expected[:2]
    assert cursor_of(page["next"])["pageSize"] == ["2"]

    page2 = backoffice.get(page["next"]).json()
    assert [r["hoofdObject"].rsplit("/", 1)[1] for r in page2["results"]] == expected[2:]

    # At the end the next link stays usable: it is where new berichten will appear.
    page3 = backoffice.get(page2["next"]).json()
    assert page3["results"] == []
    assert page3["next"] == page2["next"]
    ids = [Bericht.objects.get(uuid=r["uuid"]).pk for r in page["results"] + page2["results"]]
    assert ids == sorted(ids)


def test_the_next_link_picks_up_new_berichten(regie, drie_aanvragen):
    end = feed(regie, pageSize=100)["next"]
    assert regie.get(end).json()["results"] == []
    regie.post("/api/v1/aanvragen", aanvraag_body(regieReferentie="REF-NIEUW"))
    run_berichten()
    assert [r["gebeurtenis"] for r in regie.get(end).json()["results"]] == ["aanvraag_ontvangen"]


def test_filters(regie, drie_aanvragen):
    tweede = drie_aanvragen[1]
    voorziening = tweede["voorzieningen"][0]["uuid"]
    assert regie.post(f"/api/v1/voorzieningen/{voorziening}/intrekken", {}).status_code == 200
    run_berichten()

    by_aanvraag = feed(regie, aanvraag=tweede["uuid"])["results"]
    assert [r["resource"] for r in by_aanvraag] == ["aanvraag", "voorziening"]
    assert [r["resource"] for r in feed(regie, resource="voorziening")["results"]] == ["voorziening"]
    # The filters stay in the next link.
    assert cursor_of(feed(regie, resource="voorziening")["next"])["resource"] == ["voorziening"]


def test_feeds_are_isolated_per_application(regie, andere_regie, backoffice, vreemde_backoffice, drie_aanvragen):
    assert len(feed(regie)["results"]) == 3
    assert len(feed(backoffice)["results"]) == 3
    assert feed(andere_regie)["results"] == []
    assert feed(vreemde_backoffice)["results"] == []
    foreign = Bericht.objects.filter(ontvanger=regie.applicatie).first()
    assert andere_regie.get(f"/api/v1/berichten/{foreign.uuid}").status_code == 404
    # The backoffice has its own bericht about the same event, not the regie's.
    assert backoffice.get(f"/api/v1/berichten/{foreign.uuid}").status_code == 404


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"page": "2"}, "page"),
        ({"ordering": "-id"}, "ordering"),
        ({"cursor": "!!"}, "cursor"),
        ({"cursor": "bm90LWEtbnVtYmVy"}, "cursor"),
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "veel"}, "pageSize"),
        ({"resource": "zaak"}, "resource"),
        ({"aanvraag": "geen-uuid"}, "aanvraag"),
    ],
)
def test_bad_query_parameters_are_400(regie, drie_aanvragen, params, name):
    response = regie.get("/api/v1/berichten", **params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalidParams"]] == [name]


def test_cursor_is_opaque_even_for_a_bsn_like_position(regie, drie_aanvragen):
    # 999993653 passes the elfproef: as a bare id in the URL it would be refused as a BSN.
    cursor = encode_cursor(999993653, reader=regie.applicatie.pk)
    assert "999993653" not in cursor
    assert regie.get("/api/v1/berichten", cursor=cursor).json()["results"] == []


def test_cursor_tells_nothing_of_other_feeds(regie, andere_regie, vreemde_backoffice, drie_aanvragen):
    """The position is a global id: the cursor must not show it (the gap between two cursors would
    count what other parties received meanwhile), and it belongs to its reader only."""
    end = feed(regie, pageSize=100)["next"]
    cursor = cursor_of(end)["cursor"][0]
    last = Bericht.objects.filter(ontvanger=regie.applicatie).order_by("-pk").first()
    assert last is not None
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert raw.find(str(last.pk).encode()) == raw.find(int(last.pk).to_bytes(8, "big")) == -1
    # The same position for another reader is another cursor; a cursor of another reader is refused
    # exactly like a string the server never handed out.
    assert encode_cursor(last.pk, reader=andere_regie.applicatie.pk) != cursor
    for other in (andere_regie, vreemde_backoffice):
        foreign = other.get("/api/v1/berichten", cursor=cursor)
        made_up = other.get("/api/v1/berichten", cursor=base64.urlsafe_b64encode(b"x" * 16).decode().rstrip("="))
        assert foreign.status_code == made_up.status_code == 400
        assert foreign.json()["invalidParams"] == made_up.json()["invalidParams"]
        assert [p["name"] for p in foreign.json()["invalidParams"]] == ["cursor"]


def test_feed_needs_authentication(client, db):
    assert client.get("/api/v1/berichten").status_code in {401, 403}
