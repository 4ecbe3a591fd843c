"""Get Connection Details: by ICID, bare or data-wrapped answers (ext §15.2). End to end (golden
sample, a rejected connection, unknown ICID), request shape, failures and invalid input."""

from __future__ import annotations

import pytest

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "get_connection_details", "Get Connection Details"
URL = f"{SERVER}/esa/api/v2.0/message-tracking/connection-details"
BARE = {"senderGroup": "RELAYLIST", "sbrs": "not enabled", "messages": {"summary": [
    {"timestamp": "20 May 2023 18:07:40 (GMT +00:00)", "description": "ICID 90211 sender_group: RELAYLIST", "lastEvent": False}]}}


def test_get_connection_details_of_a_message_connection(integration, sim, regen_golden):
    rec = sim.world.pick_phishing_message()
    envelope = integration.run(CMD, {"appliance_serial_number": rec["serialNumber"], "injection_connection_id": rec["icid"]})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["sender_group"] == rec["senderGroup"] and envelope["data"]["events"][-1]["last_event"]
    assert f"ICID {rec['icid']}" in envelope["data"]["events"][0]["description"]
    check_golden(envelope, regen_golden)


def test_get_connection_details_of_a_rejected_connection(integration, sim):
    row = sim.world.extras.pick_rejected()["attributes"]
    envelope = integration.run(CMD, {"appliance_serial_number": row["serialNumber"], "injection_connection_id": row["icid"]})
    assert envelope["data"]["sender_group"] == row["senderGroup"]
    assert "REJECT" in envelope["data"]["events"][0]["description"]


def test_get_connection_details_unknown_icid_is_404(integration, sim):
    envelope = integration.run(CMD, {"appliance_serial_number": sim.world.serial_number(), "injection_connection_id": 3})
    assert envelope["error"] == failure(DISPLAY, 404, f"Connection ICID 3 not found on appliance {sim.world.serial_number()}.")


@pytest.mark.parametrize("body", [BARE, {"data": BARE}])
def test_get_connection_details_bare_or_wrapped_and_request_shape(requests_mock, body):
    requests_mock.get(URL, json=body)
    envelope = mocked("esa").run(CMD, {"appliance_serial_number": "S1", "injection_connection_id": "90211",
                                       "message_id": 4411})
    assert requests_mock.last_request.qs == {"serialnumber": ["s1"], "icid": ["90211"], "mid": ["4411"]}
    assert envelope["data"]["sender_group"] == "RELAYLIST" and envelope["data"]["events"][0]["timestamp_iso"] == \
        "2023-05-20T18:07:40Z"
    assert envelope["raw_data"] == body


def test_get_connection_details_error_fails(requests_mock):
    requests_mock.get(URL, status_code=500, json={"error": {"message": "Boom."}})
    envelope = mocked("esa").run(CMD, {"appliance_serial_number": "S1", "injection_connection_id": 1})
    assert envelope["error"] == failure(DISPLAY, 500, "Boom.")


def test_get_connection_details_icid_is_required(requests_mock):
    envelope = mocked("esa").run(CMD, {"appliance_serial_number": "S1"})
    assert envelope["error"]["status_code"] == 400 and "injection_connection_id" in envelope["error"]["message"]
    assert requests_mock.call_count == 0
