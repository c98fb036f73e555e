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
IDLE_OR_COUNTED_TWICE = {"idle", "iowait", "guest", "guest_nice"}


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
    """Cores busy with anything over `seconds`, from /proc/stat through psutil: CPU time that is not
    idle or iowait, per second of wall time (as bench/aanvragen_load.py counts its "other cores")."""

    def busy() -> float:
        times = psutil.cpu_times()._asdict()
        # guest time is already inside user and nice; idle and iowait are not work.
        return sum(value for name, value in times.items() if name not in IDLE_OR_COUNTED_TWICE)

    wall, before = time.monotonic(), busy()
    time.sleep(seconds)
    return max(0.0, (busy() - before) / (time.monotonic() - wall))
