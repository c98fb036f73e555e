"""Mutation testing of the core, by hand: `make mutation` (not part of `make test`).

For each core module every mutant (one small change at one place: a comparison flipped or moved by
one, `and`/`or` swapped, a `not` dropped, a condition negated, a call statement removed, a number
moved by one) is written into the file, the tests that cover the module run (stopping at the first
failure), and the mutant counts as killed when they fail or time out. The file is restored after
every mutant, also on Ctrl-C. Prints a score per module and every survivor (line and change);
`EQUIVALENT` lists the survivors that cannot be killed, with the reason.

    python -m devserver.launcher exec -- .venv/bin/python -m devserver.mutation [--module PATH] [--limit N]
    ... -m devserver.mutation --only "zaken/registration.py:142:condition negated"   # recheck one survivor
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# The core modules and the tests that cover them (the mutants of a module run only these; the fast
# pinning tests first, since a run stops at the first failure).
MODULES: dict[str, list[str]] = {
    "regiekoppeling/rules.py": ["tests/test_rules.py", "tests/test_rules_pinned.py", "tests/api/test_bad_input.py"],
    "regiekoppeling/lifecycle/states.py": ["tests/test_rules.py", "tests/api/test_feedback.py"],
    "regiekoppeling/idempotency.py": ["tests/api/test_idempotency.py", "tests/test_rules_pinned.py"],
    "regiekoppeling/outbox.py": ["tests/test_outbox.py", "tests/test_outbox_lanes.py"],
    "zaken/registration.py": [
        "tests/zaken/test_registration_pinned.py",
        "tests/zaken/test_registration.py",
        "tests/zaken/test_recovery.py",
        "tests/zaken/test_faults.py",
    ],
    "zaken/statussen.py": [
        "tests/zaken/test_statussen_pinned.py",
        "tests/zaken/test_statussen.py",
        "tests/zaken/test_converge.py",
    ],
    "zaken/besluiten.py": ["tests/zaken/test_besluiten.py", "tests/zaken/test_converge.py"],
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

# Survivors that are equivalent to the original (no test can tell them apart), by "path:line:change".
_LOG = "only a log line for the operator, which no behaviour depends on"
EQUIVALENT: dict[str, str] = {
    "regiekoppeling/idempotency.py:59:Gt -> GtE": (
        "a record created exactly at the stale moment (to the microsecond) is the only difference"
    ),
    "regiekoppeling/outbox.py:61:call removed": "BaseException.__new__ already keeps the message in args",
    "regiekoppeling/outbox.py:69:call removed": "BaseException.__new__ already keeps the message in args",
    "regiekoppeling/outbox.py:129:condition negated": _LOG,
    "regiekoppeling/outbox.py:130:call removed": _LOG,
    "regiekoppeling/outbox.py:169:call removed": _LOG,
    "regiekoppeling/outbox.py:174:call removed": _LOG,
    "regiekoppeling/outbox.py:222:call removed": _LOG,
    "regiekoppeling/outbox.py:276:call removed": _LOG,
    "regiekoppeling/outbox.py:224:GtE -> Gt": (
        "the budget compares float seconds: only an item exactly as old as the budget, to the microsecond, differs"
    ),
    "regiekoppeling/iwmo/parse.py:229:And -> Or": (
        "a None element stored under a name is skipped by relocate like an absent one; an empty name is never looked up"
    ),
    "zaken/registration.py:116:1000 -> 1001": "the toelichting is a fixed text of 67 characters, never near the cut",
    "zaken/registration.py:200:200 -> 201": "client_achternaam is a varchar(200): the cut at 200 or 201 never cuts",
    "zaken/registration.py:201:80 -> 81": "client_voorvoegsel is a varchar(10): the cut at 80 or 81 never cuts",
    "zaken/registration.py:202:200 -> 201": "client_voornamen is a varchar(200): the cut at 200 or 201 never cuts",
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


@dataclass
class Mutant:
    line: int
    change: str
    tree: ast.Module


def mutants(source: str) -> Iterator[Mutant]:
    """Every single-place mutant of the module, in source order."""
    original = ast.parse(source)
    targets = [n for n in ast.walk(original) if hasattr(n, "lineno")]
    for index, node in enumerate(targets):
        for change, apply in _operators(node):
            tree = copy.deepcopy(original)
            twin = [n for n in ast.walk(tree) if hasattr(n, "lineno")][index]
            if apply(twin):
                yield Mutant(node.lineno, change, tree)


Apply = Callable[[Any], bool]


def _operators(node: ast.AST) -> Iterator[tuple[str, Apply]]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAP_COMPARE:
        new = SWAP_COMPARE[type(node.ops[0])]

        def swap(n: ast.Compare, new: type = new) -> bool:
            n.ops = [new()]
            return True

        yield f"{type(node.ops[0]).__name__} -> {new.__name__}", swap
    if isinstance(node, ast.BoolOp):

        def flip(n: ast.BoolOp) -> bool:
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
            return True

        yield f"{type(node.op).__name__} -> {'Or' if isinstance(node.op, ast.And) else 'And'}", flip
    if isinstance(node, ast.If | ast.While):

        def negate(n: ast.If) -> bool:
            n.test = ast.UnaryOp(op=ast.Not(), operand=n.test)
            return True

        yield "condition negated", negate
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):

        def remove(n: ast.Expr) -> bool:
            n.value = ast.Constant(value=None)
            return True

        yield "call removed", remove
    if isinstance(node, ast.Constant) and type(node.value) is int and not isinstance(node.value, bool):

        def bump(n: ast.Constant) -> bool:
            n.value = int(n.value) + 1  # type: ignore[arg-type]
            return True

        yield f"{node.value} -> {node.value + 1}", bump


def run_tests(tests: list[str], timeout: float) -> bool:
    """True when the tests fail (the mutant is killed)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--reuse-db", *tests]
    env = {**os.environ, "ALLOW_DEV_SECRET": "1"}
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and test paths
            command, cwd=REPO, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return True
    return done.returncode != 0


