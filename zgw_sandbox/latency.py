"""Per-call latency, so that the sandbox answers about as slowly as Open Zaak does and races between
clients show up in tests and benchmarks.

A table maps "METHOD resource" (the last path segment before an id, e.g. "POST statussen") to seconds.
The delay is spent between the handler's checks and its first write (see server.py), with no lock
held, so requests of different clients overlap in time and race as they do on a real server. `OPEN_ZAAK` holds the medians measured against Open Zaak 1.30.0
on 2 cores (issue "Zaken that stay right on a real Open Zaak").
"""

from __future__ import annotations

import re

OPEN_ZAAK: dict[str, float] = {
    "POST zaken": 0.051,
    "POST statussen": 0.089,
    "POST rollen": 0.058,
    "POST enkelvoudiginformatieobjecten": 0.052,
    "POST zaakinformatieobjecten": 0.076,
    "POST besluiten": 0.106,
    "POST resultaten": 0.070,
}

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def key(method: str, path: str) -> str:
    """ "POST /zaken/api/v1/statussen" -> "POST statussen"; "GET /zaken/api/v1/zaken/<uuid>" -> "GET zaken"."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    while parts and (_UUID.match(parts[-1]) or parts[-1] in {"download", "lock", "unlock"}):
        parts.pop()
    return f"{method.upper()} {parts[-1] if parts else ''}"


def parse(spec: str) -> dict[str, float]:
    """`open-zaak`, or `METHOD resource=seconds,...` (e.g. `POST statussen=0.09,GET zaken=0.02`)."""
    if spec.strip() == "open-zaak":
        return dict(OPEN_ZAAK)
    table = {}
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        name, _, seconds = entry.rpartition("=")
        if not name or not re.fullmatch(r"[A-Z]+ [a-z]+", name.strip()):
            raise ValueError(f"latency entry {entry!r}: expected 'METHOD resource=seconds'")
        table[name.strip()] = float(seconds)
    return table
