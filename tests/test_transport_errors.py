"""Transport failures read by exception type, never by English text: unresolvable hosts
(glibc, musl, temporary), refused connections on any OS, for reads and writes; the literal
transport table; capped Retry-After waits; the JWT re-login hook; the auto probe."""

from __future__ import annotations

import http.client
import socket
import ssl

import pytest
import requests
import requests_mock
import urllib3.util.connection
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from cisco_esa.asyncos.auth import JwtAuth
from cisco_esa.asyncos.body import NOT_JSON, decode_body
from cisco_esa.asyncos.detect import detect_appliance
from cisco_esa.asyncos.transport import Connection, Transport
from cisco_esa.core.outcome import (
    FALLBACK_FAILURE,
    ApplianceError,
    OutcomeUnknown,
    TransportError,
    UnexpectedResponse,
    classify,
    transport_error,
)
from cisco_esa.core.redaction import Secrets
from cisco_esa.core.outcome import NotSent
from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.reliability.matrix import recorded_sleeps

FI = "Test Connection failed. Failed to check the connector."
RELEASE_FI = "Release Spam Quarantine Messages failed."
BASE = "https://esa.test:6443/esa/api/v2.0"
HOST = "esa.test:6443"
COULD_NOT_CONNECT = ("Could not connect to {host} ({reason}): check server_url (scheme, host and port) and that the "
                     "AsyncOS API is enabled on that interface.")
BROKE_WRITE = ("The connection to {host} broke during POST quarantine/messages ({reason}); the change may or may not "
               "have been applied: check the appliance before trying again.")
RELEASE = {"action": "release", "quarantineType": "spam", "mids": [1]}


@pytest.fixture
def sleeps():
    """urllib3's retry waits recorded, never slept: the waits are asserted, not the clock."""
    with recorded_sleeps(real=False) as log:
        yield log


def transport(server_url: str = "https://esa.test:6443", **kw) -> Transport:
    return Transport(Connection(server_url=server_url, username="admin", password="pw", **kw))


def failed_test_connection(status_code, message) -> dict:
    return {"command": "test_connection", "display_name": "Test Connection", "status": "Failed", "data": {},
            "raw_data": {}, "items": [], "error": {"failure_indicator": FI, "status_code": status_code,
                                                   "message": message}}


# ---------------------------------------------------------------- unresolvable host
def test_transport_unresolvable_host_read_could_not_connect():
    with pytest.raises(TransportError) as info:
        transport("https://nonexistent.invalid:6443", auth="basic", timeout=5).get("login/privileges")
    assert type(info.value) is TransportError and info.value.status_code is None
    assert info.value.message == COULD_NOT_CONNECT.format(host="nonexistent.invalid:6443",
                                                          reason="host name could not be resolved")


def test_transport_unresolvable_host_write_never_sent_plain_failure():
    with pytest.raises(TransportError) as info:
        transport("https://nonexistent.invalid:6443", auth="basic", timeout=5).post("quarantine/messages", RELEASE)
    assert type(info.value) is TransportError  # never OutcomeUnknown: nothing left the host
    assert info.value.message == COULD_NOT_CONNECT.format(host="nonexistent.invalid:6443",
                                                          reason="host name could not be resolved")


RESOLVER_ERRORS = [
    pytest.param(socket.EAI_AGAIN, "Temporary failure in name resolution", id="temporary"),
    pytest.param(socket.EAI_NONAME, "Name does not resolve", id="musl"),
    pytest.param(socket.EAI_NONAME, "nodename nor servname provided, or not known", id="macos"),
]


@pytest.fixture
def resolver_fails(monkeypatch):
    def arm(code: int, text: str):
        def getaddrinfo(*args, **kwargs):
            raise socket.gaierror(code, text)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return arm


@pytest.mark.parametrize("code,text", RESOLVER_ERRORS)
@pytest.mark.parametrize("verb", ["get", "post", "delete"])
def test_transport_resolver_failure_any_wording_never_sent(resolver_fails, sleeps, code, text, verb):
    resolver_fails(code, text)
    c = transport("https://esa.example:6443", auth="basic", timeout=5)
    with pytest.raises(TransportError) as info:
        c.get("login/privileges") if verb == "get" else getattr(c, verb)("quarantine/messages", RELEASE)
    assert type(info.value) is TransportError and info.value.status_code is None
    assert info.value.message == COULD_NOT_CONNECT.format(host="esa.example:6443",
                                                          reason="host name could not be resolved")


