"""Move PVO Quarantine Messages: from every quarantine held but the destination, to the destination
(ext §14.4). Shared PVO write scenarios come from tests/scenarios/pvo.py."""

from __future__ import annotations

from tests.scenarios.common import mocked
from tests.scenarios.pvo import DETAILS_URL, MESSAGES_URL, PvoWriteScenarios, details_body


class TestMovePvoQuarantineMessages(PvoWriteScenarios):
    command, display = "move_pvo_quarantine_messages", "Move PVO Quarantine Messages"
    method, action, done = "POST", "move", "moved"
    extra = {"destination_quarantine": "Macro Hold"}
    body_extra = {"destinationQuarantineName": "Macro Hold"}

    def check_state(self, sim, held, result):
        assert result["still_in"] == ["Macro Hold"]
        assert sim.world.pvo.record(held["mid"])["quarantines"] == ["Macro Hold"]

    def test_the_destination_itself_is_not_a_source(self, requests_mock):
        requests_mock.get(DETAILS_URL, json=details_body(88214, ["Policy", "Macro Hold"]))
        requests_mock.post(MESSAGES_URL, json={"data": {"action": "move", "totalCount": 1}})
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [88214], **self.extra})
        assert [r.json()["quarantineName"] for r in requests_mock.request_history if r.method == "POST"] == ["Policy"]
        assert envelope["data"]["results"][0]["still_in"] == ["Macro Hold"]

    def test_unknown_destination_is_the_appliances_400(self, integration, sim):
        mid = sim.world.pvo.pick(quarantine="Virus")["mid"]
        envelope = integration.run(self.command, {"quarantine_message_ids": [mid], "quarantine_name": "Virus",
                                                  "destination_quarantine": "Nowhere"})
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
        assert "Invalid destinationQuarantineName 'Nowhere'" in envelope["error"]["message"]
