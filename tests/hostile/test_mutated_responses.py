"""Mutated appliance answers fed to every handler: a valid body (our fixtures, the captures when present, and the
simulator) with keys dropped, types changed, nulls where lists were, old and new tracking rows
mixed, "N/A" everywhere, or no body at all. Never a crash: either Failed (or a failed item) with
a plain "Unexpected response from the appliance…" message, a not-found reading, or data."""

from __future__ import annotations

import copy
import json
import logging
from urllib.parse import urlsplit

import pytest
import requests
import requests_mock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.hostile.test_fuzz_inputs import EXAMPLES, check_envelope, plausible_body
from tests.scenarios.common import bodies

BASIC = {"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"}
JWT = {**BASIC, "auth": "jwt"}
DAY = {"start_time": "2026-11-19T12:00:00Z", "end_time": "2026-11-20T12:00:00Z"}
EMPTY = object()  # an empty HTTP body
UNEXPECTED = "Unexpected response from the appliance: "
# Words of a Python failure that must never reach a user.
CRASH_WORDS = ("Traceback", "NoneType", "object has no attribute", "KeyError", "TypeError", "IndexError",
               "not subscriptable", "An internal error occurred")

# command -> (connection, params, (method, endpoint) whose answer is mutated)
CASES = {
    "search_messages": (BASIC, DAY, ("GET", "message-tracking/messages")),
    "get_message_details": (BASIC, {"appliance_serial_number": "S1", "message_ids": [780, 781]},
                            ("GET", "message-tracking/details")),
    "get_amp_details": (BASIC, {"appliance_serial_number": "S1", "message_ids": [780, 781]},
                        ("GET", "message-tracking/amp-details")),
    "get_dlp_details": (BASIC, {"appliance_serial_number": "S1", "message_ids": [780, 781]},
                        ("GET", "message-tracking/dlp-details")),
    "get_url_details": (BASIC, {"appliance_serial_number": "S1", "message_ids": [780, 781]},
                        ("GET", "message-tracking/url-details")),
    "search_spam_quarantine_messages": (BASIC, DAY, ("GET", "quarantine/messages")),
    "get_spam_quarantine_message_details": (BASIC, {"quarantine_message_ids": [43, 44]},
                                            ("GET", "quarantine/messages/details")),
    "release_spam_quarantine_messages": (BASIC, {"quarantine_message_ids": [43, 44]}, ("POST", "quarantine/messages")),
    "delete_spam_quarantine_messages": (BASIC, {"quarantine_message_ids": [43, 44]}, ("DELETE", "quarantine/messages")),
    "search_list_entries": (BASIC, {"list_type": "Blocklist", "view_by": "Recipient", "sender_name": "example"},
                            ("GET", "quarantine/blocklist")),
    "add_entries": (BASIC, {"list_type": "Safelist", "action": "Add", "view_by": "Recipient",
                            "recipient_addresses": ["a@corp.example"], "sender_list": ["bad.example"]},
                    ("POST", "quarantine/safelist")),
    "block_domain": (BASIC, {"action": "Append", "view_by": "Sender", "sender_addresses": ["bad.example"],
                             "recipients_list": ["a@corp.example"]}, ("POST", "quarantine/blocklist")),
    "block_email_addresses": (BASIC, {"senders": ["x@bad.example"], "recipients": ["a@corp.example", "test@test.com"]},
                              ("GET", "quarantine/blocklist")),
    "delete_entries": (BASIC, {"view_by": "Sender", "sender_list": ["bad.example", "worse.example"]},
                       ("DELETE", "quarantine/safelist")),
    "unblock_domains_or_email_addresses": (BASIC, {"domains_or_email_addresses": ["bad.example", "x@y.example"]},
                                           ("DELETE", "quarantine/blocklist")),
    "get_report": (BASIC, {**DAY, "counter_group": "mail_incoming_traffic_summary"}, ("GET", "reporting/*")),
    "fetch_event": (BASIC, {"messages_source": "Message Tracking", **DAY}, ("GET", "message-tracking/messages")),
    "test_connection": (BASIC, {}, ("GET", "login/privileges")),
}
# Further cases for handlers with more than one answer worth mutating.
EXTRA = {
    "fetch_event/quarantine": ("fetch_event", BASIC, {"messages_source": "Spam Quarantine", **DAY},
                               ("GET", "quarantine/messages")),
    "fetch_event/page": ("fetch_event", BASIC, {"messages_source": "Message Tracking", **DAY, "offset": 0, "limit": 10},
                         ("GET", "message-tracking/messages")),
    "test_connection/login": ("test_connection", JWT, {}, ("POST", "login")),
    "test_connection/tracking": ("test_connection", BASIC, {}, ("GET", "message-tracking/messages")),
    "block_email_addresses/post": ("block_email_addresses", BASIC,
                                   {"senders": ["x@bad.example"], "recipients": ["a@corp.example"]},
                                   ("POST", "quarantine/blocklist")),
    "get_report/detail": ("get_report", BASIC, {**DAY, "counter_group": "mail_incoming_domain_detail",
                                                "counter": "total_recipients", "top": 3}, ("GET", "reporting/*")),
}
ALL_CASES = {cid: (cid, *case) for cid, case in CASES.items()} | EXTRA


