"""`cisco-esa demo`: an investigation a SOC analyst would run, end to end against the built-in
simulator started in-process, with no set-up at all."""

from __future__ import annotations

import json
import sys
import tempfile
import time

from cisco_esa import render
from cisco_esa.integration import Integration

_MARK = {"Successful": "ok  ", "Partially Successful": "part", "Failed": "FAIL"}


def _first(seq, default=None):
    return seq[0] if isinstance(seq, list) and seq else default


class _Story:
    def __init__(self, integration: Integration, json_output: bool, out=None):
        self.integration = integration
        self.json_output = json_output
        self.out = out or sys.stdout
        self.failed = 0

    def step(self, title: str, command: str, params: dict) -> dict:
        started = time.monotonic()
        envelope = self.integration.run(command, params)
        elapsed = time.monotonic() - started
        if envelope["status"] == "Failed":
            self.failed += 1
        if self.json_output:
            self.out.write(json.dumps(envelope, ensure_ascii=False) + "\n")
            return envelope
        line = f"[{_MARK[envelope['status']]}] {title:<50} {envelope['display_name']} ({elapsed * 1000:.0f} ms)"
        self.out.write(line + "\n")
        # What `cisco-esa run ... --output text` shows, tables cut to a glance.
        for text in render.body(envelope, max_rows=3, more="see `cisco-esa demo --json`"):
            self.out.write(f"       {text}".rstrip() + "\n")
        self.out.write("\n")
        return envelope


def _contain(story: _Story, hit: dict, ids: dict) -> None:
    """Containment at the gateway, beyond the end-user blocklist of step 8: the sender's IP rejected
    at connection time, its URL and its attachment's hash put on the lists content filters use, each
    read back."""
    urls = story.integration.run("get_url_details", ids).get("data") or {}
    url = _first([u["url"] for m in urls.get("messages") or [] for u in m.get("urls") or []])
    amp = story.integration.run("get_amp_details", ids).get("data") or {}
    sha = _first([v["sha256"] for m in amp.get("messages") or [] for v in m.get("verdicts") or [] if v.get("sha256")])
    if hit.get("sender_ip"):
        story.step("12. Reject the sender's IP at the gateway", "add_sender_group_entries",
                   {"listener": "IncomingMail", "senders": [hit["sender_ip"]], "sender_group": "BLOCKED_LIST",
                    "description": f"phishing: {hit['subject'][:60]}"})
        story.step("13. Read it back from the HAT", "find_sender", {"sender": hit["sender_ip"]})
    if url:
        story.step("14. Put its URL on the SOC's URL list", "add_url_list_entries",
                   {"name": "soc_block_urls", "urls": [url]})
        story.step("15. Read the URL list back", "get_url_list", {"name": "soc_block_urls"})
    if sha:
        story.step("16. Put the attachment's SHA-256 on the IOC list", "add_file_hash_list_entries",
                   {"name": "ioc_sha256", "hashes": [sha]})
        story.step("17. Read the file-hash list back", "get_file_hash_list", {"name": "ioc_sha256"})
def _virus_quarantine(story: _Story, serial: str) -> None:
    """Steps 18-21: a message in the Virus quarantine, investigated in one call, its attachment
    downloaded (SHA-256 shown), then deleted when malicious, released when not."""
    found = story.step("18. Search the Virus quarantine (last day)", "search_pvo_quarantine_messages",
                       {"start_time": "-1d", "end_time": "now", "quarantines": ["Virus"], "limit": 5})
    held = _first((found.get("data") or {}).get("messages"), {})
    if not held:
        return
    case = story.step("19. Investigate the newest one in one call", "investigate_message",
                      {"appliance_serial_number": serial, "message_id": held["esa_mid"] or held["mid"]})
    with tempfile.TemporaryDirectory(prefix="cisco-esa-demo-") as folder:
        story.step("20. Download its attachment (hash shown)", "download_pvo_quarantine_attachments",
                   {"quarantine_message_id": held["mid"], "output_dir": folder})
    malicious = ((case.get("data") or {}).get("verdict") or {}).get("malicious", True)
    if malicious:
        story.step("21. Malicious: delete it from every quarantine", "delete_pvo_quarantine_messages",
                   {"quarantine_message_ids": [held["mid"]]})
    else:
        story.step("21. No threat found: release it", "release_pvo_quarantine_messages",
                   {"quarantine_message_ids": [held["mid"]]})


def run_demo(json_output: bool = False, appliance: str = "esa", seed: int = 1) -> int:
    from esa_simulator import Simulator

    with Simulator(appliance=appliance, seed=seed) as sim:
        integration = Integration(sim.connection())
        story = _Story(integration, json_output)
        if not json_output:
            print(f"Built-in {appliance.upper()} simulator at {sim.url} (user {sim.username}); investigating a phishing report.\n")

        story.step("1. Test the connection", "test_connection", {})
        found = story.step("2. Search the last hour for the phishing subject", "search_messages",
                           {"start_time": "-1h", "end_time": "now", "subject": "Password Reset"})
        hit = _first((found.get("data") or {}).get("messages"), {})
        if hit:
            ids = {"appliance_serial_number": hit["serial_number"], "message_ids": [hit["mid"]]}
            story.step("3. Get the message's details", "get_message_details", ids)
            story.step("4. Get its AMP verdict", "get_amp_details", ids)
            story.step("5. Get its URL verdicts", "get_url_details", ids)

        spam = story.step("6. Search the spam quarantine (last day)", "search_spam_quarantine_messages",
                          {"start_time": "-1d", "end_time": "now"})
        release = _first((spam.get("data") or {}).get("messages"), {})
        if release:
            story.step("7. Release one false positive", "release_spam_quarantine_messages",
                       {"quarantine_message_ids": [release["mid"]]})
        if hit:
            story.step("8. Block the phishing sender for its recipients", "block_email_addresses",
                       {"senders": [hit["sender"]], "recipients": hit["recipients"]})
        story.step("9. Fetch message-tracking events (last hour)", "fetch_event",
                   {"messages_source": "Message Tracking", "start_time": "-1h", "end_time": "now"})
        story.step("10. Fetch spam-quarantine events (last day)", "fetch_event",
                   {"messages_source": "Spam Quarantine", "start_time": "-1d", "end_time": "now"})
        story.step("11. Pull the incoming traffic report (last day)", "get_report",
                   {"counter_group": "mail_incoming_traffic_summary", "start_time": "-24h", "end_time": "now"})
        if hit:
            _contain(story, hit, ids)
            _virus_quarantine(story, hit["serial_number"])
        if not json_output:
            print(f"{'All steps succeeded.' if not story.failed else f'{story.failed} step(s) failed.'}")
        return 0 if not story.failed else 1
