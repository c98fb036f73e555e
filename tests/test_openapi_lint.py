"""The served OpenAPI document follows the Dutch API Design Rules.

The document is linted with the official Spectral ruleset (`../shared/adr/`), exactly as it is served
at /api/v1/openapi.json. Rules the linter is blind to (snake_case properties, the document being
public, JSON and YAML saying the same) are checked here directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

REPO = Path(__file__).resolve().parent.parent
RULESET_NAME = "adr/adr-2.2.0-rc.1-linter.yaml"
SPECTRAL = "@stoplight/spectral-cli@6.16.3"
# The first run downloads Spectral through npx; later runs take a few seconds.
SPECTRAL_TIMEOUT_SECONDS = 300
SEVERITY = {0: "error", 1: "warning", 2: "info", 3: "hint"}


def shared_dir() -> Path:
    return Path(os.environ.get("REGIEKOPPELING_SHARED_DIR") or REPO.parent / "shared")


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def served_document(anonymous: Client) -> dict[str, Any]:
    response = anonymous.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def spectral_lint(document: Path, ruleset: Path, out: Path) -> list[dict[str, Any]]:
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail(
            "npx (Node.js) is not installed: install Node.js 20 (Debian/Ubuntu: apt-get install nodejs npm)"
            " to run the Spectral ADR linter",
            pytrace=False,
        )
    command = [npx, "--yes", SPECTRAL, "lint", "-r", str(ruleset), "-f", "json", "-o", str(out), str(document)]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=SPECTRAL_TIMEOUT_SECONDS, cwd=out.parent, check=False
    )
    # Exit code 0: no errors, 1: errors found; anything else means Spectral itself failed.
    if completed.returncode not in (0, 1) or not out.exists():
        pytest.fail(
            f"Spectral failed (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}", pytrace=False
        )
    return json.loads(out.read_text() or "[]")


def describe(result: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in result.get("path", []))
    level = SEVERITY.get(result.get("severity", 0), str(result.get("severity")))
    return f"{level} {result.get('code')}: {result.get('message')} at {where}"


def test_served_document_passes_the_adr_linter(served_document: dict[str, Any], tmp_path: Path) -> None:
    ruleset = shared_dir() / RULESET_NAME
    assert ruleset.is_file(), f"ADR ruleset not found at {ruleset} (set REGIEKOPPELING_SHARED_DIR)"
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(served_document, indent=2))

    results = spectral_lint(document, ruleset, tmp_path / "spectral.json")

    for result in results:
        if result.get("severity", 0) != 0:
            print(describe(result))  # warnings are reported, not fatal
    errors = [describe(r) for r in results if r.get("severity", 0) == 0]
    assert errors == [], "ADR linter errors:\n" + "\n".join(errors)


def _property_names(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every property name in a schema, nested objects, arrays and compositions included."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield where, name
            yield from _property_names(sub, f"{where}.{name}")
        for key in ("items", "additionalProperties", "not"):
            if isinstance(node.get(key), dict):
                yield from _property_names(node[key], f"{where}[{key}]")
        for key in ("allOf", "anyOf", "oneOf"):
            for index, sub in enumerate(node.get(key) or []):
                yield from _property_names(sub, f"{where}.{key}[{index}]")


def test_schema_properties_are_camel_case(served_document: dict[str, Any]) -> None:
    # The ADR linter only checks properties named `_links`: a missing camelize hook would leave
    # `aangemaakt_op` in the document (while the wire says `aangemaaktOp`) and the lint stays green.
    schemas = served_document["components"]["schemas"]
    assert schemas, "the document has no component schemas"
    snake = [f"{where}.{name}" for schema_name, schema in schemas.items() for where, name in
             _property_names(schema, schema_name) if "_" in name]  # fmt: skip
    assert snake == []


def test_parameters_are_camel_case(served_document: dict[str, Any]) -> None:
    # Query keys are linted too; path and query parameter names are checked here for the same reason.
    names = [
        (path, parameter["name"])
        for path, operations in served_document["paths"].items()
        for operation in operations.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter.get("in") in {"query", "path"}
    ]
    assert [(path, name) for path, name in names if "_" in name or "-" in name] == []


def test_documents_are_served_without_authentication(anonymous: Client) -> None:
    for path in ("/api/v1/openapi.json", "/api/v1/openapi.yaml"):
        response = anonymous.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        assert response["API-Version"]
        assert response["Access-Control-Allow-Origin"] == "*"
        # A bad token is not even looked at: the document is public.
        assert anonymous.get(path, HTTP_AUTHORIZATION="Bearer not-a-jwt").status_code == 200
    assert anonymous.get("/api/v1/openapi.yaml")["Content-Type"].startswith("application/vnd.oai.openapi")


def test_json_and_yaml_documents_are_equal(anonymous: Client, served_document: dict[str, Any]) -> None:
    response = anonymous.get("/api/v1/openapi.yaml")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == served_document
