"""The message tracking parsers and the search's query, without HTTP: our fixtures and (when present) every message tracking
capture through the normalizers, the
documented examples of both search formats, odd shapes, and the search query mapping."""

from __future__ import annotations

import importlib
from datetime import datetime, timezone

import pytest

from cisco_esa.asyncos.parsers import tracking
from cisco_esa.core.registry import manifest
from cisco_esa.core.outcome import InputError, NotFound, UnexpectedResponse
from tests.conftest import FROZEN_NOW
from tests.scenarios.common import SOURCES, answer, handler_calls

UTC = timezone.utc
DETAILS = {"message": tracking.message_details, "amp": tracking.amp_details, "dlp": tracking.dlp_details,
           "url": tracking.url_details}
search_messages = importlib.import_module(manifest().find("search_messages").handler.__module__)




# asyncos-api §2.3 (d): the old (<=13.0) format, plain strings for status and verdict.
OLD_FORMAT = {"meta": {"num_bad_records": 0, "totalCount": 1}, "data": [{"attributes": {
    "direction": "incoming", "icid": 110, "senderGroup": "UNKNOWNLIST", "sender": "x@example.com",
    "replyTo": "N/A", "timestamp": "15 Oct 2018 08:33:19 (GMT)", "hostName": "esa01", "subject": "hello",
    "mid": [110], "isCompleteData": True, "messageStatus": "Delivered", "mailPolicy": ["DEFAULT"],
    "senderIp": "192.0.2.1", "verdictChart": "0", "senderDomain": "example.com",
    "recipient": ["y@corp.example"], "sbrs": "None", "serialNumber": "4229CAEC09527FD2570C-F028BAE54A11"}}]}

# asyncos-api §2.3 (b): SMA, dcid, host name, a splintered message with two MIDs.
SMA_SPLINTERED = {"meta": {"num_bad_records": 0, "totalCount": 1}, "data": [{"attributes": {
    "hostName": "esa2.corp.example", "friendly_from": ["news@vendor.example"], "isCompleteData": "N/A",
    "messageStatus": {"9001": "Delivered", "9002": "Quarantined by Anti-Spam/Graymail"},
    "recipientMap": {"9001": ["dan@corp.example"], "9002": ["eve@corp.example"]},
    "senderIp": "203.0.113.5", "mailPolicy": ["DEFAULT", "Executives"], "senderGroup": "ACCEPTLIST",
    "subject": "Quarterly update", "dcid": [5510, 5511], "mid": [9001, 9002], "senderDomain": "vendor.example",
    "finalSubject": {"9001": "Quarterly update", "9002": "Quarterly update"}, "direction": "incoming",
    "icid": 31337, "morDetails": {}, "replyTo": "N/A", "timestamp": "07 Sep 2022 08:10:33 (GMT)",
    "messageID": {"9001": "<q3@vendor.example>"}, "verdictChart": {"9001": "11131210", "9002": "11131210"},
    "recipient": ["dan@corp.example", "eve@corp.example"], "sender": "news@vendor.example",
    "serialNumber": "EC2CD1D95C273722A23A-CA0C47E74D1B", "allIcid": [31337], "sbrs": "2.7"}}]}


# ---------------------------------------------------------------- search rows
OURS_FIRST_ROW = {
    "mids": [5012], "mid": 5012, "icid": 41207, "serial_number": "5A3C9E21B7D04F1A8E62-0C4D7F19A2B3", "host_name": None,
    "sender": "billing@invoice-docs.example", "recipients": ["maria.lopez@corp.example"], "subject": "Invoice 88213 overdue",
    "message_status": "Quarantined by Anti-Spam/Graymail",
    "message_status_by_mid": {"5012": "Quarantined by Anti-Spam/Graymail"},
    "direction": "incoming", "sender_ip": "203.0.113.45", "sender_domain": "invoice-docs.example",
    "sender_group": "UNKNOWNLIST", "sbrs": "-2.1", "mail_policy": ["INBOUND_DEFAULT"],
    "timestamp": "03 Nov 2026 09:41:17 (GMT +00:00)", "timestamp_iso": "2026-11-03T09:41:17Z",
    "message_id_header": "<5012.41207@invoice-docs.example>",
}