def test_transport_resolver_temporary_failure_release_every_id_failed_none_unknown(resolver_fails, sleeps):
    resolver_fails(socket.EAI_AGAIN, "Temporary failure in name resolution")
    envelope = Integration({"server_url": "https://esa.example:6443", "username": "admin", "password": "pw",
                            "auth": "basic"}, clock=lambda: FROZEN_NOW).run(
        "release_spam_quarantine_messages", {"quarantine_message_ids": [11, 12]})
    error = {"failure_indicator": RELEASE_FI, "status_code": None,
             "message": COULD_NOT_CONNECT.format(host="esa.example:6443", reason="host name could not be resolved")}
    not_sent = {**error, "message": NotSent.MESSAGE}
    assert (envelope["status"], envelope["error"]) == ("Failed", {**error, "message": f"{error['message']} {NotSent.MESSAGE}"})
    assert [i["error"] for i in envelope["items"]] == [error, not_sent]
    assert envelope["data"]["outcome_unknown"] == [] and envelope["data"]["failed"] == [11, 12]


# ---------------------------------------------------------------- refused connection, any OS
@pytest.fixture
def refused(monkeypatch):
    """Every TCP connect refused the way Windows says it (WinError 10061), counted."""
    attempts = []

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        raise ConnectionRefusedError(10061, "No connection could be made because the target machine actively refused it")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return attempts


def test_transport_windows_refused_read_connection_refused_retried(refused, sleeps):
    with pytest.raises(TransportError) as info:
        transport(auth="basic").get("login/privileges")
    assert type(info.value) is TransportError
    assert info.value.message == COULD_NOT_CONNECT.format(host=HOST, reason="connection refused")
    assert len(refused) == 3 and sleeps.calls == [1.0]  # reads: 2 retries, urllib3's backoff before the second


@pytest.mark.parametrize("verb", ["post", "delete"])
def test_transport_windows_refused_write_never_sent_tried_once(refused, sleeps, verb):
    with pytest.raises(TransportError) as info:
        getattr(transport(auth="basic"), verb)("quarantine/messages", RELEASE)
    assert type(info.value) is TransportError
    assert info.value.message == COULD_NOT_CONNECT.format(host=HOST, reason="connection refused")
    assert len(refused) == 1 and sleeps.calls == []  # a write is never retried, not even a refused one


