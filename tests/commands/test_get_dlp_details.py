"""Get DLP Details: end to end against the simulator (golden sample, partial and total not-found,
500, 401), the request's exact shape, and invalid input."""

from __future__ import annotations

from urllib.parse import parse_qs

import requests
import requests_mock

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden

COMMAND, DISPLAY, PATH = "get_dlp_details", "Get DLP Details", "message-tracking/dlp-details"
BASIC = {"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"}
URL = f"https://esa.test:6443/esa/api/v2.0/{PATH}"
FAILED_500 = "Server got itself in trouble: The application raised an exception."
UNKNOWN = 999999


def _calls(sim) -> list[dict]:
    return [e for e in sim.request_log if e["path"].endswith("/" + PATH)]


def _triplet(status, message):
    return {"failure_indicator": f"{DISPLAY} failed.", "status_code": status, "message": message}


def _not_found(mid, serial):
    return _triplet(404, f"Message ID {mid} not found on appliance {serial}.")


# ---------------------------------------------------------------- end to end
def test_get_dlp_details_known_message_is_successful(sim, integration, regen_golden):
    rec = sim.world.pick_dlp_message()
    mid, serial = rec["mid"][0], rec["serialNumber"]
    envelope = integration.run(COMMAND, {"appliance_serial_number": serial, "message_ids": [mid]})
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert envelope["items"] == [{"id": mid, "status": "Successful", "error": None}]
    [msg] = envelope["data"]["messages"]
    assert msg["mid"] == mid and msg["mids"] == rec["mid"] and msg["serial_number"] == serial
    dlp = rec["dlp"]
    assert (msg["violation_severity"], msg["risk_factor"], msg["dlp_policy"], msg["dlp_mid"]) == \
        (dlp["violationSeverity"], dlp["riskFactor"], dlp["dlpPolicy"], mid)
    assert [(c["classifier"], c["matches"]) for c in msg["matched_content"]] == \
        [(x["classifier"], list(x["classifierMatch"])) for x in dlp["matches"]]
    assert msg["has_dlp_details"] is True and msg["timestamp_iso"].endswith("Z")
    assert list(envelope["raw_data"]) == [str(mid)]
    [call] = _calls(sim)
    assert call["method"] == "GET" and call["status"] == 200
    assert parse_qs(call["query"]) == {"serialNumber": [serial], "mid": [str(mid)]}


def test_get_dlp_details_sma_integer_dlp_mid_reads(sma, sma_integration):
    rec = sma.world.pick_dlp_message()
    mid = rec["mid"][0]
    envelope = sma_integration.run(COMMAND, {"appliance_serial_number": rec["serialNumber"], "message_ids": [mid]})
    assert envelope["status"] == "Successful"
    assert envelope["raw_data"][str(mid)]["data"]["messages"]["dlpDetails"]["mid"] == mid  # an int on SMA
    assert envelope["data"]["messages"][0]["dlp_mid"] == mid


def test_get_dlp_details_message_without_dlp_is_successful_and_empty(sim, integration):
    rec = sim.world.pick_clean_message()
    envelope = integration.run(COMMAND, {"appliance_serial_number": rec["serialNumber"], "message_ids": [rec["mid"][0]]})
    assert envelope["status"] == "Successful"
    [msg] = envelope["data"]["messages"]
    assert (msg["has_dlp_details"], msg["violation_severity"], msg["matched_content"]) == (False, None, [])