def test_tracking_parsing_esa_search_fixture_first_row_is_exact():
    rows = [tracking.normalize_row(r) for r in answer("ours", "esa_message_search.json")["data"]]
    assert len(rows) == 3 and rows[0] == OURS_FIRST_ROW
    assert all("dcid" not in r for r in rows)


def test_tracking_parsing_esa_search_capture_first_row_is_exact():
    body = answer("capture", "esa_message_search.json")
    rows = [tracking.normalize_row(r) for r in body["data"]]
    assert len(rows) == 4
    assert rows[0] == {
        "mids": [780], "mid": 780, "icid": 23142, "serial_number": "123123-123123", "host_name": None,
        "sender": "test@test.com", "recipients": ["test@test.com"], "subject": "test",
        "message_status": "Quarantined by Anti-Spam/Graymail",
        "message_status_by_mid": {"780": "Quarantined by Anti-Spam/Graymail"},
        "direction": "incoming", "sender_ip": "1.1.1.1", "sender_domain": "test.com", "sender_group": "ACCEPTLIST",
        "sbrs": "3.5", "mail_policy": ["DEFAULT"], "timestamp": "20 Sep 2022 14:54:50 (GMT +00:00)",
        "timestamp_iso": "2022-09-20T14:54:50Z", "message_id_header": "<TEST.TEST.COM>",
    }
    assert all("dcid" not in r for r in rows)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", ["esa_message_search.json", "sma_message_search.json"])
def test_tracking_parsing_search_captures_every_row_reads(source, name):
    body = answer(source, name)
    for raw, row in zip(body["data"], (tracking.normalize_row(r) for r in body["data"])):
        attrs = raw["attributes"]
        assert row["mids"] == attrs["mid"] and row["mid"] == attrs["mid"][0]
        assert isinstance(row["message_status"], str)
        assert row["message_status_by_mid"] == attrs["messageStatus"]
        assert row["recipients"] == attrs["recipient"] and row["serial_number"] == attrs["serialNumber"]
        assert row["timestamp_iso"] is not None and row["timestamp_iso"].endswith("Z")
        assert row["message_id_header"] == attrs["messageID"][str(attrs["mid"][0])]


@pytest.mark.parametrize("source, dcid, host, iso", [
    ("ours", [3310], "gw1.corp.example", "2026-10-12T17:20:41Z"),
    ("capture", [4364], "esa2.test.eu.iphmx.com", "2022-09-07T08:10:33Z"),
])
def test_tracking_parsing_sma_search_capture_rows_carry_dcid_and_host(source, dcid, host, iso):
    rows = [tracking.normalize_row(r) for r in answer(source, "sma_message_search.json")["data"]]
    assert rows[0]["dcid"] == dcid and rows[0]["host_name"] == host
    assert rows[0]["timestamp_iso"] == iso  # "(GMT)" style (§1.3)
    assert all(isinstance(r["dcid"], list) and r["host_name"] for r in rows)


def test_tracking_parsing_old_format_row_reads_like_the_new_one():
    row = tracking.normalize_row(OLD_FORMAT["data"][0])
    assert row == {
        "mids": [110], "mid": 110, "icid": 110, "serial_number": "4229CAEC09527FD2570C-F028BAE54A11",
        "host_name": "esa01", "sender": "x@example.com", "recipients": ["y@corp.example"], "subject": "hello",
        "message_status": "Delivered", "message_status_by_mid": {"110": "Delivered"},
        "direction": "incoming", "sender_ip": "192.0.2.1", "sender_domain": "example.com",
        "sender_group": "UNKNOWNLIST", "sbrs": "None", "mail_policy": ["DEFAULT"],
        "timestamp": "15 Oct 2018 08:33:19 (GMT)", "timestamp_iso": "2018-10-15T08:33:19Z",
        "message_id_header": None,
    }


