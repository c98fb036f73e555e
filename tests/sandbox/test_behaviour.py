"""Sandbox behaviour beyond the samples: authentication, CRS, validation, lists, ETags, expand, documents,
concurrency, persistence and the command line. Every exchange goes through the contract checker."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from zgw_sandbox import Sandbox, seed_urls, start_sandbox
from zgw_sandbox.auth import make_token
from zgw_sandbox.contract import ContractChecker
from zgw_sandbox.fields import today

from .helpers import BSN, CLIENT_ID, CRS, RSIN, SECRET, Receiver, TokenAuth, Zgw
from .replay import SAMPLES

ZAKEN = "/zaken/api/v1/zaken"
EIO = "/documenten/api/v1/enkelvoudiginformatieobjecten"
REPO = Path(__file__).resolve().parents[2]


def codes(response: requests.Response) -> list[tuple[str, str]]:
    return [(p["name"], p["code"]) for p in response.json().get("invalidParams", [])]


# --- authentication and headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("Token abc", "permission_denied"),
        ("Bearer not-a-jwt", "jwt-decode-error"),
        ("Bearer " + make_token("someone-else", SECRET), "invalid-client-identifier"),
        ("Bearer " + make_token(CLIENT_ID, SECRET, iat=time.time() - 3601), "jwt-expired"),
    ],
)
def test_authentication_failures_are_403(zgw: Zgw, authorization: str, code: str) -> None:
    zgw.auth = None
    response = zgw.get("/catalogi/api/v1/zaaktypen", headers={"Authorization": authorization})
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert response.headers["API-version"] == "1.3.1"


def test_a_token_just_under_an_hour_old_is_fine(zgw: Zgw) -> None:
    zgw.auth = None
    token = make_token(CLIENT_ID, SECRET, iat=time.time() - 3500)
    assert zgw.get("/catalogi/api/v1/zaaktypen", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_crs_is_negotiated_on_zaken_only(zgw: Zgw, checker: ContractChecker) -> None:
    zaak = zgw.create_zaak("CRS-1")
    wrong = zgw.get(zaak["url"], headers={**CRS, "Accept-Crs": "EPSG:28992"})
    assert (wrong.status_code, wrong.json()["code"]) == (406, "not_acceptable")
    assert wrong.headers["Content-Crs"] == "EPSG:4326"
    missing = zgw.patch(zaak["url"], json={"toelichting": "x"}, headers={"Accept-Crs": "EPSG:4326"})
    assert (missing.status_code, missing.json()["detail"]) == (412, "'Content-Crs' header ontbreekt")
    # other Zaken resources need no CRS headers and do not answer Content-Crs
    statussen = zgw.get("/zaken/api/v1/statussen", params={"zaak": zaak["url"]})
    assert statussen.status_code == 200 and "Content-Crs" not in statussen.headers
    # DELETE needs neither header in Open Zaak (commonground-api-common's GeoMixin); the document wants both
    with checker.tolerating_invalid_requests("Open Zaak accepts DELETE /zaken/{uuid} without CRS headers"):
        assert zgw.delete(zaak["url"]).status_code == 204


def test_unknown_paths_and_methods(sandbox: Sandbox, zgw: Zgw) -> None:
    assert requests.get(sandbox.base_url + "/zaken/api/v1/bestaat-niet", timeout=5).status_code == 404
    zaak = zgw.create_zaak("METHOD-1")
    status = zgw.post(
        "/zaken/api/v1/statussen",
        json={
            "zaak": zaak["url"],
            "statustype": sandbox.seed["statustypen"]["WMO-VOORZIENING"]["Ontvangen"],
            "datumStatusGezet": "2026-01-05T10:00:00Z",
        },
    ).json()
    response = zgw.put(status["url"], json={})  # statussen cannot be changed, in the standard too
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- validation ----------------------------------------------------------------------------------


def test_zaak_required_fields_and_rsin(zgw: Zgw) -> None:
    response = zgw.post(ZAKEN, json={"bronorganisatie": "123456789"}, headers=CRS)
    assert response.status_code == 400
    assert sorted(codes(response)) == [
        ("bronorganisatie", "invalid"),
        ("startdatum", "required"),
        ("verantwoordelijkeOrganisatie", "required"),
        ("zaaktype", "required"),
    ]
    reasons = {p["name"]: p["reason"] for p in response.json()["invalidParams"]}
    assert reasons["bronorganisatie"] == "Onjuist RSIN nummer"
    assert reasons["startdatum"] == "Dit veld is vereist."


def initiator(zaak: dict[str, Any], roltype: str, bsn: str = BSN) -> dict[str, Any]:
    return {
        "zaak": zaak["url"],
        "betrokkeneType": "natuurlijk_persoon",
        "roltype": roltype,
        "roltoelichting": "Aanvrager",
        "betrokkeneIdentificatie": {"inpBsn": bsn},
    }


def test_rol_bsn_and_roltype_of_another_zaaktype(zgw: Zgw) -> None:
    zaak = zgw.create_zaak("ROL-1")
    body = initiator(zaak, zgw.seed["roltypen"]["JW-VOORZIENING"]["initiator"], "12345678a")
    response = zgw.post("/zaken/api/v1/rollen", json=body)
    assert codes(response) == [("betrokkeneIdentificatie.inpBsn", "only-digits")]
    body["betrokkeneIdentificatie"] = {"inpBsn": BSN}
    response = zgw.post("/zaken/api/v1/rollen", json=body)
    assert codes(response) == [("nonFieldErrors", "zaaktype-mismatch")]


def test_one_initiator_per_zaak_and_several_behandelaars(zgw: Zgw) -> None:
    """As Open Zaak 1.30 (its RolOccurenceValidator; seen on the peer: 400, `roltype`, `max-occurences`,
    "De waarde `initiator` komt al 1 keer voor")."""
    zaak = zgw.create_zaak("ROL-2")
    body = initiator(zaak, zgw.seed["roltypen"]["WMO-VOORZIENING"]["initiator"])
    assert zgw.post("/zaken/api/v1/rollen", json=body).status_code == 201
    second = zgw.post("/zaken/api/v1/rollen", json=body)
    assert codes(second) == [("roltype", "max-occurences")]
    assert second.json()["invalidParams"][0]["reason"] == "De waarde `initiator` komt al 1 keer voor"
    body["roltype"] = zgw.seed["roltypen"]["WMO-VOORZIENING"]["behandelaar"]
    assert [zgw.post("/zaken/api/v1/rollen", json=body).status_code for _ in range(2)] == [201, 201]


def test_resultaat_is_unique_per_zaak(zgw: Zgw) -> None:
    zaak = zgw.create_zaak("RES-1")
    body = {"zaak": zaak["url"], "resultaattype": zgw.seed["resultaattypen"]["WMO-VOORZIENING"]["Afgewezen"]}
    assert zgw.post("/zaken/api/v1/resultaten", json=body).status_code == 201
    assert codes(zgw.post("/zaken/api/v1/resultaten", json=body)) == [("zaak", "unique")]


def test_a_deelzaak_needs_its_zaaktype_among_the_deelzaaktypen_of_the_hoofdzaak(zgw: Zgw) -> None:
    # zaken-create-deelzaak-type-not-in-deelzaaktypen-400: the same name, code and reason as Open Zaak.
    plain = zgw.create_zaak("DZ-1")  # WMO-VOORZIENING lists no deelzaaktypen
    body = {
        "bronorganisatie": RSIN,
        "verantwoordelijkeOrganisatie": RSIN,
        "zaaktype": zgw.seed["zaaktypen"]["JW-VOORZIENING"],
        "startdatum": "2026-01-05",
        "hoofdzaak": plain["url"],
    }
    refused = zgw.post("/zaken/api/v1/zaken", json=body, headers=CRS)
    assert refused.status_code == 400
    assert codes(refused) == [("hoofdzaak", "invalid-deelzaaktype")]
    assert (
        refused.json()["invalidParams"][0]["reason"]
        == "Zaaktype niet vastgelegd in deelzaaktypen van hoofdzaak.zaaktype"
    )

    hoofdzaak = zgw.create_zaak("DZ-H", zaaktype="RK-AANVRAAG")  # lists both voorziening zaaktypen
    assert zgw.read_zaak(hoofdzaak["url"]) and zgw.get(zgw.seed["zaaktypen"]["RK-AANVRAAG"]).json()[
        "deelzaaktypen"
    ] == [zgw.seed["zaaktypen"]["WMO-VOORZIENING"], zgw.seed["zaaktypen"]["JW-VOORZIENING"]]
    accepted = zgw.post("/zaken/api/v1/zaken", json={**body, "hoofdzaak": hoofdzaak["url"]}, headers=CRS)
    assert accepted.status_code == 201, accepted.text


def _status(zgw: Zgw, zaak: dict[str, Any], name: str) -> requests.Response:
    moment = (datetime.now(UTC) - timedelta(milliseconds=1)).isoformat().replace("+00:00", "Z")
    body = {
        "zaak": zaak["url"],
        "statustype": zgw.seed["statustypen"]["WMO-VOORZIENING"][name],
        "datumStatusGezet": moment,
    }
    return zgw.post("/zaken/api/v1/statussen", json=body)


def test_a_status_after_the_end_status_reopens_only_with_the_scope(zgw: Zgw, sandbox: Sandbox) -> None:
    zaak = zgw.create_zaak("HEROPEN-1")
    body = {"zaak": zaak["url"], "resultaattype": zgw.seed["resultaattypen"]["WMO-VOORZIENING"]["Toegekend"]}
    assert zgw.post("/zaken/api/v1/resultaten", json=body).status_code == 201
    closed = _status(zgw, zaak, "Afgehandeld")
    assert closed.status_code == 201, closed.text
    assert zgw.read_zaak(zaak["url"])["einddatum"] is not None

    refused = _status(zgw, zaak, "Besluit genomen")  # Open Zaak without zaken.heropenen
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert zgw.read_zaak(zaak["url"])["einddatum"] is not None

    sandbox.ctx.heropenen.add(CLIENT_ID)
    try:
        assert _status(zgw, zaak, "Besluit genomen").status_code == 201
    finally:
        sandbox.ctx.heropenen.clear()
    assert zgw.read_zaak(zaak["url"])["einddatum"] is None


def _at_once(calls: list[Any]) -> list[Any]:
    """Run the calls in threads released together; their responses in the order of the calls."""
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _race(sandbox: Sandbox, checker: ContractChecker, resource: str, body: dict[str, Any]) -> list[requests.Response]:
    """The same POST by two clients at once, each spending 0.3 s between its checks and its write."""
    sandbox.set_latency({f"POST {resource}": 0.3})
    sessions = [Zgw(sandbox, checker) for _ in range(2)]
    try:
        return _at_once([lambda s=s: s.post(f"/zaken/api/v1/{resource}", json=body) for s in sessions])
    finally:
        for session in sessions:
            session.close()


def test_requests_of_different_clients_run_concurrently(sandbox: Sandbox, checker: ContractChecker) -> None:
    # No lock around a request: four slow writes take about as long as one, not four times as long.
    sandbox.set_latency({"POST zaken": 0.4})
    sessions = [Zgw(sandbox, checker) for _ in range(4)]
    began = time.monotonic()
    answers = _at_once([lambda s=s, n=n: s.create_zaak(f"PAR-{n}") for n, s in enumerate(sessions)])
    took = time.monotonic() - began
    assert [a["identificatie"] for a in answers] == ["PAR-0", "PAR-1", "PAR-2", "PAR-3"]
    assert 0.4 <= took < 1.2, took
    # A read is not held up by a write that is under way.
    slow = threading.Thread(target=sessions[0].create_zaak, args=("PAR-4",))
    slow.start()
    time.sleep(0.1)
    began = time.monotonic()
    assert sessions[1].get(ZAKEN, headers=CRS).status_code == 200
    assert time.monotonic() - began < 0.3
    slow.join()
    for session in sessions:
        session.close()


def test_two_resultaten_racing_for_one_zaak_give_one_201_and_one_500(
    sandbox: Sandbox, zgw: Zgw, checker: ContractChecker
) -> None:
    # resultaten-create-concurrent-duplicate-500: both pass the check for an existing resultaat while
    # the other's write is under way; the database's one-to-one refuses the second write.
    zaak = zgw.create_zaak("RACE-1")
    body = {"zaak": zaak["url"], "resultaattype": zgw.seed["resultaattypen"]["WMO-VOORZIENING"]["Afgewezen"]}
    answers = _race(sandbox, checker, "resultaten", body)
    assert sorted(a.status_code for a in answers) == [201, 500]
    loser = next(a for a in answers if a.status_code == 500).json()
    sample = json.loads((SAMPLES / "resultaten-create-concurrent-duplicate-500.json").read_text())["response"]["body"]
    assert {k: loser[k] for k in ("code", "title", "status", "detail")} == {
        k: sample[k] for k in ("code", "title", "status", "detail")
    }
    assert loser["type"].endswith("/ref/fouten/APIException/") and set(loser) == set(sample)
    assert zgw.get("/zaken/api/v1/resultaten", params={"zaak": zaak["url"]}).json()["count"] == 1
    # Without overlap, the check itself answers: 400 `unique`, as in resultaten-create-second-for-zaak-400.
    assert codes(zgw.post("/zaken/api/v1/resultaten", json=body)) == [("zaak", "unique")]


def test_two_statussen_racing_with_the_same_moment_give_one_500(
    sandbox: Sandbox, zgw: Zgw, checker: ContractChecker
) -> None:
    zaak = zgw.create_zaak("RACE-2")
    moment = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    body = {
        "zaak": zaak["url"],
        "statustype": zgw.seed["statustypen"]["WMO-VOORZIENING"]["Ontvangen"],
        "datumStatusGezet": moment,
    }
    answers = _race(sandbox, checker, "statussen", body)
    assert sorted(a.status_code for a in answers) == [201, 500]
    assert zgw.get("/zaken/api/v1/statussen", params={"zaak": zaak["url"]}).json()["count"] == 1


def test_two_end_statuses_racing_are_both_accepted_as_on_open_zaak(
    sandbox: Sandbox, zgw: Zgw, checker: ContractChecker
) -> None:
    # Nothing in Open Zaak's database forbids it (the note of resultaten-create-concurrent-duplicate-500).
    zaak = zgw.create_zaak("RACE-3")
    resultaat = {"zaak": zaak["url"], "resultaattype": zgw.seed["resultaattypen"]["WMO-VOORZIENING"]["Afgewezen"]}
    assert zgw.post("/zaken/api/v1/resultaten", json=resultaat).status_code == 201
    eind = zgw.seed["statustypen"]["WMO-VOORZIENING"]["Afgehandeld"]
    moments = [(datetime.now(UTC) - timedelta(seconds=n)).isoformat() for n in (2, 1)]
    sandbox.set_latency({"POST statussen": 0.3})
    sessions = [Zgw(sandbox, checker) for _ in range(2)]
    body = {"zaak": zaak["url"], "statustype": eind}
    answers = _at_once(
        [lambda s=s, m=m: s.post("/zaken/api/v1/statussen", json={**body, "datumStatusGezet": m}) for s, m in
         zip(sessions, moments, strict=True)]
    )  # fmt: skip
    for session in sessions:
        session.close()
    assert [a.status_code for a in answers] == [201, 201]
    assert zgw.read_zaak(zaak["url"])["einddatum"] is not None


def test_generated_identificaties_are_unique_under_concurrency(sandbox: Sandbox, checker: ContractChecker) -> None:
    results: list[int] = []

    def create() -> None:
        with Zgw(sandbox, checker) as session:
            for _ in range(10):
                body = {
                    "bronorganisatie": RSIN,
                    "verantwoordelijkeOrganisatie": RSIN,
                    "zaaktype": sandbox.seed["zaaktypen"]["WMO-VOORZIENING"],
                    "startdatum": "2026-01-05",
                }
                results.append(session.post(ZAKEN, json=body, headers=CRS).status_code)

    threads = [threading.Thread(target=create) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * 50
    with Zgw(sandbox, checker) as session:
        page = session.get(ZAKEN, headers=CRS).json()
    assert page["count"] == 50
    assert len({z["identificatie"] for z in page["results"]}) == 50
    assert all(z["identificatie"].startswith(f"ZAAK-{today().year}-") for z in page["results"])


# --- lists, ETags, expand ------------------------------------------------------------------------


def test_zaken_pages_are_100_newest_first(zgw: Zgw) -> None:
    for index in range(102):
        zgw.create_zaak(f"PAGE-{index:03d}")
    zaaktype = zgw.seed["zaaktypen"]["WMO-VOORZIENING"]
    first = zgw.get(ZAKEN, params={"zaaktype": zaaktype}, headers=CRS).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (102, 100, None)
    assert first["results"][0]["identificatie"] == "PAGE-101"
    assert first["results"][0]["_expand"] == {}
    assert first["next"] == f"{zgw.base_url}{ZAKEN}?page=2&zaaktype=" + requests.utils.quote(zaaktype, safe="")
    second = zgw.get(first["next"], headers=CRS).json()
    assert [z["identificatie"] for z in second["results"]] == ["PAGE-001", "PAGE-000"]
    assert second["previous"] == f"{zgw.base_url}{ZAKEN}?zaaktype=" + requests.utils.quote(zaaktype, safe="")
    assert zgw.get(ZAKEN, params={"page": 3}, headers=CRS).status_code == 404


def test_etag_with_strong_and_weak_validators(zgw: Zgw) -> None:
    zaak = zgw.create_zaak("ETAG-1")
    etag = zgw.get(zaak["url"], headers=CRS).headers["ETag"]
    for condition in (etag, "W/" + etag, f'"other", {etag}'):
        response = zgw.get(zaak["url"], headers={**CRS, "If-None-Match": condition})
        assert response.status_code == 304 and response.content == b""
        assert set(response.headers) & {"Content-Type", "API-version"} == set()
    zgw.patch(zaak["url"], json={"toelichting": "gewijzigd"}, headers=CRS)
    changed = zgw.get(zaak["url"], headers={**CRS, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    head = zgw.head(zaak["url"], headers=CRS)
    assert head.status_code == 200 and head.headers["ETag"] == changed.headers["ETag"] and head.content == b""


def test_expand_status_and_zaaktype(zgw: Zgw) -> None:
    zaak = zgw.create_zaak("EXPAND-1")
    statustype = zgw.seed["statustypen"]["WMO-VOORZIENING"]["Ontvangen"]
    body = {"zaak": zaak["url"], "statustype": statustype, "datumStatusGezet": "2026-01-05T09:00:00+01:00"}
    status = zgw.post("/zaken/api/v1/statussen", json=body).json()
    assert status["datumStatusGezet"] == "2026-01-05T08:00:00Z"
    data = zgw.get(zaak["url"], params={"expand": "status,status.statustype,zaaktype"}, headers=CRS).json()
    assert data["_expand"]["status"]["url"] == status["url"]
    assert data["_expand"]["status"]["_expand"]["statustype"]["omschrijving"] == "Ontvangen"
    assert data["_expand"]["zaaktype"]["identificatie"] == "WMO-VOORZIENING"
    bad = zgw.get(zaak["url"], params={"expand": "bestaatniet"}, headers=CRS)
    assert codes(bad) == [("expand", "invalid-expand-field")]


def test_catalogi_lists_hide_concepts_unless_asked(zgw: Zgw) -> None:
    catalogus = zgw.seed["catalogus"]
    default = zgw.get("/catalogi/api/v1/zaaktypen", params={"catalogus": catalogus}).json()
    assert sorted(z["identificatie"] for z in default["results"]) == [
        "JW-VOORZIENING",
        "RK-AANVRAAG",
        "WMO-VOORZIENING",
    ]
    concept = zgw.get("/catalogi/api/v1/zaaktypen", params={"status": "concept"}).json()
    assert [z["identificatie"] for z in concept["results"]] == ["WMO-CONCEPT"]
    assert zgw.get("/catalogi/api/v1/zaaktypen", params={"status": "alles"}).json()["count"] == 4
    bad = zgw.get("/catalogi/api/v1/zaaktypen", params={"status": "soms"})
    assert codes(bad) == [("status", "invalid_choice")]
    roltypen = zgw.get(
        "/catalogi/api/v1/roltypen",
        params={"zaaktype": zgw.seed["zaaktypen"]["JW-VOORZIENING"], "omschrijvingGeneriek": "initiator"},
    ).json()
    assert [r["url"] for r in roltypen["results"]] == [zgw.seed["roltypen"]["JW-VOORZIENING"]["initiator"]]
    catalogus_data = zgw.get(catalogus).json()
    assert catalogus_data["rsin"] == "002220647" and len(catalogus_data["zaaktypen"]) == 4


def test_new_informatieobjecttype_is_usable_once_published(zgw: Zgw) -> None:
    iot = zgw.post(
        "/catalogi/api/v1/informatieobjecttypen",
        json={
            "catalogus": zgw.seed["catalogus"],
            "omschrijving": "Verslag",
            "vertrouwelijkheidaanduiding": "intern",
            "beginGeldigheid": "2024-01-01",
            "informatieobjectcategorie": "Verslag",
        },
    ).json()
    body = {
        "bronorganisatie": RSIN,
        "creatiedatum": "2026-01-05",
        "titel": "Verslag",
        "auteur": "test",
        "taal": "dut",
        "informatieobjecttype": iot["url"],
    }
    assert codes(zgw.post(EIO, json=body)) == [("informatieobjecttype", "not-published")]
    assert zgw.post(iot["url"] + "/publish").json()["concept"] is False
    assert zgw.post(EIO, json=body).status_code == 201


# --- documents -----------------------------------------------------------------------------------


def document(zgw: Zgw, content: bytes = b"inhoud", **extra: Any) -> dict[str, Any]:
    body = {
        "bronorganisatie": RSIN,
        "creatiedatum": "2026-01-05",
        "titel": "Bijlage",
        "auteur": "test",
        "taal": "dut",
        "inhoud": base64.b64encode(content).decode(),
        "informatieobjecttype": zgw.seed["informatieobjecttypen"]["Bijlage"],
        **extra,
    }
    response = zgw.post(EIO, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_download_content_negotiation(zgw: Zgw) -> None:
    created = document(zgw, b"\x00\x01binary")
    for accept in ("*/*", "application/octet-stream", "application/*", "application/json, */*;q=0.1"):
        response = zgw.get(created["inhoud"], headers={"Accept": accept})
        assert response.status_code == 200 and response.content == b"\x00\x01binary"
        assert "API-version" not in response.headers
    refused = zgw.get(created["inhoud"], headers={"Accept": "application/json"})
    assert (refused.status_code, refused.content) == (406, b"application/octet-stream")


def test_lock_patch_unlock_sets_indicatie_gebruiksrecht(zgw: Zgw) -> None:
    created = document(zgw)
    assert created["indicatieGebruiksrecht"] is None
    assert codes(zgw.patch(created["url"], json={"indicatieGebruiksrecht": False})) == [("nonFieldErrors", "unlocked")]
    lock = zgw.post(created["url"] + "/lock").json()["lock"]
    assert codes(zgw.post(created["url"] + "/lock")) == [("nonFieldErrors", "existing-lock")]
    assert codes(zgw.patch(created["url"], json={"indicatieGebruiksrecht": False, "lock": "x"})) == [
        ("nonFieldErrors", "incorrect-lock-id")
    ]
    patched = zgw.patch(created["url"], json={"indicatieGebruiksrecht": False, "lock": lock})
    assert patched.status_code == 200
    assert (patched.json()["indicatieGebruiksrecht"], patched.json()["versie"]) == (False, 2)
    assert zgw.post(created["url"] + "/unlock", json={"lock": lock}).status_code == 204
    assert zgw.get(created["url"]).json()["locked"] is False


def test_bestandsdelen_rules(sandbox: Sandbox, zgw: Zgw) -> None:
    sandbox.set_chunk_size(4)
    created = document(zgw, inhoud=None, bestandsomvang=6)
    first, second = created["bestandsdelen"]
    wrong_lock = zgw.put(first["url"], files={"inhoud": ("a", b"abcd")}, data={"lock": "nope"})
    assert codes(wrong_lock) == [("nonFieldErrors", "incorrect-lock-id")]
    wrong_size = zgw.put(first["url"], files={"inhoud": ("a", b"abc")}, data={"lock": created["lock"]})
    assert codes(wrong_size) == [("nonFieldErrors", "file-size")]
    assert zgw.put(first["url"], files={"inhoud": ("a", b"abcd")}, data={"lock": created["lock"]}).status_code == 200
    incomplete = zgw.post(created["url"] + "/unlock", json={"lock": created["lock"]})
    assert codes(incomplete) == [("nonFieldErrors", "incomplete-upload")]
    assert zgw.put(second["url"], files={"inhoud": ("b", b"ef")}, data={"lock": created["lock"]}).status_code == 200
    assert zgw.post(created["url"] + "/unlock", json={"lock": created["lock"]}).status_code == 204
    assert zgw.get(created["url"] + "/download", headers={"Accept": "*/*"}).content == b"abcdef"


def test_a_chunked_request_body_is_read(zgw: Zgw, checker: ContractChecker) -> None:
    body = json.dumps(
        {
            "bronorganisatie": RSIN,
            "verantwoordelijkeOrganisatie": RSIN,
            "zaaktype": zgw.seed["zaaktypen"]["WMO-VOORZIENING"],
            "startdatum": "2026-01-05",
        }
    ).encode()
    with checker.tolerating_invalid_requests("a streamed body cannot be inspected after sending"):
        chunks = iter([body[:10], body[10:]])
        response = zgw.post(ZAKEN, data=chunks, headers={**CRS, "Content-Type": "application/json"})
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.status_code == 201, response.text


# --- notifications -------------------------------------------------------------------------------


def test_notifications_are_best_effort(sandbox: Sandbox, zgw: Zgw) -> None:
    sandbox.set_notification_callback("http://127.0.0.1:9/api/v1/notificaties")  # nobody listens on port 9
    zgw.create_zaak("NOTIFY-DOWN")
    [outcome] = sandbox.flush_notifications()
    assert "error" in outcome and outcome["message"]["resource"] == "zaak"


def test_notifications_with_a_static_authorization(checker: ContractChecker) -> None:
    receiver = Receiver()
    sandbox = start_sandbox(
        clients={CLIENT_ID: SECRET}, notification_callback=receiver.url, notification_auth="Token webhook-secret"
    )
    try:
        with Zgw(sandbox, checker) as session:
            session.create_zaak("NOTIFY-STATIC")
        [outcome] = sandbox.flush_notifications()
        assert outcome["status"] == 201
        assert receiver.received[0]["headers"]["Authorization"] == "Token webhook-secret"
    finally:
        sandbox.stop()
        receiver.stop()


# --- persistence and the command line ------------------------------------------------------------


def test_data_survives_a_restart_on_another_port(tmp_path: Path, checker: ContractChecker) -> None:
    data = tmp_path / "sandbox.json"
    first = start_sandbox(clients={CLIENT_ID: SECRET}, data_path=data)
    try:
        with Zgw(first, checker) as session:
            zaak = session.create_zaak("PERSIST-1")
    finally:
        first.stop()
    second = start_sandbox(clients={CLIENT_ID: SECRET}, data_path=data)
    try:
        with Zgw(second, checker) as session:
            found = session.get(ZAKEN, params={"identificatie": "PERSIST-1"}, headers=CRS).json()["results"]
            assert [z["uuid"] for z in found] == [zaak["uuid"]]
            assert found[0]["url"].startswith(second.base_url + "/")
            assert found[0]["zaaktype"] == second.seed["zaaktypen"]["WMO-VOORZIENING"]
            assert session.create_zaak()["identificatie"] == f"ZAAK-{today().year}-0000000001"
    finally:
        second.stop()


def test_seed_urls_do_not_depend_on_the_process() -> None:
    assert seed_urls("http://127.0.0.1:8001") == seed_urls("http://127.0.0.1:8001")
    assert seed_urls("http://127.0.0.1:8001")["apiRoots"]["zaken"] == "http://127.0.0.1:8001/zaken/api/v1/"


@pytest.mark.slow
def test_command_line(tmp_path: Path, checker: ContractChecker) -> None:
    env = {**os.environ, "ZGW_SANDBOX_SECRET": SECRET}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zgw_sandbox",
            "--port",
            "0",
            "--client-id",
            CLIENT_ID,
            "--data",
            str(tmp_path / "d.json"),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert info["baseUrl"].startswith("http://127.0.0.1:")
        assert set(info["zaaktypen"]) == {"WMO-VOORZIENING", "JW-VOORZIENING", "RK-AANVRAAG", "WMO-CONCEPT"}
        with requests.Session() as session:
            session.hooks["response"].append(checker.hook)
            response = session.get(info["zaaktypen"]["WMO-VOORZIENING"], auth=TokenAuth(), timeout=5)
        assert response.json()["identificatie"] == "WMO-VOORZIENING"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert (tmp_path / "d.json").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