def mutate_module(
    path: str, tests: list[str], *, limit: int | None, timeout: float, only: set[str] | None = None
) -> tuple[int, int, list[str]]:
    file = REPO / path
    source = file.read_text()
    found = [m for m in mutants(source) if only is None or f"{path}:{m.line}:{m.change}" in only][:limit]
    killed, survivors = 0, []
    try:
        for number, mutant in enumerate(found, start=1):
            file.write_text(ast.unparse(mutant.tree) + "\n")
            if run_tests(tests, timeout):
                killed += 1
            else:
                name = f"{path}:{mutant.line}:{mutant.change}"
                survivors.append(name + (f"  (equivalent: {EQUIVALENT[name]})" if name in EQUIVALENT else ""))
            print(f"  {path}: {number}/{len(found)} mutants, {killed} killed", file=sys.stderr, flush=True)
    finally:
        file.write_text(source)
    return len(found), killed, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devserver.mutation", description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", help="one of the core modules (default: all)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many mutants per module")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per test run (longer: killed)")
    parser.add_argument(
        "--only", action="append", help='just this mutant, as printed: "path:line:change" (to recheck a survivor)'
    )
    args = parser.parse_args(argv)
    only = set(args.only) if args.only else None
    chosen = args.module or sorted({o.split(":")[0] for o in only or ()}) or list(MODULES)
    started = time.monotonic()
    rows = []
    for path in chosen:
        total, killed, survivors = mutate_module(path, MODULES[path], limit=args.limit, timeout=args.timeout, only=only)
        equivalent = sum("(equivalent:" in s for s in survivors)
        score = 100.0 * (killed + equivalent) / total if total else 100.0
        rows.append((path, total, killed, equivalent, score, survivors))
    print(f"{'module':<40} {'mutants':>7} {'killed':>6} {'equiv.':>6} {'score':>6}")
    for path, total, killed, equivalent, score, _ in rows:
        print(f"{path:<40} {total:>7} {killed:>6} {equivalent:>6} {score:>5.1f}%")
    for *_, survivors in rows:
        for survivor in survivors:
            print(f"survivor {survivor}")
    print(f"in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