def test_tracking_parsing_splintered_row_joins_statuses_and_keeps_them_per_mid():
    row = tracking.normalize_row(SMA_SPLINTERED["data"][0])
    assert row["mids"] == [9001, 9002] and row["mid"] == 9001
    assert row["message_status"] == "Delivered; Quarantined by Anti-Spam/Graymail"
    assert row["message_status_by_mid"] == {"9001": "Delivered", "9002": "Quarantined by Anti-Spam/Graymail"}
    assert row["dcid"] == [5510, 5511] and row["host_name"] == "esa2.corp.example"
    assert row["mail_policy"] == ["DEFAULT", "Executives"]
    assert row["message_id_header"] == "<q3@vendor.example>"


def test_tracking_parsing_same_status_on_every_mid_is_given_once():
    attrs = dict(SMA_SPLINTERED["data"][0]["attributes"], messageStatus={"9001": "Delivered", "9002": "Delivered"})
    assert tracking.normalize_row({"attributes": attrs})["message_status"] == "Delivered"


@pytest.mark.parametrize("mid,expected", [(780, [780]), ("780", [780]), (["781", 782], [781, 782]), (None, []),
                                          ([], [])])
def test_tracking_parsing_odd_mid_shapes_become_a_list_of_int(mid, expected):
    row = tracking.normalize_row({"attributes": {"mid": mid, "messageStatus": "Delivered"}})
    assert row["mids"] == expected
    assert row["mid"] == (expected[0] if expected else None)


def test_tracking_parsing_sparse_row_reads_with_nulls():
    row = tracking.normalize_row({"attributes": {}})
    assert row["mids"] == [] and row["recipients"] == [] and row["mail_policy"] == []
    assert row["message_status"] is None and row["message_status_by_mid"] == {}
    assert row["timestamp_iso"] is None and row["message_id_header"] is None


@pytest.mark.parametrize("row", [None, [], {"attributes": None}, {"attributes": []}, {"mid": [1]}])
def test_tracking_parsing_row_without_attributes_is_unexpected(row):
    with pytest.raises(UnexpectedResponse, match="row 3 has no attributes"):
        tracking.normalize_row(row, 3)


# ---------------------------------------------------------------- details
def _details_name(appliance, kind):
    return f"{appliance}_message_details_get.json" if kind == "message" else \
        f"{appliance}_message_{kind}_details_get.json"


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("appliance", ["esa", "sma"])
@pytest.mark.parametrize("kind", ["message", "amp", "dlp", "url"])
def test_tracking_parsing_every_details_capture_reads(source, appliance, kind):
    body = answer(source, _details_name(appliance, kind))
    m = body["data"]["messages"]
    out = DETAILS[kind](body, m["mid"][0], "SERIAL")
    assert out["mids"] == m["mid"] and out["mid"] == m["mid"][0] and out["serial_number"] == "SERIAL"
    assert out["timestamp"] == m["timestamp"] and out["timestamp_iso"].endswith("Z")
    assert isinstance(out["attachments"], list) and all(isinstance(a, str) and a for a in out["attachments"])
    assert out["message_status"] == m["messageStatus"] and out["recipients"] == m["recipient"]
    for events in (out.get("summary"), out.get("amp_details"), out.get("url_details")):
        for e in events or []:
            assert e["timestamp_iso"] and e["timestamp_iso"].endswith("Z")


@pytest.mark.parametrize("source", SOURCES)
def test_tracking_parsing_sma_empty_string_attachments_become_an_empty_list(source):
    for name in ("sma_message_details_get.json", "sma_message_dlp_details_get.json"):
        body = answer(source, name)
        assert body["data"]["messages"]["attachments"] == ""
        kind = "dlp" if "dlp" in name else "message"
        assert DETAILS[kind](body, 1, "S")["attachments"] == []


