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


def _virus_quarantine(story: _Story, serial: str) -> None:
    """Steps 12-15: a message in the Virus quarantine, investigated in one call, its attachment
    downloaded (SHA-256 shown), then deleted when malicious, released when not."""
    found = story.step("12. Search the Virus quarantine (last day)", "search_pvo_quarantine_messages",
                       {"start_time": "-1d", "end_time": "now", "quarantines": ["Virus"], "limit": 5})
    held = _first((found.get("data") or {}).get("messages"), {})
    if not held:
        return
    case = story.step("13. Investigate the newest one in one call", "investigate_message",
                      {"appliance_serial_number": serial, "message_id": held["esa_mid"] or held["mid"]})
    with tempfile.TemporaryDirectory(prefix="cisco-esa-demo-") as folder:
        story.step("14. Download its attachment (hash shown)", "download_pvo_quarantine_attachments",
                   {"quarantine_message_id": held["mid"], "output_dir": folder})
    malicious = ((case.get("data") or {}).get("verdict") or {}).get("malicious", True)
    if malicious:
        story.step("15. Malicious: delete it from every quarantine", "delete_pvo_quarantine_messages",
                   {"quarantine_message_ids": [held["mid"]]})
    else:
        story.step("15. No threat found: release it", "release_pvo_quarantine_messages",
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
            _virus_quarantine(story, hit["serial_number"])
        if not json_output:
            print(f"{'All steps succeeded.' if not story.failed else f'{story.failed} step(s) failed.'}")
        return 0 if not story.failed else 1
