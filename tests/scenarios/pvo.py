"""The scenarios the four PVO writes share (release, delete, move, send copy; ext §14.4): each names
the quarantine, one request per id and quarantine, in turn and never resent; without a
quarantine_name the message's own quarantines come from its details. A test module subclasses
PvoWriteScenarios as Test<Command> and sets the class attributes."""

from __future__ import annotations

import json

import pytest

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

MESSAGES_URL = f"{SERVER}/esa/api/v2.0/quarantine/messages"
DETAILS_URL = f"{SERVER}/esa/api/v2.0/quarantine/messages/details"


def details_body(mid, names):
    return {"data": {"mid": mid, "attributes": {"quarantineDetails": [{"quarantineName": n, "reason": ["r"]} for n in names],
                                                "messageDetails": {}, "messagePartDetails": []}}}


class PvoWriteScenarios:
    command: str
    display: str
    method: str         # POST or DELETE
    action: str         # the appliance's data.action
    done: str           # the key of data listing the ids acted on
    extra: dict = {}    # further params (destination, recipients)
    body_extra: dict = {}  # what a request body holds besides quarantineType, quarantineName and mids
    every_quarantine = True  # without a name, one request per quarantine held (send copy: the first only)

    def failed(self, status, message):
        return failure(self.display, status, message)

    def body(self, mid, name):
        out = {"quarantineName": name, "mids": [mid], **self.body_extra, "quarantineType": "pvo"}
        if self.method == "POST":
            out["action"] = self.action
        return out

    def writes(self, sim):
        return [json.loads(e["body"]) for e in sim.request_log
                if e["path"].endswith("/quarantine/messages") and e["method"] == self.method]

    # ------------------------------------------------------------ end to end
    def sources(self, names: list[str]) -> list[str]:
        """The quarantines acted on when none is named, from those held (in the details' order)."""
        return names

    def test_message_in_several_quarantines_and_an_unknown_one(self, integration, sim, regen_golden):
        held = sim.world.pvo.pick(several=True)
        names = list(sim.world.pvo.messages[held["mid"]]["quarantines"])  # the details' order
        envelope = integration.run(self.command, {"quarantine_message_ids": [held["mid"], 5], **self.extra})
        assert envelope["status"] == "Partially Successful"
        assert envelope["items"] == [
            {"id": held["mid"], "status": "Successful", "error": None},
            {"id": 5, "status": "Failed", "error": self.failed(404, "Message ID 5 not found.")}]
        assert self.writes(sim) == [self.body(held["mid"], n) for n in self.sources(names)]
        assert envelope["data"][self.done] == [held["mid"]] and envelope["data"]["not_found"] == [5]
        result = envelope["data"]["results"][0]
        assert result["held_in"] == names
        self.check_state(sim, held, result)
        check_golden(envelope, regen_golden)

    def test_named_quarantine_is_the_only_one_acted_on(self, integration, sim):
        held = sim.world.pvo.pick(several=True)
        name = held["quarantines"][0]
        envelope = integration.run(self.command, {"quarantine_message_ids": [held["mid"]], "quarantine_name": name,
                                                  **self.extra})
        assert envelope["status"] == "Successful", envelope["error"]
        assert self.writes(sim) == [self.body(held["mid"], name)]
        # no details read when the quarantine is named: nothing but the write
        assert [e["path"].rsplit("/", 1)[1] for e in sim.request_log if not e["path"].endswith("/login")] == ["messages"]

    def test_message_not_in_the_named_quarantine_is_a_404_item(self, integration, sim):
        mid = sim.world.pvo.pick(quarantine="Outbreak")["mid"]
        envelope = integration.run(self.command, {"quarantine_message_ids": [mid], "quarantine_name": "Unclassified",
                                                  **self.extra})
        assert envelope["status"] == "Failed"
        assert envelope["error"] == self.failed(404, f"Message ID {mid} is not in the Unclassified quarantine.")

    def test_503_on_one_quarantine_fails_the_id_and_says_where_it_is(self, integration, sim):
        held = sim.world.pvo.pick(several=True)
        names = self.sources(list(sim.world.pvo.messages[held["mid"]]["quarantines"]))
        sim.inject("quarantine/messages", "status", status=503, method=self.method)
        envelope = integration.run(self.command, {"quarantine_message_ids": [held["mid"]], **self.extra})
        assert envelope["status"] == "Failed"
        message = envelope["error"]["message"]
        assert envelope["error"]["status_code"] == 503
        if len(names) > 1:
            assert message.startswith(f"Message ID {held['mid']} was {self.done} from {', '.join(names[1:])} "
                                      f"but not from {names[0]}: Service Unavailable")
        else:
            assert message.startswith(f"Message ID {held['mid']} was not {self.done} from {names[0]}: Service Unavailable")
        assert len(self.writes(sim)) == len(names)  # the others are still tried; none is resent

    def test_dropped_write_is_outcome_unknown_and_not_resent(self, integration, sim):
        first, second = sim.world.pvo.pick(quarantine="Outbreak"), sim.world.pvo.pick(quarantine="Virus")
        sim.inject("quarantine/messages", "drop", method=self.method)
        envelope = integration.run(self.command, {"quarantine_message_ids": [first["mid"], second["mid"]],
                                                  "quarantine_name": "Outbreak", **self.extra})
        assert envelope["data"]["outcome_unknown"] == [first["mid"]]
        assert "may or may not have been applied" in envelope["items"][0]["error"]["message"]
        assert [b["mids"] for b in self.writes(sim)] == [[first["mid"]], [second["mid"]]]

    # ------------------------------------------------------------ request shape
    def test_request_shape_one_request_per_id_and_quarantine(self, requests_mock):
        requests_mock.get(DETAILS_URL, [{"json": details_body(88214, ["Policy", "HR Review"])},
                                        {"json": details_body(88213, ["Virus"])}])
        requests_mock.register_uri(self.method, MESSAGES_URL, json={"data": {"action": self.action, "totalCount": 1}})
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": "88214, 88213", **self.extra})
        writes = [r for r in requests_mock.request_history if r.method == self.method]
        expected = self.expected_requests()
        assert [r.json() for r in writes] == [self.body(mid, name) for mid, name in expected]
        for r in writes:
            assert r.path == "/esa/api/v2.0/quarantine/messages" and r.query == ""
            assert r.headers["Content-Type"] == "application/json"
        assert envelope["status"] == "Successful"
        assert envelope["data"][self.done] == [88214, 88213]

    def expected_requests(self):
        return [(88214, "Policy"), (88214, "HR Review"), (88213, "Virus")]

    def test_answer_without_count_fails_the_item(self, requests_mock):
        requests_mock.register_uri(self.method, MESSAGES_URL, json={"data": {"action": self.action}})
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [7], "quarantine_name": "Virus",
                                                    **self.extra})
        assert envelope["items"][0]["error"] == self.failed(
            200, "Message ID 7 was not " + self.done + " from Virus: Unexpected response from the appliance: the answer "
                 "for message ID 7 in Virus has no totalCount.")

    @pytest.mark.parametrize("status", [400, 401, 500])
    def test_appliance_error_fails_with_its_message(self, requests_mock, status):
        body = {"error": {"message": "Invalid quarantineName 'X'.", "code": str(status)}}
        requests_mock.register_uri(self.method, MESSAGES_URL, status_code=status, json=body)
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [7], "quarantine_name": "X", **self.extra})
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == status
        assert "Invalid quarantineName 'X'." in envelope["error"]["message"]
        assert requests_mock.call_count == 1

    def test_invalid_input_sends_nothing(self, requests_mock):
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": "x", **self.extra})
        assert envelope["error"]["status_code"] == 400 and requests_mock.call_count == 0