def test_tracking_parsing_esa_message_details_fixture_is_exact():
    out = tracking.message_details(answer("ours", "esa_message_details_get.json"), 5012, "5A3C9E21B7D04F1A8E62-0C4D7F19A2B3")
    summary = out.pop("summary")
    assert out == {
        "mids": [5012, 5013], "mid": 5012, "serial_number": "5A3C9E21B7D04F1A8E62-0C4D7F19A2B3", "all_icid": [41207],
        "subject": "Invoice 88213 overdue", "sender": "billing@invoice-docs.example",
        "header_from": "billing@invoice-docs.example", "recipients": ["maria.lopez@corp.example"],
        "message_status": "Quarantined by Anti-Spam/Graymail", "direction": "incoming", "sender_group": "UNKNOWNLIST",
        "host_name": "(Name unresolved,  SN:5A3C9E21B7D04F1A8E62-0C4D7F19A2B3)",
        "message_id_header": "<5012@invoice-docs.example>", "smtp_auth_id": None, "message_size": "52.07 (KB)",
        "timestamp": "03 Nov 2026 09:41:17 (GMT +00:00)", "timestamp_iso": "2026-11-03T09:41:17Z",
        "attachments": ["invoice_88213.pdf"],
        "sending_host": {"reverse_dns_hostname": "mx.invoice-docs.example (verified)", "ip_address": "203.0.113.45",
                         "sbrs_score": "-2.1"},
        "sdr": {"age": "2 days", "category": "N/A", "reputation": "Untrusted", "threat_levels": "5"},
        "mail_policy": ["INBOUND_DEFAULT"], "is_complete_data": False, "has_amp_details": True,
        "has_dlp_details": False, "has_url_details": True,
    }
    assert summary[0] == {"timestamp": "03 Nov 2026 09:41:17 (GMT +00:00)", "timestamp_iso": "2026-11-03T09:41:17Z",
                          "description": "Incoming connection (ICID 41207) has sender_group: UNKNOWNLIST, "
                                         "sender_ip: 203.0.113.45 and sbrs: -2.1", "last_event": False}
    assert [e["last_event"] for e in summary] == [False, False, True]


def test_tracking_parsing_esa_message_details_capture_is_exact():
    out = tracking.message_details(answer("capture", "esa_message_details_get.json"), 765, "1231321-1231321")
    summary = out.pop("summary")
    assert out == {
        "mids": [765, 766, 767], "mid": 765, "serial_number": "1231321-1231321", "all_icid": [23092],
        "subject": "test", "sender": "test@test.com", "header_from": "test@test.com", "recipients": ["test@test.com"],
        "message_status": "Quarantined by Multiple Engines", "direction": "incoming", "sender_group": "ACCEPTLIST",
        "host_name": "(Name unresolved,  SN:1231321-1231321)", "message_id_header": "<test@test.com>",
        "smtp_auth_id": None, "message_size": "439.25 (KB)", "timestamp": "20 Sep 2022 13:30:51 (GMT +00:00)",
        "timestamp_iso": "2022-09-20T13:30:51Z", "attachments": ["test.jpg"],
        "sending_host": {"reverse_dns_hostname": "test.test.com (verified)", "ip_address": "1.1.1.1",
                         "sbrs_score": "2.7"},
        "sdr": {"age": "30 days (or greater)", "category": "N/A", "reputation": "Neutral", "threat_levels": "3"},
        "mail_policy": ["DEFAULT"], "is_complete_data": False, "has_amp_details": True, "has_dlp_details": False,
        "has_url_details": True,
    }
    assert len(summary) == 5
    assert summary[0] == {"timestamp": "20 Sep 2022 13:30:50 (GMT +00:00)", "timestamp_iso": "2022-09-20T13:30:50Z",
                          "description": "Incoming connection (ICID 23092) has sender_group: ACCEPTLIST, "
                                         "sender_ip: 1.1.1.1 and sbrs: 2.7", "last_event": False}
    assert [e["last_event"] for e in summary] == [False] * 4 + [True]


