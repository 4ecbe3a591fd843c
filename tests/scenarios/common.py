"""What every command test module needs: an Integration aimed at a requests-mock appliance, the
failure triplet of an envelope, the reference captures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW

SERVER = "https://esa.test:6443"
BASIC = {"server_url": SERVER, "username": "u", "password": "p", "auth": "basic"}
# CISCO_ESA_CAPTURES points elsewhere (tests/test_fresh_clone.py uses it to play a user's clone).
CAPTURES = Path(os.environ.get("CISCO_ESA_CAPTURES")
                or Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "captures")


def mocked(appliance: str | None = None) -> Integration:
    """An Integration with basic auth against SERVER (mocked by the test); `appliance` is left unset unless given."""
    connection = dict(BASIC) if appliance is None else {**BASIC, "appliance": appliance}
    return Integration(connection, clock=lambda: FROZEN_NOW)


def failure(display_name: str, status, message) -> dict:
    return {"failure_indicator": f"{display_name} failed.", "status_code": status, "message": message}


CAPTURES_MISSING = ("reference captures not available: they live in ../shared/reference/captures beside the "
                    "repository, which a user's clone does not have (CI has them)")


def capture(name: str) -> dict:
    """A published appliance answer; the calling test skips (one reason, said once) when the folder is absent."""
    path = CAPTURES / name
    if not path.is_file():
        pytest.skip(CAPTURES_MISSING)
    return json.loads(path.read_text())


def optional_captures(*names: str) -> list:
    """Captures to add to a list of our own bodies: [] when the folder is absent, so our bodies still run."""
    return [capture(n) for n in names] if CAPTURES.is_dir() else []

