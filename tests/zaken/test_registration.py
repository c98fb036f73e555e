"""Registration of aanvragen in the ZGW APIs, per zaak strategy, checked through the ZGW API itself."""

from __future__ import annotations

import base64

import pytest

from regiekoppeling.models import Aanvraag, Voorziening
from tests.conftest import BSN_A, aanvraag_body, pgb_line, zin_line
from tests.zaken.conftest import run_outbox
from zaken.models import Zaak, ZaakStrategie

pytestmark = pytest.mark.django_db

PDF_BASE64 = base64.b64encode(b"%PDF-1.4\n%test\n").decode()


def send(regie, *lines, **extra) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines, **extra))
    assert response.status_code == 201, response.content
    return Aanvraag.objects.get(uuid=response.json()["uuid"])


def test_one_zaak_per_voorziening_with_status_and_initiator(regie, zgw, reader, sandbox):
    aanvraag = send(regie, zin_line(), pgb_line())

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    zaken = sorted(reader.zaken(), key=lambda z: z["identificatie"])
    prefix = f"RK-{aanvraag.uuid.hex[:16].upper()}"
    assert [z["identificatie"] for z in zaken] == [f"{prefix}-1", f"{prefix}-2"]
    seed = sandbox.seed
    for zaak in zaken:
        assert zaak["zaaktype"] == seed["zaaktypen"]["WMO-VOORZIENING"]
        assert zaak["bronorganisatie"] == seed["rsin"]
        assert zaak["kenmerken"] == [{"kenmerk": str(aanvraag.uuid), "bron": "regiekoppeling"}]
        status = reader.json(zaak["status"])
        assert reader.json(status["statustype"])["omschrijving"] == "Ontvangen"
        rollen = reader.json("/zaken/api/v1/rollen", zaak=zaak["url"])["results"]
        assert [
            (r["betrokkeneType"], r["omschrijvingGeneriek"], r["betrokkeneIdentificatie"]["inpBsn"]) for r in rollen
        ] == [("natuurlijk_persoon", "initiator", BSN_A)]
    # Read-through: the API shows the zaak without asking the Zaken API.
    sandbox.clear_requests()
    body = regie.get(f"/api/v1/aanvragen/{aanvraag.uuid}").json()
    assert sandbox.requests == []
    by_id = {z["identificatie"]: z for z in zaken}
    for line in body["voorzieningen"]:
        assert line["registratie"] == "geregistreerd"
        assert line["registratieFouten"] == []
        assert line["zaak"]["url"] == by_id[line["zaak"]["identificatie"]]["url"]
        assert line["zaak"]["status"] == "Ontvangen"


def test_arrangement_shares_one_zaak_without_any_configuration(regie, zgw, reader):
    assert zgw.strategie == ZaakStrategie.PER_VOORZIENING  # the default
    aanvraag = send(
        regie,
        zin_line(),
        zin_line(product={"categorie": "07", "code": "07A01"}),
        isArrangement=True,
        arrangementProduct={"categorie": "10", "code": "10A01"},
    )

    run_outbox(aanvraag, "zaak_registratie")

    zaken = reader.zaken()
    assert len(zaken) == 1
    assert {v.zaak_url for v in Voorziening.objects.filter(aanvraag=aanvraag)} == {zaken[0]["url"]}
    assert len(reader.json("/zaken/api/v1/rollen", zaak=zaken[0]["url"])["results"]) == 1


def test_the_default_gives_separate_zaken_without_arrangement(regie, zgw, reader):
    run_outbox(send(regie, zin_line(), pgb_line()), "zaak_registratie")
    assert len(reader.zaken()) == 2


