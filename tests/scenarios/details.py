"""The scenarios the four message-tracking details commands (get_amp_details, get_dlp_details,
get_message_details, get_url_details) share: one GET per id to their own path, per-id outcomes
(partial, all unknown), 500, 401, an unreachable appliance, the request's exact shape and invalid
input. A test module subclasses DetailsScenarios as Test<Command> and sets the class attributes."""

from __future__ import annotations

from urllib.parse import parse_qs

import requests
import requests_mock

from cisco_esa.core.outcome import NotSent

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import BASIC, SERVER, failure

FAILED_500 = "Server got itself in trouble: The application raised an exception."
UNKNOWN = 999999


class DetailsScenarios:
    command: str  # the command id
    display: str  # its display name
    path: str  # below /esa/api/v2.0/
    pick: str  # the simulator World method that picks a message with these details
    shape_body: dict  # the appliance's answer in the request-shape test
    shape_field: str  # a field of each message in data.messages ...
    shape_empty: object  # ... and its value for shape_body

    # ------------------------------------------------------------ helpers
    @property
    def url(self) -> str:
        return f"{SERVER}/esa/api/v2.0/{self.path}"

    def record(self, world) -> dict:
        return getattr(world, self.pick)()

    def calls(self, sim) -> list[dict]:
        return [e for e in sim.request_log if e["path"].endswith("/" + self.path)]

    def triplet(self, status, message) -> dict:
        return failure(self.display, status, message)

    def not_found(self, mid, serial) -> dict:
        return self.triplet(404, f"Message ID {mid} not found on appliance {serial}.")

    def run_known_message(self, sim, integration, regen_golden, with_icid=False) -> tuple[dict, dict, dict]:
        """Runs the command for one message that has these details (and its icid if `with_icid`), compares the
        golden sample and asserts what every details command answers; returns the record, envelope and message."""
        rec = self.record(sim.world)
        mid, serial = rec["mid"][0], rec["serialNumber"]
        icid = {"injection_connection_id": rec["icid"]} if with_icid else {}
        envelope = integration.run(self.command, {"appliance_serial_number": serial, "message_ids": [mid], **icid})
        check_golden(envelope, regen_golden)
        assert envelope["status"] == "Successful" and envelope["error"] is None
        assert envelope["items"] == [{"id": mid, "status": "Successful", "error": None}]
        [msg] = envelope["data"]["messages"]
        assert msg["mid"] == mid and msg["mids"] == rec["mid"] and msg["serial_number"] == serial
        assert list(envelope["raw_data"]) == [str(mid)]
        [call] = self.calls(sim)
        assert call["method"] == "GET" and call["status"] == 200
        query = {"serialNumber": [serial], "mid": [str(mid)]} | ({"icid": [str(rec["icid"])]} if with_icid else {})
        assert parse_qs(call["query"]) == query
        return rec, envelope, msg

    def invalid(self, params) -> str:
        with requests_mock.Mocker() as m:
            envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(self.command, params)
            assert m.call_count == 0
        assert envelope["status"] == "Failed" and envelope["items"] == [] and envelope["data"] == {}
        assert envelope["error"]["status_code"] == 400
        return envelope["error"]["message"]

    # ------------------------------------------------------------ end to end
    def test_known_and_unknown_is_partially_successful(self, sim, integration):
        rec = self.record(sim.world)
        mid, serial = rec["mid"][0], rec["serialNumber"]
        envelope = integration.run(self.command, {"appliance_serial_number": serial, "message_ids": [mid, UNKNOWN]})
        assert envelope["status"] == "Partially Successful"
        assert envelope["error"] == self.not_found(UNKNOWN, serial)
        assert envelope["items"] == [{"id": mid, "status": "Successful", "error": None},
                                     {"id": UNKNOWN, "status": "Failed", "error": self.not_found(UNKNOWN, serial)}]
        assert [m["mid"] for m in envelope["data"]["messages"]] == [mid]
        assert list(envelope["raw_data"]) == [str(mid), str(UNKNOWN)]
        assert envelope["raw_data"][str(UNKNOWN)]["data"]["messages"]["mid"] == ["N/A"]
        assert sorted(parse_qs(c["query"])["mid"][0] for c in self.calls(sim)) == sorted([str(mid), str(UNKNOWN)])

    def test_all_unknown_is_failed(self, sim, integration):
        serial = sim.world.serial_number()
        envelope = integration.run(self.command, {"appliance_serial_number": serial,
                                                  "message_ids": [UNKNOWN - 1, UNKNOWN]})
        na = {"data": {"messages": {"mid": ["N/A"], "subject": "N/A", "sender": "N/A", "recipient": [], "summary": []}}}
        assert envelope == {
            "command": self.command, "display_name": self.display, "status": "Failed",
            "data": {"messages": []},
            "raw_data": {str(UNKNOWN - 1): na, str(UNKNOWN): na},
            "error": self.triplet(404, f"Message ID {UNKNOWN - 1} not found on appliance {serial}. "
                                       f"Message ID {UNKNOWN} not found on appliance {serial}."),
            "items": [{"id": UNKNOWN - 1, "status": "Failed", "error": self.not_found(UNKNOWN - 1, serial)},
                      {"id": UNKNOWN, "status": "Failed", "error": self.not_found(UNKNOWN, serial)}],
        }

    def test_wrong_serial_is_not_found(self, sim, integration):
        mid = self.record(sim.world)["mid"][0]
        envelope = integration.run(self.command, {"appliance_serial_number": "NOPE-1", "message_ids": [mid]})
        assert envelope["status"] == "Failed" and envelope["error"] == self.not_found(mid, "NOPE-1")

    def test_icid_is_sent_when_given(self, sim, integration):
        rec = self.record(sim.world)
        envelope = integration.run(self.command, {"appliance_serial_number": rec["serialNumber"],
                                                  "message_ids": [rec["mid"][0]], "injection_connection_id": rec["icid"]})
        assert envelope["status"] == "Successful"
        assert parse_qs(self.calls(sim)[0]["query"])["icid"] == [str(rec["icid"])]

    def test_500_is_failed_with_the_appliance_message(self, sim, integration):
        rec = self.record(sim.world)
        mid, serial = rec["mid"][0], rec["serialNumber"]
        sim.inject(self.path, "status", status=500, message=FAILED_500)
        envelope = integration.run(self.command, {"appliance_serial_number": serial, "message_ids": [mid]})
        assert envelope == {
            "command": self.command, "display_name": self.display, "status": "Failed",
            "data": {"messages": []},
            "raw_data": {str(mid): {"error": {"message": FAILED_500, "code": "500",
                                              "explanation": "500 = Server got itself in trouble."}}},
            "error": self.triplet(500, FAILED_500),
            "items": [{"id": mid, "status": "Failed", "error": self.triplet(500, FAILED_500)}],
        }
        assert [c["status"] for c in self.calls(sim)] == [500]  # reads are retried on 502/503/504 only

    def test_wrong_password_is_401_after_one_login(self, sim):
        rec = self.record(sim.world)
        mid = rec["mid"][0]
        envelope = Integration(sim.connection(password="wrong"), clock=lambda: FROZEN_NOW).run(
            self.command, {"appliance_serial_number": rec["serialNumber"], "message_ids": [mid, UNKNOWN]})
        denied = self.triplet(401, "Invalid username or passphrase.")
        assert envelope == {
            "command": self.command, "display_name": self.display, "status": "Failed",
            "data": {"messages": []}, "raw_data": {}, "error": denied,
            "items": [{"id": mid, "status": "Failed", "error": denied},
                      {"id": UNKNOWN, "status": "Failed", "error": denied}],
        }
        # one login for all ids: a wrong password is not tried once per id
        assert [(e["method"], e["path"].rsplit("/", 1)[1], e["status"]) for e in sim.request_log] == \
            [("POST", "login", 401)]

    def test_unreachable_appliance_is_not_tried_once_per_id(self):
        ids = list(range(1, 41))
        with requests_mock.Mocker() as m:
            m.get(self.url, exc=requests.exceptions.ConnectTimeout("timed out"))
            envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(
                self.command, {"appliance_serial_number": "S", "message_ids": ids})
            assert m.call_count <= 8  # at most the requests already in flight when the first one failed
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None
        assert envelope["error"]["message"].startswith("Timed out connecting to esa.test:6443")
        assert envelope["error"]["message"].endswith(" " + NotSent.MESSAGE)
        assert [i["id"] for i in envelope["items"]] == ids
        tried = [i for i in envelope["items"] if i["error"]["message"] != NotSent.MESSAGE]
        assert 1 <= len(tried) <= 8 and all(i["error"]["message"].startswith("Timed out connecting") for i in tried)
        assert all(i["error"]["status_code"] is None for i in envelope["items"])

    # ------------------------------------------------------------ request shape
    def test_request_shape_one_get_per_id(self):
        body = self.shape_body
        with requests_mock.Mocker(case_sensitive=True) as m:
            m.get(self.url, json=body)
            envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(self.command, {
                "appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_ids": "5120, 5121",
                "injection_connection_id": "90300"})
            assert m.call_count == 2
            history = list(m.request_history)
        assert all(r.method == "GET" and r.path == f"/esa/api/v2.0/{self.path}" and r.body is None for r in history)
        assert sorted(r.url.split("?", 1)[1] for r in history) == [
            "serialNumber=4229CAEC09527FD2570C-F028BAE54A11&mid=5120&icid=90300",
            "serialNumber=4229CAEC09527FD2570C-F028BAE54A11&mid=5121&icid=90300"]
        assert sorted((r.qs["serialNumber"], r.qs["mid"], r.qs["icid"]) for r in history) == [
            (["4229CAEC09527FD2570C-F028BAE54A11"], ["5120"], ["90300"]),
            (["4229CAEC09527FD2570C-F028BAE54A11"], ["5121"], ["90300"])]
        assert envelope["status"] == "Successful"
        assert [i["id"] for i in envelope["items"]] == [5120, 5121]
        assert envelope["raw_data"] == {"5120": body, "5121": body}
        assert [m[self.shape_field] for m in envelope["data"]["messages"]] == [self.shape_empty, self.shape_empty]

    def test_request_shape_serial_is_percent_encoded(self):
        with requests_mock.Mocker(case_sensitive=True) as m:
            m.get(self.url, json={"data": {"messages": {"mid": [1]}}})
            Integration(BASIC, clock=lambda: FROZEN_NOW).run(
                self.command, {"appliance_serial_number": "A B&C", "message_ids": [1]})
            assert m.last_request.url.split("?", 1)[1] == "serialNumber=A%20B%26C&mid=1"

    def test_request_shape_unreadable_body_fails_its_item(self):
        with requests_mock.Mocker() as m:
            m.get(self.url, json={"data": []})
            envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(
                self.command, {"appliance_serial_number": "S", "message_ids": [7]})
        assert envelope["status"] == "Failed"
        assert envelope["error"] == self.triplet(
            200, "Unexpected response from the appliance: the details of message ID 7 have no data.messages object.")

    # ------------------------------------------------------------ invalid input
    def test_non_integer_message_id_is_400_naming_it(self):
        assert "message_ids" in self.invalid({"appliance_serial_number": "S", "message_ids": "abc"})

    def test_missing_serial_is_400_naming_it(self):
        assert "appliance_serial_number" in self.invalid({"message_ids": [1]})

    def test_empty_message_ids_is_400_naming_it(self):
        assert "message_ids" in self.invalid({"appliance_serial_number": "S", "message_ids": []})
