"""The one JSON parser of the API: strict about what the JSON itself may be.

Refused, each as a 400 naming where it is (the names as the client sent them):

- a key that occurs twice in one object (`duplicate_key`), also when two spellings become the same
  field (`regieReferentie` and `regie_referentie`): JSON leaves duplicates undefined and Python would
  silently keep the last one;
- a NUL character in any string or key (`nul_character`), also inside free-form objects such as the
  JSON form of a 315/317: PostgreSQL cannot store it in text;
- nesting deeper than `MAX_DEPTH` (`too_deep`, named `body`): checked on the raw text before parsing,
  so no deep structure ever reaches a recursive function.

Malformed JSON and a body that is not UTF-8 stay a `parse_error` on `body`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.util import camel_to_underscore, underscoreize
from rest_framework.exceptions import ParseError
from rest_framework.parsers import MultiPartParser

from ..exceptions import InvalidParam

# The deepest our own shapes go is 5 (body, verzoek, producten, a product, its omvang).
MAX_DEPTH = 32

# A JSON string (unrolled, so a long string costs no backtracking) and the brackets outside strings.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class StrictParseError(ParseError):
    """Well-formed JSON that the API does not accept; every problem found, by name."""

    def __init__(self, params: list[InvalidParam]) -> None:
        super().__init__("De body bevat JSON die niet is toegestaan.")
        self.params = params


class _Duplicates(dict[str, Any]):
    """An object with the keys that occurred more than once in it (found by `_problems`)."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = _Duplicates()
    duplicates = []
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        result[key] = value
    result.duplicates = duplicates
    return result


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _problems(value: Any, path: str, options: dict[str, Any]) -> list[InvalidParam]:
    out: list[InvalidParam] = []
    if isinstance(value, str):
        if "\x00" in value:
            out.append(
                InvalidParam(path or "body", "nul_character", "Een tekst mag geen NUL-teken (\\u0000) bevatten.")
            )
    elif isinstance(value, dict):
        reason = "Dit veld komt meer dan eens voor in hetzelfde object."
        for key in getattr(value, "duplicates", []):
            out.append(InvalidParam(_join(path, key), "duplicate_key", reason))
        seen: set[str] = set()
        for key, item in value.items():
            name = _join(path, key)
            if "\x00" in key:
                out.append(InvalidParam(name, "nul_character", "Een veldnaam mag geen NUL-teken (\\u0000) bevatten."))
            field = camel_to_underscore(key, **options)
            if field in seen:
                out.append(InvalidParam(name, "duplicate_key", f"{reason} ({field})"))
            seen.add(field)
            out += _problems(item, name, options)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _problems(item, _join(path, str(index)), options)
    return out


def _dedupe(params: list[InvalidParam]) -> list[InvalidParam]:
    found: dict[tuple[str, str], InvalidParam] = {}
    for param in params:
        found.setdefault((param.name, param.code), param)
    return list(found.values())


class StrictJSONParser(CamelCaseJSONParser):
    """`application/json`, parsed strictly, then the keys made snake_case like the camel-case parser."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if too_deep(text):
            reason = f"De JSON is dieper genest dan {MAX_DEPTH} niveaus."
            raise StrictParseError([InvalidParam("body", "too_deep", reason)])
        try:
            data = json.loads(text, object_pairs_hook=_object)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        problems = _dedupe(_problems(data, "", self.json_underscoreize))
        if problems:
            raise StrictParseError(problems)
        # underscoreize builds plain dicts again: the duplicate bookkeeping goes no further.
        return underscoreize(data, **self.json_underscoreize)


class StrictMultiPartParser(MultiPartParser):
    """multipart/form-data with the same rules as the JSON parser: a field (or file) given twice is
    refused instead of the last one silently winning, and no value may hold a NUL character."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        reason = "Dit veld komt meer dan eens voor in de body."
        problems = [
            InvalidParam(name, "duplicate_key", reason)
            for part in (parsed.data, parsed.files)
            for name, values in part.lists()
            if len(values) > 1
        ]
        problems += [
            InvalidParam(name, "nul_character", "Een tekst mag geen NUL-teken (\\u0000) bevatten.")
            for name, values in parsed.data.lists()
            if any("\x00" in str(v) for v in values)
        ]
        if problems:
            raise StrictParseError(problems)
        return parsed
