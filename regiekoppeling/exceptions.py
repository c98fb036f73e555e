"""Domain errors. The API layer translates them once (`regiekoppeling.api.exceptions`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InvalidParam:
    """One invalid field: `name` is the camelCase path (`voorzieningen.0.omvang.eenheid`)."""

    name: str
    code: str
    reason: str


class DomainValidationError(Exception):
    """The input breaks one or more rules of the standard; nothing was stored."""

    def __init__(self, params: list[InvalidParam]) -> None:
        super().__init__("; ".join(f"{p.name}: {p.reason}" for p in params))
        self.params = params


class InvalidTransition(Exception):
    """A state change the lifecycle does not allow from the current state."""

    def __init__(self, *, current: str, target: str, what: str) -> None:
        super().__init__(f"{what} heeft status '{current}'; overgang naar '{target}' is niet toegestaan.")
        self.current = current
        self.target = target
        self.what = what
