"""The registration as one unit of work whose independent calls run at the same time (issue 13): the
documents of the aanvraag go along, each call waits for what it needs, a fault in one call keeps the
others, a crash between them is recovered without doubles, and later status changes wait their turn."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from regiekoppeling.models import Aanvraag, Document, OutboxItem
from regiekoppeling.outbox import outbox_process
from tests.conftest import aanvraag_body, zin_line
from tests.zaken.conftest import run_outbox
from tests.zaken.test_document_berichten import upload
from tests.zaken.test_documenten import attach, private_media, relations  # noqa: F401
from tests.zaken.test_documenten import send as send_two_lines
from zaken import registration
from zaken.clients import ZGWClient
from zaken.models import Zaak, ZaakDocument

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def send(regie) -> Aanvraag:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    assert response.status_code == 201
    return Aanvraag.objects.get(uuid=response.json()["uuid"])


def writes(sandbox, resource: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests if r["method"] == "POST" and r["path"].endswith(f"/{resource}")]


def remote(reader, resource: str, zaak_url: str) -> list[dict[str, Any]]:
    page = reader.json(f"/zaken/api/v1/{resource}", zaak=zaak_url)
    return page["results"] if isinstance(page, dict) else page


def test_documents_present_are_stored_and_related_in_the_registration(regie, zgw, reader, sandbox):
    aanvraag = send(regie)
    first, second = attach(regie, aanvraag), attach(regie, aanvraag, b"%PDF-1.4 tweede")

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    zaak = Zaak.objects.get(aanvraag=aanvraag)
    stored = {d.pk: d.informatieobject for d in Document.objects.filter(pk__in=[first.pk, second.pk])}
    assert all(url.startswith(zgw.documenten_service.api_root) for url in stored.values())
    related = {r["informatieobject"]: r["url"] for r in remote(reader, "zaakinformatieobjecten", zaak.url)}
    assert set(related) == set(stored.values())
    assert {z.document_id: z.url for z in ZaakDocument.objects.filter(zaak=zaak)} == {
        pk: related[url] for pk, url in stored.items()
    }
    # Their own items find everything done: no second upload, no second relation.
    sandbox.clear_requests()
    assert run_outbox(aanvraag, "document") == ["done", "done"]
    assert [r for r in sandbox.requests if r["method"] != "GET"] == []


def test_a_document_that_arrives_while_the_registration_runs_goes_along(regie, zgw, reader, sandbox, monkeypatch):
    aanvraag = send(regie)
    arrived: list[Document] = []
    created = registration._Registration._zaak_created

    def zaak_created(self: Any, zaak: Zaak) -> None:
        # The regie uploads while the zaak's status and rol are still to come.
        arrived.append(attach(regie, aanvraag))
        created(self, zaak)

    monkeypatch.setattr(registration._Registration, "_zaak_created", zaak_created)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    (document,) = arrived
    document.refresh_from_db()
    assert document.informatieobject
    (relation,) = ZaakDocument.objects.filter(document=document)
    (remote_relation,) = remote(reader, "zaakinformatieobjecten", relation.zaak.url)
    assert (relation.url, remote_relation["informatieobject"]) == (remote_relation["url"], document.informatieobject)


def test_independent_calls_overlap_and_each_waits_for_what_it_needs(regie, zgw, sandbox, monkeypatch):
    aanvraag = send(regie)
    attach(regie, aanvraag)
    # Slow enough that calls started together are still in flight together.
    sandbox.set_latency(
        {"POST zaken": 0.4, "POST statussen": 0.3, "POST rollen": 0.3, "POST zaakinformatieobjecten": 0.3}
    )
    events: list[tuple[str, str]] = []
    in_flight = [0, 0]  # now, most
    lock = threading.Lock()
    call = ZGWClient.call

    def spy(self: ZGWClient, method: str, url: str, **kwargs: Any) -> Any:
        resource = f"{method} {url.rstrip('/').rsplit('/', 1)[-1]}"
        with lock:
            events.append(("start", resource))
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        try:
            return call(self, method, url, **kwargs)
        finally:
            with lock:
                events.append(("end", resource))
                in_flight[0] -= 1

    monkeypatch.setattr(ZGWClient, "call", spy)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    assert in_flight[1] >= 3  # status, rol and the relation at the same time
    position = {event: index for index, event in enumerate(events)}
    zaak_answered = position[("end", "POST zaken")]
    for follower in ("POST statussen", "POST rollen", "POST zaakinformatieobjecten"):
        assert position[("start", follower)] > zaak_answered
    assert position[("start", "POST zaakinformatieobjecten")] > position[("end", "POST enkelvoudiginformatieobjecten")]
    # The document did not wait for the zaak.
    assert position[("start", "POST enkelvoudiginformatieobjecten")] < zaak_answered


def test_a_fault_in_one_parallel_call_keeps_the_others_and_the_rerun_completes(regie, zgw, reader, sandbox):
    aanvraag = send(regie)
    document = attach(regie, aanvraag)
    sandbox.add_fault("/zaken/api/v1/rollen", "500", method="POST")

    assert run_outbox(aanvraag, "zaak_registratie") == ["pending"]

    zaak = Zaak.objects.get(aanvraag=aanvraag)
    assert zaak.status_url and not zaak.rol_url  # the status went on without the rol
    assert ZaakDocument.objects.get(document=document).url  # and so did the document
    assert aanvraag.voorzieningen.get().registratie == "wacht"  # registered means status and rol

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    zaak.refresh_from_db()
    assert [s["url"] for s in remote(reader, "statussen", zaak.url)] == [zaak.status_url]
    assert [r["url"] for r in remote(reader, "rollen", zaak.url)] == [zaak.rol_url]
    assert len(remote(reader, "zaakinformatieobjecten", zaak.url)) == 1
    assert aanvraag.voorzieningen.get().registratie == "geregistreerd"


class Crash(BaseException):
    """The worker process dies: nothing after this point runs (no `except Exception` catches it)."""


def test_a_crash_between_the_parallel_calls_is_recovered_without_doubles(regie, zgw, reader, sandbox, monkeypatch):
    aanvraag = send(regie)
    sandbox.set_latency({"POST statussen": 0.2})  # still in flight when the rol's answer comes
    save = Zaak.save

    def crash_on_rol(self: Zaak, *args: Any, **kwargs: Any) -> None:
        if "rol_url" in kwargs.get("update_fields", ()):
            raise Crash  # the rol was created, its URL never stored
        save(self, *args, **kwargs)

    monkeypatch.setattr(Zaak, "save", crash_on_rol)
    item = OutboxItem.objects.get(aanvraag=aanvraag, handler="zaak_registratie")
    with pytest.raises(Crash):
        outbox_process(item_id=item.pk)
    monkeypatch.setattr(Zaak, "save", save)
    zaak = Zaak.objects.get(aanvraag=aanvraag)
    markers = sorted(p.partition("@")[0] for p in zaak.pogingen)  # a status's marker keeps its datum after @
    assert (zaak.rol_url, zaak.status_url, markers) == ("", "", ["rol", "status", "zaak"])
    deadline = time.monotonic() + 5
    while not writes(sandbox, "statussen") and time.monotonic() < deadline:
        time.sleep(0.02)  # the status call the crash left in flight reaches the server
    # What the sweeper does after a crash: the item is released and runs again.
    OutboxItem.objects.filter(pk=item.pk).update(state=OutboxItem.State.PENDING, claimed_by="")

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    zaak.refresh_from_db()
    assert [r["url"] for r in remote(reader, "rollen", zaak.url)] == [zaak.rol_url]
    assert [s["url"] for s in remote(reader, "statussen", zaak.url)] == [zaak.status_url]
    assert len(writes(sandbox, "rollen")) == 1 and len(writes(sandbox, "statussen")) == 1


def test_a_status_change_waits_for_the_registration_and_comes_after_its_initial_status(
    regie, backoffice, zgw, reader, sandbox, monkeypatch
):
    aanvraag = send(regie)
    claims: list[str | None] = []
    created = registration._Registration._zaak_created

    def zaak_created(self: Any, zaak: Zaak) -> None:
        # The backoffice accepts the aanvraag while its registration is still running.
        backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": str(aanvraag.uuid), "soort": "verwerkbaar"})
        status_item = OutboxItem.objects.get(aanvraag=aanvraag, handler="zaak_status")
        claims.append(outbox_process(item_id=status_item.pk))
        created(self, zaak)

    monkeypatch.setattr(registration._Registration, "_zaak_created", zaak_created)
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    assert claims == [None]  # one writer per aanvraag's zaken: the change was not claimed meanwhile

    assert run_outbox(aanvraag, "zaak_status") == ["done"]
    zaak = Zaak.objects.get(aanvraag=aanvraag)
    statussen = sorted(remote(reader, "statussen", zaak.url), key=lambda s: s["datumStatusGezet"])
    assert statussen[0]["url"] == zaak.status_url  # the initial status first
    names = [reader.json(reader.json(s["url"])["statustype"])["omschrijving"] for s in statussen]
    assert names == ["Ontvangen", "In behandeling"]
    assert zaak.huidige_status_url == statussen[-1]["url"]


def test_a_zaak_row_stored_without_its_lines_is_healed_by_the_rerun(regie, zgw, reader, sandbox):
    """Found by the fault suite at 1,000 aanvragen: a worker killed between storing the zaak row and its
    lines left a zaak without lines; the rerun registered it, the line never got its zaak and a besluit
    on it waited forever. The row and its lines are now one transaction, and a rerun heals such a zaak."""
    aanvraag = send(regie)
    config = registration.config_for(aanvraag)
    with registration.ExitStack() as stack:
        clients = registration.open_clients(config, stack)
        [zaak] = registration.zaken_plan(aanvraag=aanvraag, config=config, clients=clients)
    zaak.voorzieningen.clear()  # what the release before the fix could leave behind

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    zaak.refresh_from_db()
    [line] = aanvraag.voorzieningen.all()
    assert list(zaak.voorzieningen.all()) == [line]
    assert (line.zaak_url, line.registratie) == (zaak.url, "geregistreerd")
    assert [z["url"] for z in reader.json("/zaken/api/v1/zaken")["results"]] == [zaak.url]


def test_the_zaak_row_and_its_lines_are_stored_together(regie, zgw, monkeypatch):
    aanvraag = send(regie)
    config = registration.config_for(aanvraag)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(Zaak.voorzieningen.related_manager_cls, "add", crash)
    with registration.ExitStack() as stack, pytest.raises(Crash):
        registration.zaken_plan(aanvraag=aanvraag, config=config, clients=registration.open_clients(config, stack))
    assert not Zaak.objects.filter(aanvraag=aanvraag).exists()


def test_a_document_of_one_line_goes_only_to_that_lines_zaak_in_the_registration(regie, zgw, reader):
    """A document stored before the registration with `voorziening` is related to that line's zaak
    alone, once, by the registration itself (not by its own outbox item afterwards)."""
    aanvraag = send_two_lines(regie)
    first, second = aanvraag.voorzieningen.order_by("volgnummer")
    response = upload(regie, aanvraag, voorziening=str(second.uuid))
    assert response.status_code == 201, response.content

    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]

    document = Document.objects.get(uuid=response.json()["uuid"])
    zaak_first, zaak_second = Zaak.objects.get(voorzieningen=first), Zaak.objects.get(voorzieningen=second)
    assert relations(reader, zaak_second.url) == [document.informatieobject]
    assert relations(reader, zaak_first.url) == []
    assert list(ZaakDocument.objects.filter(document=document).values_list("zaak_id", flat=True)) == [zaak_second.pk]
