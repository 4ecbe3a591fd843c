"""Get Report: end to end against the simulator (summary, one counter, detail group with top,
whole hours, encoded path segments), the request shape with requests-mock, failures, input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from cisco_esa.integration import Integration
from esa_simulator.reports import INCOMING_COUNTERS
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import SOURCES, answer

CMD = "get_report"
NAME = "Get Report"
BASE = "https://esa.test:6443/esa/api/v2.0/reporting/"
DAY = {"start_time": "2026-11-19T12:00:00Z", "end_time": "2026-11-20T12:00:00Z"}


def mocked() -> Integration:
    return Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"},
                       clock=lambda: FROZEN_NOW)


def reports(sim) -> list[dict]:
    return [e for e in sim.request_log if "/reporting/" in e["path"]]


def exact_qs(raw: str) -> dict:
    return parse_qs(raw, keep_blank_values=True)


# -- end to end ------------------------------------------------------------------------
def test_get_report_incoming_traffic_summary_is_a_mapping_of_26(integration, sim, regen_golden):
    envelope = integration.run(CMD, DAY)
    assert envelope["status"] == "Successful" and envelope["error"] is None
    data = envelope["data"]
    assert data["counter_group"] == "mail_incoming_traffic_summary" and data["kind"] == "summary"
    assert list(data["counters"]) == INCOMING_COUNTERS and len(data["counters"]) == 26
    assert data["counters"] == {k: v for e in envelope["raw_data"]["data"]["resultSet"] for k, v in e.items()}
    assert data["query"]["rounded"] == []
    [request] = reports(sim)
    assert request["path"] == "/esa/api/v2.0/reporting/mail_incoming_traffic_summary"
    assert exact_qs(request["query"]) == {"startDate": ["2026-11-19T12:00:00.000Z"],
                                          "endDate": ["2026-11-20T12:00:00.000Z"], "device_type": ["esa"]}
    check_golden(envelope, regen_golden)


def test_get_report_single_counter_is_a_mapping(integration, sim):
    whole = integration.run(CMD, DAY)["data"]["counters"]
    envelope = integration.run(CMD, {**DAY, "counter": "detected_spam"})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["kind"] == "counter"
    assert envelope["data"]["counters"] == {"detected_spam": whole["detected_spam"]}
    assert reports(sim)[-1]["path"] == "/esa/api/v2.0/reporting/mail_incoming_traffic_summary/detected_spam"


def test_get_report_detail_group_with_top_lists_entities(integration, sim):
    envelope = integration.run(CMD, {**DAY, "counter_group": "mail_incoming_domain_detail",
                                     "counter": "total_recipients", "top": 3})
    assert envelope["status"] == "Successful" and envelope["data"]["kind"] == "detail"
    rows = envelope["data"]["counters"]["total_recipients"]
    assert len(rows) == 3 and all(len(r) == 1 for r in rows)
    values = [next(iter(r.values())) for r in rows]
    assert values == sorted(values, reverse=True)
    assert envelope["data"]["query"]["top"] == 3 and envelope["data"]["query"]["top_ignored"] is False
    assert exact_qs(reports(sim)[-1]["query"])["top"] == ["3"]


def test_get_report_order_and_filter_are_sent_in_appliance_values(integration, sim):
    envelope = integration.run(CMD, {**DAY, "counter_group": "mail_incoming_domain_detail",
                                     "counter": "total_recipients", "order_by": "total_recipients",
                                     "order_direction": "ascending", "filter_by": "domain",
                                     "filter_operator": "IS", "filter_value": "saas.example"})
    assert envelope["status"] == "Successful"
    assert [next(iter(r)) for r in envelope["data"]["counters"]["total_recipients"]] == ["saas.example"]
    query = reports(sim)[-1]["query"]
    assert "orderBy=total_recipients&orderDir=asc" in query
    assert "filterBy=domain&filterOperator=is&filterValue=saas.example" in query


def test_get_report_top_without_counter_is_not_sent_and_said_ignored(integration, sim):
    envelope = integration.run(CMD, {**DAY, "top": 5})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["query"]["top_ignored"] is True and envelope["data"]["query"]["top"] is None
    assert "top" not in exact_qs(reports(sim)[-1]["query"])


def test_get_report_times_are_floored_to_whole_hours_and_said(integration, sim):
    envelope = integration.run(CMD, {"start_time": "2026-11-19T12:34:56Z", "end_time": "now"})
    assert envelope["status"] == "Successful"
    query = envelope["data"]["query"]
    assert query["rounded"] == ["start_time", "end_time"]
    assert (query["start_time"], query["end_time"]) == ("2026-11-19T12:00:00Z", "2026-11-20T12:00:00Z")
    assert exact_qs(reports(sim)[-1]["query"])["startDate"] == ["2026-11-19T12:00:00.000Z"]
    assert "startDate=2026-11-19T12%3A00%3A00.000Z&endDate=2026-11-20T12%3A00%3A00.000Z" in reports(sim)[-1]["query"]


def test_get_report_window_empty_after_flooring_is_400_without_request(integration, sim):
    envelope = integration.run(CMD, {"start_time": "2026-11-20T12:05:00Z", "end_time": "2026-11-20T12:25:00Z"})
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert "2026-11-20T12:00:00Z to 2026-11-20T12:00:00Z" in envelope["error"]["message"]
    assert "end_time" in envelope["error"]["message"]
    assert sim.request_log == []


@pytest.mark.parametrize("group,raw_path", [
    ("mail_incoming/traffic&summary", "/esa/api/v2.0/reporting/mail_incoming%2Ftraffic%26summary"),
    ("a&b=c d", "/esa/api/v2.0/reporting/a%26b%3Dc%20d"),
])
def test_get_report_group_with_slash_or_ampersand_is_one_encoded_segment(integration, sim, group, raw_path):
    envelope = integration.run(CMD, {**DAY, "counter_group": group})
    [request] = reports(sim)
    assert request["path"] == raw_path
    assert "&" not in request["query"].replace("&endDate", "").replace("&device_type", "")
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 404


def test_get_report_simulator_keeps_an_encoded_slash_inside_the_group(integration, sim):
    envelope = integration.run(CMD, {**DAY, "counter_group": "mail_incoming_traffic_summary/detected_spam"})
    assert envelope["error"] == {"failure_indicator": "Get Report failed.", "status_code": 404,
                                 "message": "Counter group 'mail_incoming_traffic_summary/detected_spam' not found."}


def test_get_report_sma_sends_device_type_esa(sma_integration, sma):
    envelope = sma_integration.run(CMD, DAY)
    assert envelope["status"] == "Successful" and len(envelope["data"]["counters"]) == 26
    [request] = reports(sma)
    assert request["path"] == "/sma/api/v2.0/reporting/mail_incoming_traffic_summary"
    assert exact_qs(request["query"])["device_type"] == ["esa"]


# -- request shape ---------------------------------------------------------------------
def test_get_report_request_shape(requests_mock):
    body = {"meta": {"totalCount": -1}, "data": {"type": "mail_policy_incoming", "resultSet": {
        "recipients_matched": [{"key": "DEFAULT", "value": 781}, {"key": "Finance", "value": 100}]}}}
    requests_mock.get(BASE + "mail_policy_incoming/recipients_matched", json=body)
    envelope = mocked().run(CMD, {"counter_group": "mail_policy_incoming", "counter": "recipients_matched",
                                  "start_time": "2026-11-20 09:30", "end_time": "2026-11-20T12:30:00Z",
                                  "order_by": "recipients_matched", "filter_by": "policy",
                                  "filter_value": "Fin ance", "top": 10})
    assert requests_mock.call_count == 1
    request = requests_mock.last_request
    assert request.method == "GET" and request.body is None
    assert request.path == "/esa/api/v2.0/reporting/mail_policy_incoming/recipients_matched"
    assert request.qs["orderdir"] == ["desc"] and request.qs["top"] == ["10"]
    raw = urlsplit(request.url).query
    assert exact_qs(raw) == {"startDate": ["2026-11-20T09:00:00.000Z"], "endDate": ["2026-11-20T12:00:00.000Z"],
                             "device_type": ["esa"], "orderBy": ["recipients_matched"], "orderDir": ["desc"],
                             "filterBy": ["policy"], "filterOperator": ["begins_with"],
                             "filterValue": ["Fin ance"], "top": ["10"]}
    assert "filterValue=Fin%20ance" in raw and "+" not in raw
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Successful",
        "data": {"counter_group": "mail_policy_incoming", "counter": "recipients_matched", "kind": "detail",
                 "counters": {"recipients_matched": [{"DEFAULT": 781}, {"Finance": 100}]},
                 "query": {"start_time": "2026-11-20T09:00:00Z", "end_time": "2026-11-20T12:00:00Z",
                           "rounded": ["start_time", "end_time"], "counter_group": "mail_policy_incoming",
                           "counter": "recipients_matched", "order_by": "recipients_matched",
                           "order_direction": "Descending", "filter_by": "policy",
                           "filter_operator": "Begins With", "filter_value": "Fin ance", "top": 10,
                           "top_ignored": False}},
        "raw_data": body, "error": None, "items": [],
    }


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", ["esa_report_get.json", "sma_report_get.json"])
def test_get_report_capture_answer_is_read(requests_mock, name, source):
    body = answer(source, name)
    requests_mock.get(BASE + "mail_incoming_traffic_summary", json=body)
    envelope = mocked().run(CMD, DAY)
    assert envelope["status"] == "Successful" and envelope["raw_data"] == body
    total = next(e["total_recipients"] for e in body["data"]["resultSet"] if "total_recipients" in e)
    assert envelope["data"]["counters"]["total_recipients"] == total
    assert len(envelope["data"]["counters"]) == 26


# -- failures --------------------------------------------------------------------------
@pytest.mark.parametrize("status,message", [
    (401, "Invalid username or passphrase."),
    (404, "Counter group 'mail_nothing' not found."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_get_report_appliance_error_fails(requests_mock, status, message):
    requests_mock.get(BASE + "mail_nothing", status_code=status, json={"error": {"message": message,
                                                                                 "code": str(status)}})
    envelope = mocked().run(CMD, {**DAY, "counter_group": "mail_nothing"})
    assert envelope == {
        "command": CMD, "display_name": NAME, "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Get Report failed.", "status_code": status, "message": message},
        "items": [],
    }


def test_get_report_answer_without_result_set_fails(requests_mock):
    requests_mock.get(BASE + "mail_incoming_traffic_summary", json={"meta": {"totalCount": -1}, "data": {}})
    envelope = mocked().run(CMD, DAY)
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {"failure_indicator": "Get Report failed.", "status_code": 200,
                                 "message": "Unexpected response from the appliance: the report answer has no "
                                            "data.resultSet."}


@pytest.mark.parametrize("params,named", [
    ({"end_time": "now"}, "start_time"),
    ({**DAY, "filter_by": "domain"}, "filter_value"),
    ({**DAY, "filter_value": "x"}, "filter_by"),
    ({**DAY, "filter_operator": "Contains", "filter_by": "d", "filter_value": "x"}, "filter_operator"),
    ({**DAY, "order_direction": "Up"}, "order_direction"),
    ({**DAY, "top": 0}, "top"),
    ({**DAY, "device_type": "sma"}, "device_type"),
    ({"start_time": "2026-11-20T12:59:00Z", "end_time": "2026-11-20T12:01:00Z"}, "end_time"),
])
def test_get_report_invalid_input_sends_nothing(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
