"""The simulator is its own package: it imports nothing from `cisco_esa` (so a misreading of the
appliance cannot hide on both sides), only the standard library, and trustme only when --tls runs."""

import ast
import subprocess
import sys
from pathlib import Path

import esa_simulator

PACKAGE = Path(esa_simulator.__file__).parent
LAZY_ONLY = {"trustme"}  # the `tls` extra: imported inside the function that needs it


def _imports(tree):
    """(top-level module name, imported at module level?) for every absolute import."""
    lazy = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            yield name.split(".")[0], id(node) not in lazy, node.lineno


def test_simulator_imports_nothing_of_the_runtime_and_only_the_standard_library():
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 10
    problems = []
    for path in modules:
        for name, top_level, line in _imports(ast.parse(path.read_text(), str(path))):
            where = f"{path.name}:{line} imports {name}"
            if name == "cisco_esa":
                problems.append(where)
            elif name in LAZY_ONLY:
                if top_level:
                    problems.append(where + " at module level")
            elif name not in sys.stdlib_module_names and name != "__future__":
                problems.append(where + " (not the standard library)")
    assert problems == []


def test_reading_the_options_builds_nothing():
    # cisco-esa's parser reads the simulator's options on every start: that must stay cheap
    code = "import sys, esa_simulator.cli; print(sorted(m for m in sys.modules if m.startswith('esa_simulator')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['esa_simulator', 'esa_simulator.cli']"
