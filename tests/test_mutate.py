"""The project's mutator (scripts/mutate.py): its mutants compile and change the code, and every
survivor docs/testing.md calls equivalent is still a mutant of today's code."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
mutate = importlib.util.module_from_spec(spec)
sys.modules.setdefault("mutate", mutate)  # dataclasses look their module up there
spec.loader.exec_module(mutate)


@pytest.mark.parametrize("module", sorted(mutate.MODULES))
def test_mutate_every_module_and_test_file_exists(module):
    source, tests = mutate.MODULES[module]
    assert (ROOT / source).is_file() and all((ROOT / t).is_file() for t in tests)


def test_mutate_mutants_compile_and_differ_from_the_original():
    original = ast.unparse(ast.parse((ROOT / mutate.MODULES["detect"][0]).read_text()))
    ms = mutate.mutants_of("detect")
    assert {m.op for m in ms} >= {"flip", "boundary", "return"}
    for m in ms:
        text = mutate.mutated_source(m)
        compile(text, "detect.py", "exec")
        assert text != original, m.key


def test_mutate_equivalent_survivors_are_mutants_of_todays_code():
    known = mutate.equivalents()
    assert known, "docs/testing.md lists no equivalent survivors: the table was not found"
    keys = {m.key for name in mutate.MODULES for m in mutate.mutants_of(name)}
    stale = sorted(set(known) - keys)
    assert not stale, f"docs/testing.md names mutants the code no longer has: {stale}"
    assert all(why.strip() for why in known.values())
