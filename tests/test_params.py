"""Input validation (contract §1, §3a): defaults, coercion of CLI / platform strings,
case-insensitive enums, every problem in one message, and no request at all on bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests_mock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cisco_esa.integration import Integration
from cisco_esa.core.registry import manifest
from cisco_esa.core.outcome import InputError
from cisco_esa.core.params import ParamSchema
from tests.conftest import FROZEN_NOW

UTC = timezone.utc
SERIAL = "4229CAEC09527FD2570C-F028BAE54A11"
JWT = {"server_url": "https://esa.test:6443", "username": "u", "password": "p"}  # a login would be a request


def validate(cid: str, params) -> dict:
    return manifest().commands[cid].params.validate(params, FROZEN_NOW)


def problems(cid: str, params) -> list[str]:
    with pytest.raises(InputError) as info:
        validate(cid, params)
    assert info.value.status_code == 400
    assert info.value.message == "Invalid input: " + "; ".join(info.value.problems)
    return info.value.problems


# ---------------------------------------------------------------- defaults and coercion
def test_params_search_spam_quarantine_defaults_filled():
    assert validate("search_spam_quarantine_messages", {"start_time": "-1h", "end_time": "now"}) == {
        "start_time": FROZEN_NOW - timedelta(hours=1), "end_time": FROZEN_NOW,
        "filter_by": "Subject", "filter_operator": "Contains", "limit": 1000,
    }


def test_params_get_report_defaults_and_integer_string_coerced():
    typed = validate("get_report", {"start_time": "-2h", "end_time": "now", "top": "5"})
    assert typed["top"] == 5
    assert typed["counter_group"] == "mail_incoming_traffic_summary"
    assert typed["order_direction"] == "Descending"
    assert typed["filter_operator"] == "Begins With"


def test_params_empty_optional_with_default_means_not_given():
    typed = validate("search_spam_quarantine_messages", {"start_time": "-1h", "end_time": "now",
                                                         "filter_by": "", "filter_operator": "  ", "recipient": None})
    assert typed["filter_by"] == "Subject" and typed["filter_operator"] == "Contains"
    assert "recipient" not in typed


@pytest.mark.parametrize("given_ids", [
    "4411,4412", " 4411 , 4412 ", "[4411, 4412]", '["4411", "4412"]', [4411, "4412"], ["4411", 4412.0],
])
def test_params_message_ids_json_array_or_comma_list_coerced(given_ids):
    typed = validate("get_amp_details", {"appliance_serial_number": SERIAL, "message_ids": given_ids})
    assert typed["message_ids"] == [4411, 4412]


def test_params_single_number_becomes_one_item_list():
    assert validate("get_amp_details", {"appliance_serial_number": SERIAL, "message_ids": 4411})["message_ids"] == [4411]


def test_params_address_list_from_comma_string_trimmed():
    typed = validate("block_email_addresses", {"senders": "bad@phish.example, worse@phish.example,",
                                               "recipients": '["alice@corp.example"]'})
    assert typed == {"senders": ["bad@phish.example", "worse@phish.example"], "recipients": ["alice@corp.example"]}


def test_params_number_given_for_text_becomes_string():
    assert validate("get_amp_details", {"appliance_serial_number": 12345, "message_ids": "1"})["appliance_serial_number"] == "12345"


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), (" Yes ", True),
    ("false", False), ("False", False), ("0", False), ("no", False), (True, True), (False, False),
])
def test_params_boolean_strings_coerced(text, expected):
    schema = ParamSchema("flags", {"type": "object", "additionalProperties": False,
                                   "properties": {"flag": {"type": "boolean"}}})
    assert schema.validate({"flag": text}, FROZEN_NOW) == {"flag": expected}


def test_params_boolean_junk_rejected_naming_parameter():
    schema = ParamSchema("flags", {"type": "object", "properties": {"flag": {"type": "boolean"}}})
    with pytest.raises(InputError) as info:
        schema.validate({"flag": "maybe"}, FROZEN_NOW)
    assert info.value.problems == ['flag: "maybe" is not of type boolean']


# ---------------------------------------------------------------- enums
@pytest.mark.parametrize("text", ["IS", "Is", "is", " is "])
def test_params_operator_enum_case_insensitive(text):
    typed = validate("search_spam_quarantine_messages", {"start_time": "-1h", "end_time": "now", "filter_operator": text})
    assert typed["filter_operator"] == "Is"


@pytest.mark.parametrize("text", ["From_Address", "from address", "FROM-ADDRESS", "from_address"])
def test_params_filter_by_enum_separator_and_case_insensitive(text):
    typed = validate("search_spam_quarantine_messages", {"start_time": "-1h", "end_time": "now", "filter_by": text})
    assert typed["filter_by"] == "From_Address"


@pytest.mark.parametrize("cid, pid, text, expected", [
    ("search_spam_quarantine_messages", "filter_operator", "does not contain", "Does_Not_Contain"),
    ("get_report", "filter_operator", "begins_with", "Begins With"),
    ("get_report", "order_direction", "ascending", "Ascending"),
    ("unblock_domains_or_email_addresses", "block_list_type", "recipient block list", "Recipient Block List"),
    ("fetch_event", "messages_source", "spam_quarantine", "Spam Quarantine"),
    ("search_list_entries", "list_type", "SAFELIST", "Safelist"),
])
def test_params_enum_values_normalized_to_display_value(cid, pid, text, expected):
    base = {
        "search_spam_quarantine_messages": {"start_time": "-1h", "end_time": "now"},
        "get_report": {"start_time": "-2h", "end_time": "now"},
        "unblock_domains_or_email_addresses": {"domains_or_email_addresses": "spammy.example"},
        "fetch_event": {"start_time": "-1h", "end_time": "now"},
        "search_list_entries": {"view_by": "Sender", "list_type": "Blocklist"},
    }[cid]
    assert validate(cid, {**base, pid: text})[pid] == expected


def test_params_enum_unknown_value_lists_the_choices():
    assert problems("search_spam_quarantine_messages", {"start_time": "-1h", "end_time": "now", "filter_operator": "like"}) == [
        'filter_operator: "like" is not one of Contains, Is, Begins_With, Ends_With, Does_Not_Contain']


@given(st.sampled_from(["Contains", "Is", "Begins_With", "Ends_With", "Does_Not_Contain"]), st.randoms(use_true_random=False))
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_params_enum_any_case_and_separator_property(value, rnd):
    mangled = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in value)
    mangled = mangled.replace("_", rnd.choice(["_", " ", "-", "  "]))
    typed = validate("search_spam_quarantine_messages", {"start_time": "-1h", "end_time": "now", "filter_operator": mangled})
    assert typed["filter_operator"] == value


# ---------------------------------------------------------------- all problems, unknowns, conditional rules
def test_params_every_problem_reported_in_one_message_naming_each_parameter():
    got = problems("search_messages", {"start_time": "last tuesday", "end_time": "-15x", "file_sha256": "abc",
                                       "start_tme": "-1h", "subject": ""})
    assert sorted(got) == sorted([
        "start_tme: unknown parameter (did you mean 'start_time'?)",
        "end_time: '-15x' is not a time (accepted: ISO 8601 (2023-05-20T18:00:00Z), 'YYYY-MM-DD HH:MM', epoch "
        "seconds or milliseconds, now, -15m/-2h/-7d, '3 days ago', yesterday)",
        'file_sha256: "abc" is not in the expected form (64 hexadecimal characters)',
        "start_time: 'last tuesday' is not a time (accepted: ISO 8601 (2023-05-20T18:00:00Z), 'YYYY-MM-DD HH:MM', "
        "epoch seconds or milliseconds, now, -15m/-2h/-7d, '3 days ago', yesterday)",
        'subject: "" is empty',
    ])


def test_params_missing_required_each_named():
    assert sorted(problems("fetch_event", {})) == [
        "end_time: required", "messages_source: required", "start_time: required"]


def test_params_unknown_parameter_did_you_mean():
    assert problems("get_amp_details", {"appliance_serial_number": SERIAL, "message_ids": "1", "message_id": 3}) == [
        "message_id: unknown parameter (did you mean 'message_ids'?)"]


def test_params_unknown_parameter_without_close_match():
    assert problems("test_connection", {"colour": "blue"}) == ["colour: unknown parameter"]


def test_params_not_an_object_rejected():
    assert problems("test_connection", ["a"]) == ["parameters must be an object of parameter id to value"]


def test_params_list_item_named_by_index():
    assert problems("get_amp_details", {"appliance_serial_number": "", "message_ids": "4411;4412"}) == [
        'appliance_serial_number: "" is empty',
        'message_ids[0]: "4411;4412" is not of type integer (separate the values with commas, or give a JSON array)']


@pytest.mark.parametrize("value", ["[[7255],[6827]]", [[7255], [6827]], [[7255, 6827]], [7255, [6827]], "[[7255], 6827]"])
def test_params_id_list_one_level_of_nesting_flattened(value):
    # `$.data[*].attributes.mid` of the raw search data yields [[7255], [6827]] (issue 15 point 6)
    typed = validate("get_amp_details", {"appliance_serial_number": "S", "message_ids": value})
    assert typed["message_ids"] == [7255, 6827]


@pytest.mark.parametrize("command, pid", [("release_spam_quarantine_messages", "quarantine_message_ids"),
                                          ("delete_spam_quarantine_messages", "quarantine_message_ids"),
                                          ("get_spam_quarantine_message_details", "quarantine_message_ids"),
                                          ("get_message_details", "message_ids"), ("get_dlp_details", "message_ids"),
                                          ("get_url_details", "message_ids")])
def test_params_every_id_list_flattens_one_level(command, pid):
    params = {pid: [["783"], [782]]}
    if "appliance_serial_number" in manifest().commands[command].params.properties:
        params["appliance_serial_number"] = "S"
    assert validate(command, params)[pid] == [783, 782]


def test_params_id_list_two_levels_of_nesting_refused():
    assert problems("get_amp_details", {"appliance_serial_number": "S", "message_ids": [[[7255]], [6827]]}) == [
        "message_ids[0]: [7255] is not of type integer"]


@pytest.mark.parametrize("command, params, expected", [
    ("block_email_addresses", {"senders": "a@b.example; c@d.example", "recipients": "x@y.example"},
     "senders[0]: 'a@b.example; c@d.example' is not an e-mail address (separate the values with commas, or give a JSON array)"),
    ("release_spam_quarantine_messages", {"quarantine_message_ids": "783; 782"},
     'quarantine_message_ids[0]: "783; 782" is not of type integer (separate the values with commas, or give a JSON array)'),
])
def test_params_semicolon_separated_list_gets_a_hint(command, params, expected):
    assert problems(command, params) == [expected]


def test_params_semicolon_in_a_single_value_no_list_hint():
    got = problems("search_messages", {"start_time": "a;b", "end_time": "now"})
    assert len(got) == 1 and "commas" not in got[0]


def test_params_address_format_named_by_index():
    assert problems("block_email_addresses", {"senders": "ok@x.example,not-an-address", "recipients": "a@b.example"}) == [
        "senders[1]: 'not-an-address' is not an e-mail address"]


@pytest.mark.parametrize("cid, params, expected", [
    ("add_entries", {"list_type": "Safelist", "action": "Add", "view_by": "Sender"},
     ["sender_addresses: required when view_by is Sender", "recipient_list: required when view_by is Sender"]),
    ("add_entries", {"list_type": "Safelist", "action": "Add", "view_by": "recipient"},
     ["recipient_addresses: required when view_by is Recipient", "sender_list: required when view_by is Recipient"]),
    ("block_domain", {"action": "add", "view_by": "sender"},
     ["sender_addresses: required when view_by is Sender", "recipients_list: required when view_by is Sender"]),
    ("block_domain", {"action": "add", "view_by": "Recipient"},
     ["sender_list: required when view_by is Recipient", "recipients_addresses: required when view_by is Recipient"]),
    ("delete_entries", {"view_by": "recipient"}, ["recipient_list: required when view_by is Recipient"]),
    ("delete_entries", {"view_by": "Sender"}, ["sender_list: required when view_by is Sender"]),
])
def test_params_required_when_view_by_rules(cid, params, expected):
    assert sorted(problems(cid, params)) == sorted(expected)


def test_params_required_when_view_by_satisfied_other_side_not_needed():
    typed = validate("add_entries", {"list_type": "blocklist", "action": "append", "view_by": "Recipient",
                                     "recipient_addresses": "alice@corp.example", "sender_list": "spammy.example,[192.0.2.1]"})
    assert typed == {"list_type": "Blocklist", "action": "Append", "view_by": "Recipient",
                     "recipient_addresses": ["alice@corp.example"], "sender_list": ["spammy.example", "[192.0.2.1]"]}


# ---------------------------------------------------------------- fetch_event ranges
FETCH = {"start_time": "-1h", "end_time": "now", "offset": 0}


@pytest.mark.parametrize("source, top", [("Message Tracking", 100), ("Spam Quarantine", 250)])
def test_params_fetch_event_limit_at_maximum_kept(source, top):
    assert validate("fetch_event", {**FETCH, "messages_source": source, "limit": str(top)})["limit"] == top


@pytest.mark.parametrize("source, over, top", [("Message Tracking", 101, 100), ("Spam Quarantine", 251, 250)])
def test_params_fetch_event_limit_over_maximum_rejected_never_clamped(source, over, top):
    assert problems("fetch_event", {**FETCH, "messages_source": source, "limit": over}) == [
        f"limit: {over} is greater than the maximum of {top}"]


@given(st.integers(min_value=101, max_value=10**6))
@settings(max_examples=30)
def test_params_fetch_event_tracking_limit_over_100_always_rejected(limit):
    with pytest.raises(InputError, match=r"limit: \d+ is greater than the maximum of 100"):
        validate("fetch_event", {**FETCH, "messages_source": "Message Tracking", "limit": limit})


@given(st.integers(min_value=1, max_value=250))
@settings(max_examples=30)
def test_params_fetch_event_quarantine_limit_in_range_unchanged(limit):
    assert validate("fetch_event", {**FETCH, "messages_source": "Spam Quarantine", "limit": limit})["limit"] == limit


def test_params_fetch_event_offset_without_limit_rejected():
    assert problems("fetch_event", {"messages_source": "Message Tracking", "start_time": "-1h", "end_time": "now",
                                    "offset": "0"}) == ["limit: required when offset is given"]


def test_params_fetch_event_limit_without_offset_rejected():
    assert problems("fetch_event", {"messages_source": "Message Tracking", "start_time": "-1h", "end_time": "now",
                                    "limit": 10}) == ["offset: required when limit is given"]


def test_params_fetch_event_negative_offset_and_zero_limit_rejected():
    assert sorted(problems("fetch_event", {"messages_source": "Spam Quarantine", "start_time": "-1h", "end_time": "now",
                                           "offset": -1, "limit": 0})) == [
        "limit: 0 is less than the minimum of 1", "offset: -1 is less than the minimum of 0"]


# ---------------------------------------------------------------- times (contract §1)
@pytest.mark.parametrize("text, expected", [
    ("2023-05-20T18:00:00Z", datetime(2023, 5, 20, 18, 0, tzinfo=UTC)),
    ("2023-05-20T18:00Z", datetime(2023, 5, 20, 18, 0, tzinfo=UTC)),
    ("2023-05-20T18:00:30", datetime(2023, 5, 20, 18, 0, 30, tzinfo=UTC)),
    ("2023-05-20T18:00", datetime(2023, 5, 20, 18, 0, tzinfo=UTC)),
    ("2023-05-20T18:00:00+02:00", datetime(2023, 5, 20, 16, 0, tzinfo=UTC)),
    ("2023-05-20T18:00-05:00", datetime(2023, 5, 20, 23, 0, tzinfo=UTC)),
    ("2023-04-24 00:00", datetime(2023, 4, 24, 0, 0, tzinfo=UTC)),
    ("1684605600", datetime(2023, 5, 20, 18, 0, tzinfo=UTC)),
    (1684605600, datetime(2023, 5, 20, 18, 0, tzinfo=UTC)),
    ("now", FROZEN_NOW),
    ("NOW", FROZEN_NOW),
    ("-15m", FROZEN_NOW - timedelta(minutes=15)),
    ("-2h", FROZEN_NOW - timedelta(hours=2)),
    ("-7d", FROZEN_NOW - timedelta(days=7)),
    (" -2H ", FROZEN_NOW - timedelta(hours=2)),
])
def test_params_time_forms_of_contract_accepted_as_utc(text, expected):
    typed = validate("search_messages", {"start_time": text, "end_time": "now"})
    assert typed["start_time"] == expected
    assert typed["start_time"].utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", [
    "yesterday", "2023-13-01T00:00Z", "12/05/2023", "-15x", "now-", "-", "1684605600abc", "2023-05-20T25:00",
    "1e9", "1989-12-31T23:59:59Z", "99999999999", "-99999999999d", "20 Sep 2022 14:54:50 (GMT +00:00)",
])
def test_params_junk_times_rejected_naming_the_parameter(text):
    got = problems("search_messages", {"start_time": "-1h", "end_time": text})
    assert len(got) == 1 and got[0].startswith("end_time: "), got


@given(st.text(max_size=40))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_params_any_time_text_parses_or_is_rejected_as_input(text):
    try:
        typed = validate("search_messages", {"start_time": text, "end_time": "now"})
    except InputError as exc:
        assert all(p.startswith(("start_time: ")) for p in exc.problems), exc.problems
    else:
        assert typed["start_time"].tzinfo is not None


@given(st.integers(min_value=631152000, max_value=7258118399))
@settings(max_examples=60)
def test_params_epoch_seconds_property(epoch):
    typed = validate("search_messages", {"start_time": str(epoch), "end_time": epoch})
    assert typed["start_time"] == typed["end_time"] == datetime.fromtimestamp(epoch, UTC)


@given(st.integers(min_value=0, max_value=5000), st.sampled_from(["m", "h", "d"]))
@settings(max_examples=60)
def test_params_relative_times_property(amount, unit):
    typed = validate("search_messages", {"start_time": f"-{amount}{unit}", "end_time": "now"})
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    assert typed["start_time"] == FROZEN_NOW - delta


@given(st.lists(st.integers(min_value=0, max_value=2**63 - 1), min_size=1, max_size=20))
@settings(max_examples=60)
def test_params_id_lists_same_from_json_comma_or_list(ids):
    as_json = validate("get_amp_details", {"appliance_serial_number": SERIAL, "message_ids": str(ids)})
    as_comma = validate("get_amp_details", {"appliance_serial_number": SERIAL, "message_ids": ",".join(map(str, ids))})
    as_list = validate("get_amp_details", {"appliance_serial_number": SERIAL, "message_ids": ids})
    assert as_json["message_ids"] == as_comma["message_ids"] == as_list["message_ids"] == ids


# ---------------------------------------------------------------- through Integration.run: 400, no request at all
def _run_without_network(cid, params, connection=JWT):
    with requests_mock.Mocker() as m:
        m.register_uri(requests_mock.ANY, requests_mock.ANY, json={"data": {}})
        envelope = Integration(connection, clock=lambda: FROZEN_NOW).run(cid, params)
        assert m.call_count == 0, [r.url for r in m.request_history]
    return envelope


def test_params_fetch_event_limit_101_run_failed_400_no_request():
    envelope = _run_without_network("fetch_event", {"messages_source": "message tracking", "start_time": "-1h",
                                                    "end_time": "now", "offset": 0, "limit": 101})
    assert envelope == {
        "command": "fetch_event", "display_name": "Fetch Event", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Fetch Event failed.", "status_code": 400,
                  "message": "Invalid input: limit: 101 is greater than the maximum of 100"},
        "items": [],
    }


def test_params_test_connection_unknown_parameter_run_failed_400_no_login():
    envelope = _run_without_network("Test Connection", {"verbose": True})
    assert envelope == {
        "command": "test_connection", "display_name": "Test Connection", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Test Connection failed. Failed to check the connector.", "status_code": 400,
                  "message": "Invalid input: verbose: unknown parameter"},
        "items": [],
    }


@pytest.mark.parametrize("cid, params", [
    ("search_messages", {"start_time": "junk", "end_time": "now"}),
    ("get_amp_details", {"appliance_serial_number": SERIAL, "message_ids": "abc"}),
    ("release_spam_quarantine_messages", {"quarantine_message_ids": ""}),
    ("add_entries", {"list_type": "Safelist", "action": "Add", "view_by": "Sender"}),
    ("search_spam_quarantine_messages", {"start_time": "-1h", "end_time": "now", "filter_operator": "like"}),
])
def test_params_invalid_input_run_failed_400_no_request(cid, params):
    envelope = _run_without_network(cid, params)
    assert envelope["status"] == "Failed" and envelope["items"] == []
    assert envelope["error"]["status_code"] == 400
    assert envelope["error"]["message"].startswith("Invalid input: ")


def test_params_unknown_command_run_failed_400_did_you_mean():
    envelope = _run_without_network("get_amp_detail", {})
    assert envelope == {
        "command": "get_amp_detail", "display_name": "get_amp_detail", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "get_amp_detail failed.", "status_code": 400,
                  "message": "Invalid input: command get_amp_detail: unknown command (did you mean 'get_amp_details'?)"},
        "items": [],
    }


def test_params_bad_connection_run_failed_400_no_request_secret_hidden():
    envelope = _run_without_network("test_connection", {}, {"server_url": "esa.test:6443", "username": "u",
                                                            "password": ["S3cr3t-pass"], "auth": "oauth", "colour": 1})
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    message = envelope["error"]["message"]
    assert "connection colour: unknown parameter" in message
    assert 'connection auth: "oauth" is not one of jwt, basic' in message
    assert "connection password: *** is not valid" in message
    assert "connection server_url: give scheme, host and port" in message
    assert "S3cr3t" not in message


def test_params_missing_connection_fields_run_failed_400_naming_each():
    envelope = _run_without_network("test_connection", {}, {"server_url": "https://esa.test:6443"})
    assert envelope["error"] == {"failure_indicator": "Test Connection failed. Failed to check the connector.",
                                 "status_code": 400,
                                 "message": "Invalid input: connection username: required; connection password: required"}
