"""Release PVO Quarantine Messages: a message is released (delivered) only once released from every
quarantine holding it, and the result says where it still sits. Shared PVO write scenarios come
from tests/scenarios/pvo.py."""

from __future__ import annotations

from tests.scenarios.pvo import PvoWriteScenarios


class TestReleasePvoQuarantineMessages(PvoWriteScenarios):
    command, display = "release_pvo_quarantine_messages", "Release PVO Quarantine Messages"
    method, action, done = "POST", "release", "released"

    def check_state(self, sim, held, result):
        assert result["still_in"] == [] and sim.world.pvo.record(held["mid"]) is None

    def test_release_from_one_of_two_leaves_it_in_the_other(self, integration, sim):
        held = sim.world.pvo.pick(several=True)
        name, other = held["quarantines"]
        envelope = integration.run(self.command, {"quarantine_message_ids": [held["mid"]], "quarantine_name": name})
        assert envelope["status"] == "Successful"
        assert sim.world.pvo.record(held["mid"])["quarantines"] == [other]
        # named: the other quarantines are not read, so where it still sits is not claimed
        assert envelope["data"]["results"][0]["still_in"] is None
