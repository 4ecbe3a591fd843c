"""Get URL Details: end to end against the simulator (golden sample, partial and total not-found,
500, 401), the request's exact shape, and invalid input; the scenarios shared with the other
details commands come from tests/scenarios/details.py."""

from __future__ import annotations

from tests.scenarios.details import DetailsScenarios


class TestGetUrlDetails(DetailsScenarios):
    command, display, path = "get_url_details", "Get URL Details", "message-tracking/url-details"
    pick = "pick_url_message"
    shape_body = {"data": {"messages": {"mid": [5120], "urlDetails": [], "attachments": []}}}
    shape_field, shape_empty = "urls", []

    def test_known_message_is_successful(self, sim, integration, regen_golden):
        rec, envelope, msg = self.run_known_message(sim, integration, regen_golden)
        assert [(u["url"], u["reputation"], u["condition"]) for u in msg["urls"]] == \
            [(u["url"], float(u["reputation"]), "URL Reputation Rule") for u in rec["urls"]]
        assert all(u["rewritten"] == (rec["deliveryStatus"] == "DELIVERED") for u in msg["urls"])
        assert msg["has_url_details"] is True and all(e["timestamp_iso"].endswith("Z") for e in msg["url_details"])

    def test_sma_urls_read(self, sma, sma_integration):
        rec = sma.world.pick_url_message()
        mid = rec["mid"][0]
        envelope = sma_integration.run(self.command, {"appliance_serial_number": rec["serialNumber"],
                                                      "message_ids": [mid]})
        assert envelope["status"] == "Successful"
        assert [u["url"] for u in envelope["data"]["messages"][0]["urls"]] == [u["url"] for u in rec["urls"]]


def test_get_url_details_rewritten_link_gets_its_decoded_form(requests_mock):
    from tests.scenarios.common import SERVER, mocked

    link = "https://secure-web.cisco.com/1AbC/https%3A%2F%2Flogin.phish.example%2Fverify"
    body = {"data": {"messages": {"mid": [4411], "showURLDetails": True, "urlDetails": [
        {"timestamp": "20 Nov 2026 12:00:01 (GMT +00:00)",
         "description": f"Message 4411 URL: {link}, URL reputation: -8.2, Condition: URL Reputation Rule."},
        {"timestamp": "20 Nov 2026 12:00:01 (GMT +00:00)",
         "description": "Message 4411 URL: http://plain.example/, URL reputation: -1.0, Condition: URL Reputation Rule."}]}}}
    requests_mock.get(f"{SERVER}/esa/api/v2.0/message-tracking/url-details", json=body)
    envelope = mocked("esa").run("get_url_details", {"appliance_serial_number": "S1", "message_ids": [4411]})
    rewritten, plain = envelope["data"]["messages"][0]["urls"]
    assert rewritten["url"] == link and rewritten["decoded_url"] == "https://login.phish.example/verify"
    assert "decoded_url" not in plain  # only a rewritten link has one
