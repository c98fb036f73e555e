"""Logs that leak nothing: no BSN, no forged lines, in gunicorn's access log and in every logger."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.logsafety import BSN_MASK, ScrubFilter, scrub
from tests.conftest import BSN_A

REPO = Path(__file__).resolve().parents[1]


class TestScrub:
    @pytest.mark.parametrize(
        "text",
        [f"/api/v1/x/{BSN_A}", f"/api/v1/x/{BSN_A}/y", f"bsn={BSN_A}", f"a_{BSN_A}", f"{BSN_A}"],
    )
    def test_a_bsn_standing_alone_is_masked(self, text):
        assert BSN_A not in scrub(text)
        assert BSN_MASK in scrub(text)

    def test_a_bsn_in_full_width_digits_is_masked(self):
        full_width = "".join(chr(0xFF10 + int(d)) for d in BSN_A)
        assert scrub(f"/x/{full_width}") == f"/x/{BSN_MASK}"

    @pytest.mark.parametrize(
        "text",
        ["/api/v1/aanvragen/12345678-1234-1234-1234-123456789012", "/x/1234567890", "/x/12345678", "abc123456789"],
    )
    def test_other_numbers_are_left_alone(self, text):
        assert scrub(text) == text

    def test_control_characters_and_backslashes_are_escaped(self):
        assert scrub("/x\nGET /forged 200\r\t\\") == "/x\\x0aGET /forged 200\\x0d\\x09\\\\"
        assert "\n" not in scrub("a\u2028b\x85c\nd")

    def test_the_filter_formats_then_scrubs(self):
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", (f"/x/{BSN_A}\nY",), None
        )
        assert ScrubFilter().filter(record) is True
        assert record.getMessage() == f"Internal Server Error: /x/{BSN_MASK}\\x0aY"

    def test_every_handler_of_the_product_has_the_filter(self, settings):
        handlers = settings.LOGGING["handlers"]
        assert handlers and all("scrub" in handler.get("filters", []) for handler in handlers.values())


def test_the_celery_worker_log_is_scrubbed_too():
    # The worker replaces the root logger's handlers with its own; the filter must be on those.
    script = (
        "import django, logging; django.setup()\n"
        "from config.celery import app\n"
        "app.log.setup(loglevel='INFO', redirect_stdouts=False)\n"
        f"logging.getLogger('zaken').warning('zaak voor %s\\nforged', '{BSN_A}')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert f"zaak voor {BSN_MASK}\\x0aforged" in run.stderr, run.stderr
    assert BSN_A not in run.stderr + run.stdout
