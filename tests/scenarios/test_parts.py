"""The player's parts that need no server: the WMO315 template against the official XSD, the test
BSNs, the assertion helper, the table, and the command's failure exit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jwt
import pytest
import requests

from acceptance import __main__ as cli
from acceptance import scenarios
from regiekoppeling.iwmo import BerichtType, parse_verzoek
from regiekoppeling.rules import bsn_problem

DATES = scenarios.Dates.from_today(dt.date(2026, 11, 28))


def test_wmo315_template_validates_against_the_official_xsd() -> None:
    cli = scenarios.client("999990007", "Kok", geboortedatum="1956-09-30", geslacht="1")
    xml = scenarios.wmo315(
        gemeente="0363", cli=cli, dates=DATES, referenties=("RA-1", "RA-2"), identificatie="S7ABCD1234"
    )

    verzoek = parse_verzoek(xml)  # safe parse, official 3.2 XSD, content rules

    assert verzoek.berichttype == BerichtType.WMO315
    assert (verzoek.header.gemeente, verzoek.header.aanbieder) == ("0363", scenarios.AANBIEDER)
    assert verzoek.client.bsn == "999990007"
    assert [p.referentie_aanbieder for p in verzoek.producten] == ["RA-1", "RA-2"]
    assert [(p.product.categorie, p.product.code) for p in verzoek.producten if p.product] == [
        ("02", "02A01"),
        ("07", "07A01"),
    ]
    assert all(
        p.ingangsdatum == dt.date(2027, 1, 1) and p.einddatum == dt.date(2027, 12, 31) for p in verzoek.producten
    )


def test_test_bsns_are_distinct_valid_and_in_the_test_range() -> None:
    series = scenarios.bsn_series(scenarios.BSN_LAST - 30)  # wraps around the end of the range
    bsns = [next(series) for _ in range(12)]

    assert len(set(bsns)) == 12
    assert all(scenarios.BSN_FIRST <= int(b) <= scenarios.BSN_LAST for b in bsns)
    assert all(bsn_problem(b) is None for b in bsns)  # the service's own elfproef agrees
    assert bsn_problem(scenarios.NOT_A_BSN) is not None
    assert scenarios.Dates.from_today().start > dt.date.today()


def _response(status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = requests.compat.json.dumps(body).encode()
    response.request = requests.Request("GET", "http://x/api/v1/aanvragen/1").prepare()
    return response


def test_a_step_names_itself_and_what_differs() -> None:
    result = scenarios.Result("S0", "test")
    sc = scenarios.Scenario.__new__(scenarios.Scenario)
    sc.result, sc._steps = result, []

    assert sc.expect("read it", _response(200, {"a": {"b": [1, 2]}}), 200, {"a.b.1": 2})["a"] == {"b": [1, 2]}
    with pytest.raises(scenarios.StepFailed, match=r"step 'read it again': .*a\.b\.0 = 1, expected 5"):
        sc.expect("read it again", _response(200, {"a": {"b": [1, 2]}}), 200, {"a.b.0": 5})
    with pytest.raises(scenarios.StepFailed, match="expected HTTP 201, got 400"):
        sc.expect("create", _response(400, {"title": "nee"}), 201)
    assert result.steps == 3


def test_table_lists_every_scenario_and_the_failures() -> None:
    results = [
        scenarios.Result("S1", "ZIN", steps=7, seconds=1.25, notes=["zaak RK-1"]),
        scenarios.Result("S2", "PGB", steps=2, outcome="FAIL", failure="step 'x': expected HTTP 201, got 500"),
    ]
    table = scenarios.format_table(results)

    assert "S1  ZIN" in table and "1.2 s" in table
    assert "1 ok, 1 failed, 0 skipped" in table
    assert "S2 FAIL: step 'x': expected HTTP 201, got 500" in table
    assert "S1: zaak RK-1" in table


def test_command_reads_the_demo_file_and_fails_when_the_server_is_unreachable(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo.json"
    demo.write_text(
        json.dumps(
            {
                "applicaties": [
                    {"clientId": "demo-regie", "secret": "r" * 40},
                    {"clientId": "demo-backoffice", "secret": "b" * 40},
                ]
            }
        )
    )
    argv = ["--demo", str(demo), "play", "--base-url", "http://127.0.0.1:9/api/v1", "--only", "S1", "--timeout", "1"]

    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert "S1  ZIN-voorziening" in captured.out and "FAIL" in captured.out and "HTTP error" in captured.out
    assert "1 scenario(s) failed: S1" in captured.err


def test_command_names_the_missing_secret(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--demo", str(tmp_path / "none.json"), "token", "demo-regie"]) == 2
    assert "no secret for demo-regie" in capsys.readouterr().err


def test_token_command_signs_with_the_demo_secret(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo.json"
    demo.write_text(json.dumps({"applicaties": [{"clientId": "demo-regie", "secret": "s" * 40}]}))

    assert cli.main(["--demo", str(demo), "token"]) == 0
    token = capsys.readouterr().out.strip()
    assert jwt.decode(token, "s" * 40, algorithms=["HS256"])["client_id"] == "demo-regie"


def test_a_scenario_whose_zaak_is_wrong_fails_though_its_api_answers_were_right() -> None:
    config = scenarios.Config(
        base_url="http://127.0.0.1:9/api/v1",
        regie=scenarios.Party("r", "r" * 40),
        backoffice=scenarios.Party("b", "b" * 40),
    )
    seen: list[str] = []

    def wrong(since: str) -> list[str]:
        seen.append(since)
        return ["RK-1: 2 eindstatussen"]

    player = scenarios.Player(config, zaak_check=wrong)
    result = player.play_one("SX", "passes on the API", lambda sc: sc.check("a step", True, ""))

    assert (result.outcome, result.failure) == ("FAIL", "step 'zaak history in the ZGW APIs': RK-1: 2 eindstatussen")
    assert len(seen) == 1 and seen[0].endswith("Z")
    fine = scenarios.Player(config, zaak_check=lambda since: []).play_one("SY", "ok", lambda sc: None)
    assert fine.outcome == "ok"
