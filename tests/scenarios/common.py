"""What every command test module needs: an Integration aimed at a requests-mock appliance, the
failure triplet of an envelope, the reference captures."""

from __future__ import annotations

import json
from pathlib import Path

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW

SERVER = "https://esa.test:6443"
BASIC = {"server_url": SERVER, "username": "u", "password": "p", "auth": "basic"}
CAPTURES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "captures"


def mocked(appliance: str | None = None) -> Integration:
    """An Integration with basic auth against SERVER (mocked by the test); `appliance` is left unset unless given."""
    connection = dict(BASIC) if appliance is None else {**BASIC, "appliance": appliance}
    return Integration(connection, clock=lambda: FROZEN_NOW)


def failure(display_name: str, status, message) -> dict:
    return {"failure_indicator": f"{display_name} failed.", "status_code": status, "message": message}


def capture(name: str) -> dict:
    return json.loads((CAPTURES / name).read_text())

