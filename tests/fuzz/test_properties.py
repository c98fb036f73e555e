"""Property tests (Hypothesis) of the input layer and the rules: for every input of a kind, not for
the few a person thought of."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django import forms
from djangorestframework_camel_case.util import camel_to_underscore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn

from config.logsafety import BSN_MASK, scrub
from regiekoppeling.api.filters import StrictDateTimeField
from regiekoppeling.api.parsers import MAX_DEPTH, StrictJSONParser, StrictParseError, too_deep
from regiekoppeling.api.schema import DATETIME_QUERY_PATTERN
from regiekoppeling.rules import bsn_problem

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


def parse(raw: bytes) -> object:
    return StrictJSONParser().parse(io.BytesIO(raw), "application/json", {"encoding": "utf-8"})


def has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


def collides(value: object) -> bool:
    """Two keys of one object that are the same field once snake_cased (`aB` and `a_b`)."""
    if isinstance(value, list):
        return any(collides(v) for v in value)
    if isinstance(value, dict):
        names = [camel_to_underscore(k, **StrictJSONParser.json_underscoreize) for k in value]
        return len(set(names)) < len(names) or any(collides(v) for v in value.values())
    return False


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


class TestJsonParser:
    @SETTINGS
    @given(json_values)
    def test_any_json_is_parsed_or_refused_by_name_never_crashes(self, value):
        raw = json.dumps(value).encode()
        try:
            parse(raw)
        except StrictParseError as exc:
            assert exc.params and all(
                p.name and p.code in {"nul_character", "duplicate_key", "too_deep"} for p in exc.params
            )
            assert has_nul(value) or depth(value) > MAX_DEPTH or collides(value)
        else:
            assert not has_nul(value)

    @SETTINGS
    @given(st.text(min_size=1).filter(lambda k: "\x00" not in k), json_values, json_values)
    def test_a_key_given_twice_is_always_refused(self, key, first, second):
        name = json.dumps(key)
        raw = f"{{{name}: {json.dumps(first)}, {name}: {json.dumps(second)}}}".encode()
        with pytest.raises(StrictParseError) as refused:
            parse(raw)
        assert "duplicate_key" in {p.code for p in refused.value.params}

    @SETTINGS
    @given(st.integers(min_value=0, max_value=200), st.sampled_from(["[", '{"a":']))
    def test_depth_is_judged_on_the_text_exactly(self, levels, opener):
        closer = "]" if opener == "[" else "}"
        text = opener * levels + "1" + closer * levels
        assert too_deep(text) == (levels > MAX_DEPTH)


class TestBsn:
    @SETTINGS
    @given(st.text(max_size=12))
    def test_accepted_exactly_when_nine_ascii_digits_pass_the_elfproef(self, value):
        valid = bool(re.fullmatch(r"[0-9]{9}", value)) and value != "000000000" and stdnum_bsn.is_valid(value)
        assert (bsn_problem(value) is None) == valid

    @SETTINGS
    @given(st.from_regex(r"\A[0-9]{9}\Z"))
    def test_every_nine_digit_string_is_masked_in_a_log_line(self, digits):
        line = scrub(f"GET /api/v1/x/{digits}\nforged")
        assert digits not in line and BSN_MASK in line and "\n" not in line


class TestLogLines:
    @SETTINGS
    @given(st.text())
    def test_a_scrubbed_line_is_one_printable_line(self, text):
        line = scrub(text)
        assert line.isprintable()
        assert not re.search(r"(?<![^\W_])\d{9}(?![^\W_])", line)


class TestQueryDatetimes:
    @SETTINGS
    @given(st.from_regex(DATETIME_QUERY_PATTERN, fullmatch=True))
    def test_what_the_document_allows_the_server_takes_unless_the_day_does_not_exist(self, value):
        # The pattern cannot know month lengths; fromisoformat does. Everything else must be taken.
        field = StrictDateTimeField(required=False)
        try:
            dt.date.fromisoformat(value[:10])
        except ValueError:
            with pytest.raises(forms.ValidationError):
                field.to_python(value)
            return
        moment = field.to_python(value)
        assert moment is not None and moment.tzinfo is not None

    @SETTINGS
    @given(st.text(max_size=40))
    def test_what_the_server_takes_the_document_allows(self, value):
        field = StrictDateTimeField(required=False)
        try:
            field.to_python(value)
        except forms.ValidationError:
            return
        assert re.fullmatch(DATETIME_QUERY_PATTERN.strip("^$"), value)
