"""Field validation with DRF's (Dutch) error codes and messages, plus date, duration and 11-proef helpers.

Only the checks Open Zaak makes on the fields the service sends are implemented; the contract checker
(`contract.py`) validates every request against the official OpenAPI documents on top of this.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import Errors

try:
    # Open Zaak runs with TIME_ZONE = Europe/Amsterdam: "today" and naive datetimes are local.
    LOCAL_TZ: Any = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # pragma: no cover - only on systems without tz data
    LOCAL_TZ = UTC

REQUIRED = "Dit veld is vereist."
NOT_NULL = "Dit veld mag niet leeg zijn."
BAD_DATE = "Datum heeft het verkeerde formaat, gebruik 1 van deze formaten: YYYY-MM-DD."
BAD_DATETIME = (
    "Datetime heeft een ongeldig formaat, gebruik 1 van de volgende formaten: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def fmt_datetime(value: datetime) -> str:
    """DRF's rendering: ISO 8601 in UTC with `Z`, microseconds only when non-zero."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_datetime(value: str) -> datetime:
    result = datetime.fromisoformat(value)
    if result.tzinfo is None:
        result = result.replace(tzinfo=LOCAL_TZ)
    return result


def parse_date(value: str) -> date:
    if not _DATE.match(value):
        raise ValueError(value)
    return date.fromisoformat(value)


def add_duration(start: date, duration: str) -> date:
    """Add a date-only ISO 8601 duration (P15Y, P56D, P8W ...) to a date, clamping the day like Django."""
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"unsupported duration {duration!r}")
    years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
    month_index = start.month - 1 + months
    year = start.year + years + month_index // 12
    month = month_index % 12 + 1
    day = start.day
    while True:
        try:
            shifted = start.replace(year=year, month=month, day=day)
            break
        except ValueError:
            day -= 1
    return shifted + timedelta(weeks=weeks, days=days)


def elfproef(value: str) -> bool:
    """The 11-proef of commonground-api-common: weights 9..2 and -1 for the last digit."""
    total = 0
    for multiplier, char in enumerate(reversed(value), start=1):
        total += (-1 if multiplier == 1 else multiplier) * int(char)
    return total % 11 == 0


class Fields:
    """Reads fields from a JSON request body and records DRF-style errors instead of raising at once."""

    def __init__(self, body: Any, errors: Errors | None = None, *, partial: bool = False) -> None:
        self.errors = errors if errors is not None else Errors()
        self.partial = partial
        if not isinstance(body, dict):
            kind = type(body).__name__
            self.errors.add(
                "nonFieldErrors", "invalid", f"Ongeldige data. Verwachtte een dictionary, maar kreeg {kind}."
            )
            body = {}
        self.body: dict[str, Any] = body

    def present(self, name: str) -> bool:
        return name in self.body

    def _get(self, name: str, required: bool, nullable: bool) -> tuple[bool, Any]:
        """Returns (usable, value); records required/null errors."""
        if name not in self.body:
            if required and not self.partial:
                self.errors.add(name, "required", REQUIRED)
            return False, None
        value = self.body[name]
        if value is None:
            if not nullable:
                self.errors.add(name, "null", NOT_NULL)
            return False, None
        return True, value

    def string(
        self, name: str, *, required: bool = False, max_length: int | None = None, blank: bool = True
    ) -> str | None:
        ok, value = self._get(name, required, nullable=False)
        if not ok:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.errors.add(name, "invalid", "Geen geldige string.")
            return None
        value = str(value)
        if not blank and not value.strip():
            self.errors.add(name, "blank", NOT_NULL)
            return None
        if max_length is not None and len(value) > max_length:
            self.errors.add(name, "max_length", f"Zorg ervoor dat dit veld niet meer dan {max_length} karakters bevat.")
            return None
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        ok, value = self._get(name, required, nullable=False)
        if not ok:
            return None
        if value not in choices:
            self.errors.add(name, "invalid_choice", f'"{value}" is een ongeldige keuze.')
            return None
        return str(value)

    def boolean(self, name: str, *, nullable: bool = True) -> bool | None:
        ok, value = self._get(name, False, nullable=nullable)
        if not ok:
            return None
        if not isinstance(value, bool):
            self.errors.add(name, "invalid", "Moet een geldige boolean zijn.")
            return None
        return value

    def integer(self, name: str, *, nullable: bool = True, minimum: int | None = None) -> int | None:
        ok, value = self._get(name, False, nullable=nullable)
        if not ok:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.add(name, "invalid", "Een geldig getal is vereist.")
            return None
        if minimum is not None and value < minimum:
            self.errors.add(name, "min_value", f"Zorg ervoor dat deze waarde groter of gelijk is aan {minimum}.")
            return None
        return value

    def date(self, name: str, *, required: bool = False, nullable: bool = True) -> date | None:
        ok, value = self._get(name, required, nullable=nullable)
        if not ok:
            return None
        try:
            return parse_date(value)
        except (TypeError, ValueError):
            self.errors.add(name, "invalid", BAD_DATE)
            return None

    def datetime(self, name: str, *, required: bool = False) -> datetime | None:
        ok, value = self._get(name, required, nullable=False)
        if not ok:
            return None
        try:
            return parse_datetime(value)
        except (TypeError, ValueError):
            self.errors.add(name, "invalid", BAD_DATETIME)
            return None

    def url(self, name: str, *, required: bool = False, nullable: bool = False) -> str | None:
        ok, value = self._get(name, required, nullable=nullable)
        if not ok:
            return None
        if not isinstance(value, str) or not value:
            if isinstance(value, str) and not required:
                return None  # Open Zaak treats "" as "not set" for optional URL references
            self.errors.add(
                name, "blank" if value == "" else "invalid", NOT_NULL if value == "" else "Voer een geldige URL in."
            )
            return None
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            self.errors.add(name, "invalid", "Voer een geldige URL in.")
            return None
        return value

    def rsin(self, name: str, *, required: bool = False) -> str | None:
        value = self.string(name, required=required, max_length=9, blank=False)
        if value is None:
            return None
        check_identifier(self.errors, name, value, "Onjuist RSIN nummer")
        return value

    def array(self, name: str) -> list[Any] | None:
        ok, value = self._get(name, False, nullable=False)
        if not ok:
            return None
        if not isinstance(value, list):
            self.errors.add(
                name, "not_a_list", f'Verwachtte een lijst met items, maar kreeg type "{type(value).__name__}".'
            )
            return None
        return value

    def obj(self, name: str, *, nullable: bool = True) -> dict[str, Any] | None:
        ok, value = self._get(name, False, nullable=nullable)
        if not ok:
            return None
        if not isinstance(value, dict):
            self.errors.add(
                name, "invalid", f"Ongeldige data. Verwachtte een dictionary, maar kreeg {type(value).__name__}."
            )
            return None
        return value


def check_identifier(errors: Errors, name: str, value: str, message: str) -> None:
    """BSN/RSIN: digits only, 9 long, 11-proef (commonground-api-common's BaseIdentifierValidator)."""
    if not value.isdigit():
        errors.add(name, "only-digits", "Voer een numerieke waarde in")
    elif len(value) != 9:
        errors.add(name, "min_length", "Zorg ervoor dat dit veld minimaal 9 karakters bevat.")
    elif not elfproef(value):
        errors.add(name, "invalid", message)
