"""The report parser and the report's request, without HTTP: the report captures and every resultSet form (§9.2) through
the normalizer, and the request it builds (path encoding, whole hours, order, filter, top)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cisco_esa.asyncos.parsers import reporting
from cisco_esa.core.outcome import InputError, UnexpectedResponse
from tests.scenarios.common import answer, handler_calls

UTC = timezone.utc


@pytest.mark.parametrize("source,name,total,clean", [
    ("ours", "esa_report_get.json", 1402, 903), ("ours", "sma_report_get.json", 450, 340),
    ("capture", "esa_report_get.json", 208, 73), ("capture", "sma_report_get.json", 92, 55)])
def test_report_capture_summary_becomes_a_mapping_of_26(source, name, total, clean):
    body = answer(source, name)
    kind, counters = reporting.counters(body)
    assert kind == "summary" and len(counters) == 26
    assert list(counters) == [next(iter(e)) for e in body["data"]["resultSet"]]
    assert counters["total_recipients"] == total and counters["total_clean_recipients"] == clean


def _body(result_set):
    return {"meta": {"totalCount": -1}, "data": {"type": "g", "resultSet": result_set}}


def test_single_counter_object_becomes_a_mapping():
    assert reporting.counters(_body({"detected_spam": 17})) == ("counter", {"detected_spam": 17})


def test_detail_group_one_key_elements_are_kept_in_order():
    rs = {"total_recipients": [{"partner.example": 120}, {"spammy.example": 45}]}
    assert reporting.counters(_body(rs)) == (
        "detail", {"total_recipients": [{"partner.example": 120}, {"spammy.example": 45}]})


def test_detail_group_key_value_elements_become_one_key_elements():
    rs = {"total_recipients": [{"key": "partner.example", "value": 120}, {"key": "spammy.example", "value": 45}],
          "detected_spam": [{"key": "spammy.example", "value": 40}]}
    assert reporting.counters(_body(rs)) == ("detail", {
        "total_recipients": [{"partner.example": 120}, {"spammy.example": 45}],
        "detected_spam": [{"spammy.example": 40}]})


def test_detail_group_mixed_forms_and_object_of_entities_become_one_form():
    rs = {"a": [{"x.example": 1}, {"key": "y.example", "value": 2}], "b": {"z.example": 3, "w.example": 4},
          "c": []}
    assert reporting.counters(_body(rs))[1] == {
        "a": [{"x.example": 1}, {"y.example": 2}], "b": [{"z.example": 3}, {"w.example": 4}], "c": []}


def test_summary_array_of_key_value_pairs_becomes_a_mapping():
    rs = [{"key": "incoming_malicious", "value": 4}, {"outgoing_malicious": 0}]
    assert reporting.counters(_body(rs)) == ("summary", {"incoming_malicious": 4, "outgoing_malicious": 0})


def test_empty_result_set_is_empty():
    assert reporting.counters(_body(None)) == ("summary", {})
    assert reporting.counters(_body([])) == ("summary", {})


@pytest.mark.parametrize("body", [{}, {"data": []}, {"data": {"type": "g"}}, _body("text"), _body([1, 2]),
                                  _body({"c": [3]}), "html"])
def test_unreadable_result_is_unexpected(body):
    with pytest.raises(UnexpectedResponse):
        reporting.counters(body)


def _params(**kw):
    base = {"counter_group": "mail_incoming_traffic_summary", "start_time": datetime(2026, 11, 19, 12, 30, tzinfo=UTC),
            "end_time": datetime(2026, 11, 20, 12, 0, tzinfo=UTC), "order_direction": "Descending",
            "filter_operator": "Begins With", "device_type": "esa"}
    return {**base, **kw}


def report_request(params):
    """(path, query, data.query) of the one request Get Report makes."""
    answer = {"data": {"type": "g", "resultSet": []}}
    result, calls = handler_calls("get_report", params, answer)
    (method, path, query, body), = calls
    return path, query, result.data["query"]


def test_request_defaults_whole_hours_and_no_optional_parameters():
    path, query, info = report_request(_params())
    assert path == "reporting/mail_incoming_traffic_summary"
    assert query == {"startDate": "2026-11-19T12:00:00.000Z", "endDate": "2026-11-20T12:00:00.000Z",
                     "device_type": "esa"}
    assert info["rounded"] == ["start_time"] and info["top_ignored"] is False


def test_request_counter_order_filter_and_top():
    path, query, info = report_request(_params(
        counter_group="mail_incoming_domain_detail", counter="total_recipients", order_by="total_recipients",
        order_direction="Ascending", filter_by="domain", filter_operator="Is", filter_value="partner.example", top=5))
    assert path == "reporting/mail_incoming_domain_detail/total_recipients"
    assert query["orderBy"] == "total_recipients" and query["orderDir"] == "asc"
    assert (query["filterBy"], query["filterOperator"], query["filterValue"]) == ("domain", "is", "partner.example")
    assert query["top"] == 5 and info["top"] == 5 and not info["top_ignored"]


def test_request_top_without_counter_is_not_sent_and_said_ignored():
    _, query, info = report_request(_params(top=5))
    assert "top" not in query and info["top_ignored"] is True and info["top"] is None


@pytest.mark.parametrize("group,counter,path", [
    ("a/b", None, "reporting/a%2Fb"), ("a&b=c", "x/y", "reporting/a%26b%3Dc/x%2Fy"), ("a b", None, "reporting/a%20b"),
])
def test_request_path_segments_are_encoded(group, counter, path):
    assert report_request(_params(counter_group=group, counter=counter))[0] == path


def test_request_window_empty_after_flooring_is_a_400_naming_the_times():
    with pytest.raises(InputError) as err:
        report_request(_params(start_time=datetime(2026, 11, 20, 12, 10, tzinfo=UTC),
                                         end_time=datetime(2026, 11, 20, 12, 50, tzinfo=UTC)))
    assert err.value.status_code == 400
    assert "end_time" in err.value.message and "2026-11-20T12:00:00Z" in err.value.message


# -- properties ------------------------------------------------------------------------
_names = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12).filter(
    lambda s: s not in ("key", "value"))
_entities_strategy = st.lists(st.tuples(_names, st.integers(min_value=0, max_value=10**9)), max_size=20)


@given(st.dictionaries(_names, st.integers(min_value=-1, max_value=10**9), max_size=30))
def test_summary_array_always_becomes_the_same_mapping(values):
    result_set = [{k: v} for k, v in values.items()]
    assert reporting.counters(_body(result_set)) == ("summary", values)


@given(st.dictionaries(_names, _entities_strategy, min_size=1, max_size=5), st.randoms())
def test_detail_forms_normalize_to_the_same_one_key_lists(table, rnd):
    one_key = {c: [{e: v} for e, v in rows] for c, rows in table.items()}
    # each element in either form, chosen at random: the output must not depend on the form
    mixed = {c: [{e: v} if rnd.random() < 0.5 else {"key": e, "value": v} for e, v in rows]
             for c, rows in table.items()}
    assert reporting.counters(_body(mixed)) == ("detail", one_key)
