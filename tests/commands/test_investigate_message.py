"""Investigate Message: details first, the AMP / DLP / URL details only where the flags say so, the
PVO and spam quarantine look-ups, rewritten links decoded, one verdict; a failed sub-call makes it
Partially Successful, never Failed for the whole."""

from __future__ import annotations

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "investigate_message", "Investigate Message"
BASE = f"{SERVER}/esa/api/v2.0"
REWRITTEN = "https://secure-web.cisco.com/1AbC/https%3A%2F%2Flogin.phish.example%2Fverify"


def paths(sim):
    return [e["path"].split("/api/v2.0/")[1] for e in sim.request_log if not e["path"].endswith("/login")]


def test_investigate_message_quarantined_phish_is_malicious(integration, sim, regen_golden):
    rec = sim.world.pick_phishing_message()
    mid = rec["mid"][0]
    envelope = integration.run(CMD, {"appliance_serial_number": rec["serialNumber"], "message_id": mid})
    assert envelope["status"] == "Successful", envelope["error"]
    assert [i["id"] for i in envelope["items"]] == ["message_details", "amp_details", "url_details",
                                                    "pvo_quarantines", "spam_quarantine"]
    verdict = envelope["data"]["verdict"]
    assert verdict["malicious"] is True
    assert verdict["where"]["pvo_quarantines"] == list(sim.world.pvo.messages[mid]["quarantines"])
    assert verdict["next_commands"] == ["download_pvo_quarantine_attachments", "delete_pvo_quarantine_messages",
                                        "block_email_addresses"]
    assert any(r.startswith("AMP: ") for r in verdict["reasons"])
    # DLP was not asked for: showDLP is false
    assert "message-tracking/dlp-details" not in paths(sim)
    assert envelope["data"]["checked"]["dlp_details"] is False
    check_golden(envelope, regen_golden)


def test_investigate_message_clean_message_calls_only_what_applies(integration, sim):
    rec = sim.world.pick_tracking(category="clean_in", amp=False, url=False, dlp=False)
    envelope = integration.run(CMD, {"appliance_serial_number": rec["serialNumber"], "message_id": rec["mid"][0]})
    assert envelope["status"] == "Successful"
    assert [i["id"] for i in envelope["items"]] == ["message_details", "pvo_quarantines", "spam_quarantine"]
    assert envelope["data"]["verdict"]["malicious"] is False and envelope["data"]["verdict"]["next_steps"] == []


def test_investigate_message_spam_is_found_in_the_spam_quarantine(integration, sim):
    mid = sim.world.pick_quarantine_mid(recent=True)
    rec = next(r for r in sim.world.tracking if r["mid"][0] == mid)
    envelope = integration.run(CMD, {"appliance_serial_number": rec["serialNumber"], "message_id": mid})
    assert envelope["data"]["verdict"]["where"]["spam_quarantine"] is True
    assert "release_spam_quarantine_messages" in envelope["data"]["verdict"]["next_commands"]


def test_investigate_message_failed_sub_call_is_partial(integration, sim):
    rec = sim.world.pick_phishing_message()
    sim.inject("message-tracking/amp-details", "status", status=500, count=3)
    envelope = integration.run(CMD, {"appliance_serial_number": rec["serialNumber"], "message_id": rec["mid"][0]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"][1] == {"id": "amp_details", "status": "Failed",
                                    "error": failure(DISPLAY, 500, "Internal Server Error.")}
    assert envelope["data"]["amp"] is None and envelope["data"]["verdict"]["where"]["pvo_quarantines"]


def test_investigate_message_unknown_message_fails(integration, sim):
    envelope = integration.run(CMD, {"appliance_serial_number": sim.world.serial_number(), "message_id": 3})
    assert envelope["status"] == "Failed"
    assert envelope["items"] == [{"id": "message_details", "status": "Failed", "error": failure(
        DISPLAY, 404, f"Message ID 3 not found on appliance {sim.world.serial_number()}.")}]


def test_investigate_message_rewritten_links_are_decoded(requests_mock):
    details = {"data": {"messages": {"mid": [4411], "subject": "Verify", "sender": "it@phish.example",
                                     "recipient": ["alice@corp.example"], "messageStatus": "Delivered",
                                     "timestamp": "20 Nov 2026 12:00:00 (GMT +00:00)", "attachments": [],
                                     "showAMP": False, "showDLP": False, "showURL": True, "summary": []}}}
    urls = {"data": {"messages": {"mid": [4411], "showURLDetails": True, "urlDetails": [
        {"timestamp": "20 Nov 2026 12:00:01 (GMT +00:00)",
         "description": f"Message 4411 URL: {REWRITTEN}, URL reputation: -8.2, Condition: URL Reputation Rule."}]}}}
    requests_mock.get(f"{BASE}/message-tracking/details", json=details)
    requests_mock.get(f"{BASE}/message-tracking/url-details", json=urls)
    requests_mock.get(f"{BASE}/quarantine/messages", json={"meta": {"totalCount": 0}, "data": []})
    envelope = mocked("esa").run(CMD, {"appliance_serial_number": "S1", "message_id": 4411})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["urls"][0]["decoded_url"] == "https://login.phish.example/verify"
    verdict = envelope["data"]["verdict"]
    assert verdict["malicious"] is True
    assert verdict["reasons"] == ["URL https://login.phish.example/verify has reputation -8.2"]
    assert verdict["next_commands"] == ["block_email_addresses", "get_remediation_details"]
    searches = [r for r in requests_mock.request_history if r.path.endswith("/quarantine/messages")]
    pvo, spam = sorted(searches, key=lambda r: r.qs["quarantinetype"])
    assert pvo.qs["quarantinetype"] == ["pvo"] and pvo.qs["envelopesenderfilterby"] == ["matches_exactly"]
    assert pvo.qs["startdate"] == ["2026-11-20t11:55:00.000z"] and pvo.qs["enddate"] == ["2026-11-20t12:31:00.000z"]
    assert spam.qs["quarantinetype"] == ["spam"] and spam.qs["enveloperecipientfiltervalue"] == ["alice@corp.example"]
    assert requests_mock.call_count == 4


def test_investigate_message_invalid_input_sends_nothing(requests_mock):
    envelope = mocked("esa").run(CMD, {"appliance_serial_number": "S1", "message_id": "x"})
    assert envelope["error"]["status_code"] == 400 and requests_mock.call_count == 0
