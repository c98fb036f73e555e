"""Fault injection: every kind, through the Python API and through the /_sandbox/ control API."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from zgw_sandbox import Sandbox
from zgw_sandbox.web import Request

from .helpers import BSN, CRS, RSIN, Receiver, Zgw

ZAKEN = "/zaken/api/v1/zaken"


def zaak_body(zgw: Zgw, identificatie: str) -> dict[str, Any]:
    return {
        "identificatie": identificatie,
        "bronorganisatie": RSIN,
        "verantwoordelijkeOrganisatie": RSIN,
        "zaaktype": zgw.seed["zaaktypen"]["WMO-VOORZIENING"],
        "startdatum": "2026-01-05",
    }


def lookup(zgw: Zgw, identificatie: str) -> list[dict[str, Any]]:
    response = zgw.get(ZAKEN, params={"identificatie": identificatie, "bronorganisatie": RSIN}, headers=CRS)
    assert response.status_code == 200
    return list(response.json()["results"])


def rol_body(zgw: Zgw, zaak: dict[str, Any]) -> dict[str, Any]:
    return {
        "zaak": zaak["url"],
        "betrokkeneType": "natuurlijk_persoon",
        # A behandelaar: a zaak may have several (one initiator only, as in Open Zaak).
        "roltype": zgw.seed["roltypen"]["WMO-VOORZIENING"]["behandelaar"],
        "roltoelichting": "Behandelaar",
        "betrokkeneIdentificatie": {"inpBsn": BSN},
    }


def finished(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, method: str, path: str) -> threading.Event:
    """An event set once the sandbox is done with a `method` `path` request: answered, or dropped."""
    done = threading.Event()
    serve = sandbox.serve

    def watched(handler: Any, req: Request) -> None:
        try:
            serve(handler, req)
        finally:
            if (req.method, req.path) == (method, path):
                done.set()

    monkeypatch.setattr(sandbox, "serve", watched)
    return done


def test_500_on_the_nth_matching_request(sandbox: Sandbox, zgw: Zgw) -> None:
    zaak = zgw.create_zaak("FAULT-500")
    sandbox.add_fault("/zaken/api/v1/rollen", "500", method="POST", nth=2)
    statuses = [zgw.post("/zaken/api/v1/rollen", json=rol_body(zgw, zaak)) for _ in range(3)]
    assert [r.status_code for r in statuses] == [201, 500, 201]
    failed = statuses[1]
    assert failed.json()["code"] == "error" and failed.json()["status"] == 500
    assert failed.headers["API-version"] == "1.5.1"
    # the failed request stored nothing
    assert len(zgw.read_zaak(zaak["url"])["rollen"]) == 2
    logged = [(e["method"], e["status"], e["fault"]) for e in sandbox.requests if e["path"] == "/zaken/api/v1/rollen"]
    assert logged == [("POST", 201, None), ("POST", 500, "500"), ("POST", 201, None)]


def test_other_status_codes_and_wildcards(sandbox: Sandbox, zgw: Zgw) -> None:
    zaak = zgw.create_zaak("FAULT-503")
    sandbox.add_fault("/zaken/api/v1/zaken/*", "503", method="GET", times=2)
    assert [zgw.get(zaak["url"], headers=CRS).status_code for _ in range(3)] == [503, 503, 200]
    assert sandbox.faults.rules()[0]["fired"] == 2


def test_timeout_answers_late_and_still_writes(sandbox: Sandbox, zgw: Zgw, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.add_fault(ZAKEN, "timeout", method="POST", seconds=1.0)
    answered = finished(sandbox, monkeypatch, "POST", ZAKEN)
    with pytest.raises(requests.exceptions.ReadTimeout):
        zgw.post(ZAKEN, json=zaak_body(zgw, "FAULT-TIMEOUT"), headers=CRS, timeout=0.2)
    assert answered.wait(5), "the sandbox never finished the delayed POST"
    assert len(lookup(zgw, "FAULT-TIMEOUT")) == 1
    retry = zgw.post(ZAKEN, json=zaak_body(zgw, "FAULT-TIMEOUT"), headers=CRS)
    assert retry.status_code == 400
    assert retry.json()["invalidParams"][0]["code"] == "identificatie-niet-uniek"


def test_a_request_delayed_past_a_reset_does_not_write(
    sandbox: Sandbox, zgw: Zgw, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.add_fault(ZAKEN, "timeout", method="POST", seconds=0.5)
    dropped = finished(sandbox, monkeypatch, "POST", ZAKEN)
    with pytest.raises(requests.exceptions.ReadTimeout):
        zgw.post(ZAKEN, json=zaak_body(zgw, "FAULT-AFTER-RESET"), headers=CRS, timeout=0.1)
    sandbox.reset()  # what the next test's fixture does
    assert dropped.wait(5), "the sandbox never finished the delayed POST"
    assert lookup(zgw, "FAULT-AFTER-RESET") == []


def test_reset_before_stores_nothing(sandbox: Sandbox, zgw: Zgw) -> None:
    sandbox.add_fault(ZAKEN, "reset_before", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        zgw.post(ZAKEN, json=zaak_body(zgw, "FAULT-RESET-BEFORE"), headers=CRS)
    assert lookup(zgw, "FAULT-RESET-BEFORE") == []
    entry = next(e for e in sandbox.requests if e["fault"] == "reset_before")
    assert (entry["status"], entry["body"]["identificatie"]) == (None, "FAULT-RESET-BEFORE")
    assert zgw.post(ZAKEN, json=zaak_body(zgw, "FAULT-RESET-BEFORE"), headers=CRS).status_code == 201


def test_reset_after_commit_stored_the_zaak(sandbox: Sandbox, zgw: Zgw, receiver: Receiver) -> None:
    sandbox.add_fault(ZAKEN, "reset_after_commit", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        zgw.post(ZAKEN, json=zaak_body(zgw, "FAULT-COMMITTED"), headers=CRS)
    # the client never saw the 201, but the zaak exists: the lookup by identificatie finds it
    found = lookup(zgw, "FAULT-COMMITTED")
    assert len(found) == 1
    retry = zgw.post(ZAKEN, json=zaak_body(zgw, "FAULT-COMMITTED"), headers=CRS)
    assert retry.status_code == 400
    assert retry.json()["invalidParams"] == [
        {
            "name": "identificatie",
            "code": "identificatie-niet-uniek",
            "reason": "Deze identificatie (FAULT-COMMITTED) bestaat al voor deze bronorganisatie",
        }
    ]
    entry = next(e for e in sandbox.requests if e["fault"] == "reset_after_commit")
    assert (entry["status"], entry["location"]) == (201, found[0]["url"])
    sandbox.flush_notifications()
    assert [m["json"]["resourceUrl"] for m in receiver.received] == [found[0]["url"]]


def test_faults_through_the_control_api(sandbox: Sandbox, zgw: Zgw) -> None:
    control = sandbox.base_url + "/_sandbox"
    rule = {"method": "POST", "path": "/zaken/api/v1/statussen", "nth": 1, "kind": "500"}
    added = requests.post(f"{control}/faults", json=rule, timeout=5)
    assert added.status_code == 201
    assert added.json() | {"seen": 0, "fired": 0} == added.json()
    zaak = zgw.create_zaak("FAULT-CONTROL")
    body = {
        "zaak": zaak["url"],
        "statustype": zgw.seed["statustypen"]["WMO-VOORZIENING"]["Ontvangen"],
        "datumStatusGezet": "2026-01-05T10:00:00Z",
    }
    assert zgw.post("/zaken/api/v1/statussen", json=body).status_code == 500
    assert requests.get(f"{control}/faults", timeout=5).json()[0]["fired"] == 1
    assert requests.delete(f"{control}/faults", timeout=5).status_code == 204
    assert requests.get(f"{control}/faults", timeout=5).json() == []
    assert zgw.post("/zaken/api/v1/statussen", json=body).status_code == 201

    bad = requests.post(f"{control}/faults", json={"path": "/x", "kind": "explode"}, timeout=5)
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["detail"]


def test_request_log_and_reset_through_the_control_api(sandbox: Sandbox, zgw: Zgw) -> None:
    control = sandbox.base_url + "/_sandbox"
    zaak = zgw.create_zaak("LOGGED-1")
    zgw.get(ZAKEN, params={"identificatie": "LOGGED-1"}, headers=CRS)
    log = requests.get(f"{control}/requests", timeout=5).json()
    post, get = log[-2], log[-1]
    assert (post["method"], post["path"], post["status"], post["body"]["identificatie"]) == (
        "POST",
        ZAKEN,
        201,
        "LOGGED-1",
    )
    assert post["headers"]["Content-Crs"] == "EPSG:4326" and post["clientId"] == "regiekoppeling-test"
    assert post["location"] == zaak["url"]
    assert (get["method"], get["query"], get["body"]) == ("GET", [["identificatie", "LOGGED-1"]], None)
    assert requests.delete(f"{control}/requests", timeout=5).status_code == 204
    assert requests.get(f"{control}/requests", timeout=5).json() == []

    reset = requests.post(f"{control}/reset", timeout=5)
    assert reset.status_code == 200 and reset.json()["seed"] == sandbox.seed
    assert zgw.get(zaak["url"], headers=CRS).status_code == 404
    assert zgw.get(sandbox.seed["zaaktypen"]["WMO-VOORZIENING"]).status_code == 200

    info = requests.get(f"{control}/", timeout=5).json()
    assert info["baseUrl"] == sandbox.base_url and info["seed"]["rsin"] == "002220647"


def test_chunk_size_through_the_control_api(sandbox: Sandbox, zgw: Zgw) -> None:
    config = requests.patch(sandbox.base_url + "/_sandbox/config", json={"chunkSize": 100}, timeout=5)
    assert config.json()["chunkSize"] == 100
    document = zgw.post(
        "/documenten/api/v1/enkelvoudiginformatieobjecten",
        json={
            "bronorganisatie": RSIN,
            "creatiedatum": "2026-01-05",
            "titel": "Groot",
            "auteur": "test",
            "taal": "dut",
            "inhoud": None,
            "bestandsomvang": 250,
            "informatieobjecttype": zgw.seed["informatieobjecttypen"]["Bijlage"],
        },
    )
    assert [p["omvang"] for p in document.json()["bestandsdelen"]] == [100, 100, 50]
