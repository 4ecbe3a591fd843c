"""Send Copy of PVO Quarantine Messages: one copy per message, from the first quarantine it is in,
recipients as an array (ext §14.4); the message stays. Shared PVO write scenarios come from
tests/scenarios/pvo.py."""

from __future__ import annotations

from tests.scenarios.pvo import PvoWriteScenarios


class TestSendCopyOfPvoQuarantineMessages(PvoWriteScenarios):
    command, display = "send_copy_of_pvo_quarantine_messages", "Send Copy of PVO Quarantine Messages"
    method, action, done = "POST", "sendCopy", "copied"
    extra = {"recipients": "soc@corp.example, ir@corp.example"}
    body_extra = {"recipients": ["soc@corp.example", "ir@corp.example"]}
    every_quarantine = False

    def sources(self, names):
        return names[:1]

    def expected_requests(self):
        return [(88214, "Policy"), (88213, "Virus")]

    def check_state(self, sim, held, result):
        assert sorted(result["still_in"]) == held["quarantines"]
        assert sim.world.pvo.record(held["mid"])["quarantines"] == held["quarantines"]
        assert sim.world.pvo.copies[-1]["recipients"] == ["soc@corp.example", "ir@corp.example"]