def test_hoofdzaak_with_a_deelzaak_per_voorziening(regie, zgw, reader):
    zgw.strategie = ZaakStrategie.HOOFDZAAK
    zgw.save()
    aanvraag = send(regie, zin_line(), pgb_line())

    run_outbox(aanvraag, "zaak_registratie")

    zaken = {z["identificatie"].rsplit("-", 1)[1]: z for z in reader.zaken()}
    assert set(zaken) == {"H", "1", "2"}
    hoofdzaak = zaken["H"]
    assert zaken["1"]["hoofdzaak"] == zaken["2"]["hoofdzaak"] == hoofdzaak["url"]
    assert sorted(reader.json(hoofdzaak["url"])["deelzaken"]) == sorted([zaken["1"]["url"], zaken["2"]["url"]])
    aanvraag.refresh_from_db()
    assert aanvraag.hoofdzaak_url == hoofdzaak["url"]
    body = regie.get(f"/api/v1/aanvragen/{aanvraag.uuid}").json()
    assert body["hoofdzaak"] == {"url": hoofdzaak["url"], "identificatie": hoofdzaak["identificatie"]}


def test_gezinsplan_zaak_becomes_a_relevante_andere_zaak(regie, zgw, reader, sandbox):
    gezinsplan = reader.post(
        "/zaken/api/v1/zaken",
        json={
            "identificatie": "GEZINSPLAN-1",
            "bronorganisatie": sandbox.seed["rsin"],
            "verantwoordelijkeOrganisatie": sandbox.seed["rsin"],
            "zaaktype": sandbox.seed["zaaktypen"]["WMO-VOORZIENING"],
            "startdatum": "2026-11-01",
        },
    )
    assert gezinsplan.status_code == 201, gezinsplan.text
    aanvraag = send(regie, zin_line(), gezinsplanZaak=gezinsplan.json()["url"])

    run_outbox(aanvraag, "zaak_registratie")

    (zaak,) = reader.zaken()
    assert zaak["relevanteAndereZaken"] == [{"url": gezinsplan.json()["url"], "aardRelatie": "bijdrage"}]


def test_initial_status_left_to_another_system(regie, zgw, reader):
    zgw.initiele_status_zetten = False
    zgw.save()
    aanvraag = send(regie, zin_line())

    run_outbox(aanvraag, "zaak_registratie")

    (zaak,) = reader.zaken()
    assert zaak["status"] is None
    assert Voorziening.objects.get(aanvraag=aanvraag).registratie == "geregistreerd"


def test_calls_per_voorziening(regie, zgw, sandbox):
    aanvraag = send(regie, zin_line(), pgb_line())
    sandbox.clear_requests()

    run_outbox(aanvraag, "zaak_registratie")

    writes = [(r["method"], r["path"].split("/")[4]) for r in sandbox.requests if r["method"] != "GET"]
    # The two zaken are independent, so their calls interleave: the count is what is pinned here (the
    # order within a zaak by tests/zaken/test_registration_concurrent.py).
    assert sorted(writes) == sorted([("POST", "zaken"), ("POST", "statussen"), ("POST", "rollen")] * 2)
    assert Zaak.objects.filter(aanvraag=aanvraag).count() == 2


def test_lists_show_zaken_without_remote_calls_and_constant_queries(regie, zgw, sandbox, django_assert_max_num_queries):
    for _ in range(5):
        run_outbox(send(regie, zin_line(), pgb_line()), "zaak_registratie")
    sandbox.clear_requests()

    # Query count does not grow with the number of items (prefetching, no N+1).
    with django_assert_max_num_queries(8):
        aanvragen = regie.get("/api/v1/aanvragen").json()
    with django_assert_max_num_queries(6):
        voorzieningen = regie.get("/api/v1/voorzieningen").json()

    assert sandbox.requests == []
    assert len(aanvragen["results"]) == 5 and len(voorzieningen["results"]) == 10
    assert all(v["zaak"]["status"] == "Ontvangen" for a in aanvragen["results"] for v in a["voorzieningen"])
    assert all(v["zaak"]["url"].startswith(sandbox.base_url) for v in voorzieningen["results"])


