"""The fault suite's short form (`make faults` is the long one): the same program with a few dozen
aanvragen, one worker SIGKILL mid-task, one Redis and one PostgreSQL restart, ZGW faults at a rate and
a short ZGW outage. Every check must hold, every planned fault must have happened, and nothing the
suite started may outlive it.

It starts its own PostgreSQL and Redis (never DATABASE_URL/REDIS_URL of the test run, which it
restarts), so it needs no database fixture.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def test_nothing_lost_nothing_doubled_under_faults(tmp_path: Path) -> None:
    result = tmp_path / "faults.json"
    args = [
        "--aanvragen",
        "42",
        "--outage",
        "15",
        "--kills",
        "1",
        "--rate",
        "0.1",
        "--fault-tail",
        "30",
        "--json",
        str(result),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "devserver.faults", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    print(done.stdout[-6000:])
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    report = json.loads(result.read_text())
    assert report["ok"] is True
    failed = [c for c in report["checks"] if not c["ok"]]
    assert not failed, failed
    names = {c["name"] for c in report["checks"]}
    assert {"voorzieningen registered", "zaak histories exactly as the lifecycle says",
            "Zaken API: one zaak per identificatie", "outbox: nothing dead or left over"} <= names  # fmt: skip
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["load: every flow answered"]["expected"] == 42
    assert by_name["voorzieningen registered"]["found"] >= 42
    assert all(c["expected"] > 0 for c in report["checks"] if c["name"].startswith(("feed", "webhooks")))
    events = "\n".join(report["events"])
    # Every planned fault happened, and the kill hit a worker that held a claimed item.
    assert re.search(r"SIGKILL worker-\d \(pid \d+\) mid-task", events), events
    for happened in ("Redis: started again", "PostgreSQL: started again", "ZGW outage over", "all faults stopped"):
        assert happened in events, events
    assert report["retries"] > 0, "no request needed sending again: the faults did not reach the API"
    fired = report["zgwFaults"]
    assert fired.get("503", 0) > 0, fired  # the outage
    assert fired.get("500", 0) + fired.get("reset_after_commit", 0) + fired.get("timeout", 0) > 0, fired
    assert "time to converge after the faults stopped:" in done.stdout
    workdir = re.search(r"work dir (\S+)", done.stdout)
    assert workdir is not None
    assert not started_in(workdir[1]), "processes of the suite outlived it"


def started_in(workdir: str) -> list[str]:
    """Processes that belong to a suite run: its servers name the directory on their command line,
    the service's processes have it as their data directory."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            environ = proc.environ()
        except psutil.Error:
            environ = {}
        if workdir in " ".join(proc.info["cmdline"] or []) or environ.get("REGIEKOPPELING_DATA_DIR") == workdir:
            found.append(f"{proc.pid} {' '.join(proc.info['cmdline'] or [])[:120]}")
    return found
