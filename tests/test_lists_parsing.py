"""The list parsers and the list endpoints' request shapes, without HTTP: our list views and (when present) the captured ones
parse, request bodies per view, and
the shapes that must be refused."""


import pytest

from cisco_esa.asyncos.parsers import lists
from cisco_esa.core.outcome import NotFound, UnexpectedResponse
from tests.scenarios.common import answer, handler_calls, recorded_api





@pytest.mark.parametrize("source, expected", [
    ("ours", [{"recipient": "maria.lopez@corp.example",
               "senders": ["billing@invoice-docs.example", "crypto-win.example", "invoice-docs.example"]},
              {"recipient": "tom.baker@corp.example", "senders": ["parcel-track.example"]}]),
    ("capture", [{"recipient": "t1@test.com", "senders": ["t4@test.com"]},
                 {"recipient": "test@test.com", "senders": ["t1@test.com", "t2@test.com", "t3@test.com"]}]),
])
def test_lists_esa_blocklist_capture_parses_sorted(source, expected):
    body = answer(source, "esa_list_entry_get_blocklist.json")
    entries = lists.sort_entries(lists.normalize_rows(body["data"], "recipient"), "recipient")
    assert entries == expected


@pytest.mark.parametrize("source, expected", [
    ("ours", [{"recipient": "li.wei@corp.example", "senders": ["newsletter@weekly-digest.example", "partner.example",
                                                               "payroll@corp-benefits.example"]}]),
    ("capture", [{"recipient": "test123@test123.com", "senders": ["t7@test.com", "t8@test.com", "t9@test.com"]}]),
])
def test_lists_sma_safelist_capture_is_one_row_whatever_total_count_says(source, expected):
    body = answer(source, "sma_list_entry_get_safelist.json")
    # totalCount 2 with one row: a page of size 1 (captures README note 3); the rows are the truth
    assert body["meta"]["totalCount"] == 2
    assert lists.normalize_rows(body["data"], "recipient") == expected


@pytest.mark.parametrize("source", ["ours", "capture"])
def test_lists_added_successfully_capture_is_not_a_delete_answer(source):
    # an answer of an unknown endpoint (captures README): the add answer is never read, and as a
    # delete answer it carries no totalCount, so it is refused rather than guessed at
    body = answer(source, "esa_added_successfully.json")
    with pytest.raises(UnexpectedResponse, match="may or may not have been deleted"):
        lists.delete_count(body, "blocklist", "sender", "x.example")


def test_lists_sender_view_rows_parse():
    rows = [{"senderAddress": "spammy.example", "recipientList": ["bob@corp.example", "Alice@corp.example"]},
            {"senderAddress": "a@b.example", "recipientList": None}]
    assert lists.sort_entries(lists.normalize_rows(rows, "sender"), "sender") == [
        {"sender": "a@b.example", "recipients": []},
        {"sender": "spammy.example", "recipients": ["Alice@corp.example", "bob@corp.example"]},
    ]


@pytest.mark.parametrize("row", [
    {"senderList": ["x.example"]},
    {"recipientAddress": 5, "senderList": []},
    {"recipientAddress": "a@b.example", "senderList": {"x": 1}},
    "a@b.example",
])
def test_lists_unreadable_row_raises_unexpected_response(row):
    with pytest.raises(UnexpectedResponse):
        lists.normalize_rows([row], "recipient")


def test_lists_change_body_per_view():
    api, sent = recorded_api()
    api.change_list("safelist", "add", "recipient", ["r@corp.example"], ["bad.example"])
    api.change_list("blocklist", "edit", "sender", ["bad.example"], ["r@corp.example"])
    assert sent == [
        ("POST", "quarantine/safelist", None, {"action": "add", "quarantineType": "spam", "viewBy": "recipient",
                                              "recipientAddresses": ["r@corp.example"], "senderList": ["bad.example"]}),
        ("POST", "quarantine/blocklist", None, {"action": "edit", "quarantineType": "spam", "viewBy": "sender",
                                               "senderAddresses": ["bad.example"], "recipientList": ["r@corp.example"]})]


def test_lists_delete_body_has_no_action():
    api, sent = recorded_api()
    api.delete_list_entry("safelist", "recipient", "r@corp.example")
    api.delete_list_entry("blocklist", "sender", "bad.example")
    assert [c[3] for c in sent] == [{"quarantineType": "spam", "viewBy": "recipient", "recipientList": ["r@corp.example"]},
                                    {"quarantineType": "spam", "viewBy": "sender", "senderList": ["bad.example"]}]


def test_lists_view_query_sends_search_with_recipient_view_and_order():
    api, sent = recorded_api()
    api.list_view("blocklist", "recipient", cap=10, search="john")
    assert sent == [("GET", "quarantine/blocklist", {
        "action": "view", "quarantineType": "spam", "viewBy": "recipient", "orderBy": "recipient",
        "orderDir": "asc", "search": "john", "offset": 0, "limit": 10}, None)]


@pytest.mark.parametrize("body, expected", [
    ({"data": {"action": "delete", "recipientList": ["a@b.example"], "totalCount": 1}}, 1),
    ({"data": {"action": "delete", "senderList": ["x.example"], "totalCount": "1"}}, 1),
])
def test_lists_delete_count_reads_total_count(body, expected):
    assert lists.delete_count(body, "safelist", "recipient", "a@b.example") == expected


def test_lists_delete_count_zero_is_not_found():
    with pytest.raises(NotFound, match="No safelist entry for recipient a@b.example."):
        lists.delete_count({"data": {"action": "delete", "recipientList": ["a@b.example"], "totalCount": 0}},
                           "safelist", "recipient", "a@b.example")


def _kept(view, rows, name):
    result, _ = handler_calls("search_list_entries", {"list_type": "Blocklist", "view_by": view, "sender_name": name,
                                                      "limit": 100}, {"data": rows})
    return result.data["entries"]


def test_lists_sender_name_matches_senders_only():
    rows = [{"recipientAddress": "john@corp.example", "senderList": ["deals@spammy.example"]}]
    assert _kept("Recipient", rows, "SPAMMY") == [{"recipient": "john@corp.example", "senders": ["deals@spammy.example"]}]
    assert _kept("Recipient", rows, "john") == []
    assert _kept("Sender", [{"senderAddress": "john@x.example", "recipientList": []}], "john") == [
        {"sender": "john@x.example", "recipients": []}]


def test_lists_unique_ignoring_case_keeps_first_spelling():
    assert lists.unique_ignoring_case(["A@x.example", "b@x.example", "a@X.example"]) == ["A@x.example", "b@x.example"]
