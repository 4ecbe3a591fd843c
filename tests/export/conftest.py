"""Fixtures for the export tests: the three packages exported once per session, and the runtime's
Integration on the suite's frozen clock for the glue to call."""

from __future__ import annotations

import pytest

from cisco_esa.export import export
from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW


@pytest.fixture(scope="session")
def packages(tmp_path_factory):
    """{platform: (package dir, files written)} for every platform."""
    root = tmp_path_factory.mktemp("packages")
    return {platform: (root / platform, export(platform, root / platform)) for platform in ("splunk-soar", "xsoar", "d3")}


class FrozenIntegration:
    """cisco_esa.Integration on the frozen clock the simulator's world is built around.

    Contract §3 has every mapped Fetch Event event carry its item's id under `_item_id`; until
    the runtime does, this tags them by position (events and items come in the same order),
    and does nothing once the runtime tags them itself.
    """

    instances: list = []

    def __init__(self, connection):
        self.connection = connection
        self._inner = Integration(connection, clock=lambda: FROZEN_NOW)
        self.runs: list[dict] = []
        FrozenIntegration.instances.append(self)

    def run(self, command, params=None, state=None):
        envelope = self._inner.run(command, params, state=state)
        self.runs.append({"command": command, "params": params, "state": state})
        events = envelope["data"].get("events") if isinstance(envelope.get("data"), dict) else None
        if isinstance(events, list) and len(events) == len(envelope["items"]):
            for event, item in zip(events, envelope["items"]):
                event.setdefault("_item_id", item["id"])
        return envelope


@pytest.fixture
def frozen_integration():
    FrozenIntegration.instances = []
    return FrozenIntegration
