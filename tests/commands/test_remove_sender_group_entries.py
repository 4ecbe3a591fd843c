"""Remove Sender Group Entries: the present senders are DELETEd in the group's own spelling, the
group is read back; an absent sender is "not present"; the shared configuration scenarios."""

from tests.scenarios.config import ConfigScenarios, config_calls, written

PATH = "sender_groups/listener/IncomingMail/sender_group/BLOCKED_LIST"
WRITE = "sender_groups/sender_list/IncomingMail/BLOCKED_LIST"


def group(*names):
    return {"data": {"name": "BLOCKED_LIST", "senders": {"ip_address_list": [{"sender_name": n} for n in names]}}}


class TestRemoveSenderGroupEntries(ConfigScenarios):
    command, display, feature, writes = "remove_sender_group_entries", "Remove Sender Group Entries", "sender_groups", True
    params = {"listener": "IncomingMail", "senders": ".SPAM-CANNON.example, 192.0.2.44"}
    mocks = [("GET", PATH, [group("203.0.113.66", ".spam-cannon.example"), group("203.0.113.66")]),
             ("DELETE", WRITE, [written("Deleted Successfully")])]
    expected = [("GET", PATH, None), ("DELETE", WRITE, {"data": {"senders": [".spam-cannon.example"]}}),
                ("GET", PATH, None)]
    invalid = [({"listener": "IncomingMail", "senders": "bad sender!"}, "senders[0]"),
               ({"listener": "IncomingMail", "senders": []}, "senders")]

    def check_run(self, envelope, sim):
        data = envelope["data"]
        assert data["removed"] == [".SPAM-CANNON.example"] and data["not_present"] == ["192.0.2.44"]
        assert data["senders"] == ["203.0.113.66"]
        assert [r["sender_name"] for r in sim.config.group("IncomingMail", "BLOCKED_LIST")["senders"]["ip_address_list"]] \
            == ["203.0.113.66"]
        assert [e["method"] for e in config_calls(sim)] == ["GET", "DELETE", "GET"]


def test_remove_sender_group_entries_none_present_writes_nothing(integration, sim):
    envelope = integration.run("remove_sender_group_entries", {"listener": "IncomingMail", "senders": "192.0.2.44"})
    assert envelope["status"] == "Successful" and envelope["data"]["not_present"] == ["192.0.2.44"]
    assert [e["method"] for e in config_calls(sim)] == ["GET"]
