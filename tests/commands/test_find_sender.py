"""Find Sender: every sender group entry on every listener holding the text, from the find path
that ends with a slash; keys with spaces read as underscores; nothing found is Successful."""

import requests_mock as rm

from tests.scenarios.common import mocked
from tests.scenarios.config import BASE, ConfigScenarios


class TestFindSender(ConfigScenarios):
    command, display, feature = "find_sender", "Find Sender", "sender_groups"
    params = {"sender": "203.0.113"}
    mocks = [("GET", "sender_groups/find_in_all_senders/203.0.113/", [{"data": []}])]
    expected = [("GET", "sender_groups/find_in_all_senders/203.0.113/", None)]
    invalid = [({}, "sender: required")]

    def check_run(self, envelope, sim):
        assert envelope["data"] == {"sender": "203.0.113", "total": 1, "found": [
            {"sender": "203.0.113.66", "description": "SOC block 2026-11-02", "sender_group": "BLOCKED_LIST",
             "listener": "IncomingMail"}]}


def test_find_sender_keys_with_spaces_and_nothing_found(integration):
    with rm.Mocker() as m:
        m.get(f"{BASE}/sender_groups/find_in_all_senders/10.0.0/",
              json={"data": [{"sender name": "10.0.0.0/24", "description": "", "sender group": "RELAYLIST",
                              "listener": "OutgoingMail"}]})
        envelope = mocked().run("find_sender", {"sender": "10.0.0"})
    assert envelope["data"]["found"] == [{"sender": "10.0.0.0/24", "description": "", "sender_group": "RELAYLIST",
                                          "listener": "OutgoingMail"}]
    assert integration.run("find_sender", {"sender": "no-such-host"})["data"] == {"sender": "no-such-host", "found": [],
                                                                                "total": 0}