def test_get_dlp_details_known_and_unknown_is_partially_successful(sim, integration):
    rec = sim.world.pick_dlp_message()
    mid, serial = rec["mid"][0], rec["serialNumber"]
    envelope = integration.run(COMMAND, {"appliance_serial_number": serial, "message_ids": [mid, UNKNOWN]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["error"] == _not_found(UNKNOWN, serial)
    assert envelope["items"] == [{"id": mid, "status": "Successful", "error": None},
                                 {"id": UNKNOWN, "status": "Failed", "error": _not_found(UNKNOWN, serial)}]
    assert [m["mid"] for m in envelope["data"]["messages"]] == [mid]
    assert list(envelope["raw_data"]) == [str(mid), str(UNKNOWN)]
    assert envelope["raw_data"][str(UNKNOWN)]["data"]["messages"]["mid"] == ["N/A"]
    assert sorted(parse_qs(c["query"])["mid"][0] for c in _calls(sim)) == sorted([str(mid), str(UNKNOWN)])


def test_get_dlp_details_all_unknown_is_failed(sim, integration):
    serial = sim.world.serial_number()
    envelope = integration.run(COMMAND, {"appliance_serial_number": serial, "message_ids": [UNKNOWN - 1, UNKNOWN]})
    na = {"data": {"messages": {"mid": ["N/A"], "subject": "N/A", "sender": "N/A", "recipient": [], "summary": []}}}
    assert envelope == {
        "command": COMMAND, "display_name": DISPLAY, "status": "Failed",
        "data": {"messages": []},
        "raw_data": {str(UNKNOWN - 1): na, str(UNKNOWN): na},
        "error": _triplet(404, f"Message ID {UNKNOWN - 1} not found on appliance {serial}. "
                               f"Message ID {UNKNOWN} not found on appliance {serial}."),
        "items": [{"id": UNKNOWN - 1, "status": "Failed", "error": _not_found(UNKNOWN - 1, serial)},
                  {"id": UNKNOWN, "status": "Failed", "error": _not_found(UNKNOWN, serial)}],
    }


def test_get_dlp_details_wrong_serial_is_not_found(sim, integration):
    mid = sim.world.pick_dlp_message()["mid"][0]
    envelope = integration.run(COMMAND, {"appliance_serial_number": "NOPE-1", "message_ids": [mid]})
    assert envelope["status"] == "Failed" and envelope["error"] == _not_found(mid, "NOPE-1")


def test_get_dlp_details_icid_is_sent_when_given(sim, integration):
    rec = sim.world.pick_dlp_message()
    envelope = integration.run(COMMAND, {"appliance_serial_number": rec["serialNumber"], "message_ids": [rec["mid"][0]],
                                         "injection_connection_id": rec["icid"]})
    assert envelope["status"] == "Successful"
    assert parse_qs(_calls(sim)[0]["query"])["icid"] == [str(rec["icid"])]


def test_get_dlp_details_500_is_failed_with_the_appliance_message(sim, integration):
    rec = sim.world.pick_dlp_message()
    mid, serial = rec["mid"][0], rec["serialNumber"]
    sim.inject(PATH, "status", status=500, message=FAILED_500)
    envelope = integration.run(COMMAND, {"appliance_serial_number": serial, "message_ids": [mid]})
    assert envelope == {
        "command": COMMAND, "display_name": DISPLAY, "status": "Failed",
        "data": {"messages": []},
        "raw_data": {str(mid): {"error": {"message": FAILED_500, "code": "500",
                                          "explanation": "500 = Server got itself in trouble."}}},
        "error": _triplet(500, FAILED_500),
        "items": [{"id": mid, "status": "Failed", "error": _triplet(500, FAILED_500)}],
    }
    assert [c["status"] for c in _calls(sim)] == [500]  # reads are retried on 502/503/504 only


def test_get_dlp_details_wrong_password_is_401_after_one_login(sim):
    rec = sim.world.pick_dlp_message()
    mid = rec["mid"][0]
    envelope = Integration(sim.connection(password="wrong"), clock=lambda: FROZEN_NOW).run(
        COMMAND, {"appliance_serial_number": rec["serialNumber"], "message_ids": [mid, UNKNOWN]})
    denied = _triplet(401, "Invalid username or passphrase.")
    assert envelope == {
        "command": COMMAND, "display_name": DISPLAY, "status": "Failed",
        "data": {"messages": []}, "raw_data": {}, "error": denied,
        "items": [{"id": mid, "status": "Failed", "error": denied},
                  {"id": UNKNOWN, "status": "Failed", "error": denied}],
    }
    # one login for all ids: a wrong password is not tried once per id
    assert [(e["method"], e["path"].rsplit("/", 1)[1], e["status"]) for e in sim.request_log] == [("POST", "login", 401)]


def test_get_dlp_details_unreachable_appliance_is_not_tried_once_per_id():
    ids = list(range(1, 41))
    with requests_mock.Mocker() as m:
        m.get(URL, exc=requests.exceptions.ConnectTimeout("timed out"))
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(
            COMMAND, {"appliance_serial_number": "S", "message_ids": ids})
        assert m.call_count <= 8  # at most the requests already in flight when the first one failed
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None
    assert envelope["error"]["message"].startswith("Timed out connecting to esa.test:6443")
    assert [i["id"] for i in envelope["items"]] == ids
    assert all(i["error"] == envelope["error"] for i in envelope["items"])


# ---------------------------------------------------------------- request shape
def test_get_dlp_details_request_shape_one_get_per_id():
    body = {"data": {"messages": {"mid": [5120], "dlpDetails": {}, "attachments": []}}}
    with requests_mock.Mocker(case_sensitive=True) as m:
        m.get(URL, json=body)
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(COMMAND, {
            "appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_ids": "5120, 5121",
            "injection_connection_id": "90300"})
        assert m.call_count == 2
        history = list(m.request_history)
    assert all(r.method == "GET" and r.path == f"/esa/api/v2.0/{PATH}" and r.body is None for r in history)
    assert sorted(r.url.split("?", 1)[1] for r in history) == [
        "serialNumber=4229CAEC09527FD2570C-F028BAE54A11&mid=5120&icid=90300",
        "serialNumber=4229CAEC09527FD2570C-F028BAE54A11&mid=5121&icid=90300"]
    assert sorted((r.qs["serialNumber"], r.qs["mid"], r.qs["icid"]) for r in history) == [
        (["4229CAEC09527FD2570C-F028BAE54A11"], ["5120"], ["90300"]),
        (["4229CAEC09527FD2570C-F028BAE54A11"], ["5121"], ["90300"])]
    assert envelope["status"] == "Successful"
    assert [i["id"] for i in envelope["items"]] == [5120, 5121]
    assert envelope["raw_data"] == {"5120": body, "5121": body}
    assert [m["violation_severity"] for m in envelope["data"]["messages"]] == [None, None]


def test_get_dlp_details_request_shape_serial_is_percent_encoded():
    with requests_mock.Mocker(case_sensitive=True) as m:
        m.get(URL, json={"data": {"messages": {"mid": [1]}}})
        Integration(BASIC, clock=lambda: FROZEN_NOW).run(COMMAND, {"appliance_serial_number": "A B&C", "message_ids": [1]})
        assert m.last_request.url.split("?", 1)[1] == "serialNumber=A%20B%26C&mid=1"


def test_get_dlp_details_request_shape_unreadable_body_fails_its_item():
    with requests_mock.Mocker() as m:
        m.get(URL, json={"data": []})
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(
            COMMAND, {"appliance_serial_number": "S", "message_ids": [7]})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == _triplet(
        200, "Unexpected response from the appliance: the details of message ID 7 have no data.messages object.")


# ---------------------------------------------------------------- invalid input
def _invalid(params) -> str:
    with requests_mock.Mocker() as m:
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(COMMAND, params)
        assert m.call_count == 0
    assert envelope["status"] == "Failed" and envelope["items"] == [] and envelope["data"] == {}
    assert envelope["error"]["status_code"] == 400
    return envelope["error"]["message"]


def test_get_dlp_details_non_integer_message_id_is_400_naming_it():
    assert "message_ids" in _invalid({"appliance_serial_number": "S", "message_ids": "abc"})


def test_get_dlp_details_missing_serial_is_400_naming_it():
    assert "appliance_serial_number" in _invalid({"message_ids": [1]})


def test_get_dlp_details_empty_message_ids_is_400_naming_it():
    assert "message_ids" in _invalid({"appliance_serial_number": "S", "message_ids": []})
