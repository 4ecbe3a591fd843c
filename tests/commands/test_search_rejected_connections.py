"""Search Rejected Connections: searchOption=rejected_connections pages like tracking (ext §15.1).
End to end (golden sample, sender IP filter), request shape, failures and invalid input."""

from __future__ import annotations

import pytest

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "search_rejected_connections", "Search Rejected Connections"
URL = f"{SERVER}/esa/api/v2.0/message-tracking/messages"


def test_search_rejected_connections_last_hours_is_successful(integration, sim, regen_golden):
    envelope = integration.run(CMD, {"start_time": "-2h", "end_time": "now", "limit": 5})
    assert envelope["status"] == "Successful"
    rows = envelope["data"]["connections"]
    assert rows and len(rows) <= 5 and all(r["message_status"] == "Rejected" for r in rows)
    assert rows == sorted(rows, key=lambda r: r["timestamp_iso"], reverse=True)
    query = [e for e in sim.request_log if e["path"].endswith("/messages")][0]["query"]
    assert "searchOption=rejected_connections" in query and "ciscoHost=All_Hosts" in query
    check_golden(envelope, regen_golden)


def test_search_rejected_connections_sender_ip_filter(integration, sim):
    ip = sim.world.extras.pick_rejected()["attributes"]["senderIp"]
    envelope = integration.run(CMD, {"start_time": "-3d", "end_time": "now", "sender_ip": ip})
    expected = [r for r in sim.world.extras.rejected if r["senderIp"] == ip]
    assert envelope["data"]["total"] == len(expected) and envelope["data"]["sender_ips"] == [ip]


def test_search_rejected_connections_request_shape_and_paging(requests_mock):
    page = {"meta": {"num_bad_records": 0, "totalCount": 100},
            "data": [{"attributes": {"icid": i, "senderIp": "203.0.113.66"}} for i in range(100)]}
    requests_mock.get(URL, [{"json": page}, {"json": {"meta": {"totalCount": 1}, "data": [{"attributes": {"icid": 7}}]}}])
    envelope = mocked("esa").run(CMD, {"start_time": "2023-05-20T18:00:00Z", "end_time": "2023-05-20T19:00:00Z",
                                       "sender_ip": "203.0.113.66"})
    assert requests_mock.call_count == 2
    assert requests_mock.request_history[0].qs == {
        "startdate": ["2023-05-20t18:00:00.000z"], "enddate": ["2023-05-20t19:00:00.000z"],
        "ciscohost": ["all_hosts"], "searchoption": ["rejected_connections"], "senderip": ["203.0.113.66"],
        "offset": ["0"], "limit": ["100"]}
    assert requests_mock.request_history[1].qs["offset"] == ["100"]
    assert envelope["data"]["total"] == 101 and envelope["data"]["connections"][-1]["icid"] == 7


def test_search_rejected_connections_error_fails(requests_mock):
    requests_mock.get(URL, status_code=404, json={"error": {"message": "Missing attribute - startDate or endDate."}})
    envelope = mocked("esa").run(CMD, {"start_time": "-1h", "end_time": "now"})
    assert envelope["error"] == failure(DISPLAY, 404, "Missing attribute - startDate or endDate.")


@pytest.mark.parametrize("params", [{"start_time": "-1h"}, {"start_time": "-1h", "end_time": "now", "sender_ip": "a.b"}])
def test_search_rejected_connections_invalid_input_sends_nothing(requests_mock, params):
    envelope = mocked("esa").run(CMD, params)
    assert envelope["error"]["status_code"] == 400 and requests_mock.call_count == 0
