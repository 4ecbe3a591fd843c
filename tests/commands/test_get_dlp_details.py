"""Get DLP Details: end to end against the simulator (golden sample, partial and total not-found,
500, 401), the request's exact shape, and invalid input; the scenarios shared with the other
details commands come from tests/scenarios/details.py."""

from __future__ import annotations

from tests.scenarios.details import DetailsScenarios


class TestGetDlpDetails(DetailsScenarios):
    command, display, path = "get_dlp_details", "Get DLP Details", "message-tracking/dlp-details"
    pick = "pick_dlp_message"
    shape_body = {"data": {"messages": {"mid": [5120], "dlpDetails": {}, "attachments": []}}}
    shape_field, shape_empty = "violation_severity", None

    def test_known_message_is_successful(self, sim, integration, regen_golden):
        rec, envelope, msg = self.run_known_message(sim, integration, regen_golden)
        mid = rec["mid"][0]
        dlp = rec["dlp"]
        assert (msg["violation_severity"], msg["risk_factor"], msg["dlp_policy"], msg["dlp_mid"]) == \
            (dlp["violationSeverity"], dlp["riskFactor"], dlp["dlpPolicy"], mid)
        assert [(c["classifier"], c["matches"]) for c in msg["matched_content"]] == \
            [(x["classifier"], list(x["classifierMatch"])) for x in dlp["matches"]]
        assert msg["has_dlp_details"] is True and msg["timestamp_iso"].endswith("Z")

    def test_sma_integer_dlp_mid_reads(self, sma, sma_integration):
        rec = sma.world.pick_dlp_message()
        mid = rec["mid"][0]
        envelope = sma_integration.run(self.command, {"appliance_serial_number": rec["serialNumber"],
                                                      "message_ids": [mid]})
        assert envelope["status"] == "Successful"
        assert envelope["raw_data"][str(mid)]["data"]["messages"]["dlpDetails"]["mid"] == mid  # an int on SMA
        assert envelope["data"]["messages"][0]["dlp_mid"] == mid

    def test_message_without_dlp_is_successful_and_empty(self, sim, integration):
        rec = sim.world.pick_clean_message()
        envelope = integration.run(self.command, {"appliance_serial_number": rec["serialNumber"],
                                                  "message_ids": [rec["mid"][0]]})
        assert envelope["status"] == "Successful"
        [msg] = envelope["data"]["messages"]
        assert (msg["has_dlp_details"], msg["violation_severity"], msg["matched_content"]) == (False, None, [])
