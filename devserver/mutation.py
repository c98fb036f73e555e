"""Mutation testing of the core, by hand: `make mutation` (not part of `make test`).

For each core module every mutant (one small change at one place: a comparison flipped or moved by
one, `and`/`or` swapped, a `not` dropped, a condition negated, a call statement removed, a number
moved by one) is run against the tests that cover the module (stopping at the first failure); the
mutant counts as killed when they fail or time out. Prints each module's score and survivors as soon
as the module is done, then a table; `EQUIVALENT` lists the survivors that cannot be killed, with the
reason, keyed by the line's text (not its number, which moves as the code grows).

By default the source file is never written: each test run is a fork of this process (which has the
third-party libraries imported already, so a run does not pay for them again) whose import system
hands out the mutated module, and `--jobs` runs go side by side, each on its own test database. A
first run of the unchanged module records (sys.monitoring) which tests run each line; a mutant runs
only those. A last run of the unchanged module checks that the forks were sound. With
`--on-disk` the mutant is written into the file instead (for a test that imports the module in a
subprocess); the original is kept in `.mutation-backup/` and put back after every mutant, on Ctrl-C,
SIGTERM, SIGHUP or an error, and at the next start if a run was killed outright.

    python -m devserver.launcher exec -- .venv/bin/python -m devserver.mutation [--module PATH] [--jobs N]
    ... -m devserver.mutation --only "zaken/registration.py:142:condition negated"   # recheck one survivor
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
BACKUP = REPO / ".mutation-backup"

# The core modules and the tests that cover them (the mutants of a module run only these; the fast
# pinning tests first, since a run stops at the first failure).
MODULES: dict[str, list[str]] = {
    "regiekoppeling/rules.py": [
        "tests/test_rules_pinned.py",
        "tests/test_rules.py",
        "tests/api/test_bad_input.py",
        "tests/api/test_productenboek_aanvraag.py",  # the productenboek rules, arrangement onderdelen
    ],
    "regiekoppeling/lifecycle/states.py": ["tests/test_rules.py", "tests/api/test_feedback.py"],
    "regiekoppeling/idempotency.py": ["tests/api/test_idempotency.py", "tests/test_rules_pinned.py"],
    "regiekoppeling/outbox.py": ["tests/test_outbox.py", "tests/test_outbox_lanes.py"],
    "zaken/registration.py": [
        "tests/zaken/test_registration_pinned.py",
        "tests/zaken/test_registration.py",
        "tests/zaken/test_registration_concurrent.py",
        "tests/zaken/test_recovery.py",
        "tests/zaken/test_faults.py",
    ],
    "zaken/statussen.py": [
        "tests/zaken/test_statussen_pinned.py",
        "tests/zaken/test_statussen.py",
        "tests/zaken/test_converge.py",
    ],
    "zaken/besluiten.py": [
        "tests/zaken/test_besluiten_pinned.py",
        "tests/zaken/test_besluiten.py",
        "tests/zaken/test_converge.py",
    ],
    "zaken/concurrent.py": ["tests/zaken/test_concurrent.py", "tests/zaken/test_registration_concurrent.py"],
    "zaken/configcache.py": ["tests/zaken/test_configcache.py", "tests/zaken/test_registration.py"],
    "documenten/upload.py": [
        "tests/zaken/test_documenten_pinned.py",
        "tests/zaken/test_documenten.py",
        "tests/zaken/test_document_berichten.py",
    ],
    "regiekoppeling/berichten/services.py": [
        "tests/berichten/test_fanout_pinned.py",
        "tests/berichten/test_fanout.py",
        "tests/berichten/test_abonnementen.py",
    ],
    "regiekoppeling/iwmo/parse.py": [
        "tests/iwmo/test_parse_pinned.py",
        "tests/iwmo/test_parse.py",
        "tests/iwmo/test_rules.py",  # the rules' errors, located in the XML by the parser
        "tests/iwmo/test_safety.py",
    ],
    "regiekoppeling/iwmo/rules.py": ["tests/iwmo/test_rules.py", "tests/iwmo/test_rules_pinned.py"],
}

# Survivors that are equivalent to the original (no test can tell them apart), with the reason. The
# key is "path | function | change | the mutated line's text", as printed for a survivor: it stays
# valid when lines move; " | #2" marks the second mutant with the same function, change and text.
EQUIVALENT: dict[str, str] = {
    "zaken/configcache.py | config_of | Gt -> GtE | token = _generation() if seconds > 0 else None": (
        "with 0 seconds a copy would be kept with a deadline of now, which `kept[0] > now` never uses: only a "
        "cache read and an unused entry differ"
    ),
    "regiekoppeling/idempotency.py | _existing | Gt -> GtE | if record.created_at > stale:": (
        "a record created exactly at the stale moment (to the microsecond) is the only difference"
    ),
    "regiekoppeling/outbox.py | _run | GtE -> Gt | if item.attempts >= settings.OUTBOX_MAX_ATTEMPTS or spent >= "
    "settings.OUTBOX_RETRY_BUDGET_SECONDS: | #2": (
        "the budget compares float seconds: only an item exactly as old as the budget, to the microsecond, differs"
    ),
    "zaken/concurrent.py | Calls.run | GtE -> Gt | if poll is not None and (not self._pending or "
    "time.monotonic() - polled >= poll_seconds):": (
        "monotonic float seconds after a wait that lasted until the poll was due: only a clock reading exactly "
        "at the deadline, to the nanosecond, differs"
    ),
    "regiekoppeling/iwmo/parse.py | _Mapper._el | And -> Or | if el is not None and name:": (
        "a None element stored under a name is skipped by relocate like an absent one; an empty name is never looked up"
    ),
    'documenten/upload.py | _upload | And -> Or | if body["inhoud"] is None and parts:': (
        "a body without inhoud is sent only from the bestandsdelen threshold on (above 0 bytes), and the "
        "Documenten API answers it with bestandsdelen; an inline body never gets any"
    ),
    "documenten/upload.py | upload_step | 0 -> 1 | inline = (document.bestandsomvang or 0) < "
    "settings.DOCUMENT_BESTANDSDELEN_FROM_BYTES": (
        "every stored upload has its bestandsomvang; without one, 0 and 1 are both below any threshold above 1"
    ),
    'documenten/upload.py | _body | 200 -> 201 | "auteur": (document.auteur or document.indiener.naam)[:200],': (
        "auteur and the applicatie's naam are at most varchar(200): the cut at 200 or 201 never cuts"
    ),
    "zaken/registration.py | _zaak_body | 1000 -> 1001 | "
    '"toelichting": f"Aanvraag {aanvraag.uuid} via de regiekoppeling"[:1000],': (
        "the toelichting is a fixed text of 67 characters, never near the cut"
    ),
    'zaken/registration.py | rol_step | 200 -> 201 | "geslachtsnaam": aanvraag.client_achternaam[:200],': (
        "client_achternaam is a varchar(200): the cut at 200 or 201 never cuts"
    ),
    'zaken/registration.py | rol_step | 80 -> 81 | "voorvoegselGeslachtsnaam": aanvraag.client_voorvoegsel[:80],': (
        "client_voorvoegsel is a varchar(10): the cut at 80 or 81 never cuts"
    ),
    'zaken/registration.py | rol_step | 200 -> 201 | "voornamen": aanvraag.client_voornamen[:200],': (
        "client_voornamen is a varchar(200): the cut at 200 or 201 never cuts"
    ),
}

SWAP_COMPARE = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


Apply = Callable[[Any], None]


@dataclass
class Mutant:
    path: str
    line: int
    change: str
    function: str  # the enclosing def's qualified name, "<module>" at the top
    text: str  # the mutated line as written, stripped
    occurrence: int = 1  # the n-th mutant with this function, change and text (two `>=` on one line)
    original: ast.Module = field(default_factory=lambda: ast.Module(body=[], type_ignores=[]), repr=False)
    index: int = 0  # of the node in _scoped(original)
    apply: Apply = field(default=lambda node: None, repr=False)

    @functools.cached_property
    def tree(self) -> ast.Module:
        """The mutated module, made when needed (making every tree up front is slow)."""
        tree = copy.deepcopy(self.original)
        self.apply([n for n, _ in _scoped(tree)][self.index])
        return tree

    @property
    def where(self) -> str:
        """For --only and for reading: moves when the file changes."""
        return f"{self.path}:{self.line}:{self.change}"

    @property
    def key(self) -> str:
        """For EQUIVALENT: stays while the line's text and its function stay."""
        key = f"{self.path} | {self.function} | {self.change} | {self.text}"
        return key if self.occurrence == 1 else f"{key} | #{self.occurrence}"


