"""The dependency rule of docs/architecture.md, checked on the source: arrows point down only.
commands -> asyncos, core; fetch -> asyncos, core; asyncos -> the core's leaf modules; core ->
nothing above it; the simulator -> nothing of the runtime."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The core's leaf modules (no imports of the runtime themselves) that the appliance layer may use:
# the outcomes and error table, the secret set it masks bodies with, and time formatting.
CORE_LEAVES = {"cisco_esa.core.outcome", "cisco_esa.core.redaction", "cisco_esa.core.timefmt"}
ALLOWED = {
    "commands": ("cisco_esa.asyncos", "cisco_esa.core", "cisco_esa.commands", "cisco_esa.fetch"),
    "cisco_esa.fetch": ("cisco_esa.asyncos", "cisco_esa.core", "cisco_esa.fetch"),
    "cisco_esa.asyncos": ("cisco_esa.asyncos", *CORE_LEAVES),
    "cisco_esa.core": ("cisco_esa.core",),
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n.split(".")[0] in ("cisco_esa", "commands", "esa_simulator")}


def _modules(layer: str) -> list[Path]:
    folder = ROOT / "commands" if layer == "commands" else ROOT.joinpath(*layer.split("."))
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]


def _allowed(name: str, prefixes: tuple[str, ...]) -> bool:
    # `from cisco_esa.core import outcome` names cisco_esa.core and cisco_esa.core.outcome: judge the longest
    return any(name == p or name.startswith(p + ".") for p in prefixes) or any(
        p.startswith(name + ".") for p in prefixes)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_each_layer_imports_only_what_is_below_it(layer):
    wrong = {}
    for path in _modules(layer):
        bad = sorted(n for n in _imports(path) if not _allowed(n, ALLOWED[layer]))
        if bad:
            wrong[str(path.relative_to(ROOT))] = bad
    assert wrong == {}


def test_layers_core_leaves_import_nothing_of_the_runtime():
    for name in CORE_LEAVES:
        path = ROOT.joinpath(*name.split(".")).with_suffix(".py")
        assert _imports(path) <= CORE_LEAVES, path


def test_layers_simulator_imports_nothing_of_the_runtime():
    folder = ROOT / "esa_simulator"
    wrong = {str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if not n.startswith("esa_simulator"))
             for p in folder.rglob("*.py")}
    assert {k: v for k, v in wrong.items() if v} == {}
