"""What a benchmark run ran on: machine, versions, commit and the background load before it.

Each value is read where the system keeps it (/proc, the servers themselves, git, installed package
metadata); what cannot be read is reported as such ("unknown: <why>"), never guessed.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("Django", "gunicorn", "celery")


@dataclass(frozen=True)
class Commit:
    sha: str
    dirty: bool  # tracked files differ from the commit (untracked files do not count)

    def describe(self) -> str:
        return f"{self.sha} (dirty: uncommitted changes to tracked files)" if self.dirty else f"{self.sha} (clean)"


def _first_line_with(path: Path, key: str) -> str | None:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def machine() -> dict[str, str]:
    """nproc (the cores this process may use, as `nproc` counts them), CPU model, RAM, kernel."""
    cpu = _first_line_with(Path("/proc/cpuinfo"), "model name") or platform.processor() or "unknown"
    memory = _first_line_with(Path("/proc/meminfo"), "MemTotal")  # "24641180 kB"
    ram = f"{int(memory.split()[0]) / 1024**2:.1f} GiB" if memory else "unknown"
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "CPU": cpu,
        "RAM": ram,
        "kernel": f"{platform.system()} {platform.release()}",
    }


def package_versions() -> dict[str, str]:
    versions = {"Python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def commit(repo: Path = REPO) -> Commit:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()

    return Commit(sha=git("rev-parse", "HEAD"), dirty=bool(git("status", "--porcelain", "--untracked-files=no")))


def busy_cores(seconds: float = 2.0) -> float:
    """Cores busy with anything over `seconds` (from /proc/stat through psutil): idle and iowait are idle."""

    def idle_and_total() -> tuple[float, float]:
        times = psutil.cpu_times()
        return times.idle + getattr(times, "iowait", 0.0), sum(times)

    idle_before, total_before = idle_and_total()
    time.sleep(seconds)
    idle_after, total_after = idle_and_total()
    total = total_after - total_before
    if total <= 0:
        return 0.0
    cores = psutil.cpu_count() or 1
    return cores * (1 - (idle_after - idle_before) / total)