def _scoped(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """Every node with a line number and the qualified name of the def around it, in a fixed order."""

    def visit(node: ast.AST, scope: list[str]) -> Iterator[tuple[ast.AST, str]]:
        if hasattr(node, "lineno"):
            yield node, ".".join(scope) or "<module>"
        inner = (
            [*scope, node.name] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else scope
        )
        for child in ast.iter_child_nodes(node):
            yield from visit(child, inner)

    yield from visit(tree, [])


def mutants(path: str, source: str) -> Iterator[Mutant]:
    """Every single-place mutant of the module, in source order."""
    original = ast.parse(source)
    lines = source.splitlines()
    targets = list(_scoped(original))
    seen: dict[tuple[str, str, str], int] = {}
    for index, (node, function) in enumerate(targets):
        for change, apply in _operators(node):
            line = node.lineno  # type: ignore[attr-defined]
            text = lines[line - 1].strip()
            seen[function, change, text] = seen.get((function, change, text), 0) + 1
            yield Mutant(path, line, change, function, text, seen[function, change, text], original, index, apply)


def _operators(node: ast.AST) -> Iterator[tuple[str, Apply]]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAP_COMPARE:
        new = SWAP_COMPARE[type(node.ops[0])]

        def swap(n: ast.Compare, new: type = new) -> None:
            n.ops = [new()]

        yield f"{type(node.ops[0]).__name__} -> {new.__name__}", swap
    if isinstance(node, ast.BoolOp):

        def flip(n: ast.BoolOp) -> None:
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()

        yield f"{type(node.op).__name__} -> {'Or' if isinstance(node.op, ast.And) else 'And'}", flip
    if isinstance(node, ast.If | ast.While):

        def negate(n: ast.If) -> None:
            n.test = ast.UnaryOp(op=ast.Not(), operand=n.test)

        yield "condition negated", negate
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):

        def remove(n: ast.Expr) -> None:
            n.value = ast.Constant(value=None)

        yield "call removed", remove
    if isinstance(node, ast.Constant) and type(node.value) is int and not isinstance(node.value, bool):

        def bump(n: ast.Constant) -> None:
            n.value = int(n.value) + 1  # type: ignore[arg-type]

        yield f"{node.value} -> {node.value + 1}", bump


