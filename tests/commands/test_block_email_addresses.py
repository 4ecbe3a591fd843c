"""Block Email Addresses: the recipient lookup, append for existing entries and add for new
ones (never edit), one outcome per recipient; end to end, request shape, failures, input."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from cisco_esa.core.registry import manifest
from tests.golden import check_golden
from tests.scenarios.common import mocked
from tests.scenarios.lists import BLOCKLIST_URL as URL, error_body, list_calls

CMD = "block_email_addresses"
VIEW_QUERY = {"action": ["view"], "quarantineType": ["spam"], "viewBy": ["recipient"], "orderBy": ["recipient"],
              "orderDir": ["asc"], "offset": ["0"], "limit": ["100"]}


def existing(sim) -> tuple[str, set]:
    """A recipient that already blocks at least two senders."""
    return next((r, s) for r, s in sorted(sim.world.list_entries("blocklist").items()) if len(s) >= 2)


# -- end to end -------------------------------------------------------------------------
def test_block_email_addresses_existing_appended_new_added_matches_golden(integration, sim, regen_golden):
    recipient, before = existing(sim)
    envelope = integration.run(CMD, {"senders": ["ceo@f4ke.example", "pay@f4ke.example"],
                                     "recipients": [recipient, "newhire@corp.example"]})
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful"
    assert [i["id"] for i in envelope["items"]] == [recipient, "newhire@corp.example"]
    state = sim.world.list_entries("blocklist")
    # the recipient's other blocked senders are kept
    assert state[recipient] == before | {"ceo@f4ke.example", "pay@f4ke.example"}
    assert state["newhire@corp.example"] == {"ceo@f4ke.example", "pay@f4ke.example"}
    assert envelope["data"]["entries"][0] == {
        "recipient": recipient, "action": "append", "added_senders": ["ceo@f4ke.example", "pay@f4ke.example"],
        "senders": sorted(state[recipient], key=lambda s: (s.lower(), s))}
    assert envelope["data"]["counts"] == {"requested": 2, "added": 1, "appended": 1, "failed": 0, "outcome_unknown": 0}
    calls = list_calls(sim)
    assert [c["method"] for c in calls] == ["GET", "POST", "POST"]
    assert parse_qs(calls[0]["query"]) == VIEW_QUERY
    bodies = [json.loads(c["body"]) for c in calls[1:]]
    assert bodies == [
        {"action": "append", "quarantineType": "spam", "viewBy": "recipient", "recipientAddresses": [recipient],
         "senderList": ["ceo@f4ke.example", "pay@f4ke.example"]},
        {"action": "add", "quarantineType": "spam", "viewBy": "recipient",
         "recipientAddresses": ["newhire@corp.example"], "senderList": ["ceo@f4ke.example", "pay@f4ke.example"]},
    ]
    assert not any("edit" in c["body"] for c in calls)


def test_block_email_addresses_recipient_in_other_case_is_appended(integration, sim):
    recipient, before = existing(sim)
    envelope = integration.run(CMD, {"senders": ["x@f4ke.example"], "recipients": [recipient.upper()]})
    assert envelope["status"] == "Successful"
    assert envelope["items"][0]["id"] == recipient.upper()
    assert envelope["data"]["entries"][0]["action"] == "append"
    assert envelope["data"]["entries"][0]["recipient"] == recipient  # the entry's own spelling is written to
    assert json.loads(list_calls(sim, "POST")[0]["body"])["recipientAddresses"] == [recipient]
    assert sim.world.list_entries("blocklist")[recipient] == before | {"x@f4ke.example"}
    assert recipient.upper() not in sim.world.list_entries("blocklist")


def test_block_email_addresses_sender_already_blocked_is_not_added_again(integration, sim):
    recipient, before = next((r, s) for r, s in sorted(sim.world.list_entries("blocklist").items())
                             if any("@" in x for x in s))
    blocked = sorted(x for x in before if "@" in x)[0]
    envelope = integration.run(CMD, {"senders": [blocked, "new@f4ke.example"], "recipients": [recipient]})
    assert envelope["data"]["entries"][0]["added_senders"] == ["new@f4ke.example"]
    assert sim.world.list_entries("blocklist")[recipient] == before | {"new@f4ke.example"}


@pytest.mark.parametrize("fail_at", [0, 1])
def test_block_email_addresses_one_post_fails_partially_successful(integration, sim, fail_at):
    recipient, before = existing(sim)
    recipients = ["first@corp.example", recipient]
    if fail_at:
        # a no-op fault takes the first POST, so the 500 lands on the second
        sim.inject("quarantine/blocklist", "delay", delay=0, method="POST", count=1)
    sim.inject("quarantine/blocklist", "status", status=500, method="POST", count=1,
               message="Server got itself in trouble: The application raised an exception.")
    envelope = integration.run(CMD, {"senders": ["ceo@f4ke.example"], "recipients": recipients})
    error = {"failure_indicator": "Block Email Addresses failed.", "status_code": 500,
             "message": "Server got itself in trouble: The application raised an exception."}
    failed, succeeded = recipients[fail_at], recipients[1 - fail_at]
    assert envelope["status"] == "Partially Successful"
    assert envelope["error"] == error
    assert envelope["items"] == [
        {"id": r, "status": "Failed", "error": error} if r == failed else {"id": r, "status": "Successful", "error": None}
        for r in recipients]
    assert envelope["data"]["failed"] == [failed]
    assert [e["recipient"] for e in envelope["data"]["entries"]] == [succeeded]
    state = sim.world.list_entries("blocklist")
    if fail_at == 0:
        assert "first@corp.example" not in state and state[recipient] == before | {"ceo@f4ke.example"}
    else:
        assert state["first@corp.example"] == {"ceo@f4ke.example"} and state[recipient] == before
    assert len(list_calls(sim, "POST")) == 2  # the failed write is not resent


def test_block_email_addresses_every_post_fails_failed(integration, sim):
    sim.inject("quarantine/blocklist", "status", status=500, method="POST", count=2,
               message="The application raised an exception")
    envelope = integration.run(CMD, {"senders": ["ceo@f4ke.example"], "recipients": ["a@corp.example", "b@corp.example"]})
    error = {"failure_indicator": "Block Email Addresses failed.", "status_code": 500,
             "message": "The application raised an exception"}
    assert envelope["status"] == "Failed"
    assert envelope["error"] == error
    assert envelope["items"] == [{"id": "a@corp.example", "status": "Failed", "error": error},
                                 {"id": "b@corp.example", "status": "Failed", "error": error}]
    assert envelope["data"]["counts"] == {"requested": 2, "added": 0, "appended": 0, "failed": 2, "outcome_unknown": 0}


def test_block_email_addresses_lookup_fails_nothing_written(integration, sim):
    sim.inject("quarantine/blocklist", "status", status=500, method="GET",
               message="Server got itself in trouble: The application raised an exception.")
    envelope = integration.run(CMD, {"senders": ["ceo@f4ke.example"], "recipients": ["a@corp.example"]})
    assert envelope == {
        "command": CMD, "display_name": "Block Email Addresses", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Block Email Addresses failed.", "status_code": 500,
                  "message": "Server got itself in trouble: The application raised an exception."},
        "items": []}
    assert list_calls(sim, "POST") == []


def test_block_email_addresses_lookup_reads_every_page(integration, sim):
    many = [f"user{n:03d}@bulk.example" for n in range(130)]
    assert integration.run("add_entries", {"list_type": "Blocklist", "action": "Add", "view_by": "Recipient",
                                           "recipient_addresses": many, "sender_list": ["old@f4ke.example"]}
                           )["status"] == "Successful"
    sim.clear_log()
    # the last bulk recipient sorts after "user1..." rows, on the second page of 100
    envelope = integration.run(CMD, {"senders": ["new@f4ke.example"], "recipients": [many[-1]]})
    assert envelope["data"]["entries"][0]["action"] == "append"
    gets = list_calls(sim, "GET")
    assert [parse_qs(g["query"])["offset"] for g in gets] == [["0"], ["100"]]
    assert sim.world.list_entries("blocklist")[many[-1]] == {"old@f4ke.example", "new@f4ke.example"}


# -- request shape ----------------------------------------------------------------------
def test_block_email_addresses_request_shape(requests_mock):
    view = {"meta": {"totalCount": 1}, "data": [{"recipientAddress": "old@corp.example", "senderList": ["a.example"]}]}
    requests_mock.get(URL, json=view)
    requests_mock.post(URL, json=lambda request, context: {"data": {"action": request.json()["action"]}})
    envelope = mocked().run(CMD, {"senders": "x@f4ke.example, y@f4ke.example, x@f4ke.example",
                                  "recipients": ["old@corp.example", "new@corp.example", "NEW@corp.example"]})
    assert envelope == {
        "command": CMD, "display_name": "Block Email Addresses", "status": "Successful",
        "data": {"list_type": "blocklist", "view_by": "recipient", "blocked_senders": ["x@f4ke.example", "y@f4ke.example"],
                 "entries": [
                     {"recipient": "old@corp.example", "action": "append",
                      "added_senders": ["x@f4ke.example", "y@f4ke.example"],
                      "senders": ["a.example", "x@f4ke.example", "y@f4ke.example"]},
                     {"recipient": "new@corp.example", "action": "add",
                      "added_senders": ["x@f4ke.example", "y@f4ke.example"],
                      "senders": ["x@f4ke.example", "y@f4ke.example"]}],
                 "failed": [], "outcome_unknown": [],
                 "counts": {"requested": 2, "added": 1, "appended": 1, "failed": 0, "outcome_unknown": 0}},
        "raw_data": {"existing_entries": view["data"], "responses": [
            {"recipient": "old@corp.example", "action": "append", "status": 200, "body": {"data": {"action": "append"}}},
            {"recipient": "new@corp.example", "action": "add", "status": 200, "body": {"data": {"action": "add"}}}]},
        "error": None,
        "items": [{"id": "old@corp.example", "status": "Successful", "error": None},
                  {"id": "new@corp.example", "status": "Successful", "error": None}]}
    history = requests_mock.request_history
    assert [r.method for r in history] == ["GET", "POST", "POST"]
    assert urlsplit(history[0].url).path == "/esa/api/v2.0/quarantine/blocklist"
    assert urlsplit(history[0].url).query == (
        "action=view&quarantineType=spam&viewBy=recipient&orderBy=recipient&orderDir=asc&offset=0&limit=100")
    assert history[0].qs == {k.lower(): v for k, v in VIEW_QUERY.items()}
    assert [r.json() for r in history[1:]] == [
        {"action": "append", "quarantineType": "spam", "viewBy": "recipient",
         "recipientAddresses": ["old@corp.example"], "senderList": ["x@f4ke.example", "y@f4ke.example"]},
        {"action": "add", "quarantineType": "spam", "viewBy": "recipient",
         "recipientAddresses": ["new@corp.example"], "senderList": ["x@f4ke.example", "y@f4ke.example"]},
    ]


# -- failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("status, message", [
    (401, "Invalid username or passphrase."),
    (404, "Resource not found."),
    (500, "The application raised an exception"),
])
def test_block_email_addresses_appliance_error_on_post_fails_the_item(requests_mock, status, message):
    requests_mock.get(URL, json={"meta": {"totalCount": 0}, "data": []})
    requests_mock.post(URL, status_code=status, json=error_body(status, message))
    envelope = mocked().run(CMD, {"senders": ["x@f4ke.example"], "recipients": ["r@corp.example"]})
    error = {"failure_indicator": "Block Email Addresses failed.", "status_code": status, "message": message}
    assert envelope == {
        "command": CMD, "display_name": "Block Email Addresses", "status": "Failed",
        "data": {"list_type": "blocklist", "view_by": "recipient", "blocked_senders": ["x@f4ke.example"],
                 "entries": [], "failed": ["r@corp.example"], "outcome_unknown": [],
                 "counts": {"requested": 1, "added": 0, "appended": 0, "failed": 1, "outcome_unknown": 0}},
        "raw_data": {"existing_entries": [], "responses": [
            {"recipient": "r@corp.example", "action": "add", "status": status, "body": error_body(status, message)}]},
        "error": error,
        "items": [{"id": "r@corp.example", "status": "Failed", "error": error}]}
    assert requests_mock.call_count == 2


def test_block_email_addresses_unreadable_view_fails_without_post(requests_mock):
    requests_mock.get(URL, json={"meta": {"totalCount": 1}, "data": [{"senderList": ["a.example"]}]})
    envelope = mocked().run(CMD, {"senders": ["x@f4ke.example"], "recipients": ["r@corp.example"]})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {"failure_indicator": "Block Email Addresses failed.", "status_code": 200,
                                 "message": "Unexpected response from the appliance: a recipient list row has no "
                                            "recipientAddress."}
    assert requests_mock.call_count == 1


def test_block_email_addresses_lookup_past_cap_fails_without_post(requests_mock, monkeypatch):
    monkeypatch.setitem(manifest().find(CMD).handler.__globals__, "LOOKUP_CAP", 100)
    rows = [{"recipientAddress": f"u{n:03d}@corp.example", "senderList": ["a.example"]} for n in range(100)]
    requests_mock.get(URL, json={"meta": {"totalCount": 100}, "data": rows})
    envelope = mocked().run(CMD, {"senders": ["x@f4ke.example"], "recipients": ["r@corp.example"]})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {
        "failure_indicator": "Block Email Addresses failed.", "status_code": None,
        "message": "The blocklist has 100 or more recipient entries, too many to check which recipients already "
                   "have one; use Add Entries with action Append instead."}
    assert [r.method for r in requests_mock.request_history] == ["GET"]


@pytest.mark.parametrize("params, named", [
    ({"senders": ["evil.example"], "recipients": ["r@corp.example"]}, "senders[0]"),
    ({"senders": ["x@f4ke.example"], "recipients": ["r@corp.example", "nobody"]}, "recipients[1]"),
    ({"senders": ["x@f4ke.example"]}, "recipients: required"),
    ({"senders": [], "recipients": ["r@corp.example"]}, "senders: needs at least 1 value(s)"),
])
def test_block_email_addresses_invalid_input_fails_400_without_request(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
