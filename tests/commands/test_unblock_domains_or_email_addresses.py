"""Unblock Domains or Email Addresses: blocklist DELETEs by sender (Sender Block List, the
default) or by recipient (Recipient Block List), one per entry; end to end, request shape,
failures, invalid input."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.golden import check_golden
from tests.scenarios.common import mocked
from tests.scenarios.lists import BLOCKLIST_URL as URL, error_body, list_calls, recipients_by_sender

CMD = "unblock_domains_or_email_addresses"
NAME = "Unblock Domains or Email Addresses"


def blocked_senders(sim) -> dict[str, set]:
    return recipients_by_sender(sim, "blocklist")


# -- end to end -------------------------------------------------------------------------
def test_unblock_domains_or_email_addresses_sender_block_list_matches_golden(integration, sim, regen_golden):
    senders = blocked_senders(sim)
    domain = next(s for s in sorted(senders) if "@" not in s)
    address = next(s for s in sorted(senders) if "@" in s)
    safelist_before = sim.world.list_entries("safelist")
    envelope = integration.run(CMD, {"domains_or_email_addresses": [domain, address]})
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful"
    assert envelope["data"]["view_by"] == "sender" and envelope["data"]["deleted"] == [domain, address]
    assert envelope["data"]["total_count"] == 2
    assert not {domain, address} & set(blocked_senders(sim))
    assert sim.world.list_entries("safelist") == safelist_before
    calls = list_calls(sim)
    assert [(c["method"], c["path"]) for c in calls] == [("DELETE", "/esa/api/v2.0/quarantine/blocklist")] * 2
    assert [json.loads(c["body"]) for c in calls] == [
        {"quarantineType": "spam", "viewBy": "sender", "senderList": [domain]},
        {"quarantineType": "spam", "viewBy": "sender", "senderList": [address]}]


def test_unblock_domains_or_email_addresses_recipient_block_list_removes_recipient_entry(integration, sim):
    recipient = sorted(sim.world.list_entries("blocklist"))[-1]
    envelope = integration.run(CMD, {"block_list_type": "recipient block list",
                                     "domains_or_email_addresses": [recipient]})
    assert envelope["status"] == "Successful"
    assert envelope["data"] == {
        "list_type": "blocklist", "view_by": "recipient", "deleted": [recipient], "not_found": [], "failed": [],
        "outcome_unknown": [], "total_count": 1,
        "counts": {"requested": 1, "deleted": 1, "not_found": 0, "failed": 0, "outcome_unknown": 0}}
    assert recipient not in sim.world.list_entries("blocklist")
    assert json.loads(list_calls(sim)[0]["body"]) == {"quarantineType": "spam", "viewBy": "recipient",
                                                      "recipientList": [recipient]}


def test_unblock_domains_or_email_addresses_not_blocked_partially_successful(integration, sim):
    domain = next(s for s in sorted(blocked_senders(sim)) if "@" not in s)
    envelope = integration.run(CMD, {"domains_or_email_addresses": ["never-blocked.example", domain]})
    error = {"failure_indicator": f"{NAME} failed.", "status_code": 404,
             "message": "No blocklist entry for sender never-blocked.example."}
    assert envelope["status"] == "Partially Successful"
    assert envelope["error"] == error
    assert envelope["items"] == [{"id": "never-blocked.example", "status": "Failed", "error": error},
                                 {"id": domain, "status": "Successful", "error": None}]
    assert envelope["data"]["not_found"] == ["never-blocked.example"]
    assert envelope["data"]["total_count"] == 1


# -- request shape ----------------------------------------------------------------------
def test_unblock_domains_or_email_addresses_request_shape(requests_mock):
    answer = {"data": {"action": "delete", "recipientList": ["r@corp.example"], "totalCount": 1}}
    requests_mock.delete(URL, json=answer)
    envelope = mocked().run(CMD, {"block_list_type": "Recipient Block List",
                                  "domains_or_email_addresses": '["r@corp.example"]'})
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Successful",
        "data": {"list_type": "blocklist", "view_by": "recipient", "deleted": ["r@corp.example"], "not_found": [],
                 "failed": [], "outcome_unknown": [], "total_count": 1,
                 "counts": {"requested": 1, "deleted": 1, "not_found": 0, "failed": 0, "outcome_unknown": 0}},
        "raw_data": {"responses": [{"entry": "r@corp.example", "status": 200, "body": answer}]},
        "error": None, "items": [{"id": "r@corp.example", "status": "Successful", "error": None}]}
    assert requests_mock.call_count == 1
    req = requests_mock.last_request
    assert req.method == "DELETE" and urlsplit(req.url).path == "/esa/api/v2.0/quarantine/blocklist"
    assert urlsplit(req.url).query == "" and req.qs == {}
    assert req.json() == {"quarantineType": "spam", "viewBy": "recipient", "recipientList": ["r@corp.example"]}


# -- failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("status, message", [
    (400, "Bad request."),
    (401, "Invalid username or passphrase."),
    (404, "Resource not found."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_unblock_domains_or_email_addresses_appliance_error_fails_with_its_message(requests_mock, status, message):
    requests_mock.delete(URL, status_code=status, json=error_body(status, message))
    envelope = mocked().run(CMD, {"domains_or_email_addresses": ["evil.example"]})
    error = {"failure_indicator": f"{NAME} failed.", "status_code": status, "message": message}
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Failed",
        "data": {"list_type": "blocklist", "view_by": "sender", "deleted": [], "not_found": [],
                 "failed": ["evil.example"], "outcome_unknown": [], "total_count": 0,
                 "counts": {"requested": 1, "deleted": 0, "not_found": 0, "failed": 1, "outcome_unknown": 0}},
        "raw_data": {"responses": [{"entry": "evil.example", "status": status, "body": error_body(status, message)}]},
        "error": error, "items": [{"id": "evil.example", "status": "Failed", "error": error}]}
    assert requests_mock.call_count == 1


def test_unblock_domains_or_email_addresses_dropped_connection_outcome_unknown(integration, sim):
    sim.inject("quarantine/blocklist", "drop", method="DELETE")
    domain = next(s for s in sorted(blocked_senders(sim)) if "@" not in s)
    envelope = integration.run(CMD, {"domains_or_email_addresses": [domain]})
    assert envelope["status"] == "Failed"
    assert envelope["error"]["status_code"] is None
    assert "may or may not have been applied" in envelope["error"]["message"]
    assert envelope["data"]["outcome_unknown"] == [domain]
    assert len(list_calls(sim, "DELETE")) == 1  # never resent


@pytest.mark.parametrize("params, named", [
    ({}, "domains_or_email_addresses: required"),
    ({"domains_or_email_addresses": ["not a domain"]}, "domains_or_email_addresses[0]"),
    ({"block_list_type": "Domain Block List", "domains_or_email_addresses": ["evil.example"]},
     'block_list_type: "Domain Block List" is not one of Sender Block List, Recipient Block List'),
])
def test_unblock_domains_or_email_addresses_invalid_input_fails_400_without_request(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