@pytest.mark.parametrize("appliance,sha", [
    ("esa", "132123123"),
    ("sma", "23a9113530549916cd5b410edee79cb5a0fc01233eb9051f9c882a2e7c3fbfbe"),
])
def test_tracking_parsing_amp_captures_give_a_verdict(appliance, sha):
    out = tracking.amp_details(answer("capture", _details_name(appliance, "amp")), 1, "S")
    assert len(out["amp_details"]) == 3 and out["amp_details"][-1]["last_event"] is True
    assert out["has_amp_details"] is True and out["malicious"] is False
    [v] = out["verdicts"]
    assert v["file_name"] == "test.jpg" and v["disposition"] == "FILE UNKNOWN" and v["malware"] is None
    assert v["sha256"] == sha and v["analysis_score"] == 0 and v["verdict_source"] == "AMP"
    assert v["timestamp_iso"] is not None


@pytest.mark.parametrize("appliance, mid, sha", [
    ("esa", 5012, "7f3a9c0e5b2d4186a1f09e3c7b5d2a4f8e1c6b9d0a3f5e7c2b4d6a8f0e1c3b5d"),
    ("sma", 2201, "0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a"),
])
def test_tracking_parsing_amp_fixtures_give_a_malicious_verdict(appliance, mid, sha):
    out = tracking.amp_details(answer("ours", _details_name(appliance, "amp")), 1, "S")
    assert len(out["amp_details"]) == 3 and out["amp_details"][-1]["last_event"] is True
    assert out["has_amp_details"] is True and out["malicious"] is True
    [v] = out["verdicts"]
    assert (v["file_name"], v["mid"], v["disposition"], v["malware"]) == (
        "invoice_88213.xlsm", mid, "MALICIOUS", "W97M.Downloader")
    assert v["sha256"] == sha and v["analysis_score"] == 92 and v["malware_categories"] == "Trojan"
    assert v["timestamp_iso"] == "2026-11-03T09:41:19Z"


def test_tracking_parsing_amp_malicious_example_is_parsed_field_by_field():
    # asyncos-api §4, AMP example
    text = ("Response received for file reputation query from Cloud. File Name = report.docm, MID = 5120, "
            "Disposition = MALICIOUS, Malware = W32.Example.Trojan, Analysis Score = 95, sha256 = "
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae, upload_action = 0, "
            "verdict_source = AMP, Suspected Malware Categories = Trojan")
    events = [{"timestamp": "20 May 2023 18:30:54 (GMT +00:00)", "timestamp_iso": "2023-05-20T18:30:54Z",
               "description": text, "last_event": False}]
    assert tracking.amp_verdicts(events) == [{
        "file_name": "report.docm", "mid": 5120, "disposition": "MALICIOUS", "malware": "W32.Example.Trojan",
        "analysis_score": 95, "sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "upload_action": "0", "verdict_source": "AMP", "malware_categories": "Trojan",
        "timestamp": "20 May 2023 18:30:54 (GMT +00:00)", "timestamp_iso": "2023-05-20T18:30:54Z",
    }]


def test_tracking_parsing_amp_events_without_a_disposition_give_no_verdict():
    events = tracking._events([{"timestamp": "x", "description": "Message 5120 quarantined by AMP"}, "junk", None])
    assert len(events) == 1 and tracking.amp_verdicts(events) == []


@pytest.mark.parametrize("source,appliance,mid,policy,severity,risk", [
    ("ours", "esa", 6120, "Payroll Data (Custom)", "CRITICAL", 91),
    ("ours", "sma", 3302, "PCI-DSS (Payment Card Industry Data Security Standard)", "CRITICAL", 91),
    ("capture", "esa", 1131, "US HIPAA and HITECH (Low Threshold)", "HIGH", 72),
    ("capture", "sma", 84, "PCI-DSS (Payment Card Industry Data Security Standard)", "HIGH", 72),
])
def test_tracking_parsing_dlp_captures_read_string_or_int_mid(source, appliance, mid, policy, severity, risk):
    out = tracking.dlp_details(answer(source, _details_name(appliance, "dlp")), mid, "S")
    assert out["violation_severity"] == severity and out["risk_factor"] == risk and out["dlp_policy"] == policy
    assert out["dlp_mid"] == mid and out["has_dlp_details"] is True
    assert out["matched_content"] and all(set(c) == {"message_part", "classifier", "matches"}
                                          for c in out["matched_content"])


