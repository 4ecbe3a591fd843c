"""Get Message Details: end to end against the simulator (golden sample, partial and total not-found,
500, 401), the request's exact shape, and invalid input; the scenarios shared with the other
details commands come from tests/scenarios/details.py."""

from __future__ import annotations

from tests.scenarios.details import DetailsScenarios


class TestGetMessageDetails(DetailsScenarios):
    command, display, path = "get_message_details", "Get Message Details", "message-tracking/details"
    pick = "pick_phishing_message"
    shape_body = {"data": {"messages": {"mid": [5120], "summary": [], "attachments": ["a.pdf"]}}}
    shape_field, shape_empty = "summary", []

    def test_known_message_is_successful(self, sim, integration, regen_golden):
        rec, envelope, msg = self.run_known_message(sim, integration, regen_golden, with_icid=True)
        assert msg["subject"] == rec["subject"] and msg["sender"] == rec["sender"]
        assert msg["recipients"] == rec["recipient"] and msg["message_status"] == rec["messageStatus"]
        assert msg["timestamp_iso"] == rec["timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
        assert msg["mail_policy"] == rec["mailPolicy"] and msg["message_id_header"] == rec["messageIdHeader"]
        assert (msg["has_amp_details"], msg["has_dlp_details"], msg["has_url_details"]) == \
            (bool(rec["amp"]), bool(rec["dlp"]), bool(rec["urls"]))
        assert msg["summary"] and msg["summary"][-1]["last_event"] is True
        assert all(e["timestamp_iso"].endswith("Z") and e["description"] for e in msg["summary"])
        assert msg["attachments"] == [a["name"] for a in rec["attachments"]]
        assert msg["sending_host"]["ip_address"] == rec["senderIp"]

    def test_sma_attachments_and_host_read(self, sma, sma_integration):
        rec = next(r for r in reversed(sma.world.tracking) if not r["attachments"])
        envelope = sma_integration.run(self.command, {"appliance_serial_number": rec["serialNumber"],
                                                      "message_ids": [rec["mid"][0]]})
        assert envelope["status"] == "Successful"
        raw = envelope["raw_data"][str(rec["mid"][0])]["data"]["messages"]
        assert raw["attachments"] == ""  # SMA's empty string (captures README note 3)
        [msg] = envelope["data"]["messages"]
        assert msg["attachments"] == [] and msg["host_name"].startswith(rec["hostName"])
        assert msg["timestamp_iso"] == rec["timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
