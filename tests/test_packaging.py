"""Packaging truth (issue 15 point 8, issue 16 point 10): pyproject's requires-python is what the
dependencies allow, and CI tests that floor from pyenv rather than assuming it."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata

from cisco_esa.core import resources

ROOT = resources.BUNDLE


def _floor(spec: str) -> tuple[int, ...]:
    m = re.fullmatch(r">=\s*(\d+(?:\.\d+)*)", spec.strip())
    assert m, f"requires-python {spec!r} is not a plain floor"
    return tuple(int(p) for p in m.group(1).split("."))


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_packaging_requires_python_no_lower_than_any_dependency_allows():
    ours = _floor(_project()["requires-python"])
    dists = [re.match(r"[A-Za-z0-9._-]+", d).group() for d in _project()["dependencies"]]
    assert {"jsonpath-ng", "jsonschema", "requests", "urllib3", "PyYAML", "orjson"} <= set(dists)
    for dist in dists:
        theirs = metadata.metadata(dist).get("Requires-Python")
        if theirs:
            floors = [_floor(part) for part in theirs.split(",") if part.strip().startswith(">=")]
            assert all(f <= ours for f in floors), f"{dist} needs Python {theirs}, we claim {ours}"


def test_packaging_jsonpath_ng_pin_is_the_line_that_needs_3_11():
    # the 1.16 line's own metadata says 3.11; a lower claim of ours would be untrue (issue 15 point 8)
    assert any(d.startswith("jsonpath-ng>=1.16") for d in _project()["dependencies"])
    assert _floor(_project()["requires-python"]) >= (3, 11)
    assert sys.version_info[:2] >= _floor(_project()["requires-python"])


def test_packaging_classifiers_start_at_the_floor():
    floor = ".".join(map(str, _floor(_project()["requires-python"])))
    versions = [c.rsplit(" ", 1)[-1] for c in _project()["classifiers"] if re.search(r":: 3\.\d+$", c)]
    assert versions and versions[0] == floor


def test_packaging_ci_tests_the_floor_from_pyenv():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "requires-python" in ci and "pyenv versions --bare" in ci
    assert "untested" in ci  # a missing floor interpreter fails CI instead of passing quietly


def test_packaging_readme_says_which_pythons_and_why_not_older():
    readme = (ROOT / "README.md").read_text()
    floor = ".".join(map(str, _floor(_project()["requires-python"])))
    assert f"Python {floor} or newer" in readme and "3.9.12" in readme