def test_transport_windows_refused_test_connection_whole_envelope(refused, sleeps):
    envelope = Integration({"server_url": "https://esa.test:6443", "username": "admin", "password": "pw"},
                           clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed_test_connection(None, COULD_NOT_CONNECT.format(host=HOST, reason="connection refused"))
    assert len(refused) == 1  # the login is a POST: tried once


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_transport_refused_post_real_socket_tried_once(monkeypatch):
    attempts = []
    real = urllib3.util.connection.create_connection

    def counting(*args, **kwargs):
        attempts.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    port = _closed_port()
    with pytest.raises(TransportError) as info:
        transport(f"http://127.0.0.1:{port}", auth="basic").post("quarantine/messages", RELEASE)
    assert type(info.value) is TransportError
    assert info.value.message == COULD_NOT_CONNECT.format(host=f"127.0.0.1:{port}", reason="connection refused")
    assert attempts == [("127.0.0.1", port)]


# ---------------------------------------------------------------- the table, literally
def _wrapped(inner: BaseException, *, cause: BaseException | None = None) -> requests.ConnectionError:
    """A failure as requests raises it once urllib3 gives up: ConnectionError(MaxRetryError(reason))."""
    if cause is not None:
        inner.__cause__ = cause
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/x", inner))


def _conn():
    return object()  # stands for the urllib3 connection the error names


def _ssl_error(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] {reason.lower().replace('_', ' ')}")
    error.reason = reason  # as the ssl module sets it from OpenSSL's code
    return error


TABLE = [
    # (id, exception, never sent, message for a read, message for a write)
    ("refused-linux", _wrapped(NewConnectionError(_conn(), "Failed"), cause=ConnectionRefusedError(111, "Connection refused")),
     True, COULD_NOT_CONNECT.format(host=HOST, reason="connection refused"), None),
    ("refused-windows", _wrapped(NewConnectionError(_conn(), "Failed"),
                                 cause=ConnectionRefusedError(10061, "No connection could be made")),
     True, COULD_NOT_CONNECT.format(host=HOST, reason="connection refused"), None),
    ("name-resolution", _wrapped(NameResolutionError("esa.test", _conn(), socket.gaierror(-3, "Temporary failure"))),
     True, COULD_NOT_CONNECT.format(host=HOST, reason="host name could not be resolved"), None),
    ("gaierror-bare", socket.gaierror(-2, "Name does not resolve"),
     True, COULD_NOT_CONNECT.format(host=HOST, reason="host name could not be resolved"), None),
    ("unreachable", _wrapped(NewConnectionError(_conn(), "Failed"), cause=OSError(101, "Network is unreachable")),
     True, COULD_NOT_CONNECT.format(host=HOST, reason="Network is unreachable"), None),
    ("connect-timeout", requests.exceptions.ConnectTimeout("timed out"),
     True, "Timed out connecting to esa.test:6443 after 60 s: check server_url, the port and any firewall in between.",
     None),
    ("connect-timeout-urllib3", _wrapped(ConnectTimeoutError(_conn(), "timed out"), cause=TimeoutError("timed out")),
     True, "Timed out connecting to esa.test:6443 after 60 s: check server_url, the port and any firewall in between.",
     None),
    ("proxy", requests.exceptions.ProxyError(MaxRetryError(None, "/x", ProxyError("Unable to connect to proxy",
                                                                                  ConnectionRefusedError(111, "x")))),
     True, "Could not reach esa.test:6443 through the proxy: check the proxy setting.", None),
    ("invalid-url", requests.exceptions.InvalidURL("No host supplied"),
     True, "server_url 'https://esa.test:6443' is not a usable URL: give scheme, host and port, e.g. "
           "https://esa.example:6443.", None),
    ("read-timeout", requests.exceptions.ReadTimeout("read timed out"),
     False, "No answer from esa.test:6443 within 60 s: check that the appliance is responsive, or raise timeout.",
     "No answer from esa.test:6443 within 60 s to POST quarantine/messages; the change may or may not have been "
     "applied: check the appliance before trying again."),
    ("read-timeout-retried", _wrapped(ReadTimeoutError(None, "/x", "Read timed out.")),
     False, "No answer from esa.test:6443 within 60 s: check that the appliance is responsive, or raise timeout.",
     "No answer from esa.test:6443 within 60 s to POST quarantine/messages; the change may or may not have been "
     "applied: check the appliance before trying again."),
    ("remote-disconnected", _wrapped(ProtocolError("Connection aborted.", http.client.RemoteDisconnected("closed"))),
     False, "The connection to esa.test:6443 broke before an answer came (the appliance closed the connection without "
            "answering): check that the appliance is up and responsive, then try again.",
     BROKE_WRITE.format(host=HOST, reason="the appliance closed the connection without answering")),
    ("reset", _wrapped(ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))),
     False, "The connection to esa.test:6443 broke before an answer came (connection reset): check that the appliance "
            "is up and responsive, then try again.",
     BROKE_WRITE.format(host=HOST, reason="connection reset")),
    ("reset-windows", _wrapped(ProtocolError("Connection aborted.", ConnectionResetError(10054, "An existing "
                                                                                          "connection was forcibly closed"))),
     False, "The connection to esa.test:6443 broke before an answer came (connection reset): check that the appliance "
            "is up and responsive, then try again.",
     BROKE_WRITE.format(host=HOST, reason="connection reset")),
    ("cut-off-body", requests.exceptions.ChunkedEncodingError(ProtocolError("Response ended prematurely")),
     False, "The connection to esa.test:6443 broke before an answer came (the connection broke): check that the "
            "appliance is up and responsive, then try again.",
     BROKE_WRITE.format(host=HOST, reason="the connection broke")),
    ("tls-eof", requests.exceptions.SSLError(MaxRetryError(None, "/x", SSLError(ssl.SSLEOFError(8, "EOF occurred")))),
     False, "The connection to esa.test:6443 broke before an answer came (the TLS connection was closed): check that "
            "the appliance is up and responsive, then try again.",
     BROKE_WRITE.format(host=HOST, reason="the TLS connection was closed")),
    ("tls-other", requests.exceptions.SSLError(MaxRetryError(None, "/x", SSLError(_ssl_error("DECRYPTION_FAILED_OR_BAD_RECORD_MAC")))),
     False, "The TLS connection to esa.test:6443 failed (DECRYPTION_FAILED_OR_BAD_RECORD_MAC): check that server_url's "
            "scheme and port are those of the appliance's HTTPS API.",
     "The TLS connection to esa.test:6443 failed during POST quarantine/messages (DECRYPTION_FAILED_OR_BAD_RECORD_MAC); "
     "the change may or may not have been applied: check the appliance before trying again."),
    # a first record that is no TLS record: the handshake never completed, nothing was sent (issue 15, point 4)
    ("tls-plain-http-port", requests.exceptions.SSLError(MaxRetryError(None, "/x", SSLError(_ssl_error("WRONG_VERSION_NUMBER")))),
     True, "The TLS handshake with esa.test:6443 failed (WRONG_VERSION_NUMBER): the port speaks plain HTTP: use http:// "
           "or the HTTPS port in server_url.", None),
    ("generic-connection-error", requests.exceptions.ConnectionError("boom"),
     False, COULD_NOT_CONNECT.format(host=HOST, reason="boom"), BROKE_WRITE.format(host=HOST, reason="boom")),
    ("anything-else", requests.exceptions.RequestException("odd"),
     False, "The request to esa.test:6443 failed: odd.",
     "The request POST quarantine/messages to esa.test:6443 failed (odd); the change may or may not have been "
     "applied: check the appliance before trying again."),
]
TABLE = [pytest.param(*row[1:], id=row[0]) for row in TABLE]


