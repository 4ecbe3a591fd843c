"""Hostile values reach the appliance byte-exact: `& = # % + ? /`, spaces and unicode in subjects,
sender and recipient filters, additional_filters values, quarantine filters, list searches and
report counter group / counter arrive at the simulator as exactly the parameters or path
segments intended, never as extra ones, and spaces travel as %20, never '+' (asyncos-api §1.1)."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote

import pytest
from hypothesis import HealthCheck, given, settings

from tests.hostile.strategies import safe_text

WINDOW = {"start_time": "2026-11-20T11:30:00Z", "end_time": "2026-11-20T12:30:00Z"}
DAY = {"start_time": "2026-11-19T12:00:00Z", "end_time": "2026-11-20T12:00:00Z"}
VALUES = [
    "a&b=c", "50% off #1 + more?", "path/to/x", "x=y&z=w?#frag", "a+b c", "%20%2B%26", "Ünïcødé 名前 😀",
    "\u202eexe.pdf\u202c", "שלום & مرحبا", "a\x00b", "semi;colon, comma", "tab\tinside", "'quote\" <tag>",
    "\\ud83d written out",
]
TRACKING_FIXED = {"startDate", "endDate", "ciscoHost", "searchOption", "offset", "limit"}


def exact_query(entry: dict) -> dict[str, list[str]]:
    """The raw query as the appliance decodes it; '+' would decode to a space, so none may be there."""
    raw = entry["query"]
    assert "+" not in raw, f"'+' on the wire: {raw}"
    return parse_qs(raw, keep_blank_values=True, strict_parsing=True)


def calls(sim, path: str) -> list[dict]:
    return [e for e in sim.request_log if e["path"].split("/api/v2.0/", 1)[-1] == path]


def assert_one_each(query: dict[str, list[str]], expected: dict[str, str], fixed: set[str]) -> None:
    """Exactly the intended parameters, each once, each byte-exact."""
    assert set(query) == set(expected) | fixed, f"extra or missing parameters: {sorted(set(query) ^ (set(expected) | fixed))}"
    assert all(len(v) == 1 for v in query.values()), query
    assert {k: query[k][0] for k in expected} == expected


# ------------------------------------------------------------------ message tracking
@pytest.mark.parametrize("value", VALUES)
def test_search_messages_hostile_filter_values_arrive_exact(sim, integration, value):
    envelope = integration.run("search_messages", {**WINDOW, "subject": value, "sender": value, "recipient": value,
                                                   "attachment_name": value, "internet_message_id": value})
    assert envelope["status"] == "Successful", envelope["error"]
    [entry] = calls(sim, "message-tracking/messages")
    assert_one_each(exact_query(entry), {
        "subjectfilterOperator": "contains", "subjectfilterValue": value,
        "envelopeSenderfilterOperator": "contains", "envelopeSenderfilterValue": value,
        "envelopeRecipientfilterOperator": "contains", "envelopeRecipientfilterValue": value,
        "attachmentNameOperator": "contains", "attachmentNameValue": value,
        "messageIdHeader": value}, TRACKING_FIXED)
    if " " in value:
        assert "%20" in entry["query"]


@pytest.mark.parametrize("value", [v for v in VALUES if "&" not in v])
def test_search_messages_additional_filter_values_arrive_exact(sim, integration, value):
    # '&' separates the pairs of additional_filters, so it cannot be inside one of its values;
    # '=' can (the first one ends the key)
    envelope = integration.run("search_messages", {
        **WINDOW, "additional_filters": f"replyToOperator=contains & replyToValue={value} & senderIp=192.0.2.10"})
    assert envelope["status"] == "Successful", envelope["error"]
    [entry] = calls(sim, "message-tracking/messages")
    assert_one_each(exact_query(entry), {"replyToOperator": "contains", "replyToValue": value,
                                         "senderIp": "192.0.2.10"}, TRACKING_FIXED)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=safe_text(max_size=80))
def test_search_messages_any_subject_arrives_exact(sim, integration, value):
    sim.clear_log()
    envelope = integration.run("search_messages", {**WINDOW, "subject": value, "limit": 100})
    assert envelope["status"] == "Successful", envelope["error"]
    entries = calls(sim, "message-tracking/messages")
    assert entries, f"no search reached the simulator: {sim.request_log}"
    for entry in entries:  # a common subject takes more than one page; every page carries it exact
        assert_one_each(exact_query(entry), {"subjectfilterOperator": "contains", "subjectfilterValue": value},
                        TRACKING_FIXED)


# ------------------------------------------------------------------ spam quarantine
@pytest.mark.parametrize("value", VALUES)
def test_search_spam_quarantine_messages_hostile_filter_values_arrive_exact(sim, integration, value):
    envelope = integration.run("search_spam_quarantine_messages", {
        **WINDOW, "recipient": value, "filter_by": "From_Address", "filter_operator": "Is", "filter_value": value})
    assert envelope["status"] == "Successful", envelope["error"]
    [entry] = calls(sim, "quarantine/messages")
    assert_one_each(exact_query(entry), {
        "envelopeRecipientFilterOperator": "contains", "envelopeRecipientFilterValue": value,
        "filterBy": "from_address", "filterOperator": "is", "filterValue": value},
        {"quarantineType", "startDate", "endDate", "orderBy", "orderDir", "offset", "limit"})


@pytest.mark.parametrize("value", VALUES)
def test_search_list_entries_hostile_sender_name_arrives_exact(sim, integration, value):
    envelope = integration.run("search_list_entries", {"list_type": "Blocklist", "view_by": "Recipient",
                                                       "sender_name": value})
    assert envelope["status"] == "Successful", envelope["error"]
    [entry] = calls(sim, "quarantine/blocklist")
    assert_one_each(exact_query(entry), {"search": value, "viewBy": "recipient"},
                    {"action", "quarantineType", "orderBy", "orderDir", "offset", "limit"})


# ------------------------------------------------------------------ reports: path segments
@pytest.mark.parametrize("group,counter", [(v, VALUES[(i + 3) % len(VALUES)]) for i, v in enumerate(VALUES)]
                         + [("mail_incoming_traffic_summary", "a/b"), ("..", "."), ("group", "%2F")])
def test_get_report_hostile_group_and_counter_are_two_exact_segments(sim, integration, group, counter):
    envelope = integration.run("get_report", {**DAY, "counter_group": group, "counter": counter,
                                              "filter_by": "domain", "filter_value": group})
    # the simulator knows no such group: only the request matters here
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 404
    [entry] = [e for e in sim.request_log if "/reporting/" in e["path"]]
    segments = entry["path"].split("/")
    assert segments[:5] == ["", "esa", "api", "v2.0", "reporting"] and len(segments) == 7, entry["path"]
    assert [unquote(s) for s in segments[5:]] == [group, counter]
    assert_one_each(exact_query(entry), {"filterBy": "domain", "filterValue": group, "filterOperator": "begins_with"},
                    {"startDate", "endDate", "device_type"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(group=safe_text(max_size=40), counter=safe_text(max_size=40))
def test_get_report_any_group_and_counter_are_two_exact_segments(sim, integration, group, counter):
    sim.clear_log()
    integration.run("get_report", {**DAY, "counter_group": group, "counter": counter})
    [entry] = [e for e in sim.request_log if "/reporting/" in e["path"]]
    segments = entry["path"].split("/")
    assert len(segments) == 7 and [unquote(s) for s in segments[5:]] == [group, counter]
    assert "+" not in entry["path"] and "?" not in entry["path"] and "#" not in entry["path"]
    assert set(exact_query(entry)) == {"startDate", "endDate", "device_type"}
