"""Delete Spam Quarantine Messages: one DELETE per id, in turn, never resent (asyncos-api §7);
end to end against the simulator, request shape with requests-mock, failures, invalid input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden

CMD = "delete_spam_quarantine_messages"
NAME = "Delete Spam Quarantine Messages"
URL = "https://esa.test:6443/esa/api/v2.0/quarantine/messages"
CAPTURES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "captures"
UNKNOWN = 5


def mocked(appliance: str = "esa") -> Integration:
    return Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic",
                        "appliance": appliance}, clock=lambda: FROZEN_NOW)


def capture(name: str) -> dict:
    return json.loads((CAPTURES / name).read_text())


def writes(sim) -> list[dict]:
    return [e for e in sim.request_log if e["path"].endswith("/quarantine/messages") and e["method"] == "DELETE"]


def sent_mids(sim) -> list[list[int]]:
    return [json.loads(e["body"])["mids"] for e in writes(sim)]


def failed(status, message) -> dict:
    return {"failure_indicator": f"{NAME} failed.", "status_code": status, "message": message}


# -- end to end ------------------------------------------------------------------------
def test_delete_spam_quarantine_messages_existing_and_unknown_is_partial(integration, sim, regen_golden):
    mid = sim.world.pick_quarantine_mid(recent=True)
    envelope = integration.run(CMD, {"quarantine_message_ids": [mid, UNKNOWN]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"] == [{"id": mid, "status": "Successful", "error": None},
                                 {"id": UNKNOWN, "status": "Failed", "error": failed(404, "Message ID 5 not found.")}]
    assert envelope["data"]["deleted"] == [mid] and envelope["data"]["not_found"] == [UNKNOWN]
    assert mid not in sim.world.quarantine_mids()
    # one request per id, in the order given, each with the body of §7 (no action key)
    assert [json.loads(e["body"]) for e in writes(sim)] == [
        {"quarantineType": "spam", "mids": [mid]},
        {"quarantineType": "spam", "mids": [UNKNOWN]}]
    check_golden(envelope, regen_golden)


def test_delete_spam_quarantine_messages_deleted_id_again_is_a_404_item(integration, sim):
    mid = sim.world.pick_quarantine_mid()
    first = integration.run(CMD, {"quarantine_message_ids": [mid]})
    assert first["status"] == "Successful" and first["error"] is None
    second = integration.run(CMD, {"quarantine_message_ids": [mid]})
    assert second["status"] == "Failed"
    assert second["items"] == [{"id": mid, "status": "Failed", "error": failed(404, f"Message ID {mid} not found.")}]
    assert second["raw_data"]["responses"][0]["body"] == {"data": {"action": "delete", "totalCount": 0}}
    assert sent_mids(sim) == [[mid], [mid]]


def test_delete_spam_quarantine_messages_503_on_write_fails_that_id_once_and_goes_on(integration, sim):
    first, second = sorted(sim.world.quarantine_mids())[:2]
    sim.inject("quarantine/messages", "status", status=503, method="DELETE")
    envelope = integration.run(CMD, {"quarantine_message_ids": [first, second]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"][0] == {"id": first, "status": "Failed",
                                    "error": failed(503, "Service Unavailable.")}
    assert envelope["items"][1] == {"id": second, "status": "Successful", "error": None}
    assert envelope["data"]["failed"] == [first] and envelope["data"]["deleted"] == [second]
    # never retried: exactly one DELETE for the id that met the 503
    assert sent_mids(sim) == [[first], [second]]
    assert [e["status"] for e in writes(sim)] == [503, 200]
    assert first in sim.world.quarantine_mids() and second not in sim.world.quarantine_mids()


def test_delete_spam_quarantine_messages_dropped_write_is_outcome_unknown_and_not_resent(integration, sim):
    first, second = sorted(sim.world.quarantine_mids())[:2]
    sim.inject("quarantine/messages", "drop", method="DELETE")
    envelope = integration.run(CMD, {"quarantine_message_ids": [first, second]})
    assert envelope["status"] == "Partially Successful"
    item = envelope["items"][0]
    assert item["status"] == "Failed" and item["error"]["status_code"] is None
    assert "may or may not have been applied" in item["error"]["message"]
    assert envelope["items"][1]["status"] == "Successful"
    assert envelope["data"]["outcome_unknown"] == [first] and envelope["data"]["failed"] == []
    assert sent_mids(sim) == [[first], [second]]


def test_delete_spam_quarantine_messages_sma_deletes_from_the_central_quarantine(sma_integration, sma):
    mid = sma.world.pick_quarantine_mid()
    envelope = sma_integration.run(CMD, {"quarantine_message_ids": [mid]})
    assert envelope["status"] == "Successful" and mid not in sma.world.quarantine_mids()
    assert writes(sma)[0]["path"] == "/sma/api/v2.0/quarantine/messages"


# -- request shape ---------------------------------------------------------------------
def test_delete_spam_quarantine_messages_request_shape_one_delete_per_id(requests_mock):
    requests_mock.delete(URL, [{"json": {"data": {"action": "delete", "totalCount": 1}}},
                             {"json": {"data": {"action": "delete", "totalCount": 0}}}])
    envelope = mocked().run(CMD, {"quarantine_message_ids": "783, 782"})
    assert requests_mock.call_count == 2
    bodies = [r.json() for r in requests_mock.request_history]
    assert bodies == [{"quarantineType": "spam", "mids": [783]},
                      {"quarantineType": "spam", "mids": [782]}]
    for request in requests_mock.request_history:
        assert request.method == "DELETE" and request.path == "/esa/api/v2.0/quarantine/messages"
        assert request.query == "" and request.headers["Content-Type"] == "application/json"
        assert request.headers["Authorization"].startswith("Basic ")
    assert envelope["status"] == "Partially Successful"
    assert envelope["data"] == {"action": "delete", "deleted": [783], "not_found": [782], "failed": [],
                                "outcome_unknown": [],
                                "counts": {"requested": 2, "deleted": 1, "not_found": 1, "failed": 0,
                                           "outcome_unknown": 0}}


@pytest.mark.parametrize("name,status,items", [
    ("esa_spam_quarantine_message_delete.json", "Successful", [{"id": 783, "status": "Successful", "error": None}]),
    ("esa_spam_quarantine_message_delete_failed.json", "Failed",
     [{"id": 783, "status": "Failed", "error": failed(404, "Message ID 783 not found.")}]),
])
def test_delete_spam_quarantine_messages_capture_answer_is_read(requests_mock, name, status, items):
    requests_mock.delete(URL, json=capture(name))
    envelope = mocked().run(CMD, {"quarantine_message_ids": [783]})
    assert envelope["status"] == status and envelope["items"] == items
    assert envelope["raw_data"] == {"responses": [{"mid": 783, "status": 200, "body": capture(name)}]}


def test_delete_spam_quarantine_messages_answer_without_count_fails_the_item(requests_mock):
    requests_mock.delete(URL, json={"data": {"action": "delete"}})
    envelope = mocked().run(CMD, {"quarantine_message_ids": [783]})
    assert envelope["items"] == [{"id": 783, "status": "Failed", "error": failed(
        200, "Unexpected response from the appliance: the answer for message ID 783 has no totalCount.")}]


# -- failures --------------------------------------------------------------------------
@pytest.mark.parametrize("status,message", [
    (401, "Invalid username or passphrase."),
    (404, "Resource not found."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_delete_spam_quarantine_messages_appliance_error_fails(requests_mock, status, message):
    body = {"error": {"message": message, "code": str(status)}}
    requests_mock.delete(URL, status_code=status, json=body)
    envelope = mocked().run(CMD, {"quarantine_message_ids": [783]})
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Failed",
        "data": {"action": "delete", "deleted": [], "not_found": [], "failed": [783], "outcome_unknown": [],
                 "counts": {"requested": 1, "deleted": 0, "not_found": 0, "failed": 1, "outcome_unknown": 0}},
        "raw_data": {"responses": [{"mid": 783, "status": status, "body": body}]},
        "error": failed(status, message),
        "items": [{"id": 783, "status": "Failed", "error": failed(status, message)}],
    }
    assert requests_mock.call_count == 1


def test_delete_spam_quarantine_messages_zero_count_fails_404_naming_the_id(requests_mock):
    # the spec's sample reads "Message ID not found."; here the id is named
    requests_mock.delete(URL, json={"data": {"action": "delete", "totalCount": 0}})
    envelope = mocked().run(CMD, {"quarantine_message_ids": [783]})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(404, "Message ID 783 not found.")


def test_delete_spam_quarantine_messages_wrong_password_is_401_after_one_login(sim):
    mid = sim.world.pick_quarantine_mid()
    envelope = Integration(sim.connection(password="wrong"), clock=lambda: FROZEN_NOW).run(
        CMD, {"quarantine_message_ids": [mid, UNKNOWN]})
    denied = failed(401, "Invalid username or passphrase.")
    assert envelope["status"] == "Failed" and envelope["error"] == denied
    assert envelope["items"] == [{"id": mid, "status": "Failed", "error": denied},
                                 {"id": UNKNOWN, "status": "Failed", "error": denied}]
    assert envelope["data"]["failed"] == [mid, UNKNOWN] and envelope["raw_data"] == {"responses": []}
    assert [(e["method"], e["path"].rsplit("/", 1)[1], e["status"]) for e in sim.request_log] == [("POST", "login", 401)]
    assert mid in sim.world.quarantine_mids()


def test_delete_spam_quarantine_messages_unreachable_appliance_is_tried_once(requests_mock):
    # a connect timeout proves nothing was sent: the ids left fail without waiting out their own timeouts
    requests_mock.delete(URL, exc=requests.exceptions.ConnectTimeout("timed out"))
    envelope = mocked().run(CMD, {"quarantine_message_ids": [1, 2, 3]})
    assert requests_mock.call_count == 1
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None
    assert envelope["error"]["message"].startswith("Timed out connecting to esa.test:6443")
    assert all(i["error"] == envelope["error"] for i in envelope["items"])
    assert envelope["data"]["failed"] == [1, 2, 3] and envelope["data"]["outcome_unknown"] == []


@pytest.mark.parametrize("params,named", [
    ({}, "quarantine_message_ids"),
    ({"quarantine_message_ids": ""}, "quarantine_message_ids"),
    ({"quarantine_message_ids": "783, x"}, "quarantine_message_ids[1]"),
    ({"quarantine_message_ids": [1.5]}, "quarantine_message_ids[0]"),
])
def test_delete_spam_quarantine_messages_invalid_input_sends_nothing(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
