"""Fault injection for the service's fault tests: make the n-th matching request fail in a chosen way.

Kinds:
- "500" (or any other 3-digit status): answer that status with an Open Zaak style error body, without
  performing the request;
- "timeout": sleep `seconds` before handling the request (the write still happens afterwards, as with
  a slow server; a client with a shorter timeout gives up first). A `reset()` during the sleep drops the
  request instead, so that it cannot write into the next test's fresh state;
- "reset_before": drop the connection without performing the request;
- "reset_after_commit": perform the request (stored, notifications queued), then drop the connection
  without answering: the classic "did my POST arrive?" case.

`path` is matched against the URL path (no query) with shell wildcards (`/zaken/api/v1/zaken/*`);
`method` "*" or None matches any method. Counting starts when the rule is added: `nth=1` is the first
matching request, and `times` consecutive matching requests fail from there. With `rate` (0..1) the
rule instead fires on that share of its matching requests, drawn from a generator seeded with `seed`,
for as long as it is in place (a flaky server rather than one failed call).
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("timeout", "reset_before", "reset_after_commit")


@dataclass
class FaultRule:
    path: str
    kind: str
    method: str | None = None
    nth: int = 1
    times: int = 1
    seconds: float = 5.0
    rate: float | None = None
    seed: int = 0
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError("rate is a share between 0 and 1")
        self._random = random.Random(self.seed)  # noqa: S311 - fault injection, not crypto
        if self.kind not in KINDS and not re.fullmatch(r"\d{3}", self.kind):
            raise ValueError(f"unknown fault kind {self.kind!r}; use a status like '500' or one of {KINDS}")
        if self.nth < 1 or self.times < 1:
            raise ValueError("nth and times start at 1")
        self.method = None if self.method in (None, "", "*") else str(self.method).upper()

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and fnmatch.fnmatchcase(path, self.path)

    def fires(self) -> bool:
        """Called once per matching request, after `seen` counted it."""
        if self.rate is not None:
            return self._random.random() < self.rate
        return self.nth <= self.seen < self.nth + self.times

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def pick(self, method: str, path: str) -> FaultRule | None:
        """Count this request against every matching rule; return the first rule that fires for it."""
        chosen = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                rule.seen += 1
                if chosen is None and rule.fires():
                    rule.fired += 1
                    chosen = rule
        return chosen


def rule_from_json(data: dict[str, Any]) -> FaultRule:
    allowed = {"path", "kind", "method", "nth", "times", "seconds", "rate", "seed"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    if "path" not in data or "kind" not in data:
        raise ValueError("a fault needs 'path' and 'kind'")
    return FaultRule(
        path=str(data["path"]),
        kind=str(data["kind"]),
        method=data.get("method"),
        nth=int(data.get("nth", 1)),
        times=int(data.get("times", 1)),
        seconds=float(data.get("seconds", 5.0)),
        rate=float(data["rate"]) if data.get("rate") is not None else None,
        seed=int(data.get("seed", 0)),
    )
