"""Delete PVO Quarantine Messages: a DELETE without an action key per quarantine (ext §14.4). Shared
PVO write scenarios come from tests/scenarios/pvo.py."""

from __future__ import annotations

from tests.scenarios.pvo import PvoWriteScenarios


class TestDeletePvoQuarantineMessages(PvoWriteScenarios):
    command, display = "delete_pvo_quarantine_messages", "Delete PVO Quarantine Messages"
    method, action, done = "DELETE", "delete", "deleted"

    def check_state(self, sim, held, result):
        assert result["still_in"] == [] and sim.world.pvo.record(held["mid"]) is None
