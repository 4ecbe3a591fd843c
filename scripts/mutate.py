"""The project's own mutation testing: small AST mutants of the core modules, each run against the
tests that cover its module, with a score per module and the surviving mutants listed.

    .venv/bin/python scripts/mutate.py [--module NAME ...] [--sample N] [--seed S] [--jobs J]
    .venv/bin/python scripts/mutate.py --list --module timefmt
    .venv/bin/python scripts/mutate.py --module auth --match "_recook"

Each worker holds a copy of the tree; a mutant is written over its module there and the module's
tests run with `-x -q -p no:randomly` under a per-mutant timeout (a timeout counts as killed).
Survivors judged equivalent are listed in docs/testing.md (the table under "Equivalent
survivors"), read from there so that the score excluding them has one source of truth."""

from __future__ import annotations

import argparse
import ast
import copy
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"

# module name -> (source file, the tests that cover it: the fast, direct ones first, since -x
# stops at the first failure)
MODULES: dict[str, tuple[str, list[str]]] = {
    "outcome": ("cisco_esa/core/outcome.py",
                ["tests/test_outcome.py", "tests/test_transport_errors.py"]),
    "params": ("cisco_esa/core/params.py",
               ["tests/test_params.py", "tests/test_registry.py"]),
    "timefmt": ("cisco_esa/core/timefmt.py", ["tests/test_timefmt.py"]),
    "transport": ("cisco_esa/asyncos/transport.py",
                  ["tests/test_transport.py", "tests/test_transport_errors.py"]),
    "auth": ("cisco_esa/asyncos/auth.py",
             ["tests/test_transport.py", "tests/test_transport_errors.py"]),
    "body": ("cisco_esa/asyncos/body.py",
             ["tests/test_body.py", "tests/test_transport.py", "tests/test_transport_errors.py"]),
    "detect": ("cisco_esa/asyncos/detect.py",
               ["tests/test_transport.py", "tests/test_transport_errors.py"]),
    "checkpoint": ("cisco_esa/fetch/checkpoint.py",
                   ["tests/test_checkpoint.py", "tests/hostile/test_state_file.py"]),
    "engine": ("cisco_esa/fetch/engine.py",
               ["tests/commands/test_fetch_event.py", "tests/test_fetch_properties.py"]),
    "mapping": ("cisco_esa/fetch/mapping.py", ["tests/test_mapping.py"]),
    "yamldoc": ("cisco_esa/core/yamldoc.py", ["tests/test_yamldoc.py"]),
    "validcache": ("cisco_esa/core/validcache.py", ["tests/test_validcache.py"]),
    "jsoncodec": ("cisco_esa/core/jsoncodec.py", ["tests/test_jsoncodec.py"]),
    "heap": ("cisco_esa/core/heap.py", ["tests/test_heap.py"]),
}

SKIP_COPY = {".venv", ".git", "dist", ".pytest_cache", ".hypothesis", "__pycache__"}


@dataclass
class Mutant:
    module: str
    index: int          # position of the node in _walk order
    variant: int        # which of the node's mutations
    line: int
    where: str          # enclosing function or class qualname
    op: str             # operator family
    before: str
    after: str
    nth: int = 1        # the same change more than once in one function: its rank

    @property
    def key(self) -> str:
        """Stable across line shifts: module, function and the change itself."""
        key = f"{self.module} | {self.where} | {self.op}: {self.before} -> {self.after}"
        return key if self.nth == 1 else f"{key} #{self.nth}"


# --- operators -------------------------------------------------------------------------------

NEGATE = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt,
          ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
          ast.In: ast.NotIn, ast.NotIn: ast.In}
BOUNDARY = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}


