"""Search Messages: end to end against the simulator (golden sample, paging, cap, filters, both
response formats, SMA rows), the request's exact shape, failures and invalid input."""

from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import parse_qs

import requests_mock

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden

BASIC = {"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"}
URL = "https://esa.test:6443/esa/api/v2.0/message-tracking/messages"
LAST_HOUR = {"start_time": "-1h", "end_time": "now"}
FAILED_500 = "Server got itself in trouble: The application raised an exception."


def _searches(sim) -> list[dict]:
    return [e for e in sim.request_log if e["path"].endswith("/message-tracking/messages")]


def _qs(entry) -> dict:
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(entry["query"], keep_blank_values=True).items()}


def _in_window(world, start, end):
    lo, hi = start.timestamp(), end.timestamp()
    return [r for r in world.tracking if lo <= r["_ts"] < hi]


def _row(mid, **attrs):
    return {"attributes": {"mid": [mid], "icid": mid + 1, "serialNumber": "SN-1", "hostName": "",
                           "sender": "a@x.example", "recipient": ["b@corp.example"], "subject": "s",
                           "messageStatus": {str(mid): "Delivered"}, "direction": "incoming",
                           "senderIp": "192.0.2.1", "mailPolicy": ["DEFAULT"],
                           "timestamp": "20 May 2023 18:07:41 (GMT +00:00)",
                           "messageID": {str(mid): f"<{mid}@x.example>"}, **attrs}}


# ---------------------------------------------------------------- end to end
def test_search_messages_subject_last_hour_finds_the_phishing_message(sim, integration, regen_golden):
    phish = sim.world.pick_phishing_message()
    envelope = integration.run("search_messages", {**LAST_HOUR, "subject": "Password Reset"})
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful" and envelope["error"] is None and envelope["items"] == []
    data = envelope["data"]
    assert phish["mid"][0] in [m["mid"] for m in data["messages"]]
    assert all("password reset" in m["subject"].lower() for m in data["messages"])
    assert data["total"] == len(data["messages"]) == len(envelope["raw_data"]["data"]) >= 1
    assert data["truncated"] is False and data["pages"] == 1
    assert data["query"] == {"start_time": "2026-11-20T11:30:00Z", "end_time": "2026-11-20T12:30:00Z",
                             "rounded": [], "limit": 1000,
                             "filters": {"subjectfilterOperator": "contains", "subjectfilterValue": "Password Reset"}}
    found = next(m for m in data["messages"] if m["mid"] == phish["mid"][0])
    assert found["serial_number"] == phish["serialNumber"] and found["sender"] == phish["sender"]
    assert found["message_status"] == phish["messageStatus"]
    assert found["timestamp_iso"] == phish["timestamp"].strftime("%Y-%m-%dT%H:%M:%SZ")
    [search] = _searches(sim)
    assert search["method"] == "GET" and search["status"] == 200
    assert ("startDate=2026-11-20T11%3A30%3A00.000Z&endDate=2026-11-20T12%3A30%3A00.000Z&ciscoHost=All_Hosts"
            "&searchOption=messages&subjectfilterOperator=contains&subjectfilterValue=Password%20Reset"
            "&offset=0&limit=100") == search["query"]


def test_search_messages_input_times_floored_to_the_minute_and_reported(sim, integration):
    envelope = integration.run("search_messages", {"start_time": "2026-11-20T11:30:45Z",
                                                   "end_time": "2026-11-20T12:29:59Z", "subject": "zzz-none"})
    assert envelope["status"] == "Successful"
    assert envelope["data"] == {"messages": [], "total": 0, "truncated": False, "pages": 1, "query": {
        "start_time": "2026-11-20T11:30:00Z", "end_time": "2026-11-20T12:29:00Z",
        "rounded": ["start_time", "end_time"], "limit": 1000,
        "filters": {"subjectfilterOperator": "contains", "subjectfilterValue": "zzz-none"}}}
    assert envelope["raw_data"] == {"data": []}
    q = _qs(_searches(sim)[0])
    assert (q["startDate"], q["endDate"]) == ("2026-11-20T11:30:00.000Z", "2026-11-20T12:29:00.000Z")


