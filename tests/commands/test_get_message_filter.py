"""Get Message Filter: the one-element array read as one filter; an unknown name is 404 naming it."""

from tests.scenarios.config import ConfigScenarios


class TestGetMessageFilter(ConfigScenarios):
    command, display, feature = "get_message_filter", "Get Message Filter", "message_filters"
    params = {"name": "soc_quarantine_lookalike"}
    mocks = [("GET", "message_filters/soc_quarantine_lookalike",
              [{"meta": {"count": 1}, "data": [{"name": "soc_quarantine_lookalike", "active": "true", "order": 1}]}])]
    expected = [("GET", "message_filters/soc_quarantine_lookalike", None)]
    invalid = [({}, "name: required")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["message_filter"]["rules_and_actions"].startswith("if (mail-from ==")


def test_get_message_filter_unknown_is_404(integration):
    assert integration.run("get_message_filter", {"name": "ghost"})["error"]["message"] == \
        "Message filter 'ghost' does not exist on the appliance."