def _variants(node: ast.AST, parent: ast.AST | None) -> list[tuple[str, object]]:
    """The mutations of one node: (operator family, replacement), where a replacement is a node
    or, for a statement, the marker "drop"."""
    out: list[tuple[str, object]] = []
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op = type(node.ops[0])
        for family, table in (("flip", NEGATE), ("boundary", BOUNDARY)):
            if op in table:
                new = copy.deepcopy(node)
                new.ops = [table[op]()]
                out.append((family, new))
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(("and/or", new))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("not", copy.deepcopy(node.operand)))
    elif isinstance(node, ast.Constant) and not isinstance(parent, ast.JoinedStr):
        v = node.value
        if isinstance(v, bool):
            out.append(("constant", ast.Constant(not v)))
        elif v is None:
            if not isinstance(parent, ast.Compare):       # `x is None` is the flip's job
                out.append(("constant", ast.Constant(True)))
        elif isinstance(v, int):
            out.append(("boundary", ast.Constant(v + 1)))
            if v != 0:
                out.append(("boundary", ast.Constant(v - 1)))
    elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        out.append(("return", ast.Return(value=ast.Constant(None))))
    if isinstance(node, (ast.Expr, ast.AugAssign, ast.Raise, ast.Continue, ast.Break)) and not (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        out.append(("drop", "drop"))
    return out


def _skip_lines(source: str) -> set[int]:
    return {i for i, line in enumerate(source.splitlines(), 1) if "pragma: no mutate" in line}


def _walk(tree: ast.AST):
    """ast.walk with each node's parent and enclosing qualname, in a fixed order."""
    stack = [(tree, None, "")]
    while stack:
        node, parent, where = stack.pop(0)
        yield node, parent, where
        inner = where
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = f"{where}.{node.name}" if where else node.name
        for child in ast.iter_child_nodes(node):
            stack.append((child, node, inner))


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """Nodes inside annotations or the module's `__all__`: mutating them changes nothing."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        parts = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parts = [a.annotation for a in ast.walk(node.args) if isinstance(a, ast.arg)]
            parts.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            parts = [node.annotation]
        for p in parts:
            if p is not None:
                skip.update(id(n) for n in ast.walk(p))
    return skip


def mutants_of(module: str) -> list[Mutant]:
    path = ROOT / MODULES[module][0]
    source = path.read_text()
    tree = ast.parse(source)
    skip_lines = _skip_lines(source)
    skip_nodes = _annotation_nodes(tree)
    found = []
    for index, (node, parent, where) in enumerate(_walk(tree)):
        if id(node) in skip_nodes or getattr(node, "lineno", None) in skip_lines:
            continue
        for variant, (op, new) in enumerate(_variants(node, parent)):
            before = ast.unparse(node).splitlines()[0][:80]
            after = "<dropped>" if new == "drop" else ast.unparse(new).splitlines()[0][:80]
            if isinstance(parent, ast.keyword) and parent.arg:
                # `raise_on_status=False` and `raise_on_redirect=False` on one line stay two keys
                before, after = f"{parent.arg}={before}", f"{parent.arg}={after}"
            m = Mutant(module, index, variant, node.lineno, where or "<module>", op, before, after)
            while any(f.key == m.key for f in found):
                m.nth += 1
            found.append(m)
    return found


class _Apply(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement):
        self.target, self.replacement = target, replacement

    def visit(self, node):
        if node is self.target:
            return ast.Pass() if self.replacement == "drop" else self.replacement
        return super().visit(node)


def mutated_source(m: Mutant) -> str:
    tree = ast.parse((ROOT / MODULES[m.module][0]).read_text())
    for index, (node, parent, _) in enumerate(_walk(tree)):
        if index == m.index:
            _, new = _variants(node, parent)[m.variant]
            if new != "drop":
                ast.copy_location(new, node)
            tree = _Apply(node, new).visit(tree)
            ast.fix_missing_locations(tree)
            return ast.unparse(tree)
    raise LookupError(m.key)


# --- running ---------------------------------------------------------------------------------

def _copy_tree(dest: Path) -> None:
    shutil.copytree(ROOT, dest, ignore=lambda d, names: [n for n in names if n in SKIP_COPY],
                    symlinks=True)


def _run_tests(workdir: Path, tests: list[str], timeout: float) -> str:
    env = dict(os.environ, PYTHONPATH=str(workdir))
    try:
        proc = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-x", "-q",
             "-p", "no:randomly", "-p", "no:cacheprovider", *tests],
            cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if proc.returncode == 0 else "killed"


def _write(workdir: Path, rel: str, text: str) -> None:
    target = workdir / rel
    # a stale .pyc with the same size and mtime second would hide the change
    for pyc in (target.parent / "__pycache__").glob(target.stem + ".*.pyc"):
        pyc.unlink()
    target.write_text(text)


def equivalents() -> dict[str, str]:
    """Keys of the survivors judged equivalent -> why, from the table in docs/testing.md."""
    if not DOC.exists():
        return {}
    out = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\|\s*`(.+?)`\s*\|\s*(.+?)\s*\|\s*$", line)
        if m:
            out[m.group(1).replace("\\|", "|")] = m.group(2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", action="append", choices=sorted(MODULES),
                    help="restrict to these modules (repeatable); default all")
    ap.add_argument("--sample", type=int, help="at most N mutants per module, drawn at random")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--match", action="append", metavar="TEXT",
                    help="only the mutants whose key holds TEXT (repeatable), e.g. to re-run survivors")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = ap.parse_args(argv)
    modules = args.module or list(MODULES)
    known = equivalents()

    plan: dict[str, list[Mutant]] = {}
    for name in modules:
        ms = mutants_of(name)
        if args.match:
            ms = [m for m in ms if any(t in m.key for t in args.match)]
        if args.sample and len(ms) > args.sample:
            ms = sorted(random.Random(f"{args.seed}:{name}").sample(ms, args.sample),
                        key=lambda m: (m.index, m.variant))
        plan[name] = ms
    if args.list:
        for ms in plan.values():
            for m in ms:
                print(f"L{m.line}: {m.key}")
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="mutate-"))
    workers: Queue = Queue()
    for j in range(args.jobs):
        _copy_tree(tmp / f"w{j}")
        workers.put(tmp / f"w{j}")
    started = time.monotonic()
    results: dict[str, list[tuple[Mutant, str]]] = {}
    try:
        for name, ms in plan.items():
            rel, tests = MODULES[name]
            original = (ROOT / rel).read_text()
            # the baseline: the unmutated module, written the way mutants are (ast.unparse), passes
            w = workers.get()
            t0 = time.monotonic()
            _write(w, rel, ast.unparse(ast.parse(original)))
            base = _run_tests(w, tests, timeout=1800)
            took = time.monotonic() - t0
            _write(w, rel, original)
            workers.put(w)
            if base != "survived":
                print(f"{name}: the baseline fails ({base}); fix the suite first", flush=True)
                return 2
            timeout = 3 * took + 30

            def one(m: Mutant) -> tuple[Mutant, str]:
                wd = workers.get()
                try:
                    _write(wd, rel, mutated_source(m))
                    return m, _run_tests(wd, tests, timeout)
                finally:
                    _write(wd, rel, original)
                    workers.put(wd)

            with ThreadPoolExecutor(args.jobs) as pool:
                results[name] = list(pool.map(one, ms))
            _report(name, results[name], known, took)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntotal time {time.monotonic() - started:.0f} s")
    total = [r for rs in results.values() for r in rs]
    _report("all", total, known, None)
    return 0


def _report(name: str, rs: list[tuple[Mutant, str]], known: dict[str, str], took) -> None:
    killed = sum(1 for _, r in rs if r != "survived")
    surv = [m for m, r in rs if r == "survived"]
    equiv = [m for m in surv if m.key in known]
    real = [m for m in surv if m.key not in known]
    denom = len(rs) - len(equiv)
    score = 100.0 * killed / denom if denom else 100.0
    base = f", baseline {took:.0f} s" if took is not None else ""
    print(f"\n{name}: {len(rs)} mutants, {killed} killed, {len(surv)} survived "
          f"({len(equiv)} equivalent) -> {score:.1f} % excluding equivalents{base}", flush=True)
    if name != "all":
        for m in real:
            print(f"  SURVIVED L{m.line}: `{m.key}`", flush=True)


if __name__ == "__main__":
    sys.exit(main())
