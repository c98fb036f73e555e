"""Strict building blocks: unknown fields and loosely typed numbers are errors, not guesses."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..rules import bsn_problem

# The ranges of the date fields: wide enough for every real case, narrow enough that year 1 and
# year 9999 (and the arithmetic on them) never get in.
EERSTE_GEBOORTEDATUM = dt.date(1890, 1, 1)
EERSTE_DATUM = dt.date(1990, 1, 1)  # before the Wmo (2007) and the Jeugdwet (2015)
LAATSTE_DATUM = dt.date(2099, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def today() -> dt.date:
    """Today in the service's time zone (Europe/Amsterdam): the latest date for what has happened."""
    return timezone.localdate()


NOT_A_STRING = "Verwacht een tekst (JSON string)."
# What DRF's CharField says of a boolean (in English): said as for a number.
_DRF_NOT_A_STRING = serializers.CharField.default_error_messages["invalid"]


class StrictSerializer(serializers.Serializer):
    """Rejects fields the serializer does not know, and a number or boolean where its text fields want a
    JSON string (DRF's CharField turns 12.5 into "12.5"; the fuzzer found `{"reden": 1.5}` accepted),
    together with every other field error."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        not_text = [
            name
            for name, field in self.fields.items()
            if isinstance(field, serializers.CharField) and not field.read_only and _not_text(data, name)
        ]
        errors: dict[str, Any] = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        for name in not_text:  # unless the field said so in its own words (a BSN as a number)
            own = errors.get(name)
            if own is None or all(str(e) == str(_DRF_NOT_A_STRING) for e in own):
                errors[name] = [serializers.ErrorDetail(NOT_A_STRING, code="not_a_string")]
        for name in unknown:
            errors[name] = [serializers.ErrorDetail("Onbekend veld.", code="unknown_field")]
        if errors:
            raise serializers.ValidationError(errors)
        return value


def _not_text(data: Any, name: str) -> bool:
    # A multipart form's values are text already; null is the field's own business (allow_null).
    if not hasattr(data, "get") or hasattr(data, "getlist"):
        return False
    value = data.get(name)
    return value is not None and not isinstance(value, str)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: 12.5, 12.0, "12" and true are refused (amounts are whole eurocent)."""

    default_error_messages = {"not_integer": "Moet een geheel getal zijn (JSON integer, bedragen in eurocent)."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_integer")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """Text as a JSON string only: DRF's CharField would turn 0 or 12.5 into "0" or "12.5"."""

    default_error_messages = {"not_a_string": NOT_A_STRING}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return str(super().to_internal_value(data))


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Field(serializers.Field):
    """File content as standard base64 in a JSON string (as the Documenten API takes `inhoud`): read
    strictly (no other characters, correct padding), handed on as bytes."""

    default_error_messages = {
        "not_a_string": "Verwacht base64 in een tekst (JSON string).",
        "invalid": "Geen geldige base64 (standaardalfabet, met opvulling).",
        "empty": "Het bestand is leeg.",
    }

    def to_internal_value(self, data: Any) -> bytes:
        if not isinstance(data, str):
            self.fail("not_a_string")
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid")
        if not content:
            self.fail("empty")
        return content

    def to_representation(self, value: bytes) -> str:
        return base64.b64encode(value).decode()


class StrictUUIDField(serializers.UUIDField):
    """A uuid as a JSON string only: DRF's UUIDField reads an integer (and so `false`) as a uuid."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """A date as a JSON string in exactly the form YYYY-MM-DD (ASCII digits; no basic form 20270101,
    no unpadded 2027-1-1, no time or week date), within the field's range. `latest` may be a callable
    (`today`: the date may not lie in the future)."""

    default_error_messages = {
        "invalid": "Verwacht een datum als tekst in de vorm JJJJ-MM-DD, bijvoorbeeld 2027-01-31.",
        "min_value": "De datum mag niet voor {limit} liggen.",
        "max_value": "De datum mag niet na {limit} liggen.",
        "future": "De datum mag niet in de toekomst liggen (na {limit}).",
    }

    def __init__(
        self,
        *,
        earliest: dt.date = EERSTE_DATUM,
        latest: dt.date | Callable[[], dt.date] = LAATSTE_DATUM,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.earliest = earliest
        self.latest = latest

    def to_internal_value(self, value: Any) -> dt.date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            self.fail("invalid")
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            self.fail("invalid")
        if date < self.earliest:
            self.fail("min_value", limit=self.earliest.isoformat())
        latest = self.latest() if callable(self.latest) else self.latest
        if date > latest:
            # The same code for both upper bounds; the reason tells which one.
            raise serializers.ValidationError(
                self.error_messages["future" if callable(self.latest) else "max_value"].format(
                    limit=latest.isoformat()
                ),
                code="max_value",
            )
        return date


@extend_schema_field({"type": "string", "pattern": "^[0-9]{9}$", "minLength": 9, "maxLength": 9})
class BsnField(serializers.CharField):
    """A BSN: a JSON string of exactly nine ASCII digits that passes the elfproef. A JSON number
    (leading zeros lost), full-width or other non-ASCII digits and surrounding spaces are refused."""

    default_error_messages = {"invalid": "Een BSN is een tekst (JSON string) van 9 cijfers."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 9)
        kwargs.setdefault("min_length", 9)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        problem = bsn_problem(data)
        if problem:
            raise serializers.ValidationError(problem, code="invalid_bsn")
        return data


class OptionalURLField(serializers.URLField):
    """An optional URL in an answer: `null` when there is none (the model keeps ""), because the
    document says `format: uri` and "" is not a URI a generated client can parse."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]  # null for none, by design
        return str(value) if value else None
