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
