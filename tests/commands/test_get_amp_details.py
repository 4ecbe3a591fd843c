"""Get AMP Details: end to end against the simulator (golden sample, partial and total not-found,
500, 401), the request's exact shape, and invalid input; the scenarios shared with the other
details commands come from tests/scenarios/details.py."""

from __future__ import annotations

from tests.scenarios.details import DetailsScenarios


class TestGetAmpDetails(DetailsScenarios):
    command, display, path = "get_amp_details", "Get AMP Details", "message-tracking/amp-details"
    pick = "pick_amp_message"
    shape_body = {"data": {"messages": {"mid": [5120], "ampDetails": [], "attachments": [], "showAMPDetails": False}}}
    shape_field, shape_empty = "verdicts", []

    def test_known_message_is_successful(self, sim, integration, regen_golden):
        rec, envelope, msg = self.run_known_message(sim, integration, regen_golden)
        mid = rec["mid"][0]
        assert msg["has_amp_details"] is True and msg["amp_details"][-1]["last_event"] is True
        assert all(e["timestamp_iso"].endswith("Z") for e in msg["amp_details"])
        assert [(v["file_name"], v["disposition"], v["sha256"]) for v in msg["verdicts"]] == \
            [(a["name"], a["disposition"], a["sha256"]) for a in rec["amp"]]
        assert msg["malicious"] == any(a["disposition"] == "MALICIOUS" for a in rec["amp"])
        assert msg["attachments"] == [a["name"] for a in rec["attachments"]]
        assert envelope["raw_data"][str(mid)]["data"]["messages"]["mid"] == rec["mid"]
