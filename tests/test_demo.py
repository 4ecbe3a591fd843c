"""`cisco-esa demo` is the README's first command: it must run the whole investigation."""

import json

from cisco_esa.cli import main


def test_demo_json_every_step_successful(capsys):
    assert main(["demo", "--json"]) == 0
    envelopes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["command"] for e in envelopes] == [
        "test_connection", "search_messages", "get_message_details", "get_amp_details", "get_url_details",
        "search_spam_quarantine_messages", "release_spam_quarantine_messages", "block_email_addresses",
        "fetch_event", "fetch_event", "get_report",
        "search_pvo_quarantine_messages", "investigate_message", "download_pvo_quarantine_attachments",
        "delete_pvo_quarantine_messages",
    ]
    assert {e["status"] for e in envelopes} == {"Successful"}
    search, amp = envelopes[1], envelopes[3]
    assert search["data"]["total"] >= 1 and "Password Reset" in search["data"]["messages"][0]["subject"]
    assert amp["data"]["messages"][0]["malicious"] is True
    case, files, deleted = envelopes[12], envelopes[13], envelopes[14]
    held = envelopes[11]["data"]["messages"][0]
    assert case["data"]["verdict"]["malicious"] is True and "Virus" in case["data"]["verdict"]["where"]["pvo_quarantines"]
    assert files["data"]["files"] and len(files["data"]["files"][0]["sha256"]) == 64
    assert deleted["data"]["deleted"] == [held["mid"]] and deleted["data"]["results"][0]["still_in"] == []


def test_demo_text_summary_readable(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Built-in ESA simulator" in out and "All steps succeeded." in out
    assert out.count("[ok  ]") == 15
