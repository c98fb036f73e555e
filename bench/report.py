"""bench/RESULTS.md: the results of one `make bench` run as Markdown.

A header with where and what was measured, a summary of every aim, then one section per benchmark
(its tables, the anchors beside them, its aims, its plots and notes). A benchmark that was not run
keeps its section, with the reason, so a missing figure is never silent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.machine import Commit

REPO = Path(__file__).resolve().parent.parent


def shown(text: object) -> str:
    """A command or path as committed in RESULTS.md: relative to the repository, never this machine's root."""
    return str(text).replace(f"{REPO}/", "")


# Above this many busy cores before a run, its figures measure the neighbours too (bench/README.md).
DISTURBED = 0.25


@dataclass
class Outcome:
    """One registered benchmark in one run: its valid result, or why there is none."""

    benchmark: str
    module: str
    result: dict[str, Any] | None = None
    reason: str = ""  # why it was not run (or did not deliver a valid result)
    log: str | None = None  # its output, relative to the repository
    busy_before: float | None = None  # busy cores in the 2 s before it started

    @property
    def ran(self) -> bool:
        return self.result is not None


@dataclass
class RunInfo:
    started: dt.datetime
    seconds: float
    command: str
    commit: Commit
    machine: dict[str, str]
    versions: dict[str, str]
    busy_cores: float
    notes: list[str] = field(default_factory=list)


def number(value: Any) -> str:
    """A cell as people read it: ints as they are (thousands separated from 10,000), floats with the
    precision their size deserves, null as a hyphen."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        size = abs(value)
        if size >= 100:
            return f"{value:,.1f}" if size >= 10_000 else f"{value:.1f}"
        if size >= 1 or size == 0:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def cell(value: Any) -> str:
    return number(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: Iterable[Any], rows: Iterable[Iterable[Any]]) -> list[str]:
    header = [cell(column) for column in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return lines


def measured(aim: dict[str, Any]) -> str:
    return "-" if aim["value"] is None else f"{number(aim['value'])} {aim['unit']}"


def verdict(aim: dict[str, Any]) -> str:
    return "met" if aim["met"] else "**NOT met**"


def _header(info: RunInfo) -> list[str]:
    machine = ", ".join(f"{key} {value}" for key, value in info.machine.items())
    versions = ", ".join(f"{key} {value}" for key, value in info.versions.items())
    cores = info.machine.get("nproc", "?")
    rows = [
        ("date", f"{info.started:%Y-%m-%d %H:%M} UTC, {info.seconds:.0f} s in all"),
        ("commit", info.commit.describe()),
        ("machine", machine),
        ("versions", versions),
        ("background load", f"{info.busy_cores:.2f} busy cores (of {cores}) over 2 s before the run"),
        ("command", f"`{shown(info.command)}`"),
    ]
    return [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/run_all.py`) from one run on one machine; run it again instead of",
        "editing. What each benchmark does and how to read it: `bench/README.md`.",
        "",
        *markdown_table(["", ""], rows),
    ]


def _summary(outcomes: list[Outcome]) -> list[str]:
    rows: list[list[str]] = []
    for outcome in outcomes:
        if outcome.result is None:
            rows.append([outcome.benchmark, "-", "-", f"**not run**: {outcome.reason}"])
            continue
        if not outcome.result["aims"]:
            rows.append([outcome.benchmark, "(no aim)", "-", "-"])
        for aim in outcome.result["aims"]:
            rows.append([outcome.benchmark, aim["aim"], measured(aim), verdict(aim)])
    return ["## Aims", "", *markdown_table(["benchmark", "aim", "measured", "result"], rows)]


def _section(outcome: Outcome, plots_href: str) -> list[str]:
    result = outcome.result
    if result is None:
        lines = [f"## {outcome.benchmark}: not run", "", f"`python -m {outcome.module}`: {outcome.reason}"]
        if outcome.log:
            lines += ["", f"Output: `{shown(outcome.log)}` (not committed)."]
        return lines
    lines = [
        f"## {outcome.benchmark}: {result['title']}",
        "",
        f"`{shown(result['command'])}`, started {result['started']}, {number(float(result['seconds']))} s.",
    ]
    if outcome.busy_before is not None:
        lines[-1] += f" Background before it: {outcome.busy_before:.2f} busy cores."
        if outcome.busy_before > DISTURBED:
            lines += ["", f"**Disturbed: other work kept {outcome.busy_before:.2f} cores busy before this benchmark.**"]
    for table in result["tables"]:
        lines += ["", f"### {table['title']}", "", *markdown_table(table["columns"], table["rows"])]
    if result["anchors"]:
        lines += ["", "Anchors, to read our figures against:", ""]
        anchors = [[a["what"], a["value"], a["source"]] for a in result["anchors"]]
        lines += markdown_table(["anchor", "value", "source"], anchors)
    if result["aims"]:
        lines += ["", "Aims:", ""]
        lines += markdown_table(
            ["aim", "measured", "result"], [[a["aim"], measured(a), verdict(a)] for a in result["aims"]]
        )
    for plot in result["plots"]:
        lines += ["", f"![{plot['title']}]({plots_href}/{plot['file']})"]
    if result["notes"]:
        lines += ["", *[f"- {note}" for note in result["notes"]]]
    return lines


def render(info: RunInfo, outcomes: list[Outcome], *, plots_href: str = "plots") -> str:
    """RESULTS.md for one run; `plots_href` is the plots directory relative to RESULTS.md."""
    lines = _header(info)
    if info.busy_cores > DISTURBED:
        lines += [
            "",
            f"**The machine was busy before the run ({info.busy_cores:.2f} cores): every figure below is disturbed.**",
        ]
    lines += ["", *_summary(outcomes)]
    if info.notes:
        lines += ["", *[f"- {note}" for note in info.notes]]
    for outcome in outcomes:
        lines += ["", *_section(outcome, plots_href)]
    return "\n".join(lines) + "\n"