@pytest.mark.parametrize("source, expected", [
    ("ours", [("Message", "Employee Numbers", 2), ("Message", "IBAN Numbers", 1)]),
    ("capture", [("Message", "Proper Names (US)", 5), ("Message", "Personal Information (US)", 2)]),
])
def test_tracking_parsing_esa_dlp_matched_content_is_flattened_per_classifier(source, expected):
    out = tracking.dlp_details(answer(source, "esa_message_dlp_details_get.json"), 1131, "S")
    assert [(c["message_part"], c["classifier"], len(c["matches"])) for c in out["matched_content"]] == expected


def test_tracking_parsing_empty_dlp_details_give_nulls():
    assert tracking.dlp_summary({}) == {"violation_severity": None, "risk_factor": None, "dlp_policy": None,
                                        "dlp_mid": None, "matched_content": []}
    assert tracking.dlp_summary(None)["matched_content"] == []


def test_tracking_parsing_esa_url_fixture_gives_each_url_once_rewritten_or_not():
    out = tracking.url_details(answer("ours", "esa_message_url_details_get.json"), 5020, "S")
    assert len(out["url_details"]) == 3
    assert [(u["url"], u["reputation"], u["condition"], u["rewritten"], u["mid"]) for u in out["urls"]] == [
        ("https://bank-secure.example/login", -8.1, "URL Reputation Rule", True, 5020),
        ("http://203.0.113.77:8443/verify", -9.4, "URL Reputation Rule", False, 5020),
    ]


def test_tracking_parsing_esa_url_capture_gives_each_url_once_with_reputation():
    out = tracking.url_details(answer("capture", "esa_message_url_details_get.json"), 222, "S")
    assert len(out["url_details"]) == 7
    assert [(u["url"], u["reputation"], u["condition"], u["rewritten"], u["mid"]) for u in out["urls"]] == [
        ("http://test.com:8080/", -6.8, "URL Reputation Rule", True, 765),
        ("https://test.com/test/test/", -6.6, "URL Reputation Rule", True, 765),
        ("http://test.com:8080", -6.8, "URL Reputation Rule", True, 765),
    ]


def test_tracking_parsing_sma_url_fixture_space_before_comma_is_trimmed():
    out = tracking.url_details(answer("ours", "sma_message_url_details_get.json"), 2201, "S")
    assert [(u["url"], u["reputation"], u["rewritten"]) for u in out["urls"]] == [
        ("https://bank-secure.example/confirm", -7.2, True)]
    assert out["urls"][0]["timestamp_iso"] == "2026-10-12T17:20:41Z"


def test_tracking_parsing_sma_url_capture_space_before_comma_is_trimmed():
    out = tracking.url_details(answer("capture", "sma_message_url_details_get.json"), 21, "S")
    assert [(u["url"], u["reputation"], u["rewritten"]) for u in out["urls"]] == [
        ("http://test:8080/", -6.8, False), ("https://test.com/test/", -6.6, False), ("http://test:8080", -6.8, False)]
    assert out["urls"][0]["timestamp_iso"] == "2022-08-24T10:05:56Z"