def translate(exc: BaseException, write: bool) -> TransportError:
    return transport_error(exc, write=write, host=HOST, method="POST" if write else "GET",
                           path="quarantine/messages" if write else "login/privileges", timeout=60,
                           server_url="https://esa.test:6443")


@pytest.mark.parametrize("exc,never_sent,read_message,write_message", TABLE)
def test_transport_table_row_literal(exc, never_sent, read_message, write_message):
    failure, _ = classify(exc)
    assert failure.never_sent is never_sent
    read = translate(exc, write=False)
    assert (type(read), read.status_code, read.message) == (TransportError, None, read_message)
    write = translate(exc, write=True)
    expected = (TransportError, read_message) if never_sent else (OutcomeUnknown, write_message)
    assert (type(write), write.message) == expected


def test_transport_table_tls_verification_names_the_verify_message():
    inner = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    inner.verify_message = "self-signed certificate"
    exc = requests.exceptions.SSLError(MaxRetryError(None, "/x", SSLError(inner)))
    message = ("TLS verification of esa.test:6443 failed: certificate verify failed (self-signed certificate). Pass "
               "the appliance's CA with --ca-bundle (connection ca_bundle), or turn verification off with "
               "--no-verify-tls (verify_tls: false) if you accept the risk.")
    for write in (False, True):
        error = translate(exc, write)
        assert (type(error), error.message) == (TransportError, message)


def test_transport_table_unknown_exception_falls_back_to_may_have_been_sent():
    failure, matched = classify(ValueError("strange"))
    assert failure is FALLBACK_FAILURE and failure.never_sent is False and str(matched) == "strange"


# ---------------------------------------------------------------- Retry-After caps (waits asserted, not slept)
def tracking_statuses(sim) -> list:
    return [e["status"] for e in sim.request_log if e["path"].endswith("/message-tracking/messages")]


