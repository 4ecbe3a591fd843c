"""Release Spam Quarantine Messages: one POST per id, in turn, never resent (asyncos-api §7);
end to end against the simulator, request shape with requests-mock, failures, invalid input. The
scenarios shared with delete_spam_quarantine_messages come from tests/scenarios/quarantine.py."""

from __future__ import annotations

import pytest

from tests.scenarios.common import SOURCES, answer, mocked
from tests.scenarios.quarantine import QuarantineWriteScenarios


class TestReleaseSpamQuarantineMessages(QuarantineWriteScenarios):
    command, display = "release_spam_quarantine_messages", "Release Spam Quarantine Messages"
    method, action, done = "POST", "release", "released"
    body_action = {"action": "release"}

    @pytest.mark.parametrize("source", SOURCES)
    def test_sma_capture_answer_is_read(self, requests_mock, source):
        url = "https://esa.test:6443/sma/api/v2.0/quarantine/messages"
        requests_mock.post(url, json=answer(source, "sma_spam_quarantine_message_release.json"))
        envelope = mocked("sma").run(self.command, {"quarantine_message_ids": [45]})
        assert envelope["status"] == "Successful" and envelope["data"]["released"] == [45]
        assert envelope["raw_data"] == {"responses": [{"mid": 45, "status": 200,
                                                       "body": answer(source, "sma_spam_quarantine_message_release.json")}]}
