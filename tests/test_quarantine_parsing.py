"""The spam quarantine parsers and the search's query, without HTTP: our fixtures and (when present) every spam quarantine
capture through the normalizers,
the search query mapping, and the not-found rules of details, release and delete."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cisco_esa.asyncos.parsers import quarantine
from cisco_esa.core.registry import manifest
from cisco_esa.core.outcome import InputError, NotFound, UnexpectedResponse
from tests.scenarios.common import FROZEN_NOW, answer, handler_calls

UTC = timezone.utc




@pytest.mark.parametrize("source,name,first,date_iso,count", [
    ("ours", "esa_spam_quarantine_message_search.json", 5012, "2026-11-03T09:42:00Z", 3),
    ("ours", "sma_spam_quarantine_message_search.json", 2240, "2026-10-13T06:05:00Z", 2),
    ("capture", "esa_spam_quarantine_message_search.json", 783, "2022-09-20T15:13:00Z", 3),
    ("capture", "sma_spam_quarantine_message_search.json", 45, "2022-08-28T15:33:00Z", 3),
])
def test_search_capture_rows_normalize(source, name, first, date_iso, count):
    body = answer(source, name)
    rows = [quarantine.normalize_row(r) for r in body["data"]]
    assert len(rows) == len(body["data"]) == count
    assert rows[0]["mid"] == first and isinstance(rows[0]["mid"], int)
    assert rows[0]["date_iso"] == date_iso
    for row, raw in zip(rows, body["data"]):
        attrs = raw["attributes"]
        assert row["envelope_recipients"] == attrs["envelopeRecipient"]
        assert row["to"] == attrs["toAddress"] and row["from"] == attrs["fromAddress"]
        assert row["subject"] == attrs["subject"] and row["date"] == attrs["date"]
        assert row["size"] == attrs["size"] and isinstance(row["size_bytes"], int)
        assert all("@" in a and "<" not in a for a in row["to_addresses"] + row["from_addresses"])


def test_search_fixture_esa_first_row_is_exact():
    row = quarantine.normalize_row(answer("ours", "esa_spam_quarantine_message_search.json")["data"][0])
    assert row == {
        "mid": 5012,
        "envelope_recipients": ["maria.lopez@corp.example"],
        "to": ["Maria Lopez <maria.lopez@corp.example>, Accounts <accounts@corp.example>"],
        "to_addresses": ["maria.lopez@corp.example", "accounts@corp.example"],
        "from": ["Billing Desk <billing@invoice-docs.example>"],
        "from_addresses": ["billing@invoice-docs.example"],
        "subject": "Invoice 88213 overdue",
        "date": "03 Nov 2026 09:42 (GMT +00:00)",
        "date_iso": "2026-11-03T09:42:00Z",
        "size": "61.40K",
        "size_bytes": 62874,
    }


def test_search_capture_esa_first_row_is_exact():
    row = quarantine.normalize_row(answer("capture", "esa_spam_quarantine_message_search.json")["data"][0])
    assert row == {
        "mid": 783,
        "envelope_recipients": ["test@test.com"],
        "to": ["test@test.com <test@test.com>, test@test.com <test@test.com>, test@test.com <test@test.com>"],
        "to_addresses": ["test@test.com"],
        "from": ["Test Test <test@test.com>"],
        "from_addresses": ["test@test.com"],
        "subject": "new new",
        "date": "20 Sep 2022 15:13 (GMT +00:00)",
        "date_iso": "2022-09-20T15:13:00Z",
        "size": "448.90K",
        "size_bytes": 459674,
    }


@pytest.mark.parametrize("source,name,mid,date_iso,body,attachments", [
    ("ours", "esa_spam_quarantine_message_get.json", 5012, "2026-11-03T09:42:00Z", "Dear customer", ["invoice_88213.xlsm"]),
    ("ours", "sma_spam_quarantine_message_get.json", 2240, "2026-10-13T06:05:00Z", "Best prices", []),
    ("capture", "esa_spam_quarantine_message_get.json", 620, "2022-09-20T15:13:00Z", "X-MGA-submission", []),
    ("capture", "sma_spam_quarantine_message_get.json", 50, "2022-08-28T15:33:00Z", "Test message body", []),
])
def test_details_capture_normalizes(source, name, mid, date_iso, body, attachments):
    raw = answer(source, name)
    out = quarantine.details(raw, mid)
    attrs = raw["data"]["attributes"]
    assert out["mid"] == mid and out["date_iso"] == date_iso
    assert out["message_body"].startswith(body) and out["attachments"] == attachments
    assert out["subject"] == attrs["subject"] and out["envelope_recipients"] == attrs["envelopeRecipient"]
    assert out["from_addresses"] and "size" not in out


@pytest.mark.parametrize("answer", [
    {"data": {}}, {"data": None}, {},
    {"data": {"mid": "N/A", "attributes": {}}},
    {"data": {"mid": ["N/A"], "attributes": {}}},
    {"data": {"mid": 999, "attributes": {"subject": "another message"}}},
])
def test_details_answer_without_the_message_is_not_found(answer):
    with pytest.raises(NotFound) as err:
        quarantine.details(answer, 620)
    assert err.value.status_code == 404 and err.value.message == "Message ID 620 not found."


def test_details_answer_without_attributes_is_unexpected():
    with pytest.raises(UnexpectedResponse):
        quarantine.details({"data": {"mid": 620}}, 620)


@pytest.mark.parametrize("source", ["ours", "capture"])
@pytest.mark.parametrize("name,count", [
    ("esa_spam_quarantine_message_delete.json", 1),
    ("sma_spam_quarantine_message_release.json", 1),
])
def test_action_capture_counts_one(source, name, count):
    assert quarantine.action_count(answer(source, name), 7) == count


@pytest.mark.parametrize("source", ["ours", "capture"])
def test_action_capture_zero_is_not_found(source):
    with pytest.raises(NotFound) as err:
        quarantine.action_count(answer(source, "esa_spam_quarantine_message_delete_failed.json"), 7)
    assert (err.value.status_code, err.value.message) == (404, "Message ID 7 not found.")


@pytest.mark.parametrize("answer", [{}, {"data": {}}, {"data": {"totalCount": "one"}}, {"data": {"totalCount": True}}, []])
def test_action_answer_without_count_is_unexpected(answer):
    with pytest.raises(UnexpectedResponse):
        quarantine.action_count(answer, 7)


@pytest.mark.parametrize("text,expected", [
    ("448.90K", 459674), ("17.50K", 17920), ("1.5M", 1572864), ("512", 512), ("2 KB", 2048),
    ("", None), (None, None), ("big", None), ("1.2.3K", None),
])
def test_size_bytes(text, expected):
    assert quarantine.size_bytes(text) == expected


def test_bare_addresses_splits_comma_joined_display_forms():
    display = ['"Doe, Jane" <jane@corp.example>, bob@corp.example <bob@corp.example>', "carol@corp.example",
               "bob@corp.example"]
    assert quarantine.bare_addresses(display) == ["jane@corp.example", "bob@corp.example", "carol@corp.example"]


def _params(**kw):
    base = {"start_time": datetime(2026, 11, 19, 12, 30, 45, tzinfo=UTC),
            "end_time": datetime(2026, 11, 20, 12, 30, 0, tzinfo=UTC),
            "filter_by": "Subject", "filter_operator": "Contains", "limit": 1000}
    return {**base, **kw}


def search_query(params):
    """The query the search sends (less offset and limit) and its data.query."""
    result, calls = handler_calls("search_spam_quarantine_messages", params)
    query = {k: v for k, v in calls[0][2].items() if k not in ("offset", "limit")}
    return query, result.data["query"]


def test_search_query_defaults_send_no_filter_and_floor_to_the_minute():
    query, info = search_query(_params())
    assert query == {"quarantineType": "spam", "startDate": "2026-11-19T12:30:00.000Z",
                     "endDate": "2026-11-20T12:30:00.000Z", "orderBy": "date", "orderDir": "desc"}
    assert info["rounded"] == ["start_time"] and info["filter_by"] is None


@pytest.mark.parametrize("by,op,sent_by,sent_op", [
    ("From_Address", "Is", "from_address", "is"), ("To_Address", "Begins_With", "to_address", "begins_with"),
    ("Subject", "Ends_With", "subject", "ends_with"), ("Subject", "Does_Not_Contain", "subject", "does_not_contain"),
    ("From_Address", "Contains", "from_address", "contains"),
])
def test_search_query_maps_filter_values(by, op, sent_by, sent_op):
    query, _ = search_query(_params(filter_by=by, filter_operator=op, filter_value="x", recipient="al"))
    assert (query["filterBy"], query["filterOperator"], query["filterValue"]) == (sent_by, sent_op, "x")
    assert query["envelopeRecipientFilterOperator"] == "contains"
    assert query["envelopeRecipientFilterValue"] == "al"


def test_search_query_end_before_start_is_rejected():
    with pytest.raises(InputError) as err:
        manifest().find("search_spam_quarantine_messages").params.validate(
            {"start_time": "2026-11-19T12:30:45Z", "end_time": "2026-11-18T00:00:00Z"}, FROZEN_NOW)
    assert "end_time" in err.value.message and err.value.status_code == 400
