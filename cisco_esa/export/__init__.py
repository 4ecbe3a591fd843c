"""`cisco-esa export PLATFORM DIR`: packages for SOAR platforms, generated from the manifest, the
schemas and the golden samples (contract §4). Each is thin glue over `Integration.run`."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

# platform name -> generator module (each has export(model, dir) -> written paths)
PLATFORMS = {"splunk-soar": "splunk", "xsoar": "xsoar", "d3": "d3"}


def export(platform: str, out: str | Path) -> list[Path]:
    """Write the package for `platform` under `out`; returns the files written."""
    from cisco_esa.export.model import load

    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; one of: {', '.join(PLATFORMS)}")
    generator = import_module(f"cisco_esa.export.{PLATFORMS[platform]}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return generator.export(load(), out)