def test_search_messages_more_than_a_page_makes_ceil_n_over_100_requests(sim, integration):
    expected = _in_window(sim.world, FROZEN_NOW - timedelta(hours=1), FROZEN_NOW)
    n = len(expected)
    assert n > 100 and n % 100, "the seeded world should give a partial last page"
    envelope = integration.run("search_messages", LAST_HOUR)
    assert envelope["status"] == "Successful"
    assert envelope["data"]["total"] == n and envelope["data"]["truncated"] is False
    assert sorted(m["mid"] for m in envelope["data"]["messages"]) == sorted(r["mid"][0] for r in expected)
    searches = _searches(sim)
    assert len(searches) == envelope["data"]["pages"] == math.ceil(n / 100)
    assert [(_qs(s)["offset"], _qs(s)["limit"]) for s in searches] == [(str(i * 100), "100") for i in range(len(searches))]


def test_search_messages_cap_honoured_and_truncated(sim, integration):
    envelope = integration.run("search_messages", {**LAST_HOUR, "limit": 150})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["total"] == len(envelope["data"]["messages"]) == 150
    assert envelope["data"]["truncated"] is True
    assert [(_qs(s)["offset"], _qs(s)["limit"]) for s in _searches(sim)] == [("0", "100"), ("100", "50")]


def test_search_messages_sender_and_recipient_filters_use_lower_case_f(sim, integration):
    phish = sim.world.pick_phishing_message()
    sender, recipient = phish["sender"].split("@")[1], phish["recipient"][0].split("@")[0]
    envelope = integration.run("search_messages", {**LAST_HOUR, "sender": sender, "recipient": recipient})
    assert envelope["status"] == "Successful"
    assert phish["mid"][0] in [m["mid"] for m in envelope["data"]["messages"]]
    for m in envelope["data"]["messages"]:
        assert sender in m["sender"] and any(recipient in r for r in m["recipients"])
    q = _qs(_searches(sim)[0])
    assert {k: q[k] for k in q if "filter" in k.lower()} == {
        "envelopeSenderfilterOperator": "contains", "envelopeSenderfilterValue": sender,
        "envelopeRecipientfilterOperator": "contains", "envelopeRecipientfilterValue": recipient}


