"""Outcomes: the one status derivation and the one table from HTTP status / transport error to
outcome and retry rule (contract §3, §3a), one test per row."""

from __future__ import annotations

import socket
import time

import pytest
from http import HTTPStatus

from cisco_esa.asyncos.transport import Transport, Connection
from cisco_esa.core.outcome import (
    ERROR_TABLE,
    FALLBACK_RULE,
    RETRY_READ_STATUSES,
    SERVER_RULE,
    ApplianceError,
    CommandError,
    InputError,
    Item,
    NotFound,
    OutcomeUnknown,
    TransportError,
    UnexpectedResponse,
    bodies,
    derive_status,
    http_error,
    rule_for,
    transport_error,
)

FI = "Get AMP Details failed."


# ---------------------------------------------------------------- derive_status
def test_outcome_no_items_no_error_successful():
    assert derive_status(None, None, FI) == ("Successful", None)
    assert derive_status([], None, FI) == ("Successful", None)


def test_outcome_exception_failed_with_triplet():
    assert derive_status(None, ApplianceError("Invalid username or passphrase.", 401), FI) == (
        "Failed", {"failure_indicator": FI, "status_code": 401, "message": "Invalid username or passphrase."})


def test_outcome_exception_wins_over_good_items():
    status, error = derive_status([Item(1)], TransportError("no answer"), FI)
    assert status == "Failed" and error == {"failure_indicator": FI, "status_code": None, "message": "no answer"}


def test_outcome_all_items_ok_successful():
    assert derive_status([Item(1, data={}), Item(2, data={})], None, FI) == ("Successful", None)


def test_outcome_some_items_failed_partially_successful():
    items = [Item(4411), Item(4412, NotFound("Message ID 4412 not found on appliance X."))]
    assert derive_status(items, None, FI) == ("Partially Successful", {
        "failure_indicator": FI, "status_code": 404, "message": "Message ID 4412 not found on appliance X."})


def test_outcome_all_items_failed_failed_messages_joined_once_each():
    items = [Item(1, NotFound("A.")), Item(2, ApplianceError("B.", 500)), Item(3, NotFound("A."))]
    assert derive_status(items, None, FI) == ("Failed", {"failure_indicator": FI, "status_code": 404, "message": "A. B."})


def test_outcome_item_ok_property():
    assert Item(1).ok and not Item(1, CommandError("x")).ok


def test_outcome_typed_errors_carry_their_status():
    assert InputError(["a: bad", "b: bad"]).status_code == 400
    assert InputError(["a: bad", "b: bad"]).message == "Invalid input: a: bad; b: bad"
    assert NotFound("gone").status_code == 404
    assert TransportError("x").status_code is None
    assert isinstance(OutcomeUnknown("x"), TransportError) and OutcomeUnknown("x").status_code is None
    assert UnexpectedResponse("no data.").message == "Unexpected response from the appliance: no data."
    assert UnexpectedResponse("no data.").status_code == 200


# ---------------------------------------------------------------- the error table, one row per test
EXPECTED_TABLE = {
    # status: (retry a read?, the exact hint): written out here, never read from the table under test
    400: (False, "The appliance rejected the request as malformed."),
    401: (False, "Authentication failed: check username and password, and that the account may use the API."),
    403: (False, "The account's role does not allow this operation: check its user role on the appliance."),
    404: (False, "Nothing matches the request: check server_url, appliance (esa or sma) and api_version."),
    405: (False, "The appliance does not allow this method here: check api_version."),
    406: (False, "The appliance cannot produce an acceptable answer for this request."),
    413: (False, "The request is too large for the appliance: send fewer values at once."),
    414: (False, "The request URL is too long for the appliance: use fewer or shorter filters."),
    429: (True, "The appliance is rate-limiting requests: retry later."),
    500: (False, "The appliance reported an internal error."),
    501: (False, "The appliance does not implement this request: check its AsyncOS version and api_version."),
    502: (True, "The appliance, or a proxy in front of it, is unavailable (bad gateway): retry later."),
    503: (True, "The appliance is unavailable: retry later."),
    504: (True, "The appliance, or a proxy in front of it, timed out: retry later."),
}


def test_outcome_table_rows_are_exactly_the_expected_statuses():
    assert sorted(ERROR_TABLE) == sorted(EXPECTED_TABLE)
    assert RETRY_READ_STATUSES == {429, 502, 503, 504}


@pytest.mark.parametrize("status", sorted(EXPECTED_TABLE))
def test_outcome_table_row(status):
    retry, hint = EXPECTED_TABLE[status]
    rule = rule_for(status)
    assert rule is ERROR_TABLE[status]
    assert (rule.retry_read, rule.hint) == (retry, hint)
    # With the appliance's error body: its own message and status (contract §3).
    body = {"error": {"message": f"Appliance says {status}.", "code": str(status), "explanation": "x"}}
    err = http_error(status, body)
    assert isinstance(err, ApplianceError)
    assert (err.status_code, err.message, err.raw) == (status, f"Appliance says {status}.", body)
    # Without one (HTML page, empty body): the status, its phrase and what to check.
    bare = http_error(status, None)
    assert (bare.status_code, bare.message) == (status, f"HTTP {status} {HTTPStatus(status).phrase}. {hint}")