# ------------------------------------------------------------------ valid bodies to start from
class Bases(dict):
    def __repr__(self) -> str:  # hypothesis prints its arguments; the bodies are shown by their draws
        return f"<{len(self)} endpoints of valid answers>"


@pytest.fixture(scope="module")
def bases(sim_session) -> dict[tuple[str, str], list]:
    """(method, endpoint) -> valid answers: our fixture and (when present) the capture of every relevant
    name, and the simulator's own."""
    sim = sim_session
    sim.reset()
    world = sim.world

    def get(path, **query):
        r = requests.get(f"{sim.url}/esa/api/v2.0/{path}", params=query, auth=("admin", sim.password), timeout=10)
        assert r.status_code == 200, (path, r.text)
        return r.json()

    window = {"startDate": "2026-11-20T11:00:00.000Z", "endDate": "2026-11-20T12:00:00.000Z"}
    tracking = get("message-tracking/messages", **window, ciscoHost="All_Hosts", searchOption="messages",
                   offset=0, limit=20)
    sim.set_old_format(True)
    old = get("message-tracking/messages", **window, ciscoHost="All_Hosts", searchOption="messages", offset=0, limit=20)
    sim.set_old_format(False)
    # old and new formats in one answer: an upgrade half-way through a page
    mixed = {"meta": tracking.get("meta", {}), "data": tracking["data"][::2] + old["data"][1::2]}
    details = {}
    for kind, pick in (("details", world.pick_clean_message), ("amp-details", world.pick_amp_message),
                       ("dlp-details", world.pick_dlp_message), ("url-details", world.pick_url_message)):
        rec = pick()
        details[kind] = get(f"message-tracking/{kind}", serialNumber=rec["serialNumber"], mid=rec["mid"][0])
    qmid = world.pick_quarantine_mid()
    quarantine_window = {"startDate": "2026-11-19T12:00:00.000Z", "endDate": "2026-11-20T12:00:00.000Z"}
    out = {
        ("GET", "message-tracking/messages"): [*bodies("esa_message_search.json"), *bodies("sma_message_search.json"),
                                               tracking, old, mixed],
        ("GET", "message-tracking/details"): [*bodies("esa_message_details_get.json"),
                                              *bodies("sma_message_details_get.json"), details["details"]],
        ("GET", "message-tracking/amp-details"): [*bodies("esa_message_amp_details_get.json"),
                                                  *bodies("sma_message_amp_details_get.json"), details["amp-details"]],
        ("GET", "message-tracking/dlp-details"): [*bodies("esa_message_dlp_details_get.json"),
                                                  *bodies("sma_message_dlp_details_get.json"), details["dlp-details"]],
        ("GET", "message-tracking/url-details"): [*bodies("esa_message_url_details_get.json"),
                                                  *bodies("sma_message_url_details_get.json"), details["url-details"]],
        ("GET", "quarantine/messages"): [*bodies("esa_spam_quarantine_message_search.json"),
                                         *bodies("sma_spam_quarantine_message_search.json"),
                                         get("quarantine/messages", **quarantine_window, quarantineType="spam",
                                             orderBy="date", orderDir="desc", offset=0, limit=20)],
        ("GET", "quarantine/messages/details"): [*bodies("esa_spam_quarantine_message_get.json"),
                                                 *bodies("sma_spam_quarantine_message_get.json"),
                                                 get("quarantine/messages/details", mid=qmid, quarantineType="spam")],
        ("POST", "quarantine/messages"): [*bodies("sma_spam_quarantine_message_release.json"),
                                          {"data": {"action": "release", "totalCount": 1}}],
        ("DELETE", "quarantine/messages"): [*bodies("esa_spam_quarantine_message_delete.json"),
                                            *bodies("esa_spam_quarantine_message_delete_failed.json")],
        ("GET", "quarantine/blocklist"): [*bodies("esa_list_entry_get_blocklist.json"),
                                          *bodies("sma_list_entry_get_safelist.json"),
                                          get("quarantine/blocklist", action="view", quarantineType="spam",
                                              viewBy="recipient", offset=0, limit=20)],
        # the confirmation forms of asyncos-api §8.2
        ("POST", "quarantine/safelist"): [*bodies("esa_added_successfully.json"), *ADD_CONFIRMATIONS],
        ("POST", "quarantine/blocklist"): [*bodies("esa_added_successfully.json"), *ADD_CONFIRMATIONS],
        ("DELETE", "quarantine/safelist"): [{"data": {"action": "delete", "quarantineType": "spam", "totalCount": 1}}],
        ("DELETE", "quarantine/blocklist"): [{"data": {"action": "delete", "quarantineType": "spam", "totalCount": 1}}],
        ("GET", "reporting/*"): [*bodies("esa_report_get.json"), *bodies("sma_report_get.json"),
                                 get("reporting/mail_incoming_domain_detail/total_recipients",
                                     startDate="2026-11-19T12:00:00.000Z", endDate="2026-11-20T12:00:00.000Z",
                                     device_type="esa", top=3),
                                 get("reporting/mail_incoming_traffic_summary/detected_spam",
                                     startDate="2026-11-19T12:00:00.000Z", endDate="2026-11-20T12:00:00.000Z",
                                     device_type="esa")],
        ("GET", "login/privileges"): [{"data": ["message_tracking", "quarantine"]}, {"data": []}],
        ("POST", "login"): [*bodies("sma_login.json")],
    }
    sim.reset()
    return Bases(out)