def test_search_messages_sha256_attachment_and_message_id_filters_reach_the_appliance(sim, integration):
    rec = sim.world.pick_tracking(amp=True, within=3600) or sim.world.pick_amp_message()
    att = rec["attachments"][0]
    start = (rec["timestamp"] - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (rec["timestamp"] + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    envelope = integration.run("search_messages", {
        "start_time": start, "end_time": end, "file_sha256": att["sha256"].upper(),
        "attachment_name": att["name"][1:-1], "internet_message_id": rec["messageIdHeader"]})
    assert envelope["status"] == "Successful"
    assert [m["mid"] for m in envelope["data"]["messages"]] == [rec["mid"][0]]
    assert envelope["data"]["messages"][0]["message_id_header"] == rec["messageIdHeader"]
    q = _qs(_searches(sim)[0])
    assert q["fileSha256"] == att["sha256"].lower()
    assert (q["attachmentNameOperator"], q["attachmentNameValue"]) == ("contains", att["name"][1:-1])
    assert q["messageIdHeader"] == rec["messageIdHeader"]


def test_search_messages_additional_filters_become_separate_parameters(sim, integration):
    delivered = next(r for r in reversed(_in_window(sim.world, FROZEN_NOW - timedelta(hours=1), FROZEN_NOW))
                     if r["deliveryStatus"] == "DELIVERED")
    envelope = integration.run("search_messages", {
        **LAST_HOUR, "additional_filters": f"senderIp={delivered['senderIp']} & deliveryStatus=DELIVERED"})
    assert envelope["status"] == "Successful"
    assert delivered["mid"][0] in [m["mid"] for m in envelope["data"]["messages"]]
    assert all(m["sender_ip"] == delivered["senderIp"] for m in envelope["data"]["messages"])
    assert envelope["data"]["query"]["filters"] == {"senderIp": delivered["senderIp"], "deliveryStatus": "DELIVERED"}
    q = _qs(_searches(sim)[0])
    assert q["senderIp"] == delivered["senderIp"] and q["deliveryStatus"] == "DELIVERED"
    assert not any("&" in v or " " in v for v in q.values())


def test_search_messages_message_id_header_in_additional_filters_alone_accepted(sim, integration):
    # internet_message_id not given: nothing conflicts, the filter reaches the appliance (issue 15 point 9)
    rec = next(r for r in reversed(_in_window(sim.world, FROZEN_NOW - timedelta(hours=1), FROZEN_NOW))
               if r.get("messageIdHeader"))
    envelope = integration.run("search_messages", {**LAST_HOUR, "additional_filters": f"messageIdHeader={rec['messageIdHeader']}"})
    assert envelope["status"] == "Successful", envelope["error"]
    assert rec["mid"][0] in [m["mid"] for m in envelope["data"]["messages"]]
    assert envelope["data"]["query"]["filters"] == {"messageIdHeader": rec["messageIdHeader"]}
    assert _qs(_searches(sim)[0])["messageIdHeader"] == rec["messageIdHeader"]


def test_search_messages_additional_filter_agreeing_with_dedicated_sent_once(sim, integration):
    envelope = integration.run("search_messages", {**LAST_HOUR, "subject": "Password Reset",
                                                   "additional_filters": "subjectfilterOperator=contains"})
    assert envelope["status"] == "Successful", envelope["error"]
    assert envelope["data"]["query"]["filters"] == {"subjectfilterOperator": "contains",
                                                    "subjectfilterValue": "Password Reset"}


def test_search_messages_old_format_reads_like_the_new_one(sim, integration):
    new = integration.run("search_messages", {**LAST_HOUR, "subject": "Password Reset"})
    sim.set_old_format(True)
    try:
        old = integration.run("search_messages", {**LAST_HOUR, "subject": "Password Reset"})
    finally:
        sim.set_old_format(False)  # reset() leaves the format as it is
    assert old["status"] == "Successful"
    assert isinstance(old["raw_data"]["data"][0]["attributes"]["messageStatus"], str)
    assert isinstance(new["raw_data"]["data"][0]["attributes"]["messageStatus"], dict)
    strip = ("message_id_header",)  # the old format has no messageID map (§2.3 d)
    assert [{k: v for k, v in m.items() if k not in strip} for m in old["data"]["messages"]] == \
        [{k: v for k, v in m.items() if k not in strip} for m in new["data"]["messages"]]
    assert all(m["message_id_header"] is None for m in old["data"]["messages"])


def test_search_messages_sma_rows_carry_dcid_and_host_name(sma, sma_integration):
    envelope = sma_integration.run("search_messages", {**LAST_HOUR, "limit": 50})
    assert envelope["status"] == "Successful" and envelope["data"]["total"] == 50
    hosts = {h["serialNumber"]: h["hostName"] for h in sma.world.hosts}
    for m in envelope["data"]["messages"]:
        rec = sma.world.find_tracking(m["serial_number"], m["mid"])
        assert m["dcid"] == rec["dcid"] and all(isinstance(d, int) for d in m["dcid"])
        assert m["host_name"] == hosts[m["serial_number"]] and m["host_name"]
    assert [e["path"] for e in _searches(sma)] == ["/sma/api/v2.0/message-tracking/messages"]


def test_search_messages_unknown_additional_filter_key_is_400_without_request(sim, integration):
    envelope = integration.run("search_messages", {**LAST_HOUR, "additional_filters": "senderIP2=1.2.3.4"})
    assert envelope == {
        "command": "search_messages", "display_name": "Search Messages", "status": "Failed",
        "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Search Messages failed.", "status_code": 400,
                  "message": "Invalid input: additional_filters: senderIP2 is not a message tracking filter "
                             "(did you mean 'senderIp'?)"},
        "items": [],
    }
    assert sim.request_log == []


def test_search_messages_colliding_additional_filter_is_400_without_request(sim, integration):
    envelope = integration.run("search_messages", {**LAST_HOUR, "subject": "x",
                                                   "additional_filters": "subjectfilterValue=y & offset=3"})
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert envelope["error"]["message"] == (
        "Invalid input: additional_filters: subjectfilterValue is set by the subject parameter to another value "
        "(give it once); "
        "additional_filters: offset is set by the command (use the limit parameter)")
    assert sim.request_log == []


# ---------------------------------------------------------------- failures
def test_search_messages_wrong_password_is_401(sim):
    envelope = Integration(sim.connection(password="wrong"), clock=lambda: FROZEN_NOW).run("search_messages", LAST_HOUR)
    assert envelope == {
        "command": "search_messages", "display_name": "Search Messages", "status": "Failed",
        "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Search Messages failed.", "status_code": 401,
                  "message": "Invalid username or passphrase."},
        "items": [],
    }
    assert _searches(sim) == []


