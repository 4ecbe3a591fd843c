"""List Incoming Policy Users: a policy's entries as plain senders / recipients / operation."""

from tests.scenarios.config import ConfigScenarios

PATH = "incoming_mail_policies/executives/senders_and_recipients"


class TestListIncomingPolicyUsers(ConfigScenarios):
    command, display, feature = "list_incoming_policy_users", "List Incoming Policy Users", "incoming_mail_policies"
    params = {"policy": "executives"}
    mocks = [("GET", PATH, [{"meta": {"count": 0}, "data": []}])]
    expected = [("GET", PATH, None)]
    invalid = [({}, "policy: required")]

    def check_run(self, envelope, sim):
        assert envelope["data"] == {"policy": "executives", "total": 1, "entries": [
            {"senders": [], "senders_not": ["@corp.example"], "recipients": ["ceo@corp.example"],
             "recipients_not": ["intern@corp.example"], "operation": "and"}]}
