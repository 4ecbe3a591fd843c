"""Get PVO Quarantine Message Details: end to end (golden sample, a message in several quarantines,
partial not-found), request shape with requests-mock, failures and invalid input."""

from __future__ import annotations

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "get_pvo_quarantine_message_details", "Get PVO Quarantine Message Details"
URL = f"{SERVER}/esa/api/v2.0/quarantine/messages/details"
BODY = {"data": {"mid": 88213, "attributes": {
    "quarantineDetails": [{"quarantineName": "Virus", "reason": ["Virus: W32.Example.Trojan detected"],
                           "received": "20 May 2023 18:31 (GMT +00:00)", "scheduledExit": "03 Jun 2023 18:31 (GMT +00:00)",
                           "esaHostName": "esa1.corp.example", "originatingEsaIp": "192.0.2.21"}],
    "messageDetails": {"subject": "Overdue invoice 4471", "sender": "billing@invoices.example.net",
                       "recipient": ["alice@corp.example"]},
    "messagePartDetails": [{"attachmentId": 1, "attachmentName": "[message body]", "attachmentSize": "2.10K"},
                           {"attachmentId": 2, "attachmentName": "invoice_4471.zip", "attachmentSize": "206.80K"}],
    "matchedContents": [], "headers": "Subject: Overdue invoice 4471\n", "messageBody": "Please find it attached."}}}


def test_get_pvo_quarantine_message_details_known_and_unknown_is_partial(integration, sim, regen_golden):
    held = sim.world.pvo.pick(several=True)
    envelope = integration.run(CMD, {"quarantine_message_ids": [held["mid"], 5]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"][1] == {"id": 5, "status": "Failed", "error": failure(DISPLAY, 404, "Message ID 5 not found.")}
    msg = envelope["data"]["messages"][0]
    assert msg["quarantine_names"] == held["quarantines"] or sorted(msg["quarantine_names"]) == held["quarantines"]
    assert [a["name"] for a in msg["attachments"]] == [a["name"] for a in held["attachments"]]
    assert msg["parts"][0]["is_message_body"] is True and msg["parts"][0]["name"] == "[message body]"
    assert envelope["data"]["found"] == [held["mid"]] and envelope["data"]["not_found"] == [5]
    check_golden(envelope, regen_golden)


def test_get_pvo_quarantine_message_details_request_shape(requests_mock):
    requests_mock.get(URL, json=BODY)
    envelope = mocked("esa").run(CMD, {"quarantine_message_ids": "88213"})
    assert requests_mock.call_count == 1
    assert requests_mock.last_request.qs == {"mid": ["88213"], "quarantinetype": ["pvo"]}
    msg = envelope["data"]["messages"][0]
    assert msg["quarantines"][0]["name"] == "Virus" and msg["quarantines"][0]["received_iso"] == "2023-05-20T18:31:00Z"
    assert msg["attachments"] == [{"attachment_id": 2, "name": "invoice_4471.zip", "size": "206.80K",
                                   "size_bytes": 211763, "is_message_body": False}]
    assert envelope["raw_data"] == {"responses": [{"mid": 88213, "status": 200, "body": BODY}]}


def test_get_pvo_quarantine_message_details_other_mid_is_not_found(requests_mock):
    requests_mock.get(URL, json=BODY)
    envelope = mocked("esa").run(CMD, {"quarantine_message_ids": [7]})
    assert envelope["items"] == [{"id": 7, "status": "Failed", "error": failure(DISPLAY, 404, "Message ID 7 not found.")}]


def test_get_pvo_quarantine_message_details_500_fails_the_item(requests_mock):
    requests_mock.get(URL, status_code=500, json={"error": {"message": "Boom.", "code": "500"}})
    envelope = mocked("esa").run(CMD, {"quarantine_message_ids": [7]})
    assert envelope["status"] == "Failed" and envelope["error"] == failure(DISPLAY, 500, "Boom.")


def test_get_pvo_quarantine_message_details_invalid_input_sends_nothing(requests_mock):
    envelope = mocked("esa").run(CMD, {"quarantine_message_ids": "abc"})
    assert envelope["error"]["status_code"] == 400 and "quarantine_message_ids" in envelope["error"]["message"]
    assert requests_mock.call_count == 0