@pytest.mark.parametrize("status, rule", [(402, FALLBACK_RULE), (409, FALLBACK_RULE), (418, FALLBACK_RULE),
                                          (505, SERVER_RULE), (599, SERVER_RULE)])
def test_outcome_status_missing_from_table_falls_back(status, rule):
    assert rule_for(status) is rule and rule.retry_read is False
    assert rule.hint == ("The appliance reported an error." if status >= 500 else "The appliance refused the request.")


@pytest.mark.parametrize("body", [{"error": {"message": "  "}}, {"error": "boom"}, {"message": "x"}, "<html>", [], None])
def test_outcome_http_error_without_usable_message_explains_status(body):
    assert http_error(503, body).message == "HTTP 503 Service Unavailable. The appliance is unavailable: retry later."


def test_outcome_http_error_unknown_status_code_still_readable():
    assert http_error(599, None).message == "HTTP 599 HTTP error. The appliance reported an error."


# ---------------------------------------------------------------- transport failures: null status + what to check
def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_outcome_connection_refused_null_status_says_what_to_check():
    port = _closed_port()
    client = Transport(Connection(server_url=f"http://127.0.0.1:{port}", username="admin", password="pw", timeout=5))
    with pytest.raises(TransportError) as info:
        client.get("login/privileges")
    assert info.value.status_code is None
    assert info.value.message == (
        f"Could not connect to 127.0.0.1:{port} (connection refused): check server_url (scheme, host and port) "
        "and that the AsyncOS API is enabled on that interface.")


def test_outcome_read_timeout_null_status_says_what_to_check(sim):
    client = Transport(Connection(server_url=sim.url, username="admin", password=sim.password, timeout=0.3))
    client.ensure_login()
    sim.inject("login/privileges", "delay", delay=1.0, count=3)  # every one of the 3 tries times out
    started = time.monotonic()
    with pytest.raises(TransportError) as info:
        client.get("login/privileges")
    assert time.monotonic() - started < 10
    assert type(info.value) is TransportError and info.value.status_code is None
    host = sim.url.split("//")[1]
    assert info.value.message == (
        f"No answer from {host} within 0.3 s: check that the appliance is responsive, or raise timeout.")


def test_outcome_write_timeout_outcome_unknown(sim):
    client = Transport(Connection(server_url=sim.url, username="admin", password=sim.password, timeout=0.3))
    client.ensure_login()
    sim.inject("quarantine/messages", "delay", delay=1.0, method="POST")
    with pytest.raises(OutcomeUnknown) as info:
        client.post("quarantine/messages", {"action": "release", "quarantineType": "spam", "mids": [1]})
    assert info.value.status_code is None
    assert "within 0.3 s to POST quarantine/messages; the change may or may not have been applied" in info.value.message
    # The simulator logs a request once it has answered it, after its delay.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(e["path"].endswith("quarantine/messages") for e in sim.request_log):
        time.sleep(0.05)
    time.sleep(0.5)
    assert [e["method"] for e in sim.request_log if e["path"].endswith("quarantine/messages")] == ["POST"]


def test_outcome_unusable_server_url_null_status():
    client = Transport(Connection(server_url="http://", username="admin", password="pw", timeout=1))
    with pytest.raises(TransportError) as info:
        client.get("login/privileges")
    assert info.value.status_code is None


# ---------------------------------------------------------------- defaults and raw_data (mutants that survived)
def test_outcome_command_error_defaults_no_status_no_raw():
    err = CommandError("x")
    assert (err.message, err.status_code, err.raw, str(err)) == ("x", None, None, "x")


def test_outcome_bodies_only_answered_items_keyed_by_id():
    items = [Item(1), Item(2, status=404, body={"error": {}}), Item(3, status=200, body=None), Item(4, sent=True)]
    assert (Item(9).status, Item(9).body, Item(9).data, Item(9).error, Item(9).sent) == (None, None, None, None, False)
    assert bodies(items) == {"2": {"error": {}}, "3": None}


def test_outcome_tls_reason_is_the_innermost_ssl_error():
    import ssl

    import requests
    from urllib3.exceptions import MaxRetryError, SSLError

    inner = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    inner.reason = "WRONG_VERSION_NUMBER"
    outer = ssl.SSLError(1, "[SSL] wrapper")
    outer.reason = "WRAPPER"
    outer.__cause__ = inner
    exc = requests.exceptions.SSLError(MaxRetryError(None, "/x", SSLError(outer)))
    err = transport_error(exc, write=False, host="esa.test:6443", method="GET", path="x", timeout=60,
                          server_url="https://esa.test:6443")
    assert "(WRONG_VERSION_NUMBER)" in err.message and "WRAPPER" not in err.message