def test_search_messages_500_is_failed_with_the_appliance_message_and_not_retried(sim, integration):
    sim.inject("message-tracking/messages", "status", status=500, message=FAILED_500)
    envelope = integration.run("search_messages", LAST_HOUR)
    assert envelope == {
        "command": "search_messages", "display_name": "Search Messages", "status": "Failed",
        "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Search Messages failed.", "status_code": 500, "message": FAILED_500},
        "items": [],
    }
    assert [e["status"] for e in _searches(sim)] == [500]


def test_search_messages_500_on_a_later_page_fails_the_search():
    # page 1 answers, page 2 fails: the whole search fails rather than report half the rows as success
    error = {"error": {"message": FAILED_500, "code": "500", "explanation": "500 = Server got itself in trouble."}}
    with requests_mock.Mocker(case_sensitive=True) as m:
        m.get(URL, [{"json": {"meta": {}, "data": [_row(i) for i in range(100)]}},
                    {"json": error, "status_code": 500}])
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run("search_messages", LAST_HOUR)
        assert [r.qs["offset"] for r in m.request_history] == [["0"], ["100"]]
    assert envelope == {
        "command": "search_messages", "display_name": "Search Messages", "status": "Failed",
        "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Search Messages failed.", "status_code": 500, "message": FAILED_500},
        "items": [],
    }


# ---------------------------------------------------------------- request shape
def test_search_messages_request_shape_every_filter():
    with requests_mock.Mocker(case_sensitive=True) as m:
        m.get(URL, json={"meta": {"num_bad_records": 0, "totalCount": 1}, "data": [_row(4411)]})
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run("search_messages", {
            "start_time": "2023-05-20T18:07:41Z", "end_time": "2023-05-21 18:00",
            "subject": "Invoice 2023", "sender": "billing@partner.example", "recipient": "alice@corp.example",
            "file_sha256": "AF77" * 16, "attachment_name": "bonus file", "internet_message_id": "<2018.1969@x.example>",
            "additional_filters": "senderIp=192.0.2.10 & deliveryStatus=DELIVERED"})
        assert m.call_count == 1
        req = m.last_request
    assert envelope["status"] == "Successful"
    assert req.method == "GET" and req.path == "/esa/api/v2.0/message-tracking/messages"
    assert req.headers["Authorization"].startswith("Basic ")
    assert req.url.split("?", 1)[1] == (
        "startDate=2023-05-20T18%3A07%3A00.000Z&endDate=2023-05-21T18%3A00%3A00.000Z&ciscoHost=All_Hosts"
        "&searchOption=messages&subjectfilterOperator=contains&subjectfilterValue=Invoice%202023"
        "&envelopeSenderfilterOperator=contains&envelopeSenderfilterValue=billing%40partner.example"
        "&envelopeRecipientfilterOperator=contains&envelopeRecipientfilterValue=alice%40corp.example"
        "&attachmentNameOperator=contains&attachmentNameValue=bonus%20file"
        "&fileSha256=" + "af77" * 16 + "&messageIdHeader=%3C2018.1969%40x.example%3E"
        "&senderIp=192.0.2.10&deliveryStatus=DELIVERED&offset=0&limit=100")
    assert req.qs == {
        "startDate": ["2023-05-20T18:07:00.000Z"], "endDate": ["2023-05-21T18:00:00.000Z"],
        "ciscoHost": ["All_Hosts"], "searchOption": ["messages"],
        "subjectfilterOperator": ["contains"], "subjectfilterValue": ["Invoice 2023"],
        "envelopeSenderfilterOperator": ["contains"], "envelopeSenderfilterValue": ["billing@partner.example"],
        "envelopeRecipientfilterOperator": ["contains"], "envelopeRecipientfilterValue": ["alice@corp.example"],
        "attachmentNameOperator": ["contains"], "attachmentNameValue": ["bonus file"],
        "fileSha256": ["af77" * 16], "messageIdHeader": ["<2018.1969@x.example>"],
        "senderIp": ["192.0.2.10"], "deliveryStatus": ["DELIVERED"], "offset": ["0"], "limit": ["100"],
    }
    assert req.body is None
    assert envelope["data"]["messages"] == [{
        "mids": [4411], "mid": 4411, "icid": 4412, "serial_number": "SN-1", "host_name": None,
        "sender": "a@x.example", "recipients": ["b@corp.example"], "subject": "s", "message_status": "Delivered",
        "message_status_by_mid": {"4411": "Delivered"}, "direction": "incoming", "sender_ip": "192.0.2.1",
        "sender_domain": None, "sender_group": None, "sbrs": None, "mail_policy": ["DEFAULT"],
        "timestamp": "20 May 2023 18:07:41 (GMT +00:00)", "timestamp_iso": "2023-05-20T18:07:41Z",
        "message_id_header": "<4411@x.example>"}]
    assert envelope["raw_data"] == {"data": [_row(4411)]}


