#!/usr/bin/env python
"""`make bench`: every registered benchmark in its short form, then bench/RESULTS.md with plots.

Each benchmark runs as `python -m <module> --short --json <file>`, one after another, with a PostgreSQL
database and a Redis database of its own (created and dropped here, see bench/isolation.py). Its JSON
is checked against the contract (bench/contract.py); RESULTS.md gets a header (machine, versions,
commit, date, background load), a summary of every aim and one section per benchmark, and the plots
go to bench/plots/. A benchmark that does not exist, does not accept `--short`/`--json` yet, fails, or
writes a result that breaks the contract is reported as "not run: <reason>" and makes the exit status
1. Run outputs (logs, the JSON files) stay in bench/results/run_all-<UTC time>/ (git-ignored).

    make bench                                  # the launcher's embedded servers unless the URLs are set
    make bench BENCH_ARGS="--only intake,lists"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regiekoppeling_bench \\
    REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python -m bench.run_all
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as bench/run_all.py
    sys.path.insert(0, str(REPO))

from bench import charts, contract, isolation, machine  # noqa: E402 - needs the repository on sys.path
from bench.report import Outcome, RunInfo, render  # noqa: E402

HELP_TIMEOUT = 120.0  # `--help` imports the script; slow on a loaded machine, never minutes
STOP_GRACE = 20.0  # seconds between SIGTERM and SIGKILL for a benchmark that overran
DRAIN_TIMEOUT = 10.0  # seconds to read what is left of its output after it exited


@dataclass(frozen=True)
class Benchmark:
    id: str  # the `benchmark` field of its JSON
    module: str  # run as `python -m <module>`


# In the order they run: the million-row load last, so it cannot slow the others.
REGISTRY = [
    Benchmark("intake", "bench.aanvragen_load"),
    Benchmark("registration", "bench.registration"),
    Benchmark("status_sync", "bench.status_sync"),
    Benchmark("lists", "bench.lists"),
    Benchmark("memory", "bench.memory"),
]


def parse_args(argv: list[str], registry: list[Benchmark]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run_all", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ids = [bench.id for bench in registry]
    parser.add_argument("--only", help=f"comma-separated ids to run (default all: {','.join(ids)})")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "RESULTS.md", help="the report")
    parser.add_argument("--plots", type=Path, default=REPO / "bench" / "plots", help="directory of the PNGs")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results", help="run outputs (logs, JSON)")
    parser.add_argument(
        "--redis-dbs",
        help="Redis database numbers for the benchmarks, in turn (default: the one in REDIS_URL and the next "
        "ones); each must be empty and is emptied after its benchmark, so a shorter list is reused",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per benchmark (default 900)")
    args = parser.parse_args(argv)
    wanted = [part for part in (args.only or "").split(",") if part] or ids
    unknown = sorted(set(wanted) - set(ids))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)} (known: {', '.join(ids)})")
    args.selected = [bench for bench in registry if bench.id in wanted]
    try:
        args.redis_list = [int(part) for part in args.redis_dbs.split(",")] if args.redis_dbs else None
    except ValueError:
        parser.error(f"--redis-dbs: expected numbers separated by commas, got {args.redis_dbs!r}")
    return args


def redis_numbers(redis_url: str, given: list[int] | None, count: int) -> list[int]:
    limit = isolation.redis_databases(redis_url)
    base = isolation.redis_db(redis_url)
    numbers = given or [db for db in range(base, base + max(count, 1)) if db < limit] or [base]
    out_of_range = [db for db in numbers if not 0 <= db < limit]
    if out_of_range:
        raise isolation.IsolationError(f"Redis has databases 0-{limit - 1}, not {out_of_range}")
    return numbers


def contract_support(bench: Benchmark, env: dict[str, str]) -> str | None:
    """Why `bench` cannot be run by make bench, or None when it exists and takes --short and --json."""
    if importlib.util.find_spec(bench.module) is None:
        return f"{bench.module} does not exist"
    try:
        done = subprocess.run(
            [sys.executable, "-m", bench.module, "--help"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=HELP_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"`python -m {bench.module} --help` did not answer within {HELP_TIMEOUT:.0f} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`python -m {bench.module} --help` failed with status {done.returncode}: {last}"
    missing = [option for option in ("--short", "--json") if option not in usage_options(done.stdout)]
    if missing:
        return f"{bench.module} does not accept {' and '.join(missing)} yet (not in the usage its --help prints)"
    return None


def usage_options(help_text: str) -> set[str]:
    """The long options in argparse's usage paragraph (the description below it may mention any
    option, e.g. another command's `--json`)."""
    usage = help_text.split("\n\n", 1)[0]
    return set(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)", usage))


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """SIGTERM to the benchmark's session (its own children with it), SIGKILL after STOP_GRACE."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _tee(stream: IO[str], log: IO[str]) -> None:
    try:
        for line in stream:
            sys.stdout.write(line)
            sys.stdout.flush()
            log.write(line)
            log.flush()  # a live log: `tail -f` while a long benchmark runs
    except (ValueError, OSError):  # the log was closed: execute() gave up on a lingering process
        return


def execute(command: list[str], *, env: dict[str, str], log_path: Path, timeout: float) -> str | None:
    """Runs one benchmark with its output shown and logged; the reason when it did not finish well."""
    with log_path.open("w") as log:
        # A session of its own: a timeout or our own stop can end it with whatever it started.
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        # A thread reads, so that a process the benchmark left behind holding the pipe cannot hang us.
        reader = threading.Thread(target=_tee, args=(proc.stdout, log), daemon=True)
        reader.start()
        overran = False
        try:
            status = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            overran = True
            _stop_group(proc)
            status = proc.wait()
        finally:
            if proc.poll() is None:  # we are being stopped ourselves
                _stop_group(proc)
        reader.join(DRAIN_TIMEOUT)
        lingering = reader.is_alive()
    if overran:
        return f"stopped after the timeout of {timeout:.0f} s"
    if status != 0:
        return f"exited with status {status}"
    if lingering:
        return "exited, but left a process running that still holds its output (it would disturb the next benchmark)"
    return None


def read_result(path: Path, bench: Benchmark) -> tuple[dict[str, Any] | None, str]:
    if not path.exists():
        return None, f"exited with status 0 but wrote no {path.name}"
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        return None, f"its JSON is not valid JSON: {error}"
    errors = contract.validate(data, benchmark=bench.id)
    if errors:
        return None, "its JSON breaks the contract: " + "; ".join(errors)
    return data, ""


def run_benchmark(
    bench: Benchmark, *, base_env: dict[str, str], redis_db: int, run_dir: Path, timeout: float
) -> Outcome:
    outcome = Outcome(benchmark=bench.id, module=bench.module)
    reason = contract_support(bench, base_env)
    if reason:
        outcome.reason = reason
        return outcome
    try:
        own = isolation.prepare(
            database_url=base_env["DATABASE_URL"], redis_url=base_env["REDIS_URL"], benchmark=bench.id, db=redis_db
        )
    except isolation.IsolationError as error:
        outcome.reason = str(error)
        return outcome
    outcome.busy_before = machine.busy_cores(2.0)
    json_path, log_path = run_dir / f"{bench.id}.json", run_dir / f"{bench.id}.log"
    outcome.log = os.path.relpath(log_path, REPO)
    command = [sys.executable, "-m", bench.module, "--short", "--json", str(json_path)]
    print(f"\n=== {bench.id}: {shlex.join(command)}", flush=True)
    print(f"    database {own.database_name}, Redis database {own.redis_db}", flush=True)
    try:
        failure = execute(command, env={**base_env, **own.as_env()}, log_path=log_path, timeout=timeout)
    finally:
        isolation.release(own, database_url=base_env["DATABASE_URL"])
    if failure:
        outcome.reason = f"{failure} (output: {outcome.log})"
        return outcome
    outcome.result, outcome.reason = read_result(json_path, bench)
    return outcome


def draw_plots(outcomes: list[Outcome], directory: Path) -> None:
    """Draws every valid result's plots; a plot that clashes with another benchmark's file name, or
    that matplotlib refuses, turns its benchmark into "not run" rather than losing the report."""
    directory.mkdir(parents=True, exist_ok=True)
    owners: dict[str, str] = {}
    written: list[Path] = []
    for outcome in outcomes:
        if outcome.result is None:
            continue
        clash = [plot["file"] for plot in outcome.result["plots"] if plot["file"] in owners]
        if clash:
            outcome.reason = f"its plot file {clash[0]} is also written by {owners[clash[0]]}"
            outcome.result = None
            continue
        paths = [directory / plot["file"] for plot in outcome.result["plots"]]
        try:
            for plot, path in zip(outcome.result["plots"], paths, strict=True):
                charts.draw(plot, path)
        except (ValueError, TypeError, OverflowError) as error:
            outcome.reason = f"its plot could not be drawn: {error}"
            outcome.result = None
            continue
        written += paths
        owners.update((path.name, outcome.benchmark) for path in paths)
    charts.remove_stale(directory, written)


def run_info(argv: list[str], env: dict[str, str], started: dt.datetime) -> RunInfo:
    versions = machine.package_versions()
    versions["PostgreSQL"] = isolation.postgres_version(env["DATABASE_URL"])
    versions["Redis"] = isolation.redis_version(env["REDIS_URL"])
    return RunInfo(
        started=started,
        seconds=0.0,
        command=shlex.join(["python", "-m", "bench.run_all", *argv]),
        commit=machine.commit(),
        machine=machine.machine(),
        versions=versions,
        busy_cores=machine.busy_cores(2.0),
    )


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # The launcher forwards SIGTERM; unwinding drops the databases and stops the running benchmark.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None, registry: list[Benchmark] = REGISTRY) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv, registry)
    env = dict(os.environ)
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not env.get(name)]
    if missing:
        print(f"error: {' and '.join(missing)} not set; `make bench` starts embedded servers", file=sys.stderr)
        return 2
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return _run(args, argv, env)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace, argv: list[str], env: dict[str, str]) -> int:
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    info = run_info(argv, env, started)  # the commit is read before RESULTS.md is rewritten
    try:
        dbs = redis_numbers(env["REDIS_URL"], args.redis_list, len(args.selected))
    except isolation.IsolationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    run_dir = args.results / f"run_all-{started:%Y%m%dT%H%M%SZ}"
    run_dir.mkdir(parents=True, exist_ok=True)
    print(f"run_all: {len(args.selected)} benchmarks, outputs in {run_dir}", flush=True)
    outcomes = []
    for index, bench in enumerate(args.selected):
        outcome = run_benchmark(
            bench, base_env=env, redis_db=dbs[index % len(dbs)], run_dir=run_dir, timeout=args.timeout
        )
        if not outcome.ran:
            print(f"run_all: {bench.id} not run: {outcome.reason}", flush=True)
        outcomes.append(outcome)
    draw_plots(outcomes, args.plots)
    info.seconds = time.monotonic() - clock
    args.output.write_text(render(info, outcomes, plots_href=os.path.relpath(args.plots, args.output.parent)))
    not_run = [outcome.benchmark for outcome in outcomes if not outcome.ran]
    print(f"\nrun_all: wrote {args.output} and {args.plots}/; not run: {', '.join(not_run) or 'none'}")
    return 1 if not_run else 0


if __name__ == "__main__":
    sys.exit(main())
