"""Fuzzing every command's input (hypothesis, strategies derived from the schemas): whatever the
input, `Integration.run` returns one valid contract §3 envelope, never an internal error, and
sends no request at all when the input is invalid. CISCO_ESA_FUZZ_LONG=1 runs 5000 examples
per command instead of 200."""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlsplit

import pytest
import requests_mock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cisco_esa.integration import Integration
from cisco_esa.core.registry import manifest
from cisco_esa.core.outcome import InputError
from tests.conftest import FROZEN_NOW
from tests.hostile import strategies as hs
from tests.scenarios.common import fixture

EXAMPLES = 5000 if os.environ.get("CISCO_ESA_FUZZ_LONG") == "1" else 200
BASIC = {"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"}
INTERNAL = "An internal error occurred in the integration; run with --verbose for details."

# ------------------------------------------------------------------ the envelope (contract §3)
_TRIPLET = {
    "type": "object",
    "additionalProperties": False,
    "required": ["failure_indicator", "status_code", "message"],
    "properties": {
        "failure_indicator": {"type": "string", "pattern": r"^.+ failed\."},
        "status_code": {"type": ["integer", "null"], "minimum": 100, "maximum": 599},
        "message": {"type": "string", "minLength": 1},
    },
}
ENVELOPE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["command", "display_name", "status", "data", "raw_data", "error", "items"],
    "properties": {
        "command": {"type": "string", "minLength": 1},
        "display_name": {"type": "string", "minLength": 1},
        "status": {"enum": ["Successful", "Partially Successful", "Failed"]},
        "data": {"type": "object"},
        "raw_data": {"type": "object"},
        "error": {"oneOf": [{"type": "null"}, _TRIPLET]},
        "items": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "status", "error"],
            "properties": {
                "id": {},
                "status": {"enum": ["Successful", "Failed"]},
                "error": {"oneOf": [{"type": "null"}, _TRIPLET]},
            },
            # an item's error is null exactly when it succeeded
            "if": {"properties": {"status": {"const": "Successful"}}},
            "then": {"properties": {"error": {"type": "null"}}},
            "else": {"properties": {"error": _TRIPLET}},
        }},
    },
    # error is null exactly when the command was Successful
    "if": {"properties": {"status": {"const": "Successful"}}},
    "then": {"properties": {"error": {"type": "null"}}},
    "else": {"properties": {"error": _TRIPLET}},
}
ENVELOPE = Draft202012Validator(ENVELOPE_SCHEMA)


def check_envelope(envelope, cid: str) -> dict:
    """A valid §3 envelope of `cid`, printable as UTF-8 JSON, never the internal-error one."""
    errors = list(ENVELOPE.iter_errors(envelope))
    assert not errors, f"invalid envelope: {errors[0].message} at {list(errors[0].path)}"
    command = manifest().commands[cid]
    assert envelope["command"] == cid and envelope["display_name"] == command.display_name
    # what the CLI prints must encode: no lone surrogate, no non-JSON value anywhere
    json.dumps(envelope, ensure_ascii=False, allow_nan=True).encode("utf-8")
    triplets = [envelope["error"]] + [i["error"] for i in envelope["items"]]
    for t in filter(None, triplets):
        assert t["failure_indicator"].startswith(f"{command.display_name} failed.")
        assert t["message"] != INTERNAL, f"a handler or runtime bug surfaced: {envelope}"
    statuses = {i["status"] for i in envelope["items"]}
    if envelope["items"] and envelope["error"] is None:
        assert statuses == {"Successful"}
    if statuses == {"Failed"}:
        assert envelope["status"] == "Failed"
    return envelope


# ------------------------------------------------------------------ a plausible appliance
def plausible_body(request, context):
    """A generic, well-formed answer for whatever endpoint is asked: our own fixtures in the captures'
    shapes (tests/fixtures/), so that the fuzzing runs on a clone without ../shared too."""
    path = urlsplit(request.url).path.split("/api/v2.0/", 1)[-1]
    method = request.method
    if path == "login":
        return {"data": {"userName": "u", "role": "Administrator", "jwtToken": "tok-en.fuzz"}}
    if path == "login/privileges":
        return {"data": ["message_tracking", "quarantine", "reporting"]}
    if path == "message-tracking/messages":
        return fixture("esa_message_search.json")
    if path.startswith("message-tracking/"):
        kind = path.split("/", 1)[1].replace("-details", "").replace("details", "message")
        return fixture({"message": "esa_message_details_get.json", "amp": "esa_message_amp_details_get.json",
                        "dlp": "esa_message_dlp_details_get.json",
                        "url": "esa_message_url_details_get.json"}.get(kind, "esa_message_details_get.json"))
    if path == "quarantine/messages/details":
        return fixture("esa_spam_quarantine_message_get.json")
    if path == "quarantine/messages":
        if method == "GET":
            return fixture("esa_spam_quarantine_message_search.json")
        return fixture("esa_spam_quarantine_message_delete.json")
    if path in ("quarantine/blocklist", "quarantine/safelist"):
        if method == "GET":
            return fixture("esa_list_entry_get_blocklist.json")
        if method == "DELETE":
            return {"data": {"action": "delete", "quarantineType": "spam", "totalCount": 1}}
        return {"data": {"action": request.json().get("action")}}  # the Swagger echo (asyncos-api §8.2)
    if path.startswith("reporting/"):
        return fixture("esa_report_get.json")
    return {"data": []}


INTEGRATION = Integration(BASIC, clock=lambda: FROZEN_NOW)