def test_search_messages_request_shape_pages_until_a_short_page():
    rows = [_row(1000 + i) for i in range(250)]

    def page(request, context):
        offset, limit = int(request.qs["offset"][0]), int(request.qs["limit"][0])
        return {"meta": {"num_bad_records": 0, "totalCount": 9999}, "data": rows[offset:offset + limit]}

    with requests_mock.Mocker(case_sensitive=True) as m:
        m.get(URL, json=page)
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run("search_messages", LAST_HOUR)
        offsets = [(r.qs["offset"], r.qs["limit"]) for r in m.request_history]
    assert offsets == [(["0"], ["100"]), (["100"], ["100"]), (["200"], ["100"])]
    assert envelope["data"]["total"] == 250 and envelope["data"]["truncated"] is False
    assert [x["mid"] for x in envelope["data"]["messages"]] == list(range(1000, 1250))


def test_search_messages_request_shape_no_results_is_successful_and_empty():
    with requests_mock.Mocker() as m:
        m.get(URL, json={"meta": {"num_bad_records": 0, "totalCount": 0}, "data": []})
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run("search_messages", LAST_HOUR)
        assert m.call_count == 1
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert envelope["data"]["messages"] == [] and envelope["data"]["total"] == 0
    assert envelope["raw_data"] == {"data": []}


def test_search_messages_request_shape_unreadable_answer_is_failed():
    with requests_mock.Mocker() as m:
        m.get(URL, json={"meta": {}, "data": [{"attrs": {}}]})
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run("search_messages", LAST_HOUR)
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {"failure_indicator": "Search Messages failed.", "status_code": 200,
                                 "message": "Unexpected response from the appliance: message tracking row 0 has no attributes."}


# ---------------------------------------------------------------- invalid input
def _invalid(params):
    with requests_mock.Mocker() as m:
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run("search_messages", params)
        assert m.call_count == 0
    assert envelope["status"] == "Failed" and envelope["data"] == {} and envelope["items"] == []
    assert envelope["error"]["status_code"] == 400
    return envelope["error"]["message"]


def test_search_messages_missing_start_time_is_400_naming_it():
    assert "start_time" in _invalid({"end_time": "now"})


def test_search_messages_end_before_start_is_400_naming_it():
    assert _invalid({"start_time": "now", "end_time": "-1h"}) == (
        "Invalid input: end_time: 2026-11-20T11:30:00Z is before start_time 2026-11-20T12:30:00Z")


def test_search_messages_bad_sha256_is_400_naming_it():
    assert "file_sha256" in _invalid({**LAST_HOUR, "file_sha256": "abc"})


def test_search_messages_bad_limit_is_400_naming_it():
    assert "limit" in _invalid({**LAST_HOUR, "limit": 0})


def test_search_messages_filter_without_value_is_400():
    assert _invalid({**LAST_HOUR, "additional_filters": "deliveryStatus"}) == (
        "Invalid input: additional_filters: 'deliveryStatus' is not key=value")
