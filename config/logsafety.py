"""What may reach a log line: no BSN, no forged lines.

A path or message may carry what a client typed: a BSN in a path segment, or `%0A` that the server has
decoded into a newline and that would start a forged log line. Every log line of the product (gunicorn's
access and error log, Django's and Celery's loggers) passes through `scrub`.
"""

from __future__ import annotations

import logging
import re

# Nine digits standing alone (any script's digits: a full-width BSN is still a BSN). Longer digit runs
# and digits inside identifiers (UUIDs, hashes) are left alone; a mistyped BSN is masked too.
_BSN_LIKE = re.compile(r"(?<![^\W_])\d{9}(?![^\W_])")
BSN_MASK = "*********"


def _escape(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def scrub(text: str) -> str:
    """Mask BSN-like numbers and escape control characters (newlines included) and backslashes."""
    masked = _BSN_LIKE.sub(BSN_MASK, text)
    if masked.isprintable() and "\\" not in masked:
        return masked
    return "".join(_escape(char) for char in masked)


class ScrubFilter(logging.Filter):
    """Logging filter for every handler: formats the message with its arguments, then scrubs it.
    A traceback (exc_info) is left as it is: it is multi-line by nature and written by our code."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True