# --- running the tests against a mutant ------------------------------------------------------------


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _pytest_args(tests: Sequence[str]) -> list[str]:
    return ["-x", "-q", "-p", "no:cacheprovider", "--reuse-db", *tests]


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Hands out the mutated module (compiled from its tree, with the real file name and line
    numbers) instead of the file on disk; only inside a forked test run."""

    def __init__(self, name: str, file: Path, tree: ast.Module) -> None:
        self.name, self.file, self.tree = name, file, tree

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.file, loader=self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exec(compile(self.tree, str(self.file), "exec"), module.__dict__)  # noqa: S102 - our own mutated source


def _project_packages() -> set[str]:
    return {p.name for p in REPO.iterdir() if (p / "__init__.py").exists()} | {"conftest", "manage"}


@dataclass
class Run:
    """One forked test run: of a mutant, or of the unchanged module (mutant None)."""

    path: str
    mutant: Mutant | None
    pid: int
    slot: int
    started: float
    timeout: float | None  # None for a run of the unchanged module: it must end by itself


class Forks:
    """Test runs in forked children of this process, at most `jobs` at a time, each slot on its own
    test database (pytest-django names it test_<NAME>), so that runs side by side do not meet."""

    def __init__(self, *, jobs: int) -> None:
        self.jobs = jobs
        self.running: dict[int, Run] = {}
        self.free = list(range(jobs))
        self.database = _database_url()

    def start(
        self,
        path: str,
        tests: Sequence[str],
        mutant: Mutant | None,
        *,
        timeout: float | None,
        scratch: Path | None = None,
    ) -> None:
        slot = self.free.pop(0)
        pid = os.fork()
        if pid == 0:  # the child: run the tests, never return into the caller
            code = 70
            try:
                code = _child(path, tests, mutant, self.database, slot, scratch)
            except BaseException:  # noqa: BLE001 - printed into the run's log; the exit code says failed
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.running[pid] = Run(path, mutant, pid, slot, time.monotonic(), timeout)

    def wait(self) -> tuple[Run, bool]:
        """The next run that ends, and whether its tests failed (a timeout counts as failed)."""
        while True:
            for pid, run in list(self.running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                timed_out = not done and run.timeout is not None and time.monotonic() - run.started > run.timeout
                if timed_out:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                if done or timed_out:
                    del self.running[pid]
                    self.free.append(run.slot)
                    return run, timed_out or os.waitstatus_to_exitcode(status) != 0
            time.sleep(0.05)

    def stop(self) -> None:
        for pid in list(self.running):
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        self.running.clear()


def _database_url() -> str:
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/regiekoppeling")


def _child(
    path: str, tests: Sequence[str], mutant: Mutant | None, database: str, slot: int, scratch: Path | None
) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    log = os.environ.get("MUTATION_LOG_DIR")  # to read what a run printed: MUTATION_LOG_DIR=/tmp/x
    target = os.path.join(log, f"{os.getpid()}.txt") if log else os.devnull
    output = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(output, 1)
    os.dup2(output, 2)
    base, _, name = database.rpartition("/")
    name, question, query = name.partition("?")
    os.environ["DATABASE_URL"] = f"{base}/{name}_mut{slot}{question}{query}"
    if mutant is not None:
        sys.meta_path.insert(0, _MutantFinder(_module_name(path), REPO / path, mutant.tree))
    lines = _Lines(REPO / path) if scratch is not None else None
    code = int(pytest.main(_pytest_args(tests), plugins=[lines] if lines else []))
    if scratch is not None and lines is not None:
        (scratch / "modules.txt").write_text("\n".join(sorted(sys.modules)))
        (scratch / "lines.json").write_text(json.dumps({"by_line": lines.by_line, "outside": sorted(lines.outside)}))
    return code


class _Lines:
    """Which tests run each line of the module, seen through sys.monitoring in the unchanged run: a
    mutant then runs only the tests that reach its line (a test that never runs the line cannot see
    the change). Lines run outside any test (at import) are left to every test."""

    def __init__(self, file: Path) -> None:
        self.file = str(file)
        self.test: str | None = None
        self.by_line: dict[int, list[str]] = {}
        self.outside: set[int] = set()
        tool = sys.monitoring.COVERAGE_ID
        sys.monitoring.use_tool_id(tool, "mutation")
        sys.monitoring.register_callback(tool, sys.monitoring.events.LINE, self._line)
        sys.monitoring.set_events(tool, sys.monitoring.events.LINE)

    def _line(self, code: types.CodeType, line: int) -> Any:
        # Once per place and test: the events come back for the next test (restart_events).
        if code.co_filename == self.file:
            if self.test is None:
                self.outside.add(line)
            elif self.test not in self.by_line.setdefault(line, [])[-1:]:
                self.by_line[line].append(self.test)
        return sys.monitoring.DISABLE

    def stop(self) -> None:
        sys.monitoring.set_events(sys.monitoring.COVERAGE_ID, 0)
        sys.monitoring.free_tool_id(sys.monitoring.COVERAGE_ID)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        self.test = item.nodeid
        sys.monitoring.restart_events()
        try:
            return (yield)
        finally:
            self.test = None


def tests_for(path: str, mutant: Mutant, lines: dict[str, Any]) -> list[str]:
    """The tests that run the mutated line, in the module's test order; every test of the module when
    the line runs at import or in no test at all (then its mutant survives: no test reaches it)."""
    reached = lines["by_line"].get(str(mutant.line))
    if not reached or mutant.line in lines["outside"]:
        return MODULES[path]
    return list(reached)


def preload(scratch: Path) -> None:
    """Import in this process the third-party modules a test run used, so that every fork has them:
    the project's own modules stay out (a fork must import the mutant fresh), and so do modules that
    cannot be imported before Django is set up."""
    own = _project_packages()
    for name in (scratch / "modules.txt").read_text().split():
        if name.split(".")[0] in own or name in sys.modules:
            continue
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for name in [m for m in sys.modules if m.split(".")[0] in own and m != __name__ and m.split(".")[0] != "devserver"]:
        del sys.modules[name]  # pulled in by a library (e.g. the settings): a fork reads them again


# --- on disk, for --on-disk --------------------------------------------------------------------------


def restore_leftovers() -> list[str]:
    """Put back files a killed run left mutated (their originals are in .mutation-backup/)."""
    restored = []
    if BACKUP.exists():
        for kept in sorted(p for p in BACKUP.rglob("*") if p.is_file()):
            relative = kept.relative_to(BACKUP)
            shutil.copyfile(kept, REPO / relative)
            kept.unlink()
            restored.append(str(relative))
        shutil.rmtree(BACKUP)
    return restored


@contextlib.contextmanager
def written(path: str, mutant: Mutant) -> Iterator[None]:
    """The mutant in the file for the duration; the original back on any way out."""
    file, kept = REPO / path, BACKUP / path
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, kept)
    try:
        file.write_text(ast.unparse(mutant.tree) + "\n")
        yield
    finally:
        shutil.copyfile(kept, file)
        kept.unlink()


def run_on_disk(path: str, tests: Sequence[str], mutant: Mutant, timeout: float) -> bool:
    """True when the tests fail (the mutant is killed), with the mutant written into the file."""
    command = [sys.executable, "-m", "pytest", *_pytest_args(tests)]
    env = {**os.environ, "ALLOW_DEV_SECRET": "1"}
    with written(path, mutant):
        try:
            done = subprocess.run(  # noqa: S603 - our own interpreter and test paths
                command, cwd=REPO, env=env, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return True
    return done.returncode != 0


def _raise_exit(signum: int, frame: types.FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through every `finally`: files restored, forks stopped


# --- the run -----------------------------------------------------------------------------------------


@dataclass
class Result:
    path: str
    total: int = 0
    killed: int = 0
    survivors: list[Mutant] = field(default_factory=list)
    seconds: float = 0.0
    broken: bool = False  # the tests fail without any mutant (before or after): no score

    @property
    def equivalent(self) -> int:
        return sum(m.key in EQUIVALENT for m in self.survivors)

    @property
    def score(self) -> float:
        return 100.0 * (self.killed + self.equivalent) / self.total if self.total else 100.0


def report_module(result: Result, keys: set[str]) -> None:
    if result.broken:
        print(
            f"{result.path}: its tests fail without a mutant, so no score (MUTATION_LOG_DIR keeps the output)",
            flush=True,
        )
        return
    print(
        f"{result.path}: {result.total} mutants, {result.killed} killed, {result.equivalent} equivalent, "
        f"score {result.score:.1f}%, {result.seconds:.0f} s",
        flush=True,
    )
    for mutant in result.survivors:
        reason = EQUIVALENT.get(mutant.key)
        label = f"equivalent ({reason})" if reason else "SURVIVED"
        print(f"  {label}: {mutant.where}\n    key: {mutant.key!r}", flush=True)
    stale = [k for k in EQUIVALENT if k.startswith(result.path + " |") and k not in keys]
    for key in stale:
        print(f"  stale EQUIVALENT entry (no such mutant any more): {key!r}", flush=True)


def table(results: list[Result]) -> None:
    print(f"\n{'module':<40} {'mutants':>7} {'killed':>6} {'equiv.':>6} {'score':>6} {'seconds':>7}")
    for r in results:
        score = "broken" if r.broken else f"{r.score:.1f}%"
        print(f"{r.path:<40} {r.total:>7} {r.killed:>6} {r.equivalent:>6} {score:>6} {r.seconds:>7.0f}")


def run_forked(chosen: list[str], only: set[str] | None, limit: int | None, jobs: int, timeout: float) -> list[Result]:
    forks = Forks(jobs=jobs)
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
            for path in chosen:
                result, found, keys = _prepare(path, only, limit)
                started = time.monotonic()
                # The unchanged module first: its tests must pass, and the fork learns what to preload
                # and which tests run which line.
                forks.start(path, MODULES[path], None, timeout=None, scratch=Path(scratch))
                _, failed = forks.wait()
                # A mutant that makes the tests hang is killed; "hang" is measured against the unchanged
                # run, since on a loaded machine a normal run can take minutes.
                limit_seconds = max(timeout, 3 * (time.monotonic() - started))
                if not failed:
                    preload(Path(scratch))
                    lines = json.loads((Path(scratch) / "lines.json").read_text())
                    if os.environ.get("MUTATION_LOG_DIR"):
                        name = path.replace("/", "_")
                        shutil.copyfile(Path(scratch) / "lines.json", Path(os.environ["MUTATION_LOG_DIR"]) / name)
                    _run_all(forks, path, found, result, lines, limit_seconds)
                    # The unchanged module once more, in a fork of the preloaded process: were a fork
                    # broken by the preloading, every mutant would look killed.
                    forks.start(path, MODULES[path], None, timeout=None)
                    _, failed = forks.wait()
                result.broken = failed
                result.seconds = time.monotonic() - started
                report_module(result, keys)
                results.append(result)
    finally:
        forks.stop()
    return results


def _prepare(path: str, only: set[str] | None, limit: int | None) -> tuple[Result, list[Mutant], set[str]]:
    every = list(mutants(path, (REPO / path).read_text()))
    found = [m for m in every if only is None or m.where in only][:limit]
    return Result(path, total=len(found)), found, {m.key for m in every}


def _run_all(
    forks: Forks, path: str, found: list[Mutant], result: Result, lines: dict[str, Any], timeout: float
) -> None:
    queue = list(found)
    done = 0
    while queue or forks.running:
        while queue and forks.free:
            mutant = queue.pop(0)
            forks.start(path, tests_for(path, mutant, lines), mutant, timeout=timeout)
        run, failed = forks.wait()
        assert run.mutant is not None
        done += 1
        if failed:
            result.killed += 1
        else:
            result.survivors.append(run.mutant)
        print(f"  {path}: {done}/{len(found)} mutants, {result.killed} killed", file=sys.stderr, flush=True)
    result.survivors.sort(key=lambda m: m.line)


def run_disk(chosen: list[str], only: set[str] | None, limit: int | None, timeout: float) -> list[Result]:
    results = []
    for path in chosen:
        result, found, keys = _prepare(path, only, limit)
        started = time.monotonic()
        for number, mutant in enumerate(found, start=1):
            if run_on_disk(path, MODULES[path], mutant, timeout):
                result.killed += 1
            else:
                result.survivors.append(mutant)
            print(f"  {path}: {number}/{len(found)} mutants, {result.killed} killed", file=sys.stderr, flush=True)
        result.seconds = time.monotonic() - started
        report_module(result, keys)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devserver.mutation", description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", choices=list(MODULES), help="a core module (default: all)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many mutants per module")
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds a mutant's test run may take (at least 3 times the unchanged run; longer: killed)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="test runs side by side (each its own database)")
    parser.add_argument("--on-disk", action="store_true", help="write each mutant into the file (one at a time)")
    parser.add_argument(
        "--only", action="append", help='just this mutant, as printed: "path:line:change" (to recheck a survivor)'
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("ALLOW_DEV_SECRET", "1")
    for restored in restore_leftovers():
        print(f"restored {restored} from a mutation run that was killed", flush=True)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_exit)
    only = set(args.only) if args.only else None
    chosen = args.module or sorted({o.split(":")[0] for o in only or ()}) or list(MODULES)
    started = time.monotonic()
    if args.on_disk:
        results = run_disk(chosen, only, args.limit, args.timeout)
    else:
        results = run_forked(chosen, only, args.limit, max(1, args.jobs), args.timeout)
    table(results)
    print(f"in {time.monotonic() - started:.0f} s")
    low = [r.path for r in results if r.broken or r.score < 90.0]
    if low:
        print("below 90% (or broken): " + ", ".join(low))
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