def test_the_zaak_and_its_status_go_out_before_the_registration_goes_on(regie, zgw, monkeypatch):
    """The order along the critical path: the zaak's POST goes out before the documents are prepared,
    the status's before the rol's. (That the thread waits for each request to go out, and does not only
    start it first, is pinned in tests/zaken/test_concurrent.py: without latency the order holds here
    either way.)"""
    from documenten import upload
    from zaken import registration
    from zaken.clients import ZGWClient

    events: list[str] = []
    original_send, original_upload = ZGWClient.send, upload.upload_step

    def send_(self, request, **kwargs):
        events.append(f"{request.method} {request.path_url.split('/')[-1].split('?')[0]}")
        return original_send(self, request, **kwargs)

    def upload_step(*args, **kwargs):
        events.append("upload prepared")
        return original_upload(*args, **kwargs)

    monkeypatch.setattr(ZGWClient, "send", send_)
    monkeypatch.setattr(registration, "upload_step", upload_step)
    documenten = [
        {"titel": titel, "bestandsnaam": f"{titel}.pdf", "formaat": "application/pdf", "inhoud": PDF_BASE64}
        for titel in ("a", "b")
    ]
    aanvraag = send(regie, zin_line(), documenten=documenten)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert events[:2] == ["POST zaken", "upload prepared"]
    assert events.index("POST statussen") < events.index("POST rollen")
    assert events.count("POST zaakinformatieobjecten") == 2


def test_a_zgw_request_tells_its_waiting_owner_that_it_goes_out(zgw, monkeypatch):
    from contextlib import ExitStack

    from zaken import concurrent
    from zaken.registration import open_clients

    noted: list[str] = []
    monkeypatch.setattr(concurrent, "note_sending", lambda: noted.append("sending"))
    with ExitStack() as stack:
        clients = open_clients(zgw, stack)
        clients.zaken.call("GET", "zaken")
    assert noted == ["sending"]


def test_between_the_zaaks_answer_and_its_status_call_only_one_update(regie, zgw, monkeypatch):
    """The statustype (mapping and catalogue) and the roltype are looked up while the zaak's POST is on
    its way (`_look_ahead`): after its answer, one UPDATE (URL and markers) and the status goes out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zaken import registration
    from zaken.concurrent import Calls

    seen: list[list[str]] = []
    original_created, original_start = registration._Registration._zaak_created, Calls.start
    capture: list[CaptureQueriesContext] = []

    def zaak_created(self, zaak):
        with CaptureQueriesContext(connection) as queries:
            capture.append(queries)
            original_created(self, zaak)

    def start(self, remote):
        if capture and remote is not None:  # the first call started from the zaak's store: its status
            seen.append([q["sql"].split()[0] for q in capture.pop().captured_queries])
        original_start(self, remote)

    monkeypatch.setattr(registration._Registration, "_zaak_created", zaak_created)
    monkeypatch.setattr(Calls, "start", start)
    aanvraag = send(regie, zin_line(), pgb_line())
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert seen == [["UPDATE"], ["UPDATE"]]  # one per zaak


def test_a_lookup_that_fails_ahead_is_made_again_at_the_zaaks_answer(regie, zgw, reader, monkeypatch):
    from zaken import registration
    from zaken.clients import ZGWUnavailableError

    tries: list[str] = []
    original = registration.rol_type

    def flaky(*args, **kwargs):
        tries.append("rol_type")
        if len(tries) == 1:
            raise ZGWUnavailableError("GET roltypen: ConnectionError")
        return original(*args, **kwargs)

    monkeypatch.setattr(registration, "rol_type", flaky)
    aanvraag = send(regie, zin_line())
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert tries == ["rol_type", "rol_type"]
    (zaak,) = reader.zaken()
    assert len(reader.json("/zaken/api/v1/rollen", zaak=zaak["url"])["results"]) == 1


def test_the_documents_upload_markers_are_one_statement(regie, zgw, reader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    documenten = [
        {"titel": titel, "bestandsnaam": f"{titel}.pdf", "formaat": "application/pdf", "inhoud": PDF_BASE64}
        for titel in ("a", "b", "c")
    ]
    aanvraag = send(regie, zin_line(), documenten=documenten)
    with CaptureQueriesContext(connection) as queries:
        assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    markers = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "regiekoppeling_document"')]
    markers = [sql for sql in markers if "upload_gestart" in sql.split("WHERE")[0]]
    assert len(markers) == 1, markers
    assert set(aanvraag.documenten.values_list("upload_gestart", flat=True)) == {True}
    (zaak,) = reader.zaken()
    assert len(reader.json("/zaken/api/v1/zaakinformatieobjecten", zaak=zaak["url"])) == 3


def test_a_rerun_looks_ahead_only_for_zaken_not_yet_made(regie, zgw, reader, sandbox, monkeypatch):
    """A zaak made by an earlier attempt has its steps prepared when the rerun finds it: the look-ahead
    (meant for the time a zaak's POST is on its way) leaves it alone."""
    from zaken import registration

    aanvraag = send(regie, zin_line())
    sandbox.add_fault("/zaken/api/v1/rollen", "500", method="POST")
    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]  # zaak and status made, rol refused

    looked: list[str] = []
    original = registration.initial_statustype

    def counted(*args, **kwargs):
        looked.append("statustype")
        return original(*args, **kwargs)

    monkeypatch.setattr(registration, "initial_statustype", counted)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert looked == ["statustype"]  # once, for the zaak found made (its readthrough), none ahead
    (zaak,) = reader.zaken()
    assert len(reader.json("/zaken/api/v1/rollen", zaak=zaak["url"])["results"]) == 1


