"""config/wsgi.py: once loaded, every view is imported and (GC_FREEZE, on by default) what loading built
is frozen out of the collector's sight; GC_THRESHOLD sets the thresholds, and a bad value is refused
with a message that names it. Each case in a fresh interpreter, as a web process starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROBE = (
    "import gc, json, sys, config.wsgi; "
    "print(json.dumps({'frozen': gc.get_freeze_count(), 'threshold': gc.get_threshold(), "
    "'views_loaded': 'regiekoppeling.api.aanvragen' in sys.modules}))"
)


def start(**env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k not in ("GC_FREEZE", "GC_THRESHOLD")}
    environment = {**inherited, "ALLOW_DEV_SECRET": "1", **env}
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )


def loaded(**env: str) -> dict:
    done = start(**env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_loading_imports_the_views_and_freezes_what_it_built() -> None:
    shown = loaded(GC_THRESHOLD="")
    assert shown["views_loaded"] is True
    assert shown["frozen"] > 10_000  # Django, DRF and the product: tens of thousands of objects
    assert shown["threshold"] == [700, 10, 10]  # Python's own, unless GC_THRESHOLD says otherwise


def test_freezing_and_thresholds_follow_the_settings() -> None:
    shown = loaded(GC_FREEZE="0", GC_THRESHOLD="7000,20,30")
    assert shown["threshold"] == [7000, 20, 30]
    assert shown["frozen"] < 1_000  # only what a library froze itself, not the application


@pytest.mark.parametrize("value", ["a", "7000,", "1,2,3,4", "-5"])
def test_a_bad_threshold_is_refused_by_name(value: str) -> None:
    done = start(GC_THRESHOLD=value)
    assert done.returncode != 0
    assert (
        f"GC_THRESHOLD: one to three whole numbers separated by commas (e.g. 7000,10,10), not {value!r}" in done.stderr
    )
