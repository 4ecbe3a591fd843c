"""Remove Incoming Policy Users: read the entries, drop the values (an entry left without senders
or recipients goes), PUT the rest whole, read back; an absent value is "not present"; the policy
is never written without entries."""

from tests.scenarios.config import ConfigScenarios, config_calls, written

PATH = "incoming_mail_policies/strict_inbound/senders_and_recipients"
ANY = {"operation": "or", "receiver": {"domain_entries": ["ANY"]}}


def entries(*senders):
    return {"data": [{"sender_config": {"sender": {"domain_entries": list(s)}}, "receiver_config": ANY} for s in senders]}


class TestRemoveIncomingPolicyUsers(ConfigScenarios):
    command, display, feature, writes = "remove_incoming_policy_users", "Remove Incoming Policy Users", "incoming_mail_policies", True
    params = {"policy": "strict_inbound", "senders": "@phish.example, @absent.example"}
    mocks = [("GET", PATH, [entries(["@lookalike-corp.example"], ["@phish.example", "x@y.example"]),
                            entries(["@lookalike-corp.example"], ["x@y.example"])]),
             ("PUT", PATH, [written()])]
    expected = [("GET", PATH, None),
                ("PUT", PATH, {"data": [entries(["@lookalike-corp.example"])["data"][0],
                                        entries(["x@y.example"])["data"][0]]}),
                ("GET", PATH, None)]
    invalid = [({"policy": "strict_inbound"}, "senders, recipients: give at least one of them"),
               ({"policy": "strict_inbound", "senders": "bad"}, "senders[0]")]

    def test_golden_run_against_the_simulator(self, sim, integration, regen_golden):
        integration.run("add_incoming_policy_users", {"policy": "strict_inbound", "senders": "@phish.example"})
        sim.clear_log()
        super().test_golden_run_against_the_simulator(sim, integration, regen_golden)

    def test_cli_run_is_the_golden_envelope(self, sim, capsys, regen_golden, integration):
        integration.run("add_incoming_policy_users", {"policy": "strict_inbound", "senders": "@phish.example"})
        super().test_cli_run_is_the_golden_envelope(sim, capsys, regen_golden)

    def test_readonly_role_cannot_write(self, sim, integration):
        integration.run("add_incoming_policy_users", {"policy": "strict_inbound", "senders": "@phish.example"})
        super().test_readonly_role_cannot_write(sim)

    def check_run(self, envelope, sim):
        assert envelope["data"]["removed"] == ["@phish.example"]
        assert envelope["data"]["not_present"] == ["@absent.example"]
        assert sim.config.policy_users("strict_inbound") == [
            {"sender_config": {"sender": {"domain_entries": ["@lookalike-corp.example"]}}, "receiver_config": ANY}]
        assert [e["method"] for e in config_calls(sim)] == ["GET", "PUT", "GET"]


def test_remove_incoming_policy_users_never_puts_an_empty_list(integration, sim):
    envelope = integration.run("remove_incoming_policy_users", {"policy": "strict_inbound",
                                                                "senders": "@lookalike-corp.example"})
    assert envelope["status"] == "Failed"
    assert envelope["error"]["message"] == ("Removing these would leave incoming mail policy strict_inbound with no "
                                            "user entries, which the appliance refuses.")
    assert [e["method"] for e in config_calls(sim)] == ["GET"]


def test_remove_incoming_policy_users_recipient_keeps_the_entry_with_others(integration, sim):
    integration.run("add_incoming_policy_users", {"policy": "executives", "senders": "@vip.example",
                                                  "recipients": "a@corp.example, b@corp.example"})
    envelope = integration.run("remove_incoming_policy_users", {"policy": "executives", "recipients": "a@corp.example"})
    assert envelope["status"] == "Successful"
    assert sim.config.policy_users("executives")[-1]["receiver_config"]["receiver"] == {"domain_entries": ["b@corp.example"]}
