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
        # containment at the gateway, each change read back
        "add_sender_group_entries", "find_sender", "add_url_list_entries", "get_url_list",
        "add_file_hash_list_entries", "get_file_hash_list",
        "search_pvo_quarantine_messages", "investigate_message", "download_pvo_quarantine_attachments",
        "delete_pvo_quarantine_messages",
    ]
    assert {e["status"] for e in envelopes} == {"Successful"}
    search, amp = envelopes[1], envelopes[3]
    assert search["data"]["total"] >= 1 and "Password Reset" in search["data"]["messages"][0]["subject"]
    assert amp["data"]["messages"][0]["malicious"] is True
    hit, urls = search["data"]["messages"][0], envelopes[4]["data"]["messages"][0]["urls"]
    blocked, found, url_list, hashes = envelopes[11], envelopes[12], envelopes[14], envelopes[16]
    assert blocked["data"]["added"] == [hit["sender_ip"]]
    assert {"sender": hit["sender_ip"], "sender_group": "BLOCKED_LIST", "listener": "IncomingMail"}.items() <= \
        found["data"]["found"][0].items()
    assert urls[0]["url"] in url_list["data"]["url_list"]["urls"]
    assert amp["data"]["messages"][0]["verdicts"][0]["sha256"] in hashes["data"]["file_hash_list"]["hashes"]
    case, files, deleted = envelopes[18], envelopes[19], envelopes[20]
    held = envelopes[17]["data"]["messages"][0]
    assert case["data"]["verdict"]["malicious"] is True and "Virus" in case["data"]["verdict"]["where"]["pvo_quarantines"]
    assert files["data"]["files"] and len(files["data"]["files"][0]["sha256"]) == 64
    assert deleted["data"]["deleted"] == [held["mid"]] and deleted["data"]["results"][0]["still_in"] == []


def test_demo_text_summary_readable(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Built-in ESA simulator" in out and "All steps succeeded." in out
    assert out.count("[ok  ]") == 21
