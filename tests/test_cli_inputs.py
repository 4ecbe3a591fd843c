"""Inputs people type at the command line (issue 15 point 7): XSOAR's relative times and epoch
milliseconds accepted, anything else refused with the accepted forms listed, and a list given
with semicolons answered with a hint to use commas or JSON."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import frozen_cli, run_cli  # noqa: F401 (fixture)

FORMS = ("accepted: ISO 8601 (2023-05-20T18:00:00Z), 'YYYY-MM-DD HH:MM', epoch seconds or milliseconds, "
         "now, -15m/-2h/-7d, '3 days ago', yesterday")


def _search(capsys, start, end="now"):
    code, out, err = run_cli(capsys, "run", "search_messages", "--output", "json", "--param", f"start_time={start}",
                             "--param", f"end_time={end}", "--param", "limit=1")
    return code, json.loads(out), err


@pytest.mark.parametrize("start, expected", [
    ("yesterday", "2026-11-19T12:30:00Z"),
    ("3 days ago", "2026-11-17T12:30:00Z"),
    ("2 hours ago", "2026-11-20T10:30:00Z"),
    ("1795170600000", "2026-11-20T10:30:00Z"),  # epoch milliseconds
    ("1795170600", "2026-11-20T10:30:00Z"),     # epoch seconds, as before
])
def test_search_messages_xsoar_times_and_epoch_ms_accepted_successful(capsys, frozen_cli, start, expected):
    code, envelope, _ = _search(capsys, start)
    assert (code, envelope["status"]) == (0, "Successful"), envelope["error"]
    assert envelope["data"]["query"]["start_time"] == expected
    assert envelope["data"]["query"]["end_time"] == "2026-11-20T12:30:00Z"


@pytest.mark.parametrize("start", ["last tuesday", "3 fortnights ago", "tomorrow", "20/11/2026"])
def test_search_messages_unknown_time_400_lists_accepted_forms_no_request(capsys, frozen_cli, start):
    code, envelope, _ = _search(capsys, start)
    assert code == 1
    assert envelope["error"] == {"failure_indicator": "Search Messages failed.", "status_code": 400,
                                 "message": f"Invalid input: start_time: {start!r} is not a time ({FORMS})"}
    assert frozen_cli.request_log == []


def test_search_messages_unknown_time_text_output_lists_accepted_forms(capsys, frozen_cli):
    code, out, _ = run_cli(capsys, "run", "search_messages", "--output", "text", "--param", "start_time=last week",
                           "--param", "end_time=now")
    assert code == 1 and FORMS in out


@pytest.mark.parametrize("value, shown", [("783; 782", '"783; 782"'), ("783;782", '"783;782"')])
def test_release_spam_quarantine_messages_semicolons_400_hint_commas_or_json(capsys, frozen_cli, value, shown):
    code, out, _ = run_cli(capsys, "run", "release_spam_quarantine_messages", "--output", "json",
                           "--param", f"quarantine_message_ids={value}")
    envelope = json.loads(out)
    assert code == 1
    assert envelope["error"]["message"] == (f"Invalid input: quarantine_message_ids[0]: {shown} is not of type integer "
                                            "(separate the values with commas, or give a JSON array)")
    assert frozen_cli.request_log == []


def test_block_email_addresses_semicolons_400_hint_commas_or_json(capsys, frozen_cli):
    code, out, _ = run_cli(capsys, "run", "block_email_addresses", "--output", "json",
                           "--param", "senders=bad@phish.example; worse@phish.example",
                           "--param", "recipients=alice@corp.example")
    assert code == 1
    assert json.loads(out)["error"]["message"] == (
        "Invalid input: senders[0]: 'bad@phish.example; worse@phish.example' is not an e-mail address "
        "(separate the values with commas, or give a JSON array)")
