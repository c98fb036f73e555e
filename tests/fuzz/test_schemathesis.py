"""The product's own fuzzer: schemathesis against the live service, every check, in CI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from zgw_consumers.constants import APITypes
from zgw_consumers.models import Service

from regiekoppeling.constants import Rol
from regiekoppeling.demo import products_load
from regiekoppeling.tokens import make_token
from tests.conftest import Api, aanvraag_body, make_applicatie, pgb_line, zin_line

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261130
# Per operation and phase; with the examples and coverage phases this gives well over 1,000 cases (3,605 seen).
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
MIN_CASES = 1000
REPO = Path(__file__).resolve().parents[2]
HOOKS = "tests.fuzz.hooks"  # valid requests too, so the positive paths are reached
DOCUMENTEN_API = "https://documenten.example.nl/api/v1/"
POSITIVE_PATHS = (
    "POST /aanvragen 201",
    "POST /terugkoppelingen 201",
    "POST /beschikkingen 201",
    "POST /toewijzingen 201",
    "POST /toewijzingen/{uuid}/start 200",
    "POST /toewijzingen/{uuid}/stop 200",
    "POST /signalen 201",
    "POST /signalen/{uuid}/antwoord 200",
)


def bearer(api: Api) -> dict[str, str]:
    return {"name": "Authorization", "value": f"Bearer {make_token(api.credential.client_id, api.credential.secret)}"}


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_nothing(
    live_server: Any, settings: Any, gemeente: Any, andere_gemeente: Any, tmp_path: Path, requests_mock: Any
) -> None:
    settings.API_PUBLIC_URL = f"{live_server.url}/api/v1"
    # What the valid requests of hooks.py need: a Documenten API to refer to, a webhook host, a beheerder.
    settings.WEBHOOK_ALLOWED_HOSTS = ["regie.example.nl"]
    Service.objects.create(
        label="Documenten", slug="drc", api_type=APITypes.drc, api_root=DOCUMENTEN_API,
        client_id="fuzz", secret="fuzz-secret-of-the-documenten-api-0123",
    )  # fmt: skip
    # The live server runs in this process: the content of a referenced document comes from here, so a
    # download goes the whole way (an unreachable API is a 503, which the fuzzer counts as a server error).
    requests_mock.get(re.compile(re.escape(DOCUMENTEN_API) + r".*/download$"), content=b"%PDF-1.4 fuzz\n")
    products_load(gemeente=andere_gemeente)  # the productenboek is per gemeente
    regie = Api(make_applicatie("Regie", Rol.REGIE, [gemeente], "fuzz-regie"))
    andere = Api(make_applicatie("Regie Rotterdam", Rol.REGIE, [andere_gemeente], "fuzz-regie-0599"))
    backoffice = Api(make_applicatie("Backoffice", Rol.BACKOFFICE, [gemeente], "fuzz-backoffice"))
    privacy = Api(make_applicatie("Privacy", Rol.PRIVACY, [gemeente], "fuzz-privacy"))
    gemeente.productenboek_beheerder = backoffice.applicatie
    gemeente.save()
    for api in (regie, andere):
        body = aanvraag_body(zin_line(), pgb_line(), gemeente=api.applicatie.gemeenten.get().code)
        assert api.post("/api/v1/aanvragen", body).status_code == 201
    # Granted ZIN voorzieningen for the hooks' toewijzingen (the fuzzer's own beschikkingen come in an
    # order it chooses; these make the toewijzing step reachable every run).
    granted = []
    for n in range(3):
        aanvraag = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), regieReferentie=f"GRANTED-{n}")).json()
        terug = {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"}
        assert backoffice.post("/api/v1/terugkoppelingen", terug).status_code == 201
        line = aanvraag["voorzieningen"][0]["uuid"]
        beschikking = {
            "aanvraag": aanvraag["uuid"], "beschikkingnummer": 60000000 + n, "datum": "2026-11-20",
            "ingangsdatum": "2027-01-01", "regels": [{"voorziening": line, "uitkomst": "toegekend"}],
        }  # fmt: skip
        assert backoffice.post("/api/v1/beschikkingen", beschikking).status_code == 201
        granted.append(line)
    # Aanvragen the backoffice found verwerkbaar, for the hooks' beschikkingen: the fuzzer's own
    # terugkoppelingen come in an order it chooses (a change of the document changes its choices; one
    # run reached no beschikking at all), so the beschikking step has a target every run.
    # Submitted by a regieapplicatie the fuzzer does not act as: it cannot withdraw them first (one run did).
    indiener = Api(make_applicatie("Regie buiten de fuzzer", Rol.REGIE, [gemeente], "fuzz-regie-buiten"))
    verwerkbaar = []
    for n in range(3):
        aanvraag = indiener.post(
            "/api/v1/aanvragen", aanvraag_body(zin_line(), regieReferentie=f"VERWERKBAAR-{n}")
        ).json()
        terug = {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"}
        assert backoffice.post("/api/v1/terugkoppelingen", terug).status_code == 201
        verwerkbaar.append([aanvraag["uuid"], [v["uuid"] for v in aanvraag["voorzieningen"]]])
    auth = tmp_path / "auth.json"
    users = {"regie-0363": regie, "regie-0599": andere, "backoffice-0363": backoffice, "privacy-0363": privacy}
    headers = {n: bearer(a) for n, a in users.items()}
    auth.write_text(json.dumps({"auth": [{"name": n, "fixedHeaders": [h]} for n, h in headers.items()]}))
    roles = {"regie-0363": "regie", "regie-0599": "elders", "backoffice-0363": "backoffice", "privacy-0363": "privacy"}
    identities = json.dumps({h["value"]: roles[n] for n, h in headers.items()})
    report = tmp_path / "report"
    stats = tmp_path / "stats.json"
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run", f"{live_server.url}/api/v1/openapi.json",
         "--checks", "all", "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES),
         "--auth-wfc", str(auth), "--no-color", "--workers", "1",
         "--report", "ndjson", "--report-dir", str(report), "--generation-database", "none"],
        cwd=tmp_path, capture_output=True, text=True, timeout=1800,  # its cache stays out of the repository
        env={**os.environ, "PYTHONPATH": str(REPO), "SCHEMATHESIS_HOOKS": HOOKS, "FUZZ_STATS_FILE": str(stats), "FUZZ_IDENTITIES": identities, "FUZZ_POOL": json.dumps({"toegekend": granted, "verwerkbaar": verwerkbaar})},
    )  # fmt: skip
    print(run.stdout[-20000:])
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    generated = re.search(r"^\s*(\d+) generated, (\d+) passed", run.stdout, re.MULTILINE)
    assert generated is not None, run.stdout[-5000:]
    assert int(generated[1]) >= MIN_CASES and generated[1] == generated[2], generated[0]
    # The positive paths of the standard's steps were reached (hooks.py makes the valid requests).
    answered = json.loads(stats.read_text())
    print(json.dumps({k: v for k, v in answered.items() if k.startswith("valid") or k[-3] == "2"}, indent=1))
    for reached in POSITIVE_PATHS:
        assert answered.get(reached, 0) > 0, (reached, answered)
