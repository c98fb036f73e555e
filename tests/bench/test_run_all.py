"""`make bench` (bench/run_all.py): the contract check, RESULTS.md, the plots, and benchmarks not run.

No real benchmark runs here: the fixture JSONs in fixtures/ and the fake benchmarks in this directory
(never in run_all's registry) stand in for them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
import redis

from bench import charts, contract, isolation, report, run_all
from bench.machine import Commit

FIXTURES = Path(__file__).parent / "fixtures"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk; fails on anything that is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def run_info() -> report.RunInfo:
    return report.RunInfo(
        started=dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC),
        seconds=512.4,
        command="python -m bench.run_all --only intake,lists",
        commit=Commit(sha="0123456789abcdef0123456789abcdef01234567", dirty=False),
        machine={"nproc": "2", "CPU": "AMD EPYC", "RAM": "23.5 GiB", "kernel": "Linux 6.18"},
        versions={"Python": "3.12.1", "Django": "5.2.19", "PostgreSQL": "15.20", "Redis": "7.0.15"},
        busy_cores=0.034,
    )


# --- the contract --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["intake", "lists"])
def test_the_fixtures_keep_the_contract(name: str) -> None:
    assert contract.validate(fixture(name), benchmark=name) == []


DELETE = object()


def _break(path: str, value: Any) -> dict[str, Any]:
    """The intake fixture with the field at `path` (dots between keys and list indexes) set to `value`,
    or removed when `value` is DELETE."""
    data = copy.deepcopy(fixture("intake"))
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: Any = int(last) if last.isdigit() else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("aims", DELETE, "aims: missing"),
        ("title", "", "title: expected a non-empty string, got ''"),
        ("seconds", "12", "seconds: expected a number, got '12'"),
        ("seconds", -1, "seconds: negative (-1)"),
        ("started", "2026-11-30 13:10", "started: the time has no zone"),
        ("started", "yesterday", "started: not an ISO 8601 time: 'yesterday'"),
        ("benchmark", "lists", "benchmark: expected 'intake' (its id in the registry), got 'lists'"),
        ("tables.0.rows.1", [8, 190.5, 38.4], "tables[0].rows[1]: 3 cells for 4 columns"),
        ("tables.0.rows.2.1", {"a": 1}, "tables[0].rows[2][1]: expected a string, a number or null"),
        ("tables.1", {"title": "empty", "columns": [], "rows": []}, "tables[1].columns: a table needs at least one"),
        ("anchors.0.source", DELETE, "anchors[0].source: missing"),
        ("aims.0.met", "yes", "aims[0].met: expected true or false, got 'yes'"),
        ("aims.1.value", True, "aims[1].value: expected a number or null, got True"),
        ("plots.0.file", "../RESULTS.png", "plots[0].file: expected a plain file name ending in .png"),
        ("plots.0.file", "intake_latency.svg", "plots[0].file: expected a plain file name ending in .png"),
        ("plots.0.xscale", "logarithmic", "plots[0].xscale: expected one of linear, log, symlog"),
        ("plots.0.series.1.y", [19.0, 43.2], "plots[0].series[1]: x has 3 values, y has 2"),
        ("plots.0.series.0.x", [1, "8", 32], "plots[0].series[0].x[1]: expected a number, got '8'"),
        ("plots.0.series", [], "plots[0].series: a plot needs at least one series"),
        ("notes", "one line", "notes: expected a list, got str"),
        ("notes.1", 7, "notes[1]: expected a non-empty string, got 7"),
    ],
)
def test_a_broken_result_is_reported_by_its_field(path: str, value: Any, message: str) -> None:
    errors = contract.validate(_break(path, value), benchmark="intake")
    assert len(errors) == 1, errors
    assert errors[0].startswith(message)


def test_two_plots_of_one_result_cannot_share_a_file() -> None:
    data = fixture("intake")
    data["plots"].append(copy.deepcopy(data["plots"][0]))
    assert contract.validate(data, benchmark="intake") == [
        "plots[1].file: 'intake_latency.png' is used by an earlier plot"
    ]


def test_a_result_that_is_no_object_is_reported_as_such() -> None:
    assert contract.validate([], benchmark="intake") == ["the result: expected an object, got list"]


# --- RESULTS.md ----------------------------------------------------------------------------------


def test_results_md_has_the_header_the_aims_and_a_section_per_benchmark() -> None:
    outcomes = [
        report.Outcome(benchmark="intake", module="bench.aanvragen_load", result=fixture("intake"), busy_before=0.05),
        report.Outcome(
            benchmark="registration",
            module="bench.registration",
            reason="exited with status 1 (output: bench/results/run_all-x/registration.log)",
            log="bench/results/run_all-x/registration.log",
        ),
        report.Outcome(benchmark="lists", module="bench.lists", result=fixture("lists")),
    ]
    lines = report.render(run_info(), outcomes, plots_href="plots").splitlines()

    assert lines[0] == "# Benchmark results"
    header = lines.index("|  |  |")
    assert lines[header + 2 : header + 9] == [
        "| date | 2026-11-30 13:00 UTC, 512 s in all |",
        "| commit | 0123456789abcdef0123456789abcdef01234567 (clean) |",
        "| machine | nproc 2, CPU AMD EPYC, RAM 23.5 GiB, kernel Linux 6.18 |",
        "| versions | Python 3.12.1, Django 5.2.19, PostgreSQL 15.20, Redis 7.0.15 |",
        "| background load | 0.03 busy cores (of 2) over 2 s before the run |",
        "| command | `python -m bench.run_all --only intake,lists` |",
        "",
    ]

    summary = lines.index("## Aims")
    assert lines[summary + 2 : summary + 8] == [
        "| benchmark | aim | measured | result |",
        "|---|---|---|---|",
        "| intake | p95 < 50 ms at 8 clients | 43.20 ms | met |",
        "| intake | p95 < 100 ms at 32 clients | 160.0 ms | **NOT met** |",
        "| registration | - | - | **not run**: exited with status 1 (output: bench/results/run_all-x/registration.log) |",
        "| lists | every list p95 < 100 ms at 8 clients | - | **NOT met** |",
    ]
    # The summary comes before the sections, the sections in the order of the run.
    sections = [line for line in lines if line.startswith("## ")]
    assert sections == [
        "## Aims",
        "## intake: POST /api/v1/aanvragen under load",
        "## registration: not run",
        "## lists: Lists at a million voorzieningen",
    ]

    intake = lines.index("## intake: POST /api/v1/aanvragen under load")
    assert lines[intake + 2] == (
        "`python -m bench.aanvragen_load --short`, started 2026-11-30T13:10:00Z, 123.4 s."
        " Background before it: 0.05 busy cores."
    )
    assert not [line for line in lines if "isturbed" in line]  # 0.03 and 0.05 busy cores: quiet
    table = lines.index("### Requests at each concurrency level")
    assert lines[table + 2 : table + 7] == [
        "| clients | req/s | p50 ms | p95 ms |",
        "|---|---|---|---|",
        "| 1 | 55.20 | 16.10 | 19.00 |",
        "| 8 | 190.5 | 38.40 | 43.20 |",
        "| 32 | 201.0 | 150.2 | 160.0 |",
    ]
    cpu = lines.index("### CPU per request")
    assert lines[cpu + 4 : cpu + 7] == [
        "| 1 | 7.25 | 2.50 | quiet |",
        "| 8 | 8.00 | 2.75 | - |",
        "| 32 | 8.50 | 3.00 | a \\| b |",  # a pipe in a cell does not split it
    ]
    assert "| Open Zaak POST /zaken p95 at 8 clients | 392 ms | issue 13 |" in lines
    assert "| this service before issue 13, p95 at 8 clients | 115 | bench/README.md |" in lines
    assert "| p95 < 100 ms at 32 clients | 160.0 ms | **NOT met** |" in lines
    assert "![Latency against concurrency](plots/intake_latency.png)" in lines
    assert "- The CPU table shows gunicorn's share per request." in lines

    registration = lines.index("## registration: not run")
    assert lines[registration + 2] == (
        "`python -m bench.registration`: exited with status 1 (output: bench/results/run_all-x/registration.log)"
    )
    assert lines[registration + 4] == "Output: `bench/results/run_all-x/registration.log` (not committed)."

    lists = lines.index("## lists: Lists at a million voorzieningen")
    assert "| 1,000,000 | 8 | 0.35 |" in lines[lists:]
    assert "![Cost against data size](plots/lists_cost.png)" in lines[lists:]
    assert not [line for line in lines[lists:] if line.startswith("Anchors")]  # none given, none shown


def test_a_busy_machine_is_called_disturbed() -> None:
    info = run_info()
    info.busy_cores = 1.5
    outcome = report.Outcome(
        benchmark="intake", module="bench.aanvragen_load", result=fixture("intake"), busy_before=0.4
    )
    lines = report.render(info, [outcome]).splitlines()
    assert "**The machine was busy before the run (1.50 cores): every figure below is disturbed.**" in lines
    assert "**Disturbed: other work kept 0.40 cores busy before this benchmark.**" in lines


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        (True, "yes"),
        (7, "7"),
        (12345, "12,345"),
        (0.0, "0.00"),
        (3.14159, "3.14"),
        (0.012345, "0.0123"),
        (250.04, "250.0"),
        (12345.67, "12,345.7"),
        (float("nan"), "-"),
        ("p95", "p95"),
    ],
)
def test_numbers_are_written_as_people_read_them(value: Any, text: str) -> None:
    assert report.number(value) == text


# --- plots ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["intake", "lists"])  # linear axes; log axes with a missing point
def test_each_plot_is_a_png_of_real_size(name: str, tmp_path: Path) -> None:
    plot = fixture(name)["plots"][0]
    path = tmp_path / plot["file"]
    charts.draw(plot, path)
    assert png_size(path) == (770, 462)  # 7 x 4.2 inches at 110 dpi
    assert path.stat().st_size > 15_000  # axes, lines, labels; an empty canvas is ~3 kB


def test_draw_plots_writes_the_valid_results_and_removes_stale_pngs(tmp_path: Path) -> None:
    (tmp_path / "old_plot.png").write_bytes(PNG_SIGNATURE)
    intake = report.Outcome(benchmark="intake", module="bench.aanvragen_load", result=fixture("intake"))
    lists = report.Outcome(benchmark="lists", module="bench.lists", result=fixture("lists"))
    run_all.draw_plots([intake, lists], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake_latency.png", "lists_cost.png"]
    assert intake.ran and lists.ran


def test_a_plot_file_of_another_benchmark_makes_the_second_not_run(tmp_path: Path) -> None:
    intake = report.Outcome(benchmark="intake", module="bench.aanvragen_load", result=fixture("intake"))
    clashing = fixture("lists")
    clashing["plots"][0]["file"] = "intake_latency.png"
    lists = report.Outcome(benchmark="lists", module="bench.lists", result=clashing)
    run_all.draw_plots([intake, lists], tmp_path)
    assert intake.ran
    assert not lists.ran
    assert lists.reason == "its plot file intake_latency.png is also written by intake"


# --- which scripts make bench can run ------------------------------------------------------------


def test_only_options_in_the_usage_count() -> None:
    help_text = "usage: x.py [-h] [--rounds ROUNDS]\n            --json JSON\n\nRuns demo_setup --json and --short.\n"
    assert run_all.usage_options(help_text) == {"--rounds", "--json"}


@pytest.mark.slow  # starts Python processes
def test_contract_support_names_what_is_missing() -> None:
    env = dict(os.environ)
    assert run_all.contract_support(run_all.Benchmark("fake", "tests.bench.fake_bench"), env) is None
    assert run_all.contract_support(run_all.Benchmark("old", "tests.bench.fake_old_bench"), env) == (
        "tests.bench.fake_old_bench does not accept --short and --json yet (not in the usage its --help prints)"
    )
    assert run_all.contract_support(run_all.Benchmark("gone", "bench.no_such_bench"), env) == (
        "bench.no_such_bench does not exist"
    )


def test_the_registry_names_each_contract_id_once() -> None:
    ids = [bench.id for bench in run_all.REGISTRY]
    assert len(ids) == len(set(ids))
    assert set(ids) <= {"intake", "registration", "lists", "status_sync", "memory"}
    assert not [bench for bench in run_all.REGISTRY if not bench.module.startswith("bench.")]


def test_each_benchmark_database_is_named_after_the_run_s_and_its_id() -> None:
    assert isolation.bench_database_name("h13b_test", "intake") == "h13b_test_bench_intake"
    assert isolation.bench_database_name("regiekoppeling_bench", "lists") == "regiekoppeling_bench_lists"
    with pytest.raises(isolation.IsolationError):
        isolation.bench_database_name("x" * 60, "status_sync")  # longer than PostgreSQL's 63 characters


def test_redis_numbers_follow_the_url_within_the_server_s_databases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "redis_databases", lambda url: 16)
    assert run_all.redis_numbers("redis://127.0.0.1:6379/1", None, 4) == [1, 2, 3, 4]
    assert run_all.redis_numbers("redis://127.0.0.1:6379/14", None, 4) == [14, 15]  # then reused in turn
    assert run_all.redis_numbers("redis://127.0.0.1:6379/1", [7], 4) == [7]
    with pytest.raises(isolation.IsolationError, match=r"Redis has databases 0-15, not \[16\]"):
        run_all.redis_numbers("redis://127.0.0.1:6379/1", [3, 16], 2)


def test_redis_urls_keep_the_server_and_change_the_database() -> None:
    assert isolation.redis_urls("redis://127.0.0.1:6379/1", 4) == ("redis://127.0.0.1:6379/4",) * 2
    assert isolation.redis_urls("unix:///tmp/r/redis.sock?db=0", 3) == (
        "unix:///tmp/r/redis.sock?db=3",
        "redis+socket:///tmp/r/redis.sock?virtual_host=3",
    )
    assert isolation.redis_db("unix:///tmp/r/redis.sock?db=2") == 2
    assert isolation.redis_db("redis://127.0.0.1:6379") == 0


# --- the whole path, with fake benchmarks --------------------------------------------------------


def _database_exists(database_url: str, name: str) -> bool:
    server = isolation._with_database(database_url, "postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.mark.slow  # starts Python processes
def test_run_all_runs_the_fakes_and_reports_the_others_as_not_run(tmp_path: Path) -> None:
    database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    # run_all only uses an empty Redis database; this one is the test run's own (REDIS_URL).
    redis.Redis.from_url(redis_url).flushdb()
    db = isolation.redis_db(redis_url)
    registry = [
        run_all.Benchmark("fake", "tests.bench.fake_bench"),
        run_all.Benchmark("old", "tests.bench.fake_old_bench"),
        run_all.Benchmark("gone", "bench.no_such_bench"),
        run_all.Benchmark("fake_failing", "tests.bench.fake_bench"),
        run_all.Benchmark("fake_malformed", "tests.bench.fake_bench"),
        run_all.Benchmark("fake_silent", "tests.bench.fake_bench"),
    ]
    output, plots, results = tmp_path / "RESULTS.md", tmp_path / "plots", tmp_path / "results"
    argv = ["--output", str(output), "--plots", str(plots), "--results", str(results), "--redis-dbs", str(db)]

    status = run_all.main(argv, registry=registry)

    assert status == 1
    text = output.read_text()
    lines = text.splitlines()
    base = isolation.database_name(database_url)
    # The fake got a database and the Redis database of its own, and the short form.
    assert f"- database {base}_bench_fake" in lines
    own_redis, broker = isolation.redis_urls(redis_url, db)
    assert f"- REDIS_URL {own_redis}" in lines
    assert f"- CELERY_BROKER_URL {broker}" in lines
    assert "- short True" in lines
    assert "| fake | p95 < 50 ms at 8 clients | 40.00 ms | met |" in lines
    assert "| fake | p95 < 100 ms at 32 clients | 160.0 ms | **NOT met** |" in lines
    assert "![Latency against concurrency](plots/fake_latency.png)" in lines
    assert png_size(plots / "fake_latency.png") == (770, 462)
    assert sorted(p.name for p in plots.iterdir()) == ["fake_latency.png"]
    # ... and both were cleaned up afterwards, for every benchmark that got them.
    assert redis.Redis.from_url(own_redis).dbsize() == 0
    for name in ("fake", "fake_failing", "fake_malformed", "fake_silent"):
        assert not _database_exists(database_url, f"{base}_bench_{name}")

    run_dir = next(results.iterdir())
    expected = {
        "old": "tests.bench.fake_old_bench does not accept --short and --json yet (not in the usage its --help prints)",
        "gone": "bench.no_such_bench does not exist",
        "fake_failing": f"exited with status 3 (output: {os.path.relpath(run_dir / 'fake_failing.log', run_all.REPO)})",
        "fake_malformed": "its JSON breaks the contract: tables[0].rows[1]: 2 cells for 3 columns; aims: missing",
        "fake_silent": "exited with status 0 but wrote no fake_silent.json",
    }
    for benchmark, reason in expected.items():
        assert f"| {benchmark} | - | - | **not run**: {reason.replace('|', '\\|')} |" in lines, benchmark
    assert "fake_failing: giving up" in (run_dir / "fake_failing.log").read_text()
    assert json.loads((run_dir / "fake.json").read_text())["benchmark"] == "fake"


def test_a_benchmark_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    log = tmp_path / "slow.log"
    command = [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(120)"]
    clock = time.monotonic()
    assert run_all.execute(command, env=dict(os.environ), log_path=log, timeout=2) == "stopped after the timeout of 2 s"
    assert time.monotonic() - clock < 60  # SIGTERM ended it, not the sleep
    assert log.read_text() == "started\n"


@pytest.mark.slow  # starts Python processes
def test_a_process_left_behind_holding_the_output_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_all, "DRAIN_TIMEOUT", 1.0)
    leftover = "import time; time.sleep(60)"
    script = (
        "import subprocess, sys; "
        f"child = subprocess.Popen([sys.executable, '-c', {leftover!r}], start_new_session=True); "
        "print(child.pid, flush=True)"
    )
    log = tmp_path / "lingering.log"
    reason = run_all.execute([sys.executable, "-c", script], env=dict(os.environ), log_path=log, timeout=30)
    os.kill(int(log.read_text().split()[0]), signal.SIGKILL)
    assert reason == (
        "exited, but left a process running that still holds its output (it would disturb the next benchmark)"
    )


@pytest.mark.slow  # starts Python processes
def test_run_all_stopped_with_sigterm_stops_the_benchmark_and_drops_its_database(tmp_path: Path) -> None:
    database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    redis.Redis.from_url(redis_url).flushdb()  # the test run's own Redis database, as above
    script = (
        "import sys; from bench import run_all; sys.exit(run_all.main(sys.argv[1:], "
        "registry=[run_all.Benchmark('fake_slow', 'tests.bench.fake_bench')]))"
    )
    argv = ["--output", str(tmp_path / "R.md"), "--plots", str(tmp_path / "p"), "--results", str(tmp_path / "r")]
    argv += ["--redis-dbs", str(isolation.redis_db(redis_url))]
    name = isolation.bench_database_name(isolation.database_name(database_url), "fake_slow")
    proc = subprocess.Popen([sys.executable, "-c", script, *argv], cwd=run_all.REPO)
    try:
        started = ""
        deadline = time.monotonic() + 120
        while "pid" not in started and time.monotonic() < deadline:  # until the fake benchmark sleeps
            time.sleep(0.2)
            started = "".join(log.read_text() for log in (tmp_path / "r").glob("run_all-*/fake_slow.log"))
        assert _database_exists(database_url, name), started
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not psutil.pid_exists(int(started.split("pid ")[1]))
    assert not _database_exists(database_url, name)
    assert not (tmp_path / "R.md").exists()  # an interrupted run writes no report


def test_run_all_refuses_a_redis_database_that_is_not_empty(tmp_path: Path) -> None:
    redis_url = os.environ["REDIS_URL"]
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.set("someone-elses-key", "1")
    argv = ["--output", str(tmp_path / "R.md"), "--plots", str(tmp_path / "p"), "--results", str(tmp_path / "r")]
    argv += ["--redis-dbs", str(isolation.redis_db(redis_url))]

    status = run_all.main(argv, registry=[run_all.Benchmark("fake", "tests.bench.fake_bench")])

    assert status == 1
    assert client.get("someone-elses-key") == b"1"  # untouched
    assert f"Redis database {isolation.redis_db(redis_url)} holds 1 keys" in (tmp_path / "R.md").read_text()
    client.flushdb()


def test_run_all_without_the_servers_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL")
    assert run_all.main([], registry=[]) == 2
    assert "REDIS_URL not set; `make bench` starts embedded servers" in capsys.readouterr().err


def test_results_show_commands_and_paths_relative_to_the_repository() -> None:
    # RESULTS.md is committed: no path of the machine that ran the benchmarks may end up in it.
    absolute = f"python -m bench.lists --short --json {report.REPO}/bench/results/run_all-x/lists.json"
    assert report.shown(absolute) == "python -m bench.lists --short --json bench/results/run_all-x/lists.json"
    assert report.shown("python -m bench.lists --short") == "python -m bench.lists --short"
