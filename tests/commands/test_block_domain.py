"""Block Domain: end to end against the simulator's blocklist (both views), the request shape
with requests-mock, the spec's failures and the domain check of the schema."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.golden import check_golden
from tests.scenarios.common import mocked
from tests.scenarios.lists import BLOCKLIST_URL as URL, error_body, list_calls

CMD = "block_domain"


def by_sender(action, domains, recipients):
    return {"action": action, "view_by": "Sender", "sender_addresses": domains, "recipients_list": recipients}


# -- end to end -------------------------------------------------------------------------
def test_block_domain_add_by_sender_matches_golden(integration, sim, regen_golden):
    envelope = integration.run(CMD, by_sender("Add", ["evil.example", ".phish.example", "[192.0.2.10]"],
                                              ["ceo@corp.example", "cfo@corp.example"]))
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful"
    assert envelope["data"]["list_type"] == "blocklist"
    assert envelope["data"]["entries"] == [
        {"sender": ".phish.example", "recipients": ["ceo@corp.example", "cfo@corp.example"]},
        {"sender": "[192.0.2.10]", "recipients": ["ceo@corp.example", "cfo@corp.example"]},
        {"sender": "evil.example", "recipients": ["ceo@corp.example", "cfo@corp.example"]},
    ]
    state = sim.world.list_entries("blocklist")
    assert state["ceo@corp.example"] == state["cfo@corp.example"] == {"evil.example", ".phish.example", "[192.0.2.10]"}
    posts = list_calls(sim, "POST")
    assert [p["path"] for p in posts] == ["/esa/api/v2.0/quarantine/blocklist"]
    assert json.loads(posts[0]["body"]) == {
        "action": "add", "quarantineType": "spam", "viewBy": "sender",
        "senderAddresses": ["evil.example", ".phish.example", "[192.0.2.10]"],
        "recipientList": ["ceo@corp.example", "cfo@corp.example"]}


def test_block_domain_append_by_recipient_keeps_existing_senders(integration, sim):
    recipient, before = sorted(sim.world.list_entries("blocklist").items())[1]
    envelope = integration.run(CMD, {"action": "append", "view_by": "recipient", "sender_list": ["mail.evil.example"],
                                     "recipients_addresses": [recipient]})
    assert envelope["status"] == "Successful"
    assert envelope["data"] == {"list_type": "blocklist", "action": "append", "view_by": "recipient", "count": 1,
                                "message": "append confirmed",
                                "entries": [{"recipient": recipient, "senders": ["mail.evil.example"]}]}
    assert sim.world.list_entries("blocklist")[recipient] == before | {"mail.evil.example"}
    assert sim.world.list_entries("safelist").get(recipient, set()).isdisjoint({"mail.evil.example"})


# -- request shape ----------------------------------------------------------------------
def test_block_domain_request_shape_by_recipient(requests_mock):
    requests_mock.post(URL, json={"data": {"message": "Added Successfully"}})
    envelope = mocked().run(CMD, {"action": "Edit", "view_by": "Recipient", "sender_list": "evil.example,bad.example",
                                  "recipients_addresses": ["r@corp.example"]})
    assert envelope == {
        "command": CMD, "display_name": "Block Domain", "status": "Successful",
        "data": {"list_type": "blocklist", "action": "edit", "view_by": "recipient", "count": 1,
                 "message": "Added Successfully",
                 "entries": [{"recipient": "r@corp.example", "senders": ["bad.example", "evil.example"]}]},
        "raw_data": {"data": {"message": "Added Successfully"}}, "error": None, "items": []}
    assert requests_mock.call_count == 1
    req = requests_mock.last_request
    assert req.method == "POST" and urlsplit(req.url).path == "/esa/api/v2.0/quarantine/blocklist"
    assert urlsplit(req.url).query == "" and req.qs == {}
    assert req.json() == {"action": "edit", "quarantineType": "spam", "viewBy": "recipient",
                          "recipientAddresses": ["r@corp.example"], "senderList": ["evil.example", "bad.example"]}


# -- failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("status, message", [
    (400, "Bad request."),
    (401, "Invalid username or passphrase."),
    (404, "Resource not found."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_block_domain_appliance_error_fails_with_its_message(requests_mock, status, message):
    requests_mock.post(URL, status_code=status, json=error_body(status, message))
    envelope = mocked().run(CMD, by_sender("Add", ["evil.example"], ["r@corp.example"]))
    assert envelope == {
        "command": CMD, "display_name": "Block Domain", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Block Domain failed.", "status_code": status, "message": message},
        "items": []}
    assert requests_mock.call_count == 1


@pytest.mark.parametrize("value", ["x@y.com", "bad domain", "http://evil.example", "evil", ""])
def test_block_domain_non_domain_sender_fails_400_naming_it(requests_mock, value):
    envelope = mocked().run(CMD, by_sender("Add", ["ok.example", value], ["r@corp.example"]))
    assert envelope["status"] == "Failed"
    assert envelope["error"]["status_code"] == 400
    assert envelope["error"]["message"].startswith("Invalid input: sender_addresses[1]: ")
    assert requests_mock.call_count == 0


def test_block_domain_both_bad_values_named_by_recipient_view(requests_mock):
    envelope = mocked().run(CMD, {"action": "Add", "view_by": "Recipient", "sender_list": ["x@y.com", "bad domain"],
                                  "recipients_addresses": ["r@corp.example"]})
    assert envelope["error"] == {
        "failure_indicator": "Block Domain failed.", "status_code": 400,
        "message": "Invalid input: sender_list[0]: 'x@y.com' is not a domain (example.com, .example.com or "
                   "[192.0.2.1]); sender_list[1]: 'bad domain' is not a domain (example.com, .example.com or [192.0.2.1])"}
    assert requests_mock.call_count == 0


@pytest.mark.parametrize("params, named", [
    ({"action": "Add", "view_by": "Sender", "sender_addresses": ["evil.example"]},
     "recipients_list: required when view_by is Sender"),
    ({"action": "Add", "view_by": "Recipient", "recipients_addresses": ["r@corp.example"]},
     "sender_list: required when view_by is Recipient"),
    (by_sender("Add", ["evil.example"], ["not-an-address"]), "recipients_list[0]"),
    ({"view_by": "Sender", "sender_addresses": ["evil.example"], "recipients_list": ["r@corp.example"]},
     "action: required"),
])
def test_block_domain_invalid_input_fails_400_without_request(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