def test_transport_retry_after_40_with_timeout_60_not_waited_failed_429(sim, sleeps):
    sim.inject("message-tracking/messages", "rate_limit", retry_after=40)
    envelope = Integration(sim.connection(timeout=60), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed_test_connection(429, "Too Many Requests.")
    assert sleeps.calls == [] and tracking_statuses(sim) == [429]


def test_transport_retry_after_cap_holds_on_the_second_retry(sim, sleeps):
    # timeout 5 caps Retry-After at 5 s: the first 1 s is waited, the second answer's 10 s is not.
    sim.inject("message-tracking/messages", "rate_limit", retry_after=1)
    sim.inject("message-tracking/messages", "rate_limit", retry_after=10)
    envelope = Integration(sim.connection(timeout=5), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed_test_connection(429, "Too Many Requests.")
    assert sleeps.calls == [1] and tracking_statuses(sim) == [429, 429]


def test_transport_retry_after_within_cap_waited_on_second_retry(sim, sleeps):
    sim.inject("message-tracking/messages", "rate_limit", retry_after=1)
    sim.inject("message-tracking/messages", "rate_limit", retry_after=4)
    envelope = Integration(sim.connection(timeout=5), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert sleeps.calls == [1, 4] and tracking_statuses(sim) == [429, 429, 200]


# ---------------------------------------------------------------- JWT: answers that are not the appliance's
@pytest.fixture
def mock():
    with requests_mock.Mocker(case_sensitive=True) as m:
        yield m


def login_ok(token="tok-1") -> dict:
    return {"json": {"data": {"userName": "admin", "role": "Administrator", "jwtToken": token}}}


AUTH_401 = ("HTTP 401 Unauthorized. Authentication failed: check username and password, and that the account may use "
            "the API.")
EXPIRED = {"status_code": 401, "json": {"error": {"message": "ExpiredSignatureError.", "code": "401"}}}


def test_transport_jwt_401_html_from_a_proxy_failed_401_no_relogin(mock):
    login = mock.post(f"{BASE}/login", [login_ok()])
    mock.get(f"{BASE}/login/privileges", status_code=401, text="<html><body>Proxy login required</body></html>",
             headers={"Content-Type": "text/html"})
    envelope = Integration({"server_url": "https://esa.test:6443", "username": "admin", "password": "pw"},
                           clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed_test_connection(401, AUTH_401)
    assert login.call_count == 1 and mock.call_count == 2


def test_transport_jwt_401_html_on_a_write_recorded_body_null_failed_401(mock):
    mock.post(f"{BASE}/login", [login_ok()])
    mock.delete(f"{BASE}/quarantine/blocklist", status_code=401, text="<html>Proxy login required</html>")
    envelope = Integration({"server_url": "https://esa.test:6443", "username": "admin", "password": "pw"},
                           clock=lambda: FROZEN_NOW).run("unblock_domains_or_email_addresses",
                                                         {"domains_or_email_addresses": ["a.example"]})
    error = {"failure_indicator": "Unblock Domains or Email Addresses failed.", "status_code": 401, "message": AUTH_401}
    assert envelope == {
        "command": "unblock_domains_or_email_addresses", "display_name": "Unblock Domains or Email Addresses",
        "status": "Failed", "error": error, "items": [{"id": "a.example", "status": "Failed", "error": error}],
        "data": {"list_type": "blocklist", "view_by": "sender", "deleted": [], "not_found": [], "failed": ["a.example"],
                 "outcome_unknown": [], "total_count": 0,
                 "counts": {"requested": 1, "deleted": 0, "not_found": 0, "failed": 1, "outcome_unknown": 0}},
        "raw_data": {"responses": [{"entry": "a.example", "status": 401, "body": None}]}}
    assert [(r.method, r.path) for r in mock.request_history] == [("POST", "/esa/api/v2.0/login"),
                                                                 ("DELETE", "/esa/api/v2.0/quarantine/blocklist")]


def test_transport_jwt_login_answered_401_html_failed_401(mock):
    mock.post(f"{BASE}/login", status_code=401, text="<html>Unauthorized</html>")
    envelope = Integration({"server_url": "https://esa.test:6443", "username": "admin", "password": "pw"},
                           clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed_test_connection(401, AUTH_401)
    assert mock.call_count == 1


def test_transport_login_answered_400_reports_the_appliance_message(mock):
    mock.post(f"{BASE}/login", status_code=400, json={"error": {"message": "Unable to decode the passphrase.",
                                                               "code": "400"}})
    envelope = Integration({"server_url": "https://esa.test:6443", "username": "admin", "password": "pw"},
                           clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed_test_connection(400, "Unable to decode the passphrase.")
    assert mock.call_count == 1


def test_transport_login_answered_200_not_json_unexpected_response(mock):
    mock.post(f"{BASE}/login", text="<html>portal</html>")
    with pytest.raises(UnexpectedResponse) as info:
        transport().get("login/privileges")
    assert (info.value.status_code, info.value.message) == (
        200, "Unexpected response from the appliance: the login answer carries no jwtToken.")


def test_transport_write_401_expired_relogin_and_sent_once_more(mock):
    login = mock.post(f"{BASE}/login", [login_ok("tok-1"), login_ok("tok-2")])
    posts = mock.post(f"{BASE}/quarantine/messages", [EXPIRED, {"json": {"data": {"totalCount": 1}}}])
    c = transport()
    assert c.post("quarantine/messages", RELEASE).body == {"data": {"totalCount": 1}}
    assert [(r.path, r.headers.get("jwtToken")) for r in mock.request_history] == [
        ("/esa/api/v2.0/login", None), ("/esa/api/v2.0/quarantine/messages", "tok-1"),
        ("/esa/api/v2.0/login", None), ("/esa/api/v2.0/quarantine/messages", "tok-2")]
    assert posts.call_count == 2 and login.call_count == 2 and c.logins == 2
    assert [r.json() for r in posts.request_history] == [RELEASE, RELEASE]


def test_transport_write_401_twice_failed_401_sent_twice_only(mock):
    login = mock.post(f"{BASE}/login", [login_ok("tok-1"), login_ok("tok-2"), login_ok("tok-3")])
    posts = mock.post(f"{BASE}/quarantine/messages", [EXPIRED, EXPIRED, EXPIRED])
    with pytest.raises(ApplianceError) as info:
        transport().post("quarantine/messages", RELEASE)
    assert (info.value.status_code, info.value.message) == (401, "ExpiredSignatureError.")
    assert posts.call_count == 2 and login.call_count == 2


def test_transport_relogin_failing_is_the_login_error_not_outcome_unknown(mock):
    mock.post(f"{BASE}/login", [login_ok("tok-1"), {"exc": requests.exceptions.ReadTimeout("read timed out")}])
    mock.post(f"{BASE}/quarantine/messages", [EXPIRED])
    with pytest.raises(TransportError) as info:
        transport().post("quarantine/messages", RELEASE)
    # the write was refused before anything was done and the login changes nothing: a plain failure
    assert type(info.value) is TransportError
    assert info.value.message == ("No answer from esa.test:6443 within 60 s: check that the appliance is responsive, "
                                  "or raise timeout.")


def test_transport_refreshed_token_on_a_relogin_answer_adopted(mock):
    mock.post(f"{BASE}/login", [login_ok("tok-1"), login_ok("tok-2")])
    mock.get(f"{BASE}/login/privileges", [EXPIRED, {"json": {"data": []}, "headers": {"jwtToken": "tok-3"}},
                                         {"json": {"data": []}}])
    c = transport()
    c.get("login/privileges")
    c.get("login/privileges")
    assert [r.headers.get("jwtToken") for r in mock.request_history] == [None, "tok-1", None, "tok-2", "tok-3"]
    assert c.logins == 2


# ---------------------------------------------------------------- the body: decoded, masked, parsed
@pytest.mark.parametrize("content,status,expected", [
    (b"", 200, None), (b"", 500, None), (b'{"data": [1]}', 200, {"data": [1]}), (b'{"error": {}}', 401, {"error": {}}),
    (b"<html>proxy</html>", 401, None), (b"<html>down</html>", 502, None), (b"<html>portal</html>", 200, NOT_JSON),
    (b'{"data": ', 200, NOT_JSON), (b"<html>", 399, NOT_JSON), (b"<html>", 400, None),
])
def test_transport_decode_body(content, status, expected):
    body = decode_body(content, None, status, Secrets())
    assert body is expected if expected is None or expected is NOT_JSON else body == expected


def test_transport_decode_body_masks_an_echoed_secret_and_keeps_the_charset():
    secrets = Secrets()
    secrets.add("S3cret!pass")
    body = decode_body('{"echo": "S3cret!pass", "name": "é"}'.encode("latin-1"), "latin-1", 200, secrets)
    assert body == {"echo": "***", "name": "é"}


# ---------------------------------------------------------------- JwtAuth alone: the generation guard
class Logins:
    def __init__(self):
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"tok-{self.count}"


def test_jwt_auth_stale_holder_reuses_the_new_token():
    login = Logins()
    auth = JwtAuth(login)
    token, generation = auth.current()
    assert (token, generation, login.count) == ("tok-1", 1, 1)
    assert auth.relogin(generation) == ("tok-2", 2)
    # a second thread refused with tok-1 (generation 1) takes tok-2 without logging in
    assert auth.relogin(generation) == ("tok-2", 2) and login.count == 2 and auth.logins == 2


def test_jwt_auth_refresh_adopted_only_over_the_token_it_answered():
    auth = JwtAuth(Logins())
    token, generation = auth.current()
    auth.adopt("fresh-1", token, generation)
    assert auth.current() == ("fresh-1", 2)
    auth.adopt("late", token, generation)  # answered to tok-1, after fresh-1 replaced it
    auth.adopt("fresh-1", "fresh-1", 2)    # the same token echoed back
    assert auth.current() == ("fresh-1", 2) and auth.logins == 1


def test_jwt_auth_every_token_reported_for_masking():
    seen = []
    auth = JwtAuth(Logins(), on_token=seen.append)
    token, generation = auth.current()
    auth.adopt("fresh-1", token, generation)
    auth.relogin(2)
    assert seen == ["tok-1", "fresh-1", "tok-2"]


# ---------------------------------------------------------------- auto detection
def test_detect_appliance_redirect_is_not_an_answer():
    assert detect_appliance({"esa": 302, "sma": 401}.get, "https://x", "v2.0") == "sma"
    assert detect_appliance({"esa": 401, "sma": 404}.get, "https://x", "v2.0") == "esa"
    assert detect_appliance({"esa": 404, "sma": 200}.get, "https://x", "v2.0") == "sma"
    with pytest.raises(TransportError) as info:
        detect_appliance({"esa": 404, "sma": 307}.get, "https://x", "v3.0")
    assert info.value.message == ("Neither /esa/api/v3.0 nor /sma/api/v3.0 answers at https://x: check server_url "
                                  "and api_version, or set appliance to esa or sma.")


def test_transport_auto_probe_never_follows_a_redirect(mock):
    mock.get(f"{BASE}/login/privileges", status_code=302, headers={"Location": "https://portal.test/login"})
    mock.get("https://esa.test:6443/sma/api/v2.0/login/privileges", [{"status_code": 401, "json": {}},
                                                                    {"json": {"data": []}}])
    mock.post("https://esa.test:6443/sma/api/v2.0/login", **login_ok())
    c = transport(appliance="auto")
    c.get("login/privileges")
    assert c.appliance == "sma"
    assert [(r.method, r.url) for r in mock.request_history] == [
        ("GET", f"{BASE}/login/privileges"), ("GET", "https://esa.test:6443/sma/api/v2.0/login/privileges"),
        ("POST", "https://esa.test:6443/sma/api/v2.0/login"),
        ("GET", "https://esa.test:6443/sma/api/v2.0/login/privileges")]
    assert "jwtToken" not in mock.request_history[0].headers or mock.request_history[0].headers["jwtToken"] == "probe"


def test_transport_auto_probe_refused_is_could_not_connect(refused, sleeps):
    with pytest.raises(TransportError) as info:
        transport(appliance="auto").get("login/privileges")
    assert info.value.message == COULD_NOT_CONNECT.format(host=HOST, reason="connection refused")
