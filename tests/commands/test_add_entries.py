"""Add Entries: end to end against the simulator's lists (add, append, edit; both views), the
request shape with requests-mock, the spec's failures and invalid input."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import answer

CMD = "add_entries"
BASE = "https://esa.test:6443/esa/api/v2.0/quarantine"


def mocked() -> Integration:
    return Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"},
                       clock=lambda: FROZEN_NOW)


def list_calls(sim, method=None) -> list[dict]:
    return [e for e in sim.request_log if "/quarantine/" in e["path"] and (method is None or e["method"] == method)]


def by_recipient(action, recipients, senders, list_type="Blocklist"):
    return {"list_type": list_type, "action": action, "view_by": "Recipient",
            "recipient_addresses": recipients, "sender_list": senders}


def error_body(status, message):
    return {"error": {"message": message, "code": str(status), "explanation": f"{status} = ..."}}


# -- end to end -------------------------------------------------------------------------
def test_add_entries_add_by_recipient_then_view_matches_golden(integration, sim, regen_golden):
    envelope = integration.run(CMD, by_recipient("Add", ["zed@corp.example", "amy@corp.example"],
                                                 ["win@prize.example", "spammy.example"]))
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful"
    assert envelope["data"] == {
        "list_type": "blocklist", "action": "add", "view_by": "recipient", "count": 2, "message": "add confirmed",
        "entries": [{"recipient": "amy@corp.example", "senders": ["spammy.example", "win@prize.example"]},
                    {"recipient": "zed@corp.example", "senders": ["spammy.example", "win@prize.example"]}]}
    state = sim.world.list_entries("blocklist")
    assert state["zed@corp.example"] == state["amy@corp.example"] == {"win@prize.example", "spammy.example"}
    posts = list_calls(sim, "POST")
    assert len(posts) == 1 and posts[0]["path"] == "/esa/api/v2.0/quarantine/blocklist"
    assert json.loads(posts[0]["body"]) == {
        "action": "add", "quarantineType": "spam", "viewBy": "recipient",
        "recipientAddresses": ["zed@corp.example", "amy@corp.example"],
        "senderList": ["win@prize.example", "spammy.example"]}
    # and the appliance's own view shows them
    view = integration.run("search_list_entries", {"list_type": "Blocklist", "view_by": "Recipient"})
    shown = {e["recipient"]: e["senders"] for e in view["data"]["entries"]}
    assert shown["amy@corp.example"] == ["spammy.example", "win@prize.example"]


def test_add_entries_append_unions_and_edit_replaces(integration, sim):
    recipient, before = sorted(sim.world.list_entries("blocklist").items())[0]
    assert integration.run(CMD, by_recipient("Append", [recipient], ["new@worse.example"]))["status"] == "Successful"
    assert sim.world.list_entries("blocklist")[recipient] == before | {"new@worse.example"}
    envelope = integration.run(CMD, by_recipient("Edit", [recipient], ["only.example"]))
    assert envelope["status"] == "Successful"
    assert envelope["data"]["action"] == "edit"
    assert sim.world.list_entries("blocklist")[recipient] == {"only.example"}
    assert [json.loads(e["body"])["action"] for e in list_calls(sim, "POST")] == ["append", "edit"]


def test_add_entries_by_sender_on_safelist_puts_sender_on_each_recipient(integration, sim):
    envelope = integration.run(CMD, {"list_type": "safelist", "action": "add", "view_by": "sender",
                                     "sender_addresses": ["partner.example"],
                                     "recipient_list": "a@corp.example, b@corp.example"})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["entries"] == [{"sender": "partner.example",
                                            "recipients": ["a@corp.example", "b@corp.example"]}]
    state = sim.world.list_entries("safelist")
    assert "partner.example" in state["a@corp.example"] and "partner.example" in state["b@corp.example"]
    assert json.loads(list_calls(sim, "POST")[0]["body"]) == {
        "action": "add", "quarantineType": "spam", "viewBy": "sender",
        "senderAddresses": ["partner.example"], "recipientList": ["a@corp.example", "b@corp.example"]}
    assert "partner.example" not in json.dumps({k: sorted(v) for k, v in sim.world.list_entries("blocklist").items()})


def test_add_entries_readonly_user_gets_403(sim):
    integ = Integration(sim.connection(user="readonly"), clock=lambda: FROZEN_NOW)
    envelope = integ.run(CMD, by_recipient("Add", ["a@corp.example"], ["x.example"]))
    assert envelope["status"] == "Failed"
    assert envelope["error"]["status_code"] == 403
    assert "a@corp.example" not in sim.world.list_entries("blocklist")


# -- request shape ----------------------------------------------------------------------
@pytest.mark.parametrize("response, message", [
    ({"data": {"action": "append", "recipientAddresses": ["r@corp.example"], "senderList": ["x.example"]}},
     "append confirmed"),                                                 # the Swagger echo (§8.2)
    ("ours:esa_added_successfully.json", "Entries were added to the list."),  # {data: {message}}
    ("capture:esa_added_successfully.json", "Added Successfully"),        # the same form, captured
    ({"meta": {"totalCount": 1}, "data": [{"recipientAddress": "r@corp.example", "senderList": ["x.example"]}]},
     "append confirmed"),                                                 # the older array form
])
def test_add_entries_request_shape_and_each_confirmation_form_is_success(requests_mock, response, message):
    if isinstance(response, str):
        source, _, name = response.partition(":")
        response = answer(source, name)
    requests_mock.post(f"{BASE}/safelist", json=response)
    envelope = mocked().run(CMD, {"list_type": "SAFELIST", "action": "append", "view_by": "recipient",
                                  "recipient_addresses": '["r@corp.example", "r@corp.example"]',
                                  "sender_list": ["x.example", "[192.0.2.7]", "a@b.example"]})
    assert envelope == {
        "command": CMD, "display_name": "Add Entries", "status": "Successful",
        "data": {"list_type": "safelist", "action": "append", "view_by": "recipient", "count": 1, "message": message,
                 "entries": [{"recipient": "r@corp.example", "senders": ["[192.0.2.7]", "a@b.example", "x.example"]}]},
        "raw_data": response, "error": None, "items": []}
    assert requests_mock.call_count == 1
    req = requests_mock.last_request
    assert req.method == "POST"
    assert urlsplit(req.url).path == "/esa/api/v2.0/quarantine/safelist"
    assert urlsplit(req.url).query == "" and req.qs == {}
    assert req.headers["Authorization"].startswith("Basic ")
    assert req.json() == {"action": "append", "quarantineType": "spam", "viewBy": "recipient",
                          "recipientAddresses": ["r@corp.example"],
                          "senderList": ["x.example", "[192.0.2.7]", "a@b.example"]}


@pytest.mark.parametrize("status, body, message", [
    (200, {}, "Unexpected response from the appliance: HTTP 200 without the confirmation of the add (asyncos-api §8.2); "
              "the list may or may not have changed: check it with Search List Entries."),
    (200, {"error": {"message": "Entry could not be added.", "code": "500"}}, "Entry could not be added."),
    (200, {"data": {"action": "delete"}}, None),
    (202, None, None),
    (204, None, None),
])
def test_add_entries_answer_without_confirmation_is_failed(requests_mock, status, body, message):
    if body is None:
        requests_mock.post(f"{BASE}/blocklist", status_code=status)
    else:
        requests_mock.post(f"{BASE}/blocklist", status_code=status, json=body)
    envelope = mocked().run(CMD, {"list_type": "Blocklist", "action": "Add", "view_by": "Sender",
                                  "sender_addresses": "bad.example", "recipient_list": "r@corp.example"})
    assert envelope["status"] == "Failed" and requests_mock.call_count == 1
    expected = message or (f"Unexpected response from the appliance: HTTP {status} without the confirmation of the add "
                           "(asyncos-api §8.2); the list may or may not have changed: check it with Search List Entries.")
    assert envelope["error"] == {"failure_indicator": "Add Entries failed.", "status_code": status, "message": expected}


# -- failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("status, message", [
    (401, "Invalid username or passphrase."),
    (404, "Resource not found."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_add_entries_appliance_error_fails_with_its_message(requests_mock, status, message):
    requests_mock.post(f"{BASE}/blocklist", status_code=status, json=error_body(status, message))
    envelope = mocked().run(CMD, by_recipient("Add", ["r@corp.example"], ["x.example"]))
    assert envelope == {
        "command": CMD, "display_name": "Add Entries", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Add Entries failed.", "status_code": status, "message": message},
        "items": []}
    assert requests_mock.call_count == 1  # a write is never resent


@pytest.mark.parametrize("params, named", [
    ({"list_type": "Blocklist", "action": "Add", "view_by": "Recipient", "recipient_addresses": ["r@corp.example"]},
     "sender_list: required when view_by is Recipient"),
    ({"list_type": "Blocklist", "action": "Add", "view_by": "Sender", "sender_addresses": ["x.example"]},
     "recipient_list: required when view_by is Sender"),
    (by_recipient("Add", ["not an address"], ["x.example"]), "recipient_addresses[0]"),
    (by_recipient("Add", ["r@corp.example"], ["bad domain"]), "sender_list[0]"),
    (by_recipient("Replace", ["r@corp.example"], ["x.example"]), "action: \"Replace\" is not one of Add, Edit, Append"),
    ({"action": "Add", "view_by": "Recipient", "recipient_addresses": ["r@corp.example"], "sender_list": ["x.example"]},
     "list_type: required"),
])
def test_add_entries_invalid_input_fails_400_without_request(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed"
    assert envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert envelope["items"] == [] and envelope["data"] == {}
    assert requests_mock.call_count == 0
