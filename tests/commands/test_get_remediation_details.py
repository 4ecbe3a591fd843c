"""Get Remediation Details: one request per message id, bare or data-wrapped answers (ext §15.3).
End to end (golden sample, partial not-found), request shape, failures and invalid input."""

from __future__ import annotations

import pytest

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "get_remediation_details", "Get Remediation Details"
URL = f"{SERVER}/esa/api/v2.0/message-tracking/remediation-details"
BARE = {"batch_details": {"b_init_username": "soc_analyst", "mor_action": "Delete", "b_init_time": 1684607400,
                          "batch_name": "phish-0520", "batch_desc": "N/A", "b_init_source": "ESA esa1"},
        "message_details": [
            {"delivered_at": 1684606061, "mid": "4411", "from_email": "it@phish.example",
             "recipient_email": "alice@corp.example", "mor_status": "Success", "msg_read": "0"},
            {"delivered_at": 1684606061, "mid": "4411", "from_email": "it@phish.example",
             "recipient_email": "bob@corp.example", "mor_status": "Failed", "msg_read": "N/A"}]}


def test_get_remediation_details_remediated_and_not_is_partial(integration, sim, regen_golden):
    serial, mid = sim.world.extras.pick_remediated()
    envelope = integration.run(CMD, {"appliance_serial_number": serial, "message_ids": [mid, 4]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"][1]["error"] == failure(DISPLAY, 404, f"No remediation found for message ID 4 on appliance {serial}.")
    msg = envelope["data"]["messages"][0]
    batch = sim.world.extras.batches[(serial, mid)]
    assert msg["batch"]["name"] == batch["batch_details"]["batch_name"]
    assert [m["recipient"] for m in msg["mailboxes"]] == [m["recipient_email"] for m in batch["message_details"]]
    check_golden(envelope, regen_golden)


@pytest.mark.parametrize("body", [BARE, {"data": BARE}])
def test_get_remediation_details_request_shape_bare_or_wrapped(requests_mock, body):
    requests_mock.get(URL, json=body)
    envelope = mocked("esa").run(CMD, {"appliance_serial_number": "S1", "message_ids": "4411"})
    assert requests_mock.last_request.qs == {"serialnumber": ["s1"], "mid": ["4411"]}
    msg = envelope["data"]["messages"][0]
    assert msg["batch"] == {"name": "phish-0520", "description": None, "action": "Delete", "initiated_by": "soc_analyst",
                            "source": "ESA esa1", "initiated_at": 1684607400, "initiated_at_iso": "2023-05-20T18:30:00Z"}
    assert [(m["recipient"], m["status"], m["read"]) for m in msg["mailboxes"]] == [
        ("alice@corp.example", "Success", False), ("bob@corp.example", "Failed", None)]
    assert msg["counts"] == {"mailboxes": 2, "succeeded": 1, "failed": 1}


def test_get_remediation_details_error_fails_the_item(requests_mock):
    requests_mock.get(URL, status_code=404, json={"error": {"message": "Resource not found."}})
    envelope = mocked("esa").run(CMD, {"appliance_serial_number": "S1", "message_ids": [1]})
    assert envelope["status"] == "Failed" and envelope["error"] == failure(DISPLAY, 404, "Resource not found.")


def test_get_remediation_details_invalid_input_sends_nothing(requests_mock):
    envelope = mocked("esa").run(CMD, {"message_ids": [1]})
    assert envelope["error"]["status_code"] == 400 and requests_mock.call_count == 0
