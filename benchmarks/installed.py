"""Bytecode for the package, as an installed wheel has it: pip compiles every module when it installs
one, so a user's `cisco-esa` never compiles our source at start. An editable checkout on a machine
that sets PYTHONDONTWRITEBYTECODE=1 (this one does) would compile it on every start instead, while the
dependencies we compare against load their compiled bytecode; the benchmarks compile ours first so
both sides start the way an installed tool does."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cisco_esa", "commands", "esa_simulator")


def compile_package() -> str:
    """Compile the package's modules into their __pycache__; a line saying so, for the report."""
    ok = all(compileall.compile_dir(str(ROOT / name), quiet=1) for name in PACKAGES if (ROOT / name).is_dir())
    writes = "PYTHONDONTWRITEBYTECODE=1 here" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "bytecode writes on"
    return (f"bytecode: {', '.join(PACKAGES)} compiled as a wheel install compiles them ({writes})"
            + ("" if ok else " -- some modules did not compile"))
