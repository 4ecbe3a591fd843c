"""The scenarios the two spam-quarantine writes (release_spam_quarantine_messages, a POST with
action "release"; delete_spam_quarantine_messages, a DELETE without an action key) share: one
request per id, in turn, never resent (asyncos-api §7); end to end against the simulator, the
request shape with requests-mock, failures and invalid input. A test module subclasses
QuarantineWriteScenarios as Test<Command> and sets the class attributes."""

from __future__ import annotations

import json

import pytest
import requests

from cisco_esa.core.outcome import NotSent

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

MESSAGES_URL = f"{SERVER}/esa/api/v2.0/quarantine/messages"
UNKNOWN = 5


class QuarantineWriteScenarios:
    command: str  # the command id
    display: str  # its display name
    method: str  # "POST" or "DELETE"
    action: str  # "release" or "delete": the appliance's data.action
    done: str  # "released" or "deleted": the key of data listing the ids acted on
    body_action: dict  # what a request body holds besides quarantineType and mids

    # ------------------------------------------------------------ helpers
    def failed(self, status, message) -> dict:
        return failure(self.display, status, message)

    def body(self, mids: list[int]) -> dict:
        return {**self.body_action, "quarantineType": "spam", "mids": mids}

    def writes(self, sim) -> list[dict]:
        return [e for e in sim.request_log if e["path"].endswith("/quarantine/messages") and e["method"] == self.method]

    def sent_mids(self, sim) -> list[list[int]]:
        return [json.loads(e["body"])["mids"] for e in self.writes(sim)]

    # ------------------------------------------------------------ end to end
    def test_existing_and_unknown_is_partial(self, integration, sim, regen_golden):
        mid = sim.world.pick_quarantine_mid(recent=True)
        envelope = integration.run(self.command, {"quarantine_message_ids": [mid, UNKNOWN]})
        assert envelope["status"] == "Partially Successful"
        assert envelope["items"] == [
            {"id": mid, "status": "Successful", "error": None},
            {"id": UNKNOWN, "status": "Failed", "error": self.failed(404, "Message ID 5 not found.")}]
        assert envelope["data"][self.done] == [mid] and envelope["data"]["not_found"] == [UNKNOWN]
        assert mid not in sim.world.quarantine_mids()
        # one request per id, in the order given, each with the body of §7
        assert [json.loads(e["body"]) for e in self.writes(sim)] == [self.body([mid]), self.body([UNKNOWN])]
        check_golden(envelope, regen_golden)

    def test_same_id_again_is_a_404_item(self, integration, sim):
        mid = sim.world.pick_quarantine_mid()
        first = integration.run(self.command, {"quarantine_message_ids": [mid]})
        assert first["status"] == "Successful" and first["error"] is None
        second = integration.run(self.command, {"quarantine_message_ids": [mid]})
        assert second["status"] == "Failed"
        assert second["items"] == [
            {"id": mid, "status": "Failed", "error": self.failed(404, f"Message ID {mid} not found.")}]
        assert second["raw_data"]["responses"][0]["body"] == {"data": {"action": self.action, "totalCount": 0}}
        assert self.sent_mids(sim) == [[mid], [mid]]

    def test_503_on_write_fails_that_id_once_and_goes_on(self, integration, sim):
        first, second = sorted(sim.world.quarantine_mids())[:2]
        sim.inject("quarantine/messages", "status", status=503, method=self.method)
        envelope = integration.run(self.command, {"quarantine_message_ids": [first, second]})
        assert envelope["status"] == "Partially Successful"
        assert envelope["items"][0] == {"id": first, "status": "Failed",
                                        "error": self.failed(503, "Service Unavailable.")}
        assert envelope["items"][1] == {"id": second, "status": "Successful", "error": None}
        assert envelope["data"]["failed"] == [first] and envelope["data"][self.done] == [second]
        # never retried: exactly one request for the id that met the 503
        assert self.sent_mids(sim) == [[first], [second]]
        assert [e["status"] for e in self.writes(sim)] == [503, 200]
        assert first in sim.world.quarantine_mids() and second not in sim.world.quarantine_mids()

    def test_dropped_write_is_outcome_unknown_and_not_resent(self, integration, sim):
        first, second = sorted(sim.world.quarantine_mids())[:2]
        sim.inject("quarantine/messages", "drop", method=self.method)
        envelope = integration.run(self.command, {"quarantine_message_ids": [first, second]})
        assert envelope["status"] == "Partially Successful"
        item = envelope["items"][0]
        assert item["status"] == "Failed" and item["error"]["status_code"] is None
        assert "may or may not have been applied" in item["error"]["message"]
        assert envelope["items"][1]["status"] == "Successful"
        assert envelope["data"]["outcome_unknown"] == [first] and envelope["data"]["failed"] == []
        assert self.sent_mids(sim) == [[first], [second]]

    def test_sma_writes_to_the_central_quarantine(self, sma_integration, sma):
        mid = sma.world.pick_quarantine_mid()
        envelope = sma_integration.run(self.command, {"quarantine_message_ids": [mid]})
        assert envelope["status"] == "Successful" and mid not in sma.world.quarantine_mids()
        assert self.writes(sma)[0]["path"] == "/sma/api/v2.0/quarantine/messages"

    # ------------------------------------------------------------ request shape
    def test_request_shape_one_request_per_id(self, requests_mock):
        requests_mock.register_uri(self.method, MESSAGES_URL, [
            {"json": {"data": {"action": self.action, "totalCount": 1}}},
            {"json": {"data": {"action": self.action, "totalCount": 0}}}])
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": "783, 782"})
        assert requests_mock.call_count == 2
        bodies = [r.json() for r in requests_mock.request_history]
        assert bodies == [self.body([783]), self.body([782])]
        for request in requests_mock.request_history:
            assert request.method == self.method and request.path == "/esa/api/v2.0/quarantine/messages"
            assert request.query == "" and request.headers["Content-Type"] == "application/json"
            assert request.headers["Authorization"].startswith("Basic ")
        assert envelope["status"] == "Partially Successful"
        assert envelope["data"] == {"action": self.action, self.done: [783], "not_found": [782], "failed": [],
                                    "outcome_unknown": [],
                                    "counts": {"requested": 2, self.done: 1, "not_found": 1, "failed": 0,
                                               "outcome_unknown": 0}}

    def test_answer_without_count_fails_the_item(self, requests_mock):
        requests_mock.register_uri(self.method, MESSAGES_URL, json={"data": {"action": self.action}})
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [783]})
        assert envelope["items"] == [{"id": 783, "status": "Failed", "error": self.failed(
            200, "Unexpected response from the appliance: the answer for message ID 783 has no totalCount.")}]

    # ------------------------------------------------------------ failures
    @pytest.mark.parametrize("status,message", [
        (401, "Invalid username or passphrase."),
        (404, "Resource not found."),
        (500, "Server got itself in trouble: The application raised an exception."),
    ])
    def test_appliance_error_fails(self, requests_mock, status, message):
        body = {"error": {"message": message, "code": str(status)}}
        requests_mock.register_uri(self.method, MESSAGES_URL, status_code=status, json=body)
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [783]})
        assert envelope == {
            "command": self.command, "display_name": self.display, "status": "Failed",
            "data": {"action": self.action, self.done: [], "not_found": [], "failed": [783], "outcome_unknown": [],
                     "counts": {"requested": 1, self.done: 0, "not_found": 0, "failed": 1, "outcome_unknown": 0}},
            "raw_data": {"responses": [{"mid": 783, "status": status, "body": body}]},
            "error": self.failed(status, message),
            "items": [{"id": 783, "status": "Failed", "error": self.failed(status, message)}],
        }
        assert requests_mock.call_count == 1

    def test_zero_count_fails_404_naming_the_id(self, requests_mock):
        # the spec's sample reads "Message ID not found."; here the id is named
        requests_mock.register_uri(self.method, MESSAGES_URL, json={"data": {"action": self.action, "totalCount": 0}})
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [783]})
        assert envelope["status"] == "Failed"
        assert envelope["error"] == self.failed(404, "Message ID 783 not found.")

    def test_wrong_password_is_401_after_one_login(self, sim):
        mid = sim.world.pick_quarantine_mid()
        envelope = Integration(sim.connection(password="wrong"), clock=lambda: FROZEN_NOW).run(
            self.command, {"quarantine_message_ids": [mid, UNKNOWN]})
        denied = self.failed(401, "Invalid username or passphrase.")
        assert envelope["status"] == "Failed" and envelope["error"] == denied
        assert envelope["items"] == [{"id": mid, "status": "Failed", "error": denied},
                                     {"id": UNKNOWN, "status": "Failed", "error": denied}]
        assert envelope["data"]["failed"] == [mid, UNKNOWN] and envelope["raw_data"] == {"responses": []}
        assert [(e["method"], e["path"].rsplit("/", 1)[1], e["status"]) for e in sim.request_log] == \
            [("POST", "login", 401)]
        assert mid in sim.world.quarantine_mids()

    def test_unreachable_appliance_is_tried_once(self, requests_mock):
        # a connect timeout proves nothing was sent: the ids left fail without waiting out their own timeouts
        requests_mock.register_uri(self.method, MESSAGES_URL, exc=requests.exceptions.ConnectTimeout("timed out"))
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [1, 2, 3]})
        assert requests_mock.call_count == 1
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None
        first = envelope["items"][0]["error"]
        assert first["message"].startswith("Timed out connecting to esa.test:6443")
        # the ids after it were never sent, and say so: never the appliance's refusal
        assert [i["error"]["message"] for i in envelope["items"][1:]] == [NotSent.MESSAGE] * 2
        assert envelope["error"]["message"] == f"{first['message']} {NotSent.MESSAGE}"
        assert envelope["data"]["failed"] == [1, 2, 3] and envelope["data"]["outcome_unknown"] == []

    @pytest.mark.parametrize("params,named", [
        ({}, "quarantine_message_ids"),
        ({"quarantine_message_ids": ""}, "quarantine_message_ids"),
        ({"quarantine_message_ids": "783, x"}, "quarantine_message_ids[1]"),
        ({"quarantine_message_ids": [1.5]}, "quarantine_message_ids[0]"),
    ])
    def test_invalid_input_sends_nothing(self, requests_mock, params, named):
        envelope = mocked("esa").run(self.command, params)
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
        assert named in envelope["error"]["message"]
        assert requests_mock.call_count == 0
