"""Search Spam Quarantine Messages: end to end against the simulator, the request shape with
requests-mock, the spec's failures and invalid input."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import SOURCES, answer

CMD = "search_spam_quarantine_messages"
URL = "https://esa.test:6443/esa/api/v2.0/quarantine/messages"
DAY = {"start_time": "-1d", "end_time": "now"}


def mocked() -> Integration:
    return Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"},
                       clock=lambda: FROZEN_NOW)


def raw_query(request) -> str:
    """The query as sent: of a requests-mock request or of a simulator request-log entry."""
    return request["query"] if isinstance(request, dict) else urlsplit(request.url).query


def exact_qs(request) -> dict:
    # requests-mock lower-cases .qs; the case of envelopeRecipientFilter... matters here (§5.1)
    return parse_qs(raw_query(request), keep_blank_values=True)


def searches(sim) -> list[dict]:
    return [e for e in sim.request_log if e["path"].endswith("/quarantine/messages") and e["method"] == "GET"]


def in_window(sim, start, end) -> list[dict]:
    return [q for q in sim.world.quarantine if start.timestamp() <= q["date"].timestamp() < end.timestamp()]


# -- end to end ------------------------------------------------------------------------
def test_search_spam_quarantine_messages_recent_window_matches_golden(integration, sim, regen_golden):
    envelope = integration.run(CMD, {"start_time": "2026-11-20T12:24:30Z", "end_time": "2026-11-20T12:30:00Z"})
    assert envelope["status"] == "Successful"
    expected = in_window(sim, FROZEN_NOW.replace(minute=24), FROZEN_NOW)
    assert [m["mid"] for m in envelope["data"]["messages"]] == [q["mid"] for q in reversed(expected)]
    assert envelope["data"]["query"]["rounded"] == ["start_time"]
    assert exact_qs(searches(sim)[0])["startDate"] == ["2026-11-20T12:24:00.000Z"]
    check_golden(envelope, regen_golden)


def test_search_spam_quarantine_messages_last_day_pages_past_100_rows(integration, sim):
    envelope = integration.run(CMD, DAY)
    expected = in_window(sim, FROZEN_NOW - timedelta(days=1), FROZEN_NOW)
    assert len(expected) > 100
    data = envelope["data"]
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert data["total"] == len(expected) and data["truncated"] is False and data["pages"] == 2
    # newest first, every mid once, an ISO twin for every date
    assert [m["mid"] for m in data["messages"]] == [q["mid"] for q in reversed(expected)]
    assert all(m["date_iso"].endswith("Z") for m in data["messages"])
    assert envelope["raw_data"]["data"][0]["mid"] == data["messages"][0]["mid"]
    pages = [exact_qs(e) for e in searches(sim)]
    assert [(p["offset"], p["limit"]) for p in pages] == [(["0"], ["100"]), (["100"], ["100"])]
    assert all(p["quarantineType"] == ["spam"] and p["orderBy"] == ["date"] and p["orderDir"] == ["desc"]
               for p in pages)


def test_search_spam_quarantine_messages_limit_caps_and_says_truncated(integration, sim):
    envelope = integration.run(CMD, {**DAY, "limit": 120})
    assert envelope["data"]["total"] == 120 and envelope["data"]["truncated"] is True
    assert [(exact_qs(e)["offset"], exact_qs(e)["limit"]) for e in searches(sim)] == [(["0"], ["100"]),
                                                                                      (["100"], ["20"])]


def test_search_spam_quarantine_messages_from_is_filter_sends_lower_case_values(integration, sim):
    sender = "promo@prize-desk.example"
    envelope = integration.run(CMD, {**DAY, "filter_by": "From_Address", "filter_operator": "IS",
                                     "filter_value": sender})
    assert envelope["status"] == "Successful"
    assert "filterBy=from_address&filterOperator=is&filterValue=promo%40prize-desk.example" in \
        searches(sim)[0]["query"]
    expected = [q["mid"] for q in in_window(sim, FROZEN_NOW - timedelta(days=1), FROZEN_NOW)
                if any(sender in a for a in q["fromAddress"])]
    assert expected and sorted(m["mid"] for m in envelope["data"]["messages"]) == sorted(expected)
    assert all(sender in m["from_addresses"] for m in envelope["data"]["messages"])
    assert envelope["data"]["query"]["filter_by"] == "From_Address"


def test_search_spam_quarantine_messages_recipient_uses_capital_f(integration, sim):
    envelope = integration.run(CMD, {**DAY, "recipient": "alice.smith"})
    query = searches(sim)[0]["query"]
    assert "envelopeRecipientFilterOperator=contains&envelopeRecipientFilterValue=alice.smith" in query
    # no subject filter rides along with the default filter_by/filter_operator
    assert "filterBy" not in query and "filterOperator" not in query.replace("RecipientFilterOperator", "")
    messages = envelope["data"]["messages"]
    assert messages and all(any("alice.smith" in r for r in m["envelope_recipients"]) for m in messages)


def test_search_spam_quarantine_messages_nothing_found_is_successful_and_empty(integration, sim):
    envelope = integration.run(CMD, {**DAY, "filter_value": "no subject is like this one"})
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert envelope["data"]["messages"] == [] and envelope["data"]["total"] == 0
    assert envelope["raw_data"] == {"data": []}


def test_search_spam_quarantine_messages_sma_gmt_dates_get_iso(sma_integration, sma):
    envelope = sma_integration.run(CMD, {"start_time": "-10m", "end_time": "now"})
    assert envelope["status"] == "Successful" and envelope["data"]["messages"]
    first = envelope["data"]["messages"][0]
    assert first["date"].endswith("(GMT)") and first["date_iso"].startswith("2026-11-20T12:")
    assert sma.request_log[-1]["path"] == "/sma/api/v2.0/quarantine/messages"


# -- request shape ---------------------------------------------------------------------
def rows(n: int, first_mid: int) -> list[dict]:
    return [{"mid": first_mid - i, "attributes": {
        "envelopeRecipient": ["al@corp.example"], "toAddress": ["Al <al@corp.example>"], "subject": "s",
        "date": "20 Nov 2026 12:00 (GMT +00:00)", "fromAddress": ["x@spam.example"], "size": "1.00K"}}
        for i in range(n)]


def test_search_spam_quarantine_messages_request_shape_pages_and_encodes(requests_mock):
    requests_mock.get(URL, [{"json": {"meta": {"totalCount": 100}, "data": rows(100, 500)}},
                            {"json": {"meta": {"totalCount": 3}, "data": rows(3, 400)}}])
    envelope = mocked().run(CMD, {"start_time": "2026-11-20 10:15", "end_time": "2026-11-20T12:29:59Z",
                                  "recipient": "al@corp.example", "filter_by": "subject",
                                  "filter_operator": "begins with", "filter_value": "Hello world"})
    assert envelope["status"] == "Successful" and envelope["data"]["total"] == 103
    assert requests_mock.call_count == 2
    first, second = requests_mock.request_history
    assert first.method == "GET" and urlsplit(first.url).path == "/esa/api/v2.0/quarantine/messages"
    assert first.headers["Authorization"].startswith("Basic ")
    assert first.qs["filterby".lower()] == ["subject"] and first.qs["offset"] == ["0"]
    assert exact_qs(first) == {
        "quarantineType": ["spam"], "startDate": ["2026-11-20T10:15:00.000Z"],
        "endDate": ["2026-11-20T12:29:00.000Z"], "orderBy": ["date"], "orderDir": ["desc"],
        "envelopeRecipientFilterOperator": ["contains"], "envelopeRecipientFilterValue": ["al@corp.example"],
        "filterBy": ["subject"], "filterOperator": ["begins_with"], "filterValue": ["Hello world"],
        "offset": ["0"], "limit": ["100"]}
    # spaces as %20 and ':' / '@' encoded, never '+' (asyncos-api §1.1)
    assert "filterValue=Hello%20world" in raw_query(first)
    assert "startDate=2026-11-20T10%3A15%3A00.000Z" in raw_query(first)
    assert exact_qs(second)["offset"] == ["100"] and second.body is None
    assert envelope["data"]["query"]["rounded"] == ["end_time"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", ["esa_spam_quarantine_message_search.json", "sma_spam_quarantine_message_search.json"])
def test_search_spam_quarantine_messages_capture_answer_is_read(requests_mock, name, source):
    body = answer(source, name)
    requests_mock.get(URL, json=body)
    envelope = mocked().run(CMD, DAY)
    assert envelope["status"] == "Successful" and envelope["raw_data"] == {"data": body["data"]}
    assert [m["mid"] for m in envelope["data"]["messages"]] == [r["mid"] for r in body["data"]]
    assert requests_mock.call_count == 1


# -- failures --------------------------------------------------------------------------
@pytest.mark.parametrize("status,message", [
    (401, "Invalid username or passphrase."),
    (404, "Missing attribute - startDate or endDate."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_search_spam_quarantine_messages_appliance_error_fails(requests_mock, status, message):
    requests_mock.get(URL, status_code=status, json={"error": {"message": message, "code": str(status)}})
    envelope = mocked().run(CMD, DAY)
    assert envelope == {
        "command": CMD, "display_name": "Search Spam Quarantine Messages", "status": "Failed",
        "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Search Spam Quarantine Messages failed.", "status_code": status,
                  "message": message},
        "items": [],
    }


def test_search_spam_quarantine_messages_body_without_data_fails(requests_mock):
    requests_mock.get(URL, json={"meta": {"totalCount": 0}})
    envelope = mocked().run(CMD, DAY)
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {"failure_indicator": "Search Spam Quarantine Messages failed.", "status_code": 200,
                                 "message": "Unexpected response from the appliance: the answer to "
                                            "quarantine/messages has no data."}


@pytest.mark.parametrize("params,named", [
    ({"end_time": "now"}, "start_time"),
    ({**DAY, "filter_operator": "Like"}, "filter_operator"),
    ({**DAY, "filter_by": "Body"}, "filter_by"),
    ({**DAY, "limit": 0}, "limit"),
    ({"start_time": "yesterday-ish", "end_time": "now"}, "start_time"),
    ({"start_time": "now", "end_time": "-1d"}, "end_time"),
])
def test_search_spam_quarantine_messages_invalid_input_sends_nothing(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
