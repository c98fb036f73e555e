"""The mutation tool itself (devserver/mutation.py): keys that survive moved lines, the mutated module
handed out by the import system, and the source file put back however a run ends."""

from __future__ import annotations

import ast
import importlib
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devserver import mutation

ROOT = mutation.REPO  # the repository (tests below point mutation.REPO at a scratch directory)

SOURCE = """def check(a, b):
    if a < b:
        log("small")
    return a < b


def log(text):
    return text
"""


def by_key(source: str) -> dict[str, int]:
    return {m.key: m.line for m in mutation.mutants("pkg/mod.py", source)}


def test_a_key_names_function_change_and_text_and_survives_moved_lines():
    before = by_key(SOURCE)
    after = by_key("import os\n\n\n" + SOURCE)

    assert set(before) == set(after)
    key = 'pkg/mod.py | check | call removed | log("small")'
    assert (before[key], after[key]) == (3, 6)


def test_two_mutants_with_the_same_function_change_and_text_are_told_apart():
    keys = by_key("def f(a, b, c):\n    return a >= b or b >= c\n")

    assert "pkg/mod.py | f | GtE -> Gt | return a >= b or b >= c" in keys
    assert "pkg/mod.py | f | GtE -> Gt | return a >= b or b >= c | #2" in keys


def test_every_equivalent_entry_names_a_mutant_of_the_code_as_it_is():
    current = {m.key for path in mutation.MODULES for m in mutation.mutants(path, (mutation.REPO / path).read_text())}

    stale = [key for key in mutation.EQUIVALENT if key not in current]

    assert stale == [], "the line changed: run `make mutation` for the module and key or drop the entry again"


def test_every_core_module_and_its_tests_exist():
    for path, tests in mutation.MODULES.items():
        assert (mutation.REPO / path).is_file(), path
        for test in tests:
            assert (mutation.REPO / test).is_file(), test


def test_the_import_system_hands_out_the_mutant_without_touching_the_file(tmp_path, monkeypatch):
    package = tmp_path / "mutpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(SOURCE)
    (mutant,) = [m for m in mutation.mutants("mutpkg/mod.py", SOURCE) if m.line == 4 and m.change == "Lt -> LtE"]
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = mutation._MutantFinder("mutpkg.mod", package / "mod.py", mutant.tree)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    monkeypatch.delitem(sys.modules, "mutpkg.mod", raising=False)

    module = importlib.import_module("mutpkg.mod")

    assert module.check(1, 1) is True  # a < b became a <= b
    assert module.__file__ == str(package / "mod.py")
    assert (package / "mod.py").read_text() == SOURCE
    sys.modules.pop("mutpkg.mod", None)
    sys.modules.pop("mutpkg", None)


def test_a_mutant_runs_the_tests_that_reach_its_line_and_all_when_none_or_at_import(tmp_path, monkeypatch):
    (tmp_path / "mod.py").write_text(SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mod", raising=False)
    lines = mutation._Lines(tmp_path / "mod.py")
    try:
        module = importlib.import_module("mod")  # the def runs at import: outside any test
        for test, args in (("t::small", (1, 2)), ("t::large", (2, 1)), ("t::both", (1, 2))):
            lines.test = test
            sys.monitoring.restart_events()
            module.check(*args)
            module.check(2, 1)
    finally:
        lines.stop()
        sys.modules.pop("mod", None)
    recorded = {"by_line": {str(k): v for k, v in lines.by_line.items()}, "outside": sorted(lines.outside)}
    monkeypatch.setitem(mutation.MODULES, "mod.py", ["t"])
    by_line = {m.line: mutation.tests_for("mod.py", m, recorded) for m in mutation.mutants("mod.py", SOURCE)}

    assert by_line[3] == ["t::small", "t::both"]  # log("small") runs only when a < b
    assert by_line[4] == ["t::small", "t::large", "t::both"]
    assert 1 in lines.outside
    assert mutation.tests_for("mod.py", mutation.Mutant("mod.py", 9, "x", "f", ""), recorded) == ["t"]


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(SOURCE)
    monkeypatch.setattr(mutation, "REPO", tmp_path)
    monkeypatch.setattr(mutation, "BACKUP", tmp_path / ".mutation-backup")
    return tmp_path


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_the_file_is_put_back_however_the_run_ends(repo, error):
    mutant = next(mutation.mutants("pkg/mod.py", SOURCE))

    with pytest.raises(error), mutation.written("pkg/mod.py", mutant):
        assert (repo / "pkg" / "mod.py").read_text() == ast.unparse(mutant.tree) + "\n"
        raise error()

    assert (repo / "pkg" / "mod.py").read_text() == SOURCE
    assert not list((repo / ".mutation-backup").rglob("*.py"))


def test_a_file_left_mutated_by_a_killed_run_is_put_back_at_the_next_start(repo):
    kept = repo / ".mutation-backup" / "pkg" / "mod.py"
    kept.parent.mkdir(parents=True)
    kept.write_text(SOURCE)
    (repo / "pkg" / "mod.py").write_text("mutated\n")

    assert mutation.restore_leftovers() == ["pkg/mod.py"]

    assert (repo / "pkg" / "mod.py").read_text() == SOURCE
    assert not (repo / ".mutation-backup").exists()
    assert mutation.restore_leftovers() == []


CHILD = """
import signal, sys, time
from pathlib import Path
from devserver import mutation

ROOT = mutation.REPO  # the repository (tests below point mutation.REPO at a scratch directory)
mutation.REPO = Path(sys.argv[1])
mutation.BACKUP = mutation.REPO / ".mutation-backup"
signal.signal(signal.SIGTERM, mutation._raise_exit)
source = (mutation.REPO / "pkg" / "mod.py").read_text()
with mutation.written("pkg/mod.py", next(mutation.mutants("pkg/mod.py", source))):
    print("mutated", flush=True)
    time.sleep(60)
"""


def test_sigterm_puts_the_file_back(repo):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(repo)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline() == "mutated\n"
    assert (repo / "pkg" / "mod.py").read_text() != SOURCE

    child.send_signal(signal.SIGTERM)

    assert child.wait(timeout=30) == 128 + signal.SIGTERM
    assert (repo / "pkg" / "mod.py").read_text() == SOURCE
