"""Set Message Filter: read, PUT only active ("true"/"false") and/or order, read back and check;
a filter already so is left alone; meta.warning (an invalid filter switched on) is surfaced."""

import requests_mock as rm

from tests.scenarios.common import mocked
from tests.scenarios.config import BASE, ConfigScenarios, config_calls, written

PATH = "message_filters/drop_exe_attachments"


def one(active, order):
    return {"meta": {"count": 1}, "data": [{"name": "drop_exe_attachments", "active": active, "valid": "true",
                                            "order": order}]}


class TestSetMessageFilter(ConfigScenarios):
    command, display, feature, writes = "set_message_filter", "Set Message Filter", "message_filters", True
    params = {"name": "drop_exe_attachments", "active": "true", "order": "1"}
    mocks = [("GET", PATH, [one("false", 3), one("true", 1)]), ("PUT", PATH, [written()])]
    expected = [("GET", PATH, None), ("PUT", PATH, {"data": {"active": "true", "order": 1}}), ("GET", PATH, None)]
    invalid = [({"name": "f"}, "active, order: give at least one of them"), ({"name": "f", "order": 0}, "order"),
               ({"name": "f", "active": "perhaps"}, "active")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["changed"] == {"active": {"from": False, "to": True}, "order": {"from": 3, "to": 1}}
        assert [f["name"] for f in sim.config.data["filters"]][0] == "drop_exe_attachments"
        assert sim.config.message_filter("drop_exe_attachments")["active"] == "true"


def test_set_message_filter_invalid_filter_switched_on_surfaces_the_warning(integration):
    envelope = integration.run("set_message_filter", {"name": "legacy_route", "active": True})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["warnings"] == [
        "Filter legacy_route has been marked invalid for these reasons: Listener 'InboundOld' unknown;."]


def test_set_message_filter_already_so_writes_nothing(integration, sim):
    envelope = integration.run("set_message_filter", {"name": "soc_quarantine_lookalike", "active": True, "order": 1})
    assert envelope["status"] == "Successful" and envelope["data"]["result"] == "already set"
    assert [e["method"] for e in config_calls(sim)] == ["GET"]


def test_set_message_filter_read_back_disagrees_fails():
    with rm.Mocker() as m:
        m.get(f"{BASE}/{PATH}", [{"json": one("false", 3)}, {"json": one("false", 3)}])
        m.put(f"{BASE}/{PATH}", json=written())
        envelope = mocked().run("set_message_filter", {"name": "drop_exe_attachments", "active": True})
    assert envelope["status"] == "Failed"
    assert envelope["error"]["message"] == ("The appliance confirmed the update of message filter drop_exe_attachments, "
                                            "but reading it back shows active=False, order=3.")
