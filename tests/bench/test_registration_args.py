"""bench.registration refuses round counts its tables cannot be made from, before it starts anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("option", ["--rounds", "--rounds-3"])
def test_zero_rounds_is_refused_at_once(option: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.registration", option, "0"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert f"{option} must be at least 1" in run.stderr


def test_a_baseline_that_is_no_checkout_is_refused_at_once(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.registration", "--baseline", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "not a checkout of this project" in run.stderr