ADD_CONFIRMATIONS = [
    {"data": {"message": "Added Successfully"}},
    {"meta": {"totalCount": 1}, "data": [{"recipientAddress": "r@corp.example", "senderList": ["x.example"]}]},
]


# ------------------------------------------------------------------ mutations
ODD_VALUES = ["N/A", "", 0, -1, 10 ** 30, -(10 ** 30), 1.5e308, True, False, None, [], {}, [None], {"a": 1},
              "x" * 2000, "0", "2022-09-20T14:54:50Z", "99 Foo 2022 99:99:99 (GMT +99:99)", [[]], "\u202e名😀"]


def _paths(node, prefix=()):
    """Every path inside a JSON value, the root included."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _set(body, path, value, delete=False):
    if not path:
        return value
    parent = body
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return body


def _leaves_to(node, value):
    if isinstance(node, dict):
        return {k: _leaves_to(v, value) for k, v in node.items()}
    if isinstance(node, list):
        return [_leaves_to(v, value) for v in node]
    return value


@st.composite
def mutated(draw, base):
    """A mutation of `base`: whole-body junk, "N/A" everywhere, or a few keys dropped / changed."""
    how = draw(st.sampled_from(["whole", "everywhere", "edit", "edit", "edit", "edit"]))
    if how == "whole":
        whole = draw(st.sampled_from([EMPTY, {}, [], "a string", None, 10 ** 30, "N/A", {"data": None},
                                      {"data": "N/A"}, {"data": {}}, {"data": []}, {"meta": {}}, [base]]))
        return whole if whole is EMPTY else copy.deepcopy(whole)
    if how == "everywhere":
        return _leaves_to(base, draw(st.sampled_from(["N/A", None, "", 0])))
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(body) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()):
            body = _set(body, path, None, delete=True)
        else:
            body = _set(body, path, copy.deepcopy(draw(st.sampled_from(ODD_VALUES))))
    return body


# ------------------------------------------------------------------ the check
def _matches(endpoint, request) -> bool:
    path = urlsplit(request.url).path.split("/api/v2.0/", 1)[-1]
    want_method, want = endpoint
    if request.method != want_method:
        return False
    return path.startswith(want[:-1]) if want.endswith("*") else path == want


def run_with(case, body) -> dict:
    cid, connection, params, endpoint = case

    def answer(request, context):
        chosen = body if _matches(endpoint, request) else plausible_body(request, context)
        context.status_code = 200
        return "" if chosen is EMPTY else json.dumps(chosen)

    crashes: list[logging.LogRecord] = []
    catcher = logging.Handler(level=logging.ERROR)
    catcher.emit = crashes.append
    logger = logging.getLogger("cisco_esa")
    logger.addHandler(catcher)
    try:
        with requests_mock.Mocker() as mock:
            mock.register_uri(requests_mock.ANY, requests_mock.ANY, text=answer)
            envelope = Integration(connection, clock=lambda: FROZEN_NOW).run(cid, params)
    finally:
        logger.removeHandler(catcher)
    # the traceback of an internal error, so that a failure here points at the line to fix
    assert not crashes, "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in crashes)
    return check_envelope(envelope, cid)


def assert_plain_outcome(envelope) -> None:
    """Failed only with an "unexpected response" or a not-found reading, in plain words."""
    for triplet in filter(None, [envelope["error"]] + [i["error"] for i in envelope["items"]]):
        message = triplet["message"]
        assert not any(w in message for w in CRASH_WORDS), f"a crash reached the user: {message}"
        if triplet["status_code"] == 404:
            assert "not found" in message.lower() or message.startswith("No "), message
        else:
            assert message.startswith(UNEXPECTED) and triplet["status_code"] == 200, triplet


MUTATE = settings(max_examples=max(100, EXAMPLES // 2), deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("case_id", sorted(ALL_CASES))
@MUTATE
@given(data=st.data())
def test_every_handler_mutated_answer_plain_failure_or_data(bases, case_id, data):
    case = ALL_CASES[case_id]
    base = data.draw(st.sampled_from(bases[case[3]]), label="base")
    body = data.draw(mutated(base), label="body")
    assert_plain_outcome(run_with(case, body))


@pytest.mark.parametrize("case_id", sorted(ALL_CASES))
def test_every_handler_unmutated_bases_successful(bases, case_id):
    """The starting bodies are themselves readable, so a failure above is the mutation's doing."""
    case = ALL_CASES[case_id]
    for base in bases[case[3]]:
        envelope = run_with(case, base)
        assert_plain_outcome(envelope)
        assert envelope["status"] != "Failed" or envelope["error"]["status_code"] == 404, envelope["error"]


@pytest.mark.parametrize("case_id", sorted(ALL_CASES))
@pytest.mark.parametrize("body", [EMPTY, {}, [], "a string", None, 10 ** 30, "N/A"],
                         ids=["empty", "{}", "[]", "string", "null", "huge", "N/A"])
def test_every_handler_junk_answer_failed_unexpected_response(bases, case_id, body):
    case = ALL_CASES[case_id]
    envelope = run_with(case, body)
    assert_plain_outcome(envelope)
    # an add/edit/append without its confirmation is Failed too (contract §3a)
    assert envelope["status"] == "Failed", envelope
