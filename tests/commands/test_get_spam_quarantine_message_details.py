"""Get Spam Quarantine Message Details: end to end against the simulator, the request shape with
requests-mock, per-id outcomes (partial, all failed), the spec's failures and invalid input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from cisco_esa.core.outcome import NotSent
from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import answer, failure, mocked
from tests.scenarios.quarantine import UNKNOWN

CMD = "get_spam_quarantine_message_details"
NAME = "Get Spam Quarantine Message Details"
URL = "https://esa.test:6443/esa/api/v2.0/quarantine/messages/details"


def detail_requests(sim) -> list[dict]:
    return [e for e in sim.request_log if e["path"].endswith("/quarantine/messages/details")]


def failed(status, message) -> dict:
    return failure(NAME, status, message)


# -- end to end ------------------------------------------------------------------------
def test_get_spam_quarantine_message_details_existing_and_unknown_is_partial(integration, sim, regen_golden):
    mid = sim.world.pick_quarantine_mid(recent=True)
    envelope = integration.run(CMD, {"quarantine_message_ids": [mid, UNKNOWN]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"] == [{"id": mid, "status": "Successful", "error": None},
                                 {"id": UNKNOWN, "status": "Failed", "error": failed(404, "Message ID 5 not found.")}]
    record = sim.world.quarantine_record(mid)
    message = envelope["data"]["messages"][0]
    assert message["mid"] == mid and message["subject"] == record["subject"]
    assert message["envelope_recipients"] == record["envelopeRecipient"]
    assert message["message_body"] == record["messageBody"]
    assert message["date_iso"] == record["date"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert envelope["data"]["found"] == [mid] and envelope["data"]["not_found"] == [UNKNOWN]
    queries = sorted((parse_qs(e["query"])["mid"], parse_qs(e["query"])["quarantineType"])
                     for e in detail_requests(sim))
    assert queries == sorted([([str(mid)], ["spam"]), ([str(UNKNOWN)], ["spam"])])
    # raw_data keeps the appliance's own answers, the 404 body included
    assert [r["status"] for r in envelope["raw_data"]["responses"]] == [200, 404]
    check_golden(envelope, regen_golden)


def test_get_spam_quarantine_message_details_many_ids_one_request_each_in_order(integration, sim):
    mids = sorted(sim.world.quarantine_mids())[:12]
    envelope = integration.run(CMD, {"quarantine_message_ids": ",".join(map(str, mids))})
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert [m["mid"] for m in envelope["data"]["messages"]] == mids
    assert [i["id"] for i in envelope["items"]] == mids
    assert sorted(int(parse_qs(e["query"])["mid"][0]) for e in detail_requests(sim)) == mids


def test_get_spam_quarantine_message_details_all_unknown_fails(integration, sim):
    envelope = integration.run(CMD, {"quarantine_message_ids": [5, 6]})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(404, "Message ID 5 not found. Message ID 6 not found.")
    assert envelope["data"]["messages"] == [] and envelope["data"]["not_found"] == [5, 6]


def test_get_spam_quarantine_message_details_sma_reads_the_central_quarantine(sma_integration, sma):
    mid = sma.world.pick_quarantine_mid()
    envelope = sma_integration.run(CMD, {"quarantine_message_ids": [mid]})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["messages"][0]["date"].endswith("(GMT)")
    assert detail_requests(sma)[0]["path"] == "/sma/api/v2.0/quarantine/messages/details"


# -- request shape ---------------------------------------------------------------------
@pytest.mark.parametrize("source, esa, sma", [("ours", 5012, 2240), ("capture", 620, 50)])
def test_get_spam_quarantine_message_details_request_shape(requests_mock, source, esa, sma):
    requests_mock.get(URL + f"?mid={esa}", json=answer(source, "esa_spam_quarantine_message_get.json"))
    requests_mock.get(URL + f"?mid={sma}", json=answer(source, "sma_spam_quarantine_message_get.json"))
    envelope = mocked().run(CMD, {"quarantine_message_ids": f"[{esa}, {sma}]"})
    assert envelope["status"] == "Successful"
    assert requests_mock.call_count == 2
    for request in requests_mock.request_history:
        assert request.method == "GET" and request.path == "/esa/api/v2.0/quarantine/messages/details"
        assert request.qs["quarantinetype"] == ["spam"] and request.body is None
        assert parse_qs(urlsplit(request.url).query)["quarantineType"] == ["spam"]
    assert sorted(urlsplit(r.url).query for r in requests_mock.request_history) == \
        sorted([f"mid={sma}&quarantineType=spam", f"mid={esa}&quarantineType=spam"])
    assert [m["mid"] for m in envelope["data"]["messages"]] == [esa, sma]
    assert envelope["raw_data"]["responses"][0] == {"mid": esa, "status": 200,
                                                    "body": answer(source, "esa_spam_quarantine_message_get.json")}


@pytest.mark.parametrize("source, mid", [("ours", 5012), ("capture", 620)])
def test_get_spam_quarantine_message_details_na_answer_is_a_404_item(requests_mock, source, mid):
    requests_mock.get(URL + f"?mid={mid}", json=answer(source, "esa_spam_quarantine_message_get.json"))
    requests_mock.get(URL + "?mid=7", json={"data": {"mid": "N/A", "attributes": {}}})
    envelope = mocked().run(CMD, {"quarantine_message_ids": [mid, 7]})
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"][1] == {"id": 7, "status": "Failed", "error": failed(404, "Message ID 7 not found.")}


# -- failures --------------------------------------------------------------------------
@pytest.mark.parametrize("status,message", [
    (401, "Invalid username or passphrase."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_get_spam_quarantine_message_details_appliance_error_fails_every_item(requests_mock, status, message):
    body = {"error": {"message": message, "code": str(status)}}
    requests_mock.get(URL, status_code=status, json=body)
    envelope = mocked().run(CMD, {"quarantine_message_ids": [620]})
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Failed",
        "data": {"messages": [], "found": [], "not_found": [], "failed": [620],
                 "counts": {"requested": 1, "found": 0, "not_found": 0, "failed": 1}},
        "raw_data": {"responses": [{"mid": 620, "status": status, "body": body}]},
        "error": failed(status, message),
        "items": [{"id": 620, "status": "Failed", "error": failed(status, message)}],
    }


def test_get_spam_quarantine_message_details_appliance_404_fails_the_item(requests_mock):
    body = {"error": {"message": "Message not found.", "code": "404"}}
    requests_mock.get(URL, status_code=404, json=body)
    envelope = mocked().run(CMD, {"quarantine_message_ids": [620]})
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Failed",
        "data": {"messages": [], "found": [], "not_found": [620], "failed": [],
                 "counts": {"requested": 1, "found": 0, "not_found": 1, "failed": 0}},
        "raw_data": {"responses": [{"mid": 620, "status": 404, "body": body}]},
        "error": failed(404, "Message ID 620 not found."),
        "items": [{"id": 620, "status": "Failed", "error": failed(404, "Message ID 620 not found.")}],
    }


def test_get_spam_quarantine_message_details_wrong_password_is_401_after_one_login(sim):
    mid = sim.world.pick_quarantine_mid()
    envelope = Integration(sim.connection(password="wrong"), clock=lambda: FROZEN_NOW).run(
        CMD, {"quarantine_message_ids": [mid, UNKNOWN]})
    denied = failed(401, "Invalid username or passphrase.")
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Failed",
        "data": {"messages": [], "found": [], "not_found": [], "failed": [mid, UNKNOWN],
                 "counts": {"requested": 2, "found": 0, "not_found": 0, "failed": 2}},
        "raw_data": {"responses": []}, "error": denied,
        "items": [{"id": mid, "status": "Failed", "error": denied},
                  {"id": UNKNOWN, "status": "Failed", "error": denied}],
    }
    # one login for all ids: a wrong password is not tried once per id
    assert [(e["method"], e["path"].rsplit("/", 1)[1], e["status"]) for e in sim.request_log] == [("POST", "login", 401)]


def test_get_spam_quarantine_message_details_unreachable_appliance_is_not_tried_once_per_id(requests_mock):
    ids = list(range(1, 41))
    requests_mock.get(URL, exc=requests.exceptions.ConnectTimeout("timed out"))
    envelope = mocked().run(CMD, {"quarantine_message_ids": ids})
    assert requests_mock.call_count <= 8  # at most the requests already in flight when the first one failed
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None
    assert envelope["error"]["message"].startswith("Timed out connecting to esa.test:6443")
    assert [i["id"] for i in envelope["items"]] == ids
    tried = [i for i in envelope["items"] if i["error"]["message"] != NotSent.MESSAGE]
    assert 1 <= len(tried) == requests_mock.call_count  # every other id says it was never sent
    assert all(i["error"]["message"].startswith("Timed out connecting") for i in tried)


@pytest.mark.parametrize("params,named", [
    ({}, "quarantine_message_ids"),
    ({"quarantine_message_ids": []}, "quarantine_message_ids"),
    ({"quarantine_message_ids": "abc"}, "quarantine_message_ids[0]"),
    ({"quarantine_message_ids": [-1]}, "quarantine_message_ids[0]"),
    ({"quarantine_message_ids": [620], "mid": 1}, "mid"),
])
def test_get_spam_quarantine_message_details_invalid_input_sends_nothing(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"] and envelope["items"] == []
    assert requests_mock.call_count == 0
