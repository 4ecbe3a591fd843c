"""List Message Filters: in the appliance's order, active/valid as booleans, the invalid reason kept."""

from tests.scenarios.config import ConfigScenarios


class TestListMessageFilters(ConfigScenarios):
    command, display, feature = "list_message_filters", "List Message Filters", "message_filters"
    params = {}
    mocks = [("GET", "message_filters", [{"meta": {"count": 0}, "data": []}])]
    expected = [("GET", "message_filters", None)]
    invalid = [({"active": True}, "active: unknown parameter")]

    def check_run(self, envelope, sim):
        rows = envelope["data"]["message_filters"]
        assert [(f["name"], f["active"], f["valid"], f["order"]) for f in rows] == [
            ("soc_quarantine_lookalike", True, True, 1), ("legacy_route", False, False, 2),
            ("drop_exe_attachments", False, True, 3)]
        assert rows[1]["invalid_reason"] == "Listener 'InboundOld' unknown"
