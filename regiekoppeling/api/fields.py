"""Strict building blocks: unknown fields and loosely typed numbers are errors, not guesses."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..rules import bsn_problem


class StrictSerializer(serializers.Serializer):
    """Rejects fields the serializer does not know, together with every other field error."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        errors: dict[str, Any] = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        for name in unknown:
            errors[name] = [serializers.ErrorDetail("Onbekend veld.", code="unknown_field")]
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: 12.5, 12.0, "12" and true are refused (amounts are whole eurocent)."""

    default_error_messages = {"not_integer": "Moet een geheel getal zijn (JSON integer, bedragen in eurocent)."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_integer")
        return super().to_internal_value(data)


class BsnField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 9)
        kwargs.setdefault("min_length", 9)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        problem = bsn_problem(value)
        if problem:
            raise serializers.ValidationError(problem, code="invalid_bsn")
        return value
