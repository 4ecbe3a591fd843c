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


# Our own answers in the captures' shapes, written by us (tests/test_fixtures.py checks the shapes).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(name: str) -> dict:
    """Our own answer standing in for the capture of that name; always present."""
    return json.loads((FIXTURES / name).read_text())


def bodies(name: str) -> list:
    """Our answer, then the capture of that name when the captures are present: a test over both."""
    return [fixture(name), *optional_captures(name)]


# A test over both: `@pytest.mark.parametrize("source", SOURCES)` and `answer(source, name)`; the
# capture case skips (one reason) on a clone without ../shared, ours always runs.
SOURCES = ("ours", "capture")


def answer(source: str, name: str) -> dict:
    return fixture(name) if source == "ours" else capture(name)



class Recorder:
    """A stand-in transport with no HTTP: records each request and answers every one with `answer`."""

    appliance = "esa"

    def __init__(self, answer=None):
        self.calls: list[tuple] = []
        self.answer = {"data": []} if answer is None else answer

    def ensure_login(self):
        return None

    def request(self, method, path, params=None, body=None):
        from cisco_esa.asyncos.transport import Response
        self.calls.append((method, path, params, body))
        return Response(200, self.answer, {})

    def get(self, path, params=None):
        return self.request("GET", path, params)

    def post(self, path, body, params=None):
        return self.request("POST", path, params, body)

    def delete(self, path, body=None, params=None):
        return self.request("DELETE", path, params, body)

    @staticmethod
    def path(*segments):
        from cisco_esa.asyncos.transport import Transport
        return Transport.path(*segments)


def handler_calls(command: str, typed_params: dict, answer=None):
    """Run a command's handler on already-typed params against a Recorder: (Result, requests made)."""
    from cisco_esa.asyncos.api import AsyncOS
    from cisco_esa.core.context import Context
    from cisco_esa.core.registry import manifest
    recorder = Recorder(answer)
    result = manifest().find(command).handler(typed_params, Context(api=AsyncOS(recorder), clock=lambda: FROZEN_NOW))
    return result, recorder.calls


def recorded_api(answer=None):
    """An AsyncOS over a Recorder: (api, the list of requests it makes)."""
    from cisco_esa.asyncos.api import AsyncOS
    recorder = Recorder(answer)
    return AsyncOS(recorder), recorder.calls
