"""The camelCase renderer's own `camelize` gives exactly what the package's does."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy
from djangorestframework_camel_case.util import camelize as package_camelize
from rest_framework.exceptions import ErrorDetail

from regiekoppeling.api.renderers import CamelCaseJSONRenderer, camelize

DATA = {
    "next": None,
    "results": [
        {
            "aangemaakt_op": "2026-11-30T12:00:00Z",
            "zaak": {"status_gezet_op": None, "toestand": "open", "status_fout": ""},
            "registratie_fouten": [{"code_2": 1, "a_b_c": [1, 2.5, True]}],
            "omvang": ("volume_x", {"frequentie_code": "2"}),
            "tags": {"een_twee"},
            gettext_lazy("lazy_key"): gettext_lazy("lazy_value"),
            "errors": [ErrorDetail("ongeldig_veld", code="invalid")],
            "already": {"camelCase": 1, "_leading": 2, "trailing_": 3, "x1_y": 4},
        }
    ],
}


def test_camelize_equals_the_package():
    assert json.dumps(camelize(DATA), default=str) == json.dumps(package_camelize(DATA), default=str)


def test_the_renderer_writes_camel_case():
    body = json.loads(CamelCaseJSONRenderer().render({"status_gezet_op": None, "a": [{"b_c": 1}]}))
    assert body == {"statusGezetOp": None, "a": [{"bC": 1}]}


# --- orjson for the bodies of representations.py: byte for byte what DRF's JSONRenderer writes --------

import datetime  # noqa: E402
import decimal  # noqa: E402
import uuid  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402

from regiekoppeling.api import renderers  # noqa: E402
from regiekoppeling.api.renderers import Camelized, CamelizedList  # noqa: E402

# What a body of representations.py holds: text (any code point but a lone surrogate), integers
# (amounts in eurocent), booleans, null, dates, datetimes in any zone, uuids, nested.
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_ZONES = st.sampled_from([datetime.UTC, datetime.timezone(datetime.timedelta(hours=1)), datetime.timezone(-datetime.timedelta(hours=5, minutes=30))])  # fmt: skip
_SCALARS = (
    _TEXT
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.booleans()
    | st.none()
    | st.dates()
    | st.datetimes(timezones=_ZONES)
    | st.uuids()
    | st.sampled_from(["\u2028", "a\u2029b", "\x00\x1f\x7f", '"\\/', "\U0001f600"])
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4), max_leaves=30)  # fmt: skip


def _drf(data):
    return JSONRenderer().render(data)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=6))
def test_orjson_writes_what_drf_writes(body):
    assert renderers._orjson_dumps(body) == _drf(body)


def test_orjson_writes_dates_and_line_separators_as_drf_does():
    body = {
        "moment": datetime.datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=datetime.UTC),
        "dag": datetime.date(99, 1, 2),
        "uuid": uuid.UUID("12345678-1234-4678-9234-567812345678"),
        "bedrag": decimal.Decimal("12.50"),
        "tekst": "regel\u2028en\u2029alinea",
    }
    written = renderers._orjson_dumps(body)
    assert written == _drf(body)
    assert b'"2026-11-30T12:00:00.123456Z"' in written and b"\\u2028" in written and b'"0099-01-02"' in written


def test_a_shown_page_goes_through_orjson_and_anything_else_through_drf(monkeypatch):
    calls = []

    def dumps(data):
        calls.append(data)
        return b"{}"

    monkeypatch.setattr(renderers, "_orjson_dumps", dumps)
    renderer = CamelCaseJSONRenderer()
    renderer.render({"next": None, "results": CamelizedList([Camelized(a=1)])})
    renderer.render(Camelized(url="x"))
    assert len(calls) == 2
    assert renderer.render({"results": [{"a_b": 1}]}) == b'{"results":[{"aB":1}]}'
    assert renderer.render({"detail": "x"}) == b'{"detail":"x"}'
    assert len(calls) == 2


def test_an_integer_orjson_cannot_write_and_an_indent_go_to_drf():
    huge = Camelized(bedrag=2**70, lijst=[1])
    assert CamelCaseJSONRenderer().render(huge) == _drf(huge) == b'{"bedrag":%d,"lijst":[1]}' % 2**70
    indented = CamelCaseJSONRenderer().render(Camelized(a=[1]), "application/json; indent=2")
    assert indented == b'{\n  "a": [\n    1\n  ]\n}'
