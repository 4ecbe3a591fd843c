"""Delete Entries: one DELETE per entry (the appliance answers only a total), whole keys gone
from the simulator's lists, totalCount reported; request shape, failures, invalid input."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.golden import check_golden
from tests.scenarios.common import mocked
from tests.scenarios.lists import QUARANTINE_URL as BASE, error_body, list_calls, recipients_by_sender

CMD = "delete_entries"


def deleted(view, key, count=1):
    return {"data": {"action": "delete", "recipientList" if view == "recipient" else "senderList": [key],
                     "totalCount": count}}


# -- end to end -------------------------------------------------------------------------
def test_delete_entries_recipients_from_default_safelist_matches_golden(integration, sim, regen_golden):
    targets = sorted(sim.world.list_entries("safelist"))[:2]
    blocklist_before = sim.world.list_entries("blocklist")
    envelope = integration.run(CMD, {"view_by": "Recipient", "recipient_list": targets})
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful"
    assert envelope["data"]["list_type"] == "safelist"
    assert envelope["data"]["deleted"] == targets
    assert envelope["data"]["total_count"] == 2
    state = sim.world.list_entries("safelist")
    assert not set(targets) & set(state)  # whole keys are gone
    assert sim.world.list_entries("blocklist") == blocklist_before
    calls = list_calls(sim)
    assert [(c["method"], c["path"]) for c in calls] == [("DELETE", "/esa/api/v2.0/quarantine/safelist")] * 2
    assert [json.loads(c["body"]) for c in calls] == [
        {"quarantineType": "spam", "viewBy": "recipient", "recipientList": [t]} for t in targets]


def test_delete_entries_missing_entry_partially_successful_named(integration, sim):
    present = sorted(sim.world.list_entries("blocklist"))[0]
    envelope = integration.run(CMD, {"view_by": "recipient", "list_type": "blocklist",
                                     "recipient_list": [present, "ghost@corp.example"]})
    error = {"failure_indicator": "Delete Entries failed.", "status_code": 404,
             "message": "No blocklist entry for recipient ghost@corp.example."}
    assert envelope["status"] == "Partially Successful"
    assert envelope["error"] == error
    assert envelope["items"] == [{"id": present, "status": "Successful", "error": None},
                                 {"id": "ghost@corp.example", "status": "Failed", "error": error}]
    assert envelope["data"] == {
        "list_type": "blocklist", "view_by": "recipient", "deleted": [present], "not_found": ["ghost@corp.example"],
        "failed": [], "outcome_unknown": [], "total_count": 1,
        "counts": {"requested": 2, "deleted": 1, "not_found": 1, "failed": 0, "outcome_unknown": 0}}
    assert present not in sim.world.list_entries("blocklist")


def test_delete_entries_by_sender_removes_sender_from_every_recipient(integration, sim):
    inverted = recipients_by_sender(sim, "safelist")
    sender = next(s for s, rs in sorted(inverted.items()) if len(rs) >= 2)
    envelope = integration.run(CMD, {"view_by": "Sender", "sender_list": [sender], "list_type": "Safelist"})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["deleted"] == [sender] and envelope["data"]["total_count"] == 1
    assert all(sender not in s for s in sim.world.list_entries("safelist").values())
    assert json.loads(list_calls(sim)[0]["body"]) == {"quarantineType": "spam", "viewBy": "sender",
                                                      "senderList": [sender]}


def test_delete_entries_none_exist_failed_404(integration, sim):
    envelope = integration.run(CMD, {"view_by": "Recipient", "recipient_list": ["a@nowhere.example"]})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {"failure_indicator": "Delete Entries failed.", "status_code": 404,
                                 "message": "No safelist entry for recipient a@nowhere.example."}


# -- request shape ----------------------------------------------------------------------
def test_delete_entries_request_shape_one_delete_per_entry(requests_mock):
    requests_mock.delete(f"{BASE}/blocklist", [{"json": deleted("sender", "a.example")},
                                               {"json": deleted("sender", "b@c.example")}])
    envelope = mocked().run(CMD, {"view_by": "sender", "list_type": "blocklist",
                                  "sender_list": "a.example, b@c.example, a.example"})
    assert envelope == {
        "command": CMD, "display_name": "Delete Entries", "status": "Successful",
        "data": {"list_type": "blocklist", "view_by": "sender", "deleted": ["a.example", "b@c.example"],
                 "not_found": [], "failed": [], "outcome_unknown": [], "total_count": 2,
                 "counts": {"requested": 2, "deleted": 2, "not_found": 0, "failed": 0, "outcome_unknown": 0}},
        "raw_data": {"responses": [
            {"entry": "a.example", "status": 200, "body": deleted("sender", "a.example")},
            {"entry": "b@c.example", "status": 200, "body": deleted("sender", "b@c.example")}]},
        "error": None,
        "items": [{"id": "a.example", "status": "Successful", "error": None},
                  {"id": "b@c.example", "status": "Successful", "error": None}]}
    history = requests_mock.request_history
    assert len(history) == 2
    for req, key in zip(history, ["a.example", "b@c.example"]):
        assert req.method == "DELETE"
        assert urlsplit(req.url).path == "/esa/api/v2.0/quarantine/blocklist"
        assert urlsplit(req.url).query == "" and req.qs == {}
        assert req.headers["Content-Type"] == "application/json"
        assert req.json() == {"quarantineType": "spam", "viewBy": "sender", "senderList": [key]}


def test_delete_entries_answer_without_total_count_is_unexpected(requests_mock):
    requests_mock.delete(f"{BASE}/safelist", json={"data": {"message": "Deleted"}})
    envelope = mocked().run(CMD, {"view_by": "Recipient", "recipient_list": ["r@corp.example"]})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {
        "failure_indicator": "Delete Entries failed.", "status_code": 200,
        "message": "Unexpected response from the appliance: the DELETE answer for r@corp.example has no totalCount; "
                   "the entry may or may not have been deleted."}


# -- failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("status, message", [
    (401, "Invalid username or passphrase."),
    (404, "Resource not found."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_delete_entries_appliance_error_fails_with_its_message(requests_mock, status, message):
    requests_mock.delete(f"{BASE}/safelist", status_code=status, json=error_body(status, message))
    envelope = mocked().run(CMD, {"view_by": "Recipient", "recipient_list": ["r@corp.example"]})
    error = {"failure_indicator": "Delete Entries failed.", "status_code": status, "message": message}
    assert envelope == {
        "command": CMD, "display_name": "Delete Entries", "status": "Failed",
        "data": {"list_type": "safelist", "view_by": "recipient", "deleted": [], "not_found": [],
                 "failed": ["r@corp.example"], "outcome_unknown": [], "total_count": 0,
                 "counts": {"requested": 1, "deleted": 0, "not_found": 0, "failed": 1, "outcome_unknown": 0}},
        "raw_data": {"responses": [{"entry": "r@corp.example", "status": status, "body": error_body(status, message)}]},
        "error": error,
        "items": [{"id": "r@corp.example", "status": "Failed", "error": error}]}
    assert requests_mock.call_count == 1


def test_delete_entries_second_delete_fails_first_outcome_kept(requests_mock):
    requests_mock.delete(f"{BASE}/safelist", [
        {"json": deleted("recipient", "a@corp.example")},
        {"status_code": 500, "json": error_body(500, "The application raised an exception")}])
    envelope = mocked().run(CMD, {"view_by": "Recipient", "recipient_list": ["a@corp.example", "b@corp.example"]})
    assert envelope["status"] == "Partially Successful"
    assert [i["status"] for i in envelope["items"]] == ["Successful", "Failed"]
    assert envelope["data"]["deleted"] == ["a@corp.example"] and envelope["data"]["failed"] == ["b@corp.example"]
    assert requests_mock.call_count == 2


@pytest.mark.parametrize("params, named", [
    ({"view_by": "Recipient", "sender_list": ["a.example"]}, "recipient_list: required when view_by is Recipient"),
    ({"view_by": "Sender", "recipient_list": ["r@corp.example"]}, "sender_list: required when view_by is Sender"),
    ({"view_by": "Recipient", "recipient_list": ["r@corp.example"], "list_type": "Greylist"},
     'list_type: "Greylist" is not one of Blocklist, Safelist'),
    ({"view_by": "Recipient", "recipient_list": ["bad address"]}, "recipient_list[0]"),
    ({"recipient_list": ["r@corp.example"]}, "view_by: required"),
])
def test_delete_entries_invalid_input_fails_400_without_request(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