@pytest.mark.parametrize("messages", [
    {"mid": ["N/A"], "subject": "N/A", "sender": "N/A", "recipient": [], "summary": []},  # §3.3 (c)
    {"subject": "N/A"},
    {"mid": []},
    {"mid": "N/A"},
    {"mid": [4411, "N/A"]},
])
def test_tracking_parsing_na_or_missing_mid_is_not_found(messages):
    body = {"data": {"messages": messages}}
    with pytest.raises(NotFound) as info:
        tracking.amp_details(body, 4412, "4229CAEC09527FD2570C-F028BAE54A11")
    assert info.value.status_code == 404
    assert info.value.message == "Message ID 4412 not found on appliance 4229CAEC09527FD2570C-F028BAE54A11."
    assert info.value.raw == body


@pytest.mark.parametrize("body", [None, {}, {"data": None}, {"data": {"messages": []}}, {"data": []}, "text"])
def test_tracking_parsing_details_without_messages_object_is_unexpected(body):
    with pytest.raises(UnexpectedResponse, match="message ID 7"):
        tracking.message_details(body, 7, "S")


# ---------------------------------------------------------------- search query
def search_query(params):
    """The query Search Messages sends (less offset and limit) and its data.query."""
    result, calls = handler_calls("search_messages", params)
    return {k: v for k, v in calls[0][2].items() if k not in ("offset", "limit")}, result.data["query"]


def _params(**kw):
    base = {"start_time": datetime(2023, 5, 20, 18, 7, 41, tzinfo=UTC),
            "end_time": datetime(2023, 5, 21, 18, 0, tzinfo=UTC), "limit": 1000}
    return {**base, **kw}


def test_tracking_parsing_query_maps_every_dedicated_parameter():
    query, info = search_query(_params(
        subject="Invoice", sender="billing@", recipient="alice", attachment_name="bonus",
        file_sha256="AF" * 32, internet_message_id="<2018123@example.com>"))
    assert query == {
        "startDate": "2023-05-20T18:07:00.000Z", "endDate": "2023-05-21T18:00:00.000Z",
        "ciscoHost": "All_Hosts", "searchOption": "messages",
        "subjectfilterOperator": "contains", "subjectfilterValue": "Invoice",
        "envelopeSenderfilterOperator": "contains", "envelopeSenderfilterValue": "billing@",
        "envelopeRecipientfilterOperator": "contains", "envelopeRecipientfilterValue": "alice",
        "attachmentNameOperator": "contains", "attachmentNameValue": "bonus",
        "fileSha256": "af" * 32, "messageIdHeader": "<2018123@example.com>",
    }
    assert info["rounded"] == ["start_time"] and info["start_time"] == "2023-05-20T18:07:00Z"
    assert info["filters"] == {k: v for k, v in query.items()
                               if k not in ("startDate", "endDate", "ciscoHost", "searchOption")}


def test_tracking_parsing_numeric_message_id_header_stays_a_string():
    query, _ = search_query(_params(internet_message_id="1234567"))
    assert query["messageIdHeader"] == "1234567"


def test_tracking_parsing_end_before_start_is_rejected():
    with pytest.raises(InputError, match="end_time: 2023-05-19T00:00:00Z is before start_time"):
        manifest().find("search_messages").params.validate(
            {"start_time": "2023-05-20T18:07:41Z", "end_time": "2023-05-19T00:00:00Z"}, FROZEN_NOW)


@pytest.mark.parametrize("text,expected", [
    ("senderIp=192.0.2.10 & deliveryStatus=DELIVERED", {"senderIp": "192.0.2.10", "deliveryStatus": "DELIVERED"}),
    ("  senderIp =  192.0.2.10&deliveryStatus= DELIVERED  ", {"senderIp": "192.0.2.10", "deliveryStatus": "DELIVERED"}),
    ("threatName=a=b==c", {"threatName": "a=b==c"}),
    ("senderip=192.0.2.1 & SPAMPOSITIVE=True", {"senderIp": "192.0.2.1", "spamPositive": "True"}),
    ("quarantineStatus=AMP,DLP & &", {"quarantineStatus": "AMP,DLP"}),
    ("ciscoHost=esa2.corp.example", {"ciscoHost": "esa2.corp.example"}),
    ("replyToValue=a b&c", None),
    ("", {}), ("   ", {}), (None, {}),
])
def test_tracking_parsing_additional_filters(text, expected):
    if expected is None:  # "c" has no "="
        with pytest.raises(InputError, match="'c' is not key=value"):
            search_messages.parse_additional_filters(text)
    else:
        assert search_messages.parse_additional_filters(text) == expected


