"""The processing log (Logboek Dataverwerkingen) and the inzage of the gemeente's privacy officer.

One record per action per data subject, written by the request (reads) or in the transaction of the
write (creates, changes) or of the send (ZGW APIs, webhooks); the subject only as a keyed hash of the
BSN; a W3C trace taken from each request and passed on to every outgoing one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
import requests_mock
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regiekoppeling import logboek, tracecontext
from regiekoppeling.constants import Rol
from regiekoppeling.models import Aanvraag, Actie, OutboxItem, Verwerking
from regiekoppeling.outbox import outbox_process
from regiekoppeling.tasks import prune_verwerkingen
from tests.conftest import BSN_A, BSN_B, Api, aanvraag_body, make_applicatie, pgb_line, zin_line
from zaken.clients import ZakenClient

pytestmark = pytest.mark.django_db

ZOEK = "/api/v1/verwerkingen/_zoek"
INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def privacy(gemeente: Any) -> Api:
    return Api(make_applicatie("Privacy Amsterdam", Rol.PRIVACY, [gemeente], "privacy-test"))


@pytest.fixture
def andere_privacy(andere_gemeente: Any) -> Api:
    return Api(make_applicatie("Privacy Rotterdam", Rol.PRIVACY, [andere_gemeente], "privacy-elders"))


@pytest.fixture
def aanvraag(regie: Api) -> dict[str, Any]:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), pgb_line()))
    assert response.status_code == 201, response.content
    return response.json()


def token(api: Api, **claims: Any) -> str:
    payload = {"client_id": api.credential.client_id, "iat": int(time.time()), **claims}
    return jwt.encode(payload, api.credential.secret, algorithm="HS256")


def zoek(api: Api, bsn: str = BSN_A, **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.post(f"{ZOEK}?{query}" if query else ZOEK, {"bsn": bsn})


def results(api: Api, bsn: str = BSN_A) -> list[dict[str, Any]]:
    response = zoek(api, bsn)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_read_by_the_regie_shows_up_in_the_inzage(regie, privacy, aanvraag):
    detail = regie.client.get(
        f"/api/v1/aanvragen/{aanvraag['uuid']}",
        HTTP_AUTHORIZATION=f"Bearer {token(regie, user_id='mw-017', user_representation='J. de Vries')}",
        HTTP_TRACEPARENT=INCOMING,
    )
    assert detail.status_code == 200

    found = results(privacy)
    read = found[0]
    assert read["actie"] == "lezen"
    assert read["verwerkingsactiviteit"] == "maatwerkvoorziening-aanvragen"
    assert read["applicatie"] == {"uuid": str(regie.applicatie.uuid), "naam": "Regie"}
    assert (read["gebruikerId"], read["gebruikerWeergave"]) == ("mw-017", "J. de Vries")
    assert read["objecten"] == [{"type": "aanvraag", "uuid": aanvraag["uuid"]}]
    assert read["aanvraagUuid"] == aanvraag["uuid"]
    assert read["gemeente"] == "0363"
    assert read["endpoint"] == "aanvraag"
    # The caller's trace continues here, in a span of our own.
    assert read["traceId"] == INCOMING_TRACE
    assert read["spanId"] != "00f067aa0ba902b7"
    # The create before it is there too, with what it made.
    [created] = [r for r in found if r["actie"] == "aanmaken"]
    assert created["objecten"] == [{"type": "aanvraag", "uuid": aanvraag["uuid"]}]
    assert created["applicatie"]["uuid"] == str(regie.applicatie.uuid)


def test_a_list_read_is_one_record_per_subject_in_one_insert(regie, privacy, aanvraag):
    tweede = aanvraag_body(zin_line())
    tweede["client"]["bsn"] = BSN_B
    assert regie.post("/api/v1/aanvragen", tweede).status_code == 201
    Verwerking.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        assert len(regie.get("/api/v1/voorzieningen").json()["results"]) == 3
    inserts = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "regiekoppeling_verwerking"')
    ]
    assert len(inserts) == 1

    rows = Verwerking.objects.filter(actie=Actie.LEZEN)
    assert rows.count() == 2  # two clients, three voorzieningen
    mine = rows.get(betrokkene=logboek.pseudonym(BSN_A))
    assert sorted(o["uuid"] for o in mine.objecten) == sorted(v["uuid"] for v in aanvraag["voorzieningen"])
    assert {o["type"] for o in mine.objecten} == {"voorziening"}
    # Time-ordered uuids (version 7): the unique index takes them on its right edge.
    assert {row.uuid.version for row in Verwerking.objects.all()} == {7}


def test_a_read_elsewhere_is_impossible_and_therefore_absent(regie, privacy, vreemde_backoffice, aanvraag):
    Verwerking.objects.all().delete()
    assert vreemde_backoffice.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").status_code == 404
    assert vreemde_backoffice.get("/api/v1/aanvragen").json()["results"] == []
    assert Verwerking.objects.count() == 0
    assert results(privacy) == []


def test_the_privacy_officer_sees_only_its_own_gemeenten(regie, privacy, andere_privacy, aanvraag):
    assert regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").status_code == 200
    assert len(results(privacy)) == 2
    assert results(andere_privacy) == []


@pytest.mark.parametrize("who", ["regie", "backoffice"])
def test_another_role_gets_403(request, who, aanvraag):
    api = request.getfixturevalue(who)
    response = zoek(api)
    assert response.status_code == 403
    assert "privacy" in response.json()["detail"]


def test_without_a_token_401(client, aanvraag):
    response = client.post(ZOEK, {"bsn": BSN_A}, content_type="application/json")
    assert response.status_code == 401


def test_a_privacy_officer_reads_nothing_else(privacy, aanvraag):
    assert privacy.get("/api/v1/aanvragen").json()["results"] == []
    assert privacy.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").status_code == 404
    assert privacy.post("/api/v1/aanvragen", aanvraag_body()).status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "bsn", "required"),
        ({"bsn": "123456789"}, "bsn", "invalid_bsn"),
        ({"bsn": 999993653}, "bsn", "invalid"),
        ({"bsn": BSN_A, "naam": "x"}, "naam", "unknown_field"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(privacy, aanvraag, body, field, code):
    before = Verwerking.objects.count()
    response = privacy.post(ZOEK, body)
    assert response.status_code == 400, response.content
    assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [(field, code)]
    assert Verwerking.objects.count() == before


def test_a_bsn_in_the_url_is_refused(privacy, aanvraag):
    response = privacy.post(f"{ZOEK}?bsn={BSN_A}", {"bsn": BSN_A})
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["code"] == "bsn_in_url"


def test_the_inzage_pages(regie, privacy, aanvraag):
    for _ in range(3):
        regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}")
    first = zoek(privacy, pageSize="2").json()
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"]
    second = zoek(privacy, pageSize="2", page="2").json()
    # The first search is itself a record now (newest): page 2 of [that search, r1, r2, r3, r4] is r2, r3.
    assert second["count"] == 5
    assert second["results"][0]["uuid"] == first["results"][1]["uuid"]
    assert second["results"][1]["uuid"] not in {r["uuid"] for r in first["results"]}
    assert zoek(privacy, pageSize="0").status_code == 400


def test_the_privacy_officers_search_is_itself_logged(regie, privacy, andere_privacy, aanvraag, settings):
    settings.LOGBOEK_VERWERKINGSACTIVITEITEN = {**settings.LOGBOEK_VERWERKINGSACTIVITEITEN, "inzage": "avg-15"}
    regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}")
    search = privacy.client.post(
        ZOEK, {"bsn": BSN_A}, format="json",
        HTTP_AUTHORIZATION=f"Bearer {token(privacy, user_id='fg-1', user_representation='A. Privacy')}",
        HTTP_TRACEPARENT=INCOMING,
    )  # fmt: skip
    shown = search.json()["results"]
    assert [r["actie"] for r in shown] == ["lezen", "aanmaken"]

    again = results(privacy)
    logged = again[0]
    assert logged["actie"] == "lezen" and logged["endpoint"] == "verwerking"
    assert logged["verwerkingsactiviteit"] == "avg-15"
    assert logged["applicatie"] == {"uuid": str(privacy.applicatie.uuid), "naam": "Privacy Amsterdam"}
    assert (logged["gebruikerId"], logged["gebruikerWeergave"]) == ("fg-1", "A. Privacy")
    assert logged["objecten"] == [{"type": "verwerking", "uuid": r["uuid"]} for r in shown]
    assert (logged["aanvraagUuid"], logged["gemeente"], logged["traceId"]) == (aanvraag["uuid"], "0363", INCOMING_TRACE)
    assert [r["uuid"] for r in again[1:]] == [r["uuid"] for r in shown]
    # The row is about the person searched for, under the pseudonym, like every other row.
    assert Verwerking.objects.get(uuid=logged["uuid"]).betrokkene == logboek.pseudonym(BSN_A)


def test_a_search_that_finds_nothing_logs_nothing(regie, privacy, andere_privacy, aanvraag):
    before = Verwerking.objects.count()
    assert results(privacy, BSN_B) == []
    assert results(andere_privacy) == []  # another gemeente's officer: nothing found, nothing read
    assert Verwerking.objects.count() == before


def test_an_idempotent_replay_is_logged_as_a_read(regie, privacy):
    body = aanvraag_body()
    first = regie.post("/api/v1/aanvragen", body, key="replay-1")
    assert first.status_code == 201
    Verwerking.objects.all().delete()

    replay = regie.post("/api/v1/aanvragen", body, key="replay-1")

    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    [read] = Verwerking.objects.all()
    assert (read.actie, read.endpoint, read.applicatie_id) == (Actie.LEZEN, "aanvraag", regie.applicatie.pk)
    assert read.objecten == [{"type": "aanvraag", "uuid": first.json()["uuid"]}]
    assert read.betrokkene == logboek.pseudonym(BSN_A)


def test_a_replay_of_a_write_without_client_data_logs_nothing(regie, receiver_settings):
    body = {"callbackUrl": "https://regie.example.nl/hook"}
    assert regie.post("/api/v1/abonnementen", body, key="hook-1").status_code == 201
    Verwerking.objects.all().delete()
    assert regie.post("/api/v1/abonnementen", body, key="hook-1")["Idempotent-Replayed"] == "true"
    assert not Verwerking.objects.exists()


@pytest.fixture
def receiver_settings(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["regie.example.nl"]


def test_changes_are_logged_in_the_transaction_of_the_write(regie, privacy, aanvraag, monkeypatch):
    response = regie.post(f"/api/v1/aanvragen/{aanvraag['uuid']}/intrekken", {"reden": "verhuisd"})
    assert response.status_code == 200, response.content
    [change] = Verwerking.objects.filter(actie=Actie.WIJZIGEN)
    assert change.applicatie_id == regie.applicatie.pk
    assert {o["uuid"] for o in change.objecten} >= {v["uuid"] for v in aanvraag["voorzieningen"]}

    # A write that fails after the log row was written leaves neither the write nor the row.
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("broker of database weg")

    monkeypatch.setattr("regiekoppeling.outbox.outbox_enqueue_many", broken)
    before = (Aanvraag.objects.count(), Verwerking.objects.count())
    regie.client.raise_request_exception = False
    assert regie.post("/api/v1/aanvragen", aanvraag_body()).status_code == 500
    assert (Aanvraag.objects.count(), Verwerking.objects.count()) == before


def test_a_refused_write_logs_nothing(regie):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(ingangsdatum="nee")))
    assert response.status_code == 400
    assert Verwerking.objects.count() == 0


def test_the_log_holds_no_bsn(regie, backoffice, privacy, aanvraag):
    regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}")
    regie.get("/api/v1/voorzieningen")
    backoffice.get("/api/v1/aanvragen")
    regie.post(f"/api/v1/voorzieningen/{aanvraag['voorzieningen'][0]['uuid']}/intrekken", {})
    assert Verwerking.objects.count() >= 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(v)::text FROM regiekoppeling_verwerking v")
        dumped = [row[0] for row in cursor.fetchall()]
    assert dumped and not any(BSN_A in row for row in dumped)
    assert BSN_A not in json.dumps(zoek(privacy).json())


def test_the_subject_is_a_keyed_hash(settings):
    expected = hmac.new(settings.LOGBOEK_PSEUDONIEM_KEY.encode(), BSN_A.encode(), hashlib.sha256).hexdigest()
    assert logboek.pseudonym(BSN_A) == expected
    assert logboek.pseudonym(BSN_A) != hashlib.sha256(BSN_A.encode()).hexdigest()  # not guessable without the key
    settings.LOGBOEK_PSEUDONIEM_KEY = "een andere sleutel"
    assert logboek.pseudonym(BSN_A) != expected


def test_the_activity_comes_from_configuration(regie, privacy, aanvraag, settings):
    settings.LOGBOEK_VERWERKINGSACTIVITEITEN = {
        **settings.LOGBOEK_VERWERKINGSACTIVITEITEN,
        "voorziening": "https://register.example/activiteiten/42",
    }
    regie.get(f"/api/v1/voorzieningen/{aanvraag['voorzieningen'][0]['uuid']}")
    assert results(privacy)[0]["verwerkingsactiviteit"] == "https://register.example/activiteiten/42"


def test_retention_deletes_older_records(regie, aanvraag, settings):
    settings.LOGBOEK_BEWAARTERMIJN_DAGEN = 30
    regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}")
    old, recent = Verwerking.objects.order_by("id")[:2]
    Verwerking.objects.filter(pk=old.pk).update(tijdstip=timezone.now() - timedelta(days=31))
    Verwerking.objects.filter(pk=recent.pk).update(tijdstip=timezone.now() - timedelta(days=29))

    assert prune_verwerkingen() == 1
    assert not Verwerking.objects.filter(pk=old.pk).exists()
    assert Verwerking.objects.filter(pk=recent.pk).exists()


def test_the_trace_is_kept_in_queued_work(regie):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(), HTTP_TRACEPARENT=INCOMING)
    assert response.status_code == 201
    items = OutboxItem.objects.all()
    assert items and {tracecontext.parse(i.traceparent).trace_id for i in items} == {INCOMING_TRACE}  # type: ignore[union-attr]


def test_an_invalid_traceparent_starts_a_new_trace(regie, aanvraag):
    Verwerking.objects.all().delete()
    regie.client.get(
        f"/api/v1/aanvragen/{aanvraag['uuid']}",
        HTTP_TRACEPARENT="00-" + "0" * 32 + "-00f067aa0ba902b7-01",
        **regie.headers(),
    )
    [read] = Verwerking.objects.all()
    assert len(read.trace_id) == 32 and read.trace_id != "0" * 32


def test_zgw_requests_pass_the_trace_on():
    client = ZakenClient("http://zaken.test/api/v1/")
    with requests_mock.Mocker() as mock, tracecontext.continued(INCOMING) as trace:
        mock.get("http://zaken.test/api/v1/zaken/1", json={"url": "x"})
        client.get_zaak("http://zaken.test/api/v1/zaken/1")
        mock.get("http://zaken.test/api/v1/zaken/2", status_code=304)
        client.get_zaak_if_changed("http://zaken.test/api/v1/zaken/2", etag='"e"')
    sent = [tracecontext.parse(r.headers["traceparent"]) for r in mock.request_history]
    assert all(t is not None and t.trace_id == INCOMING_TRACE for t in sent)
    assert len({t.span_id for t in sent if t} | {trace.span_id}) == 3  # a span of its own per request


def test_a_webhook_send_is_logged_with_the_trace(regie, privacy, aanvraag):
    from tests.berichten.conftest import run_berichten

    assert run_berichten() == ["done"]
    item = OutboxItem.objects.create(
        handler="webhook", aanvraag=Aanvraag.objects.get(uuid=aanvraag["uuid"]), payload={}, traceparent=INCOMING
    )
    sent: list[dict[str, str]] = []

    def fake(i: OutboxItem) -> None:
        sent.append(tracecontext.outgoing())

    from regiekoppeling import outbox

    real = outbox._handlers["webhook"]
    outbox._handlers["webhook"] = fake
    try:
        assert outbox_process(item_id=item.pk) == "done"
    finally:
        outbox._handlers["webhook"] = real
    assert tracecontext.parse(sent[0]["traceparent"]).trace_id == INCOMING_TRACE  # type: ignore[union-attr]
    [send] = [r for r in results(privacy) if r["actie"] == "verzenden_webhook"]
    assert send["applicatie"] is None  # regiekoppeling itself sent it
    assert send["verwerkingsactiviteit"] == "partijen-informeren"
    assert send["traceId"] == INCOMING_TRACE


def test_the_admin_inzage_posts_the_bsn(client, regie, aanvraag):
    admin = User.objects.create_superuser("beheer", "beheer@example.org", "geheim-wachtwoord")
    client.force_login(admin)
    regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}")

    page = client.get("/admin/regiekoppeling/verwerking/inzage/")
    assert page.status_code == 200 and b"inzage-results" not in page.content
    found = client.post("/admin/regiekoppeling/verwerking/inzage/", {"bsn": BSN_A})
    assert found.status_code == 200
    assert found.context["verwerkingen"] and len(found.context["verwerkingen"]) == 2
    assert b"Regie" in found.content and BSN_A.encode() not in found.content.replace(b'value="' + BSN_A.encode(), b"")
    refused = client.post("/admin/regiekoppeling/verwerking/inzage/", {"bsn": "123456789"})
    assert refused.status_code == 200 and not refused.context["searched"]
    assert client.get("/admin/regiekoppeling/verwerking/").status_code == 200


def test_each_celery_task_starts_its_own_trace():
    from config.celery import _new_trace

    _new_trace()
    first = tracecontext.current()
    assert tracecontext.current() == first  # one trace for everything one task does
    _new_trace()
    assert tracecontext.current().trace_id != first.trace_id


def test_production_without_a_pseudonym_key_refuses_to_start():
    from cryptography.fernet import Fernet

    from tests.test_credentials import _settings_process

    keys = Fernet.generate_key().decode()
    result = _settings_process(CREDENTIAL_ENCRYPTION_KEYS=keys)
    assert result.returncode != 0
    assert "LOGBOEK_PSEUDONIEM_KEY is not set" in result.stderr
    wrong = _settings_process(
        CREDENTIAL_ENCRYPTION_KEYS=keys, LOGBOEK_PSEUDONIEM_KEY="k", LOGBOEK_VERWERKINGSACTIVITEITEN="{niet json"
    )
    assert wrong.returncode != 0
    assert "LOGBOEK_VERWERKINGSACTIVITEITEN must be a JSON object" in wrong.stderr


def test_uuid7_is_version_7_ordered_by_its_millisecond_and_random_within_it(monkeypatch):
    import uuid

    from regiekoppeling.models import logboek as model

    made = [model.uuid7() for _ in range(200)]
    assert {u.version for u in made} == {7} and {u.variant for u in made} == {uuid.RFC_4122}
    assert len(set(made)) == 200
    now_ms = time.time_ns() // 1_000_000
    assert all(abs((u.int >> 80) - now_ms) < 5_000 for u in made)
    monkeypatch.setattr(model.time, "time_ns", lambda: 1_700_000_000_000 * 1_000_000)
    earlier = model.uuid7()
    monkeypatch.setattr(model.time, "time_ns", lambda: 1_700_000_000_001 * 1_000_000)
    assert earlier.int >> 80 == 1_700_000_000_000 and earlier < model.uuid7() < min(made)
    monkeypatch.setattr(model.os, "urandom", lambda n: b"\xff" * n)
    assert str(model.uuid7()).endswith("-7fff-bfff-ffffffffffff")


def test_uuid7_texts_are_uuid7s_of_one_millisecond_written_as_text(monkeypatch):
    import uuid

    from regiekoppeling.models import logboek as model

    texts = model.uuid7_texts(300)
    made = [uuid.UUID(text) for text in texts]
    assert texts == [str(u) for u in made]  # the canonical text, lower case with four hyphens
    assert {u.version for u in made} == {7} and {u.variant for u in made} == {uuid.RFC_4122}
    assert len(set(made)) == 300 and len({u.int >> 80 for u in made}) == 1
    assert abs((made[0].int >> 80) - time.time_ns() // 1_000_000) < 5_000
    monkeypatch.setattr(model.time, "time_ns", lambda: 1_700_000_000_000 * 1_000_000)
    monkeypatch.setattr(model.os, "urandom", lambda n: bytes(range(n)))
    # Each row its own ten random bytes, in order: the second row's are 10..19.
    first, second = (uuid.UUID(t) for t in model.uuid7_texts(2))
    assert first == model.uuid.UUID(int=model._uuid7(1_700_000_000_000, bytes(range(10))))
    assert second == model.uuid.UUID(int=model._uuid7(1_700_000_000_000, bytes(range(10, 20))))
    assert first.int >> 80 == 1_700_000_000_000 and model.uuid7_texts(0) == []