def _verdict(cid: str, params) -> InputError | None:
    """What the schema says of `params`: the InputError it raises, or None when accepted."""
    try:
        hs.schema_of(cid).validate(params, FROZEN_NOW)
    except InputError as exc:
        return exc
    return None


def run_mocked(cid: str, params) -> tuple[dict, int]:
    with requests_mock.Mocker() as mock:
        mock.register_uri(requests_mock.ANY, requests_mock.ANY, json=plausible_body)
        envelope = INTEGRATION.run(cid, params)
        return envelope, mock.call_count


def assert_handled(cid: str, params, must_be_valid: bool = False) -> None:
    rejected = _verdict(cid, params) if isinstance(params, dict) or params is None else InputError(["not an object"])
    if must_be_valid:
        assert rejected is None, f"schema-valid input rejected: {rejected.message}"
    envelope, calls = run_mocked(cid, params)
    check_envelope(envelope, cid)
    error = envelope["error"]
    if rejected is not None:
        assert envelope["status"] == "Failed" and error["status_code"] == 400
        assert error["message"].startswith("Invalid input: ")
        assert calls == 0, f"{calls} request(s) sent for invalid input"
    if error and error["status_code"] == 400 and error["message"].startswith("Invalid input"):
        # rules checked by the handler (end before start, an empty report window, a bad
        # additional filter) are input errors too: nothing may have been sent
        assert calls == 0
    if rejected is None and not (error and error["status_code"] == 400):
        # an offline command (decode_rewritten_urls) never sends one
        assert calls >= 1 or cid == "fetch_event" or manifest().commands[cid].offline, "valid input but no request sent"


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])


@pytest.mark.parametrize("cid", hs.command_ids())
@FUZZ
@given(data=st.data())
def test_every_command_any_input_one_valid_envelope_no_request_when_invalid(cid, data):
    params = data.draw(st.one_of(hs.valid_params(cid), hs.hostile_params(cid)), label="params")
    assert_handled(cid, params)


@pytest.mark.parametrize("cid", hs.command_ids())
@settings(max_examples=max(50, EXAMPLES // 4), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_command_schema_valid_input_accepted_and_sent(cid, data):
    assert_handled(cid, data.draw(hs.valid_params(cid), label="params"), must_be_valid=True)


# ------------------------------------------------------------------ pinned hostile cases
LONE_SURROGATE = json.loads('"a\\ud800b"')  # what json.loads makes of --params-json '{"subject": "a\ud800b"}'
DAY = {"start_time": "2026-11-19T12:00:00Z", "end_time": "2026-11-20T12:00:00Z"}


@pytest.mark.parametrize("cid,params,named", [
    ("search_messages", {**DAY, "subject": LONE_SURROGATE}, "subject"),
    ("get_report", {**DAY, "counter_group": LONE_SURROGATE}, "counter_group"),
    ("get_amp_details", {"appliance_serial_number": LONE_SURROGATE, "message_ids": [1]}, "appliance_serial_number"),
    ("search_list_entries", {"list_type": "Blocklist", "view_by": "Recipient", "sender_name": LONE_SURROGATE},
     "sender_name"),
    ("search_messages", {**DAY, LONE_SURROGATE: 1}, "unknown parameter"),
    ("add_entries", {"list_type": "Safelist", "action": "Add", "view_by": "Sender",
                     "sender_addresses": [f"{LONE_SURROGATE}@x.example"], "recipient_list": ["a@b.example"]},
     "sender_addresses[0]"),
])
def test_every_command_lone_surrogate_failed_400_naming_it_no_request(cid, params, named):
    envelope, calls = run_mocked(cid, params)
    check_envelope(envelope, cid)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"] and calls == 0


@pytest.mark.parametrize("cid", hs.command_ids())
@pytest.mark.parametrize("params", [None, [], "x", 5, {"": None}, {"\x00": "\x00"}])
def test_every_command_not_an_object_or_odd_keys_failed_400_no_request(cid, params):
    envelope, calls = run_mocked(cid, params)
    check_envelope(envelope, cid)
    if not hs.schema_of(cid).properties and params in (None, {}):
        return  # a command without parameters (test_connection, get_health, the list_* views) takes None as no input
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400 and calls == 0


@pytest.mark.parametrize("cid", [c for c in hs.command_ids()
                                 if any(hs.schema_of(c).property(p).get("type") == "array"
                                        for p in hs.schema_of(c).properties)])
def test_every_list_command_10000_values_failed_400_naming_it_no_request(cid):
    schema = hs.schema_of(cid)
    key = next(p for p in schema.properties if schema.property(p).get("type") == "array")
    envelope, calls = run_mocked(cid, {key: ["a@b.example"] * 10_000})
    check_envelope(envelope, cid)
    assert envelope["status"] == "Failed" and calls == 0
    most = schema.property(key)["maxItems"]  # 1000 for ids and addresses; fewer where fewer make sense
    assert re.search(rf"\b{key}: takes at most {most} values", envelope["error"]["message"])


@pytest.mark.parametrize("value", hs.HUGE_VALUES, ids=["10k-ints", "10k-addresses", "100k-str", "100k-unicode", "100k-item"])
def test_add_entries_huge_values_failed_400_short_message_no_request(value):
    params = {"list_type": "Safelist", "action": "Add", "view_by": "Sender", "sender_addresses": value,
              "recipient_list": value}
    envelope, calls = run_mocked("add_entries", params)
    check_envelope(envelope, "add_entries")
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400 and calls == 0
    message = envelope["error"]["message"]
    assert "sender_addresses" in message and "recipient_list" in message
    # every problem is named, but a huge input never comes back as a huge message
    assert len(message) < 8_000
