"""The contract checker itself: real Open Zaak 1.30 traffic passes (its deviations from the documents are
exactly the listed quirks), and a drifted exchange is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zgw_sandbox.contract import QUIRKS, RESPONSE_RULES, ContractChecker, ContractViolation, Exchange, shared_dir

SAMPLES = shared_dir() / "zgw-samples"
# Open Zaak accepts these GETs without Content-Crs; zaken-1.5.1.yaml requires the header on every /zaken call
REQUEST_NOT_IN_STANDARD = {
    "zaken-head-200.json",
    "zaken-list-by-zaaktype-page1-200.json",
    "zaken-read-after-same-datum-statuses-200.json",
    "zaken-read-closed-200.json",
    "zaken-read-expand-status-200.json",
    "zaken-read-if-none-match-304.json",
    "zaken-read-if-none-match-stale-200.json",
}


def sample_exchange(path: Path) -> Exchange:
    sample = json.loads(path.read_text())
    request, response = sample["request"], sample["response"]
    body = request["body"]
    request_body = None if body is None or "_note" in body else json.dumps(body).encode()
    content = response["body"]
    if response["headers"].get("content-type") == "application/json":
        response_body = json.dumps(content).encode() if content is not None else b""
    else:
        response_body = (content or "").encode()
    return Exchange(
        request["method"], request["url"], request["headers"], request_body,
        response["status"], response["headers"], response_body,
    )  # fmt: skip


def api_samples() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*.json") if not p.name.startswith("notificatie-"))


@pytest.mark.parametrize("path", api_samples(), ids=lambda p: p.stem)
def test_open_zaak_traffic_passes(checker: ContractChecker, path: Path) -> None:
    exchange = sample_exchange(path)
    if path.name in REQUEST_NOT_IN_STANDARD:
        with pytest.raises(ContractViolation, match="Content-Crs"):
            checker.check(exchange)
        with checker.tolerating_invalid_requests("Open Zaak accepts GET /zaken without Content-Crs"):
            checker.check(exchange)
    else:
        checker.check(exchange)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("notificatie-*.json")), ids=lambda p: p.stem)
def test_open_zaak_notifications_pass(checker: ContractChecker, path: Path) -> None:
    request = json.loads(path.read_text())["request"]
    checker.check_notification(request["url"], request["headers"], json.dumps(request["body"]).encode())


def test_every_quirk_names_an_existing_sample() -> None:
    for quirk in QUIRKS:
        for name in quirk.evidence.split(", "):
            assert (SAMPLES / name.split(" ")[0]).exists(), quirk.name
    assert set(RESPONSE_RULES) == {
        "errors-as-application-json",
        "not-modified",
        "head-without-body",
        "download-406-text",
        "undocumented-error-status",
        "method-not-allowed",
    }


def drifted(name: str, change: Any) -> Exchange:
    exchange = sample_exchange(SAMPLES / name)
    body = json.loads(exchange.response_body)
    change(body)
    exchange.response_body = json.dumps(body).encode()
    return exchange


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("zaken-create-201.json", lambda b: b.pop("uuid"), "'uuid' is a required property"),
        ("zaken-create-201.json", lambda b: b.update(startdatum="28-11-2026"), "startdatum"),
        ("zaken-create-201.json", lambda b: b.update(archiefstatus="weg"), "archiefstatus"),
        ("statussen-create-201.json", lambda b: b.update(indicatieLaatstGezetteStatus="ja"), "indicatieLaatst"),
        ("rollen-create-natuurlijk-persoon-201.json", lambda b: b.update(betrokkeneType="burger"), "betrokkeneType"),
        ("zaken-create-duplicate-identificatie-400.json", lambda b: b.pop("invalidParams"), "invalidParams"),
        ("enkelvoudiginformatieobjecten-create-201.json", lambda b: b.update(versie="1"), "versie"),
        ("catalogi-zaaktype-read-200.json", lambda b: b.update(statustypen="x"), "statustypen"),
        ("zaken-create-201.json", lambda b: b.update(zaakStatus="open"), "undocumented field body.zaakStatus"),
        (
            "rollen-create-natuurlijk-persoon-201.json",
            lambda b: b["betrokkeneIdentificatie"].update(bsn="1"),
            "undocumented field body.betrokkeneIdentificatie.bsn",
        ),
        (
            "statussen-list-by-zaak-200.json",
            lambda b: b["results"][0].update(laatste=True),
            r"undocumented field body.results\[0\].laatste",
        ),
    ],
)
def test_drifted_responses_are_reported(checker: ContractChecker, name: str, change: Any, message: str) -> None:
    with pytest.raises(ContractViolation, match=message):
        checker.check(drifted(name, change))


def test_an_accepted_invalid_request_is_reported(checker: ContractChecker) -> None:
    exchange = sample_exchange(SAMPLES / "zaken-create-201.json")
    request = json.loads(exchange.request_body or b"{}")
    request["vertrouwelijkheidaanduiding"] = "heel_geheim"
    exchange.request_body = json.dumps(request).encode()
    with pytest.raises(ContractViolation, match="request does not match"):
        checker.check(exchange)


def test_a_misspelt_request_field_is_reported(checker: ContractChecker) -> None:
    # the server ignores an unknown field (DRF does), so without this check the value would be lost silently
    exchange = sample_exchange(SAMPLES / "rollen-create-natuurlijk-persoon-201.json")
    request = json.loads(exchange.request_body or b"{}")
    request["betrokkeneIdentificatie"]["geboorteDatum"] = "2000-01-01"
    exchange.request_body = json.dumps(request).encode()
    with pytest.raises(ContractViolation, match=r"undocumented field body\.betrokkeneIdentificatie\.geboorteDatum"):
        checker.check(exchange)


def test_a_rejected_invalid_request_passes_unless_strict(checker: ContractChecker) -> None:
    exchange = sample_exchange(SAMPLES / "zaken-create-without-crs-headers-412.json")
    checker.check(exchange)  # invalid on purpose, and the server said so
    strict = ContractChecker(checker.directory, strict_requests=True)
    with pytest.raises(ContractViolation, match="Accept-Crs"):
        strict.check(exchange)


def test_unknown_paths_are_reported(checker: ContractChecker) -> None:
    exchange = sample_exchange(SAMPLES / "zaken-read-not-found-404.json")
    exchange.url = "http://127.0.0.1:8000/foo/api/v1/bar"
    with pytest.raises(ContractViolation, match="not a path of any ZGW API document"):
        checker.check(exchange)


def test_drifted_notification_is_reported(checker: ContractChecker) -> None:
    request = json.loads((SAMPLES / "notificatie-zaak-create.json").read_text())["request"]
    body = {**request["body"], "actie": None}
    with pytest.raises(ContractViolation):
        checker.check_notification(request["url"], request["headers"], json.dumps(body).encode())
