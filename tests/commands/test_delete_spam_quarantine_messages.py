"""Delete Spam Quarantine Messages: one DELETE per id, in turn, never resent (asyncos-api §7);
end to end against the simulator, request shape with requests-mock, failures, invalid input. The
scenarios shared with release_spam_quarantine_messages come from tests/scenarios/quarantine.py."""

from __future__ import annotations

import pytest

from tests.scenarios.common import SOURCES, answer, failure, mocked
from tests.scenarios.quarantine import MESSAGES_URL, QuarantineWriteScenarios

NAME = "Delete Spam Quarantine Messages"


class TestDeleteSpamQuarantineMessages(QuarantineWriteScenarios):
    command, display = "delete_spam_quarantine_messages", NAME
    method, action, done = "DELETE", "delete", "deleted"
    body_action = {}  # no action key

    @pytest.mark.parametrize("source", SOURCES)
    @pytest.mark.parametrize("name,status,items", [
        ("esa_spam_quarantine_message_delete.json", "Successful", [{"id": 783, "status": "Successful", "error": None}]),
        ("esa_spam_quarantine_message_delete_failed.json", "Failed",
         [{"id": 783, "status": "Failed", "error": failure(NAME, 404, "Message ID 783 not found.")}]),
    ])
    def test_capture_answer_is_read(self, requests_mock, name, status, items, source):
        requests_mock.delete(MESSAGES_URL, json=answer(source, name))
        envelope = mocked("esa").run(self.command, {"quarantine_message_ids": [783]})
        assert envelope["status"] == status and envelope["items"] == items
        assert envelope["raw_data"] == {"responses": [{"mid": 783, "status": 200, "body": answer(source, name)}]}
