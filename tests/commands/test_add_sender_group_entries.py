"""Add Sender Group Entries: the gateway block; the group is read, only the new senders are POSTed,
the group is read back; a sender already there is "already present"; per-sender items; invalid
senders send nothing; the shared configuration scenarios."""

import requests_mock as rm

from tests.scenarios.common import mocked
from tests.scenarios.config import BASE, ConfigScenarios, config_calls, written

PATH = "sender_groups/listener/IncomingMail/sender_group/BLOCKED_LIST"
WRITE = "sender_groups/sender_list/IncomingMail/BLOCKED_LIST"


def group(*names):
    return {"data": {"name": "BLOCKED_LIST", "order": "1", "flow_profile": "BLOCKED",
                     "senders": {"ip_address_list": [{"sender_name": n, "description": ""} for n in names],
                                 "geo_list": []}}}


class TestAddSenderGroupEntries(ConfigScenarios):
    command, display, feature, writes = "add_sender_group_entries", "Add Sender Group Entries", "sender_groups", True
    params = {"listener": "IncomingMail", "senders": "198.51.100.23, 203.0.113.66, .phish.example",
              "description": "SOC case 4411"}
    mocks = [("GET", PATH, [group("203.0.113.66"), group("203.0.113.66", "198.51.100.23", ".phish.example")]),
             ("POST", WRITE, [written("Added Successfully")])]
    expected = [("GET", PATH, None),
                ("POST", WRITE, {"data": {"senders": {"ip_address_list": [
                    {"sender_name": "198.51.100.23", "description": "SOC case 4411"},
                    {"sender_name": ".phish.example", "description": "SOC case 4411"}]}}}),
                ("GET", PATH, None)]
    invalid = [({"listener": "IncomingMail", "senders": "not a host"}, "senders[0]"),
               ({"listener": "IncomingMail", "senders": "300.1.2.3/99"}, "senders[0]"),
               ({"senders": "203.0.113.9"}, "listener: required"),
               ({"listener": "IncomingMail"}, "senders: required")]

    def check_run(self, envelope, sim):
        data = envelope["data"]
        assert data["added"] == ["198.51.100.23", ".phish.example"] and data["already_present"] == ["203.0.113.66"]
        assert data["counts"] == {"requested": 3, "added": 2, "already_present": 1, "failed": 0, "outcome_unknown": 0}
        assert [i["status"] for i in envelope["items"]] == ["Successful"] * 3
        held = {r["sender_name"]: r["description"] for r in sim.config.group("IncomingMail", "BLOCKED_LIST")["senders"]["ip_address_list"]}
        assert held["198.51.100.23"] == "SOC case 4411" and held["203.0.113.66"] == "SOC block 2026-11-02"
        assert [e["method"] for e in config_calls(sim)] == ["GET", "POST", "GET"]


def test_add_sender_group_entries_all_present_writes_nothing(integration, sim):
    envelope = integration.run("add_sender_group_entries", {"listener": "IncomingMail", "senders": "203.0.113.66"})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["already_present"] == ["203.0.113.66"] and envelope["data"]["writes"] == 0
    assert [e["method"] for e in config_calls(sim)] == ["GET"]


def test_add_sender_group_entries_other_group_and_listener(integration, sim):
    envelope = integration.run("add_sender_group_entries", {"listener": "IncomingMail", "sender_group": "SUSPECTLIST",
                                                            "senders": "2001:db8::/32"})
    assert envelope["status"] == "Successful"
    assert [r["sender_name"] for r in sim.config.group("IncomingMail", "SUSPECTLIST")["senders"]["ip_address_list"]] == \
        ["2001:db8::/32"]


def test_add_sender_group_entries_write_refused_fails_new_senders_only():
    with rm.Mocker() as m:
        m.get(f"{BASE}/{PATH}", json=group("203.0.113.66"))
        m.post(f"{BASE}/{WRITE}", status_code=400, json={"error": {"message": "Invalid sender."}})
        envelope = mocked().run("add_sender_group_entries", {"listener": "IncomingMail",
                                                             "senders": "203.0.113.66, 198.51.100.23"})
    error = {"failure_indicator": "Add Sender Group Entries failed.", "status_code": 400, "message": "Invalid sender."}
    assert envelope["status"] == "Partially Successful" and envelope["error"] == error
    assert envelope["items"] == [{"id": "203.0.113.66", "status": "Successful", "error": None},
                                 {"id": "198.51.100.23", "status": "Failed", "error": error}]
    assert envelope["raw_data"] == {"responses": [{"request": 1, "status": 400,
                                                   "body": {"error": {"message": "Invalid sender."}}}]}


def test_add_sender_group_entries_answer_without_message_is_not_a_success():
    with rm.Mocker() as m:
        m.get(f"{BASE}/{PATH}", json=group())
        m.post(f"{BASE}/{WRITE}", json={"data": {}})
        envelope = mocked().run("add_sender_group_entries", {"listener": "IncomingMail", "senders": "198.51.100.23"})
        assert m.call_count == 2  # no read-back of an unconfirmed write
    assert envelope["status"] == "Failed"
    assert envelope["error"]["status_code"] == 200
    assert "without a confirmation (data.message)" in envelope["error"]["message"]


def test_add_sender_group_entries_no_answer_is_outcome_unknown():
    import requests
    with rm.Mocker() as m:
        m.get(f"{BASE}/{PATH}", json=group())
        m.post(f"{BASE}/{WRITE}", exc=requests.exceptions.ReadTimeout)
        envelope = mocked().run("add_sender_group_entries", {"listener": "IncomingMail", "senders": "198.51.100.23"})
    assert envelope["status"] == "Failed"
    assert envelope["data"]["outcome_unknown"] == ["198.51.100.23"]
    assert "may or may not have been applied" in envelope["error"]["message"]