def test_a_documents_relation_is_claimed_and_marked_in_one_statement(regie, zgw, reader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    documenten = [
        {"titel": titel, "bestandsnaam": f"{titel}.pdf", "formaat": "application/pdf", "inhoud": PDF_BASE64}
        for titel in ("a", "b")
    ]
    aanvraag = send(regie, zin_line(), documenten=documenten)
    with CaptureQueriesContext(connection) as queries:
        assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    sqls = [q["sql"] for q in queries.captured_queries]
    relations = [sql for sql in sqls if "zaken_zaakdocument" in sql]
    claims = [sql for sql in relations if "ON CONFLICT" in sql and "UPDATE zaken_zaak SET pogingen" in sql]
    assert len(claims) == 2 and len(relations) == 4, relations  # a claim and the stored URL each
    assert not [sql for sql in sqls if sql.startswith('UPDATE "zaken_zaak" SET "pogingen" = %s WHERE')]
    zaak = Zaak.objects.get(aanvraag=aanvraag)
    assert {f"document:{pk}" for pk in aanvraag.documenten.values_list("pk", flat=True)} <= set(zaak.pogingen)
    assert len(reader.json("/zaken/api/v1/zaakinformatieobjecten", zaak=zaak.url)) == 2


def test_the_relations_claim_marks_only_what_is_still_to_be_sent(regie, zgw):
    from regiekoppeling.models import Document
    from zaken.models import ZaakDocument
    from zaken.registration import _relation_claimed

    aanvraag = send(regie, zin_line())
    run_outbox(aanvraag, "zaak_registratie")
    zaak = Zaak.objects.get(aanvraag=aanvraag)
    document = Document.objects.create(aanvraag=aanvraag, indiener=aanvraag.indiener, titel="t")
    before = list(zaak.pogingen)
    step = f"document:{document.pk}"

    relation, sent_before = _relation_claimed(zaak, document)  # new: made and marked
    assert (relation.url, sent_before) == ("", False)
    assert zaak.pogingen == [*before, step] == Zaak.objects.get(pk=zaak.pk).pogingen
    again, sent_before = _relation_claimed(zaak, document)  # an attempt after it: sent before
    assert (again.pk, again.url, sent_before) == (relation.pk, "", True)
    assert Zaak.objects.get(pk=zaak.pk).pogingen == [*before, step]
    assert ZaakDocument.objects.filter(zaak=zaak, document=document).count() == 1

    ZaakDocument.objects.filter(pk=relation.pk).update(url="https://zaken.example/zio/1")
    Zaak.objects.filter(pk=zaak.pk).update(pogingen=before)
    fresh = Zaak.objects.get(pk=zaak.pk)
    related, _ = _relation_claimed(fresh, document)  # related already: nothing to send, no marker
    assert related.url == "https://zaken.example/zio/1"
    assert fresh.pogingen == before == Zaak.objects.get(pk=zaak.pk).pogingen