@pytest.mark.parametrize("text,message", [
    ("senderIP2=1.2.3.4", "additional_filters: senderIP2 is not a message tracking filter (did you mean 'senderIp'?)"),
    ("bogus=1", "additional_filters: bogus is not a message tracking filter"),
    ("startDate=2023-01-01T00:00:00.000Z", "additional_filters: startDate is set by the command (use the start_time parameter)"),
    ("limit=5", "additional_filters: limit is set by the command (use the limit parameter)"),
    ("offset=5", "additional_filters: offset is set by the command (use the limit parameter)"),
    ("searchOption=rejected_connections", "additional_filters: searchOption is set by the command and cannot be changed"),
    ("senderIp=", "additional_filters: senderIp has no value"),
    ("senderIp=1 & senderIp=2", "additional_filters: senderIp is given twice"),
    ("=x", "additional_filters: '=x' is not key=value"),
    ("envelopeSenderFilterOperatr=is", "(did you mean the sender parameter?)"),
])
def test_tracking_parsing_additional_filters_rejected(text, message):
    with pytest.raises(InputError) as info:
        search_messages.parse_additional_filters(text)
    assert info.value.status_code == 400
    assert message in info.value.message


@pytest.mark.parametrize("text,expected", [
    ("messageIdHeader=<a@b>", {"messageIdHeader": "<a@b>"}),
    ("subjectFilterValue=x", {"subjectfilterValue": "x"}),
    ("fileSha256=ab", {"fileSha256": "ab"}),
])
def test_tracking_parsing_additional_filters_dedicated_key_alone_accepted(text, expected):
    # the dedicated parameter was not given: nothing conflicts (issue 15 point 9)
    assert search_messages.parse_additional_filters(text) == expected
    assert search_messages.parse_additional_filters(text, {"senderIp": "192.0.2.1"}) == expected


@pytest.mark.parametrize("params,text,message", [
    ({"internet_message_id": "<x@y>"}, "messageIdHeader=<a@b>",
     "additional_filters: messageIdHeader is set by the internet_message_id parameter to another value (give it once)"),
    ({"subject": "x"}, "subjectFilterValue=y",
     "additional_filters: subjectfilterValue is set by the subject parameter to another value (give it once)"),
    ({"subject": "x"}, "subjectfilterOperator=is",
     "additional_filters: subjectfilterOperator is set by the subject parameter to another value (give it once)"),
    ({"file_sha256": "a" * 64}, "fileSha256=" + "b" * 64,
     "additional_filters: fileSha256 is set by the file_sha256 parameter to another value (give it once)"),
])
def test_tracking_parsing_additional_filters_real_conflict_rejected(params, text, message):
    with pytest.raises(InputError) as info:
        search_messages.search_filters({**params, "additional_filters": text})
    assert info.value.status_code == 400 and info.value.problems == [message]


def test_tracking_parsing_additional_filters_same_value_as_dedicated_sent_once():
    filters = search_messages.search_filters({"internet_message_id": "<a@b>", "file_sha256": "A" * 64,
                                              "additional_filters": "messageIdHeader=<a@b> & fileSha256=" + "a" * 64})
    assert filters == {"messageIdHeader": "<a@b>", "fileSha256": "a" * 64}


def test_tracking_parsing_additional_filters_reports_every_problem_at_once():
    with pytest.raises(InputError) as info:
        search_messages.parse_additional_filters("bogus=1 & limit=2 & senderIp=192.0.2.1")
    assert info.value.problems == ["additional_filters: bogus is not a message tracking filter",
                                   "additional_filters: limit is set by the command (use the limit parameter)"]
