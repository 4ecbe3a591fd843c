"""List Sender Groups: a listener's HAT sender groups in order, with their senders; an unknown
listener is a 404 naming it; the shared configuration scenarios."""

from tests.scenarios.config import ConfigScenarios, config_calls

GROUPS = {"data": {"sender_groups": [
    {"name": "ALLOWED_LIST", "order": "2", "flow_profile": "TRUSTED", "description": "",
     "senders": {"ip_address_list": [], "geo_list": []}},
    {"name": "BLOCKED_LIST", "order": "1", "flow_profile": "BLOCKED", "description": "Rejected",
     "senders": {"ip_address_list": [{"sender_name": "203.0.113.66", "description": "SOC"}],
                 "geo_list": [{"sender_name": "Exampleland"}]}, "sbrs": [-10.0, -3.0]}]}}


class TestListSenderGroups(ConfigScenarios):
    command, display, feature = "list_sender_groups", "List Sender Groups", "sender_groups"
    params = {"listener": "IncomingMail"}
    mocks = [("GET", "sender_groups/listener/IncomingMail", [GROUPS])]
    expected = [("GET", "sender_groups/listener/IncomingMail", None)]
    invalid = [({}, "listener: required"), ({"listener": ""}, "listener")]

    def check_run(self, envelope, sim):
        groups = envelope["data"]["sender_groups"]
        assert [g["name"] for g in groups] == ["BLOCKED_LIST", "ALLOWED_LIST", "SUSPECTLIST", "UNKNOWNLIST"]
        assert [g["order"] for g in groups] == [1, 2, 3, 4]
        assert groups[0]["senders"] == [{"sender": "203.0.113.66", "description": "SOC block 2026-11-02"},
                                        {"sender": ".spam-cannon.example", "description": ""}]
        assert [(e["method"], e["path"]) for e in config_calls(sim)] == [
            ("GET", "/esa/api/v2.0/config/sender_groups/listener/IncomingMail")]


def test_list_sender_groups_sorted_by_order_with_geo_senders():
    from tests.scenarios.common import mocked
    import requests_mock as rm
    with rm.Mocker() as m:
        m.get("https://esa.test:6443/esa/api/v2.0/config/sender_groups/listener/IncomingMail", json=GROUPS)
        envelope = mocked().run("list_sender_groups", {"listener": "IncomingMail"})
    assert envelope["data"] == {"listener": "IncomingMail", "total": 2, "sender_groups": [
        {"name": "BLOCKED_LIST", "order": 1, "flow_profile": "BLOCKED", "description": "Rejected",
         "senders": [{"sender": "203.0.113.66", "description": "SOC"}], "geo": ["Exampleland"], "sbrs": [-10.0, -3.0]},
        {"name": "ALLOWED_LIST", "order": 2, "flow_profile": "TRUSTED", "description": "", "senders": [], "geo": [],
         "sbrs": []}]}
    assert envelope["raw_data"] == GROUPS


def test_list_sender_groups_unknown_listener_is_404_naming_it(integration):
    envelope = integration.run("list_sender_groups", {"listener": "Nope"})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {"failure_indicator": "List Sender Groups failed.", "status_code": 404,
                                 "message": "Listener 'Nope' does not exist on the appliance."}
