"""Add Incoming Policy Users: one POST of a user entry for the senders not yet in an entry with the
same recipients, then the policy is read back; each sender its own item; the entry's rules
(senders xor senders_not, ANY alone, recipients_not only with And, the address syntax) are
checked before anything is sent."""

from tests.scenarios.config import ConfigScenarios, config_calls, written

PATH = "incoming_mail_policies/strict_inbound/senders_and_recipients"
ANY = {"operation": "or", "receiver": {"domain_entries": ["ANY"]}}


def entries(*senders):
    return {"meta": {"count": len(senders)},
            "data": [{"sender_config": {"sender": {"domain_entries": list(s)}}, "receiver_config": ANY} for s in senders]}


class TestAddIncomingPolicyUsers(ConfigScenarios):
    command, display, feature, writes = "add_incoming_policy_users", "Add Incoming Policy Users", "incoming_mail_policies", True
    params = {"policy": "strict_inbound", "senders": "@phish.example, ceo@[192.0.2.7], @LOOKALIKE-corp.example"}
    mocks = [("GET", PATH, [entries(["@lookalike-corp.example"]),
                            entries(["@lookalike-corp.example"], ["@phish.example", "ceo@[192.0.2.7]"])]),
             ("POST", PATH, [written("Added Successfully")])]
    expected = [("GET", PATH, None),
                ("POST", PATH, {"data": {"sender_config": {"sender": {"domain_entries": ["@phish.example",
                                                                                         "ceo@[192.0.2.7]"]}},
                                         "receiver_config": ANY}}),
                ("GET", PATH, None)]
    invalid = [({"policy": "p"}, "senders, senders_not: give exactly one of them"),
               ({"policy": "p", "senders": "@a.example", "senders_not": "@b.example"}, "give exactly one"),
               ({"policy": "p", "senders": "ANY, @a.example"}, "senders: ANY must be alone"),
               ({"policy": "p", "senders": "@a.example", "recipients_not": "x@corp.example"},
                "recipients_not: only with operation And"),
               ({"policy": "p", "senders": "not-an-entry"}, "senders[0]"),
               ({"policy": "p", "senders": "@a.example", "operation": "Xor"}, "operation")]

    def check_run(self, envelope, sim):
        data = envelope["data"]
        assert data["added"] == ["@phish.example", "ceo@[192.0.2.7]"]
        assert data["already_present"] == ["@LOOKALIKE-corp.example"]
        assert sim.config.policy_users("strict_inbound")[-1] == {
            "sender_config": {"sender": {"domain_entries": ["@phish.example", "ceo@[192.0.2.7]"]}},
            "receiver_config": ANY}


def test_add_incoming_policy_users_sender_not_with_and(integration, sim):
    envelope = integration.run("add_incoming_policy_users", {
        "policy": "executives", "senders_not": "@corp.example", "recipients": "cfo@corp.example",
        "recipients_not": "intern@corp.example", "operation": "and"})
    assert envelope["status"] == "Successful" and envelope["data"]["added"] == ["@corp.example"]
    assert sim.config.policy_users("executives")[-1] == {
        "sender_config": {"sender_not": {"domain_entries": ["@corp.example"]}},
        "receiver_config": {"operation": "and", "receiver": {"domain_entries": ["cfo@corp.example"]},
                            "receiver_not": {"domain_entries": ["intern@corp.example"]}}}
    assert [e["method"] for e in config_calls(sim)] == ["GET", "POST", "GET"]
