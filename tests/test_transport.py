"""The HTTP client: auth flows and request shapes with requests-mock (exact requests, call
counts), then retries, thread safety and TLS over real HTTP against the built-in simulator."""

from __future__ import annotations

import base64
import logging
import re
import socket
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import requests_mock
from urllib3.exceptions import InsecureRequestWarning

from cisco_esa.asyncos.transport import Transport, Connection
from cisco_esa.integration import Integration
from cisco_esa.core.registry import manifest
from cisco_esa.core.outcome import ApplianceError, Result, UnexpectedResponse
from tests.conftest import FROZEN_NOW

BASE = "https://esa.test:6443/esa/api/v2.0"
USER, PASSWORD = "soar_api", "S3cret!pass word"
FI = "Test Connection failed. Failed to check the connector."
TRACKING_QUERY = {"startDate": ["2026-11-20T11:30:00.000Z"], "endDate": ["2026-11-20T12:30:00.000Z"],
                  "ciscoHost": ["All_Hosts"], "searchOption": ["messages"], "offset": ["0"], "limit": ["1"]}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def conn(**overrides) -> dict:
    return {"server_url": "https://esa.test:6443", "username": USER, "password": PASSWORD, **overrides}


def client(**overrides) -> Transport:
    return Transport(Connection(**conn(**overrides)))


def login_answer(token: str, role: str = "Administrator") -> dict:
    return {"json": {"data": {"userName": USER, "is2FactorRedirectRequired": "false", "role": role,
                              "email": [], "jwtToken": token}}}


EXPIRED = {"status_code": 401, "json": {"error": {"message": "ExpiredSignatureError.", "code": "401",
                                                  "explanation": "401 = No permission -- see authorization schemes."}}}
INVALID = {"status_code": 401, "json": {"error": {"message": "InvalidTokenError.", "code": "401",
                                                  "explanation": "401 = No permission -- see authorization schemes."}}}


@pytest.fixture
def mock():
    with requests_mock.Mocker(case_sensitive=True) as m:
        yield m


PROBES = 6  # test_connection's one read per configuration API (asyncos-api-extension §19 point 10)


def mock_test_connection(m, logins=None):
    """The three calls of test_connection; returns the login matcher."""
    login = m.post(f"{BASE}/login", logins or [login_answer("tok-1")])
    m.get(f"{BASE}/login/privileges", json={"data": ["e_message_tracking_messages"]})
    m.get(f"{BASE}/message-tracking/messages", json={"meta": {"totalCount": 0}, "data": []})
    m.get(re.compile(re.escape(f"{BASE}/config/")), json={"data": []})  # its probes of the configuration APIs
    return login


def history(m) -> list[tuple]:
    return [(r.method, urlsplit(r.url).path.rsplit("/v2.0/", 1)[1], r.headers.get("jwtToken")) for r in m.request_history]


# ---------------------------------------------------------------- JWT login and token use
def test_client_jwt_login_body_is_base64_data_object(mock):
    mock_test_connection(mock)
    c = client()
    c.get("login/privileges")
    login = mock.request_history[0]
    assert (login.method, login.url) == ("POST", f"{BASE}/login")
    assert login.json() == {"data": {"userName": b64(USER), "passphrase": b64(PASSWORD)}}
    assert login.headers["Content-Type"] == "application/json"
    assert "Authorization" not in login.headers and "jwtToken" not in login.headers
    assert login.timeout == 60 and login.verify is True


def test_client_jwt_header_on_later_calls_never_authorization(mock):
    mock_test_connection(mock)
    c = client()
    c.get("login/privileges")
    c.get("message-tracking/messages")
    assert history(mock) == [("POST", "login", None), ("GET", "login/privileges", "tok-1"),
                             ("GET", "message-tracking/messages", "tok-1")]
    assert all("Authorization" not in r.headers for r in mock.request_history)
    assert all(r.headers["Accept"] == "application/json" for r in mock.request_history)
    assert c.login_info == {"userName": USER, "is2FactorRedirectRequired": "false", "role": "Administrator", "email": []}


def test_client_token_reused_across_commands_of_one_integration(mock):
    login = mock_test_connection(mock)
    integration = Integration(conn(), clock=lambda: FROZEN_NOW)
    statuses = [integration.run("test_connection")["status"] for _ in range(3)]
    assert statuses == ["Successful"] * 3
    assert login.call_count == 1
    assert mock.call_count == 1 + 3 * (2 + PROBES)
    tracking = [r for r in mock.request_history if r.path.endswith("/message-tracking/messages")]
    assert all(parse_qs(urlsplit(r.url).query) == TRACKING_QUERY for r in tracking)


def test_client_refreshed_token_header_adopted_on_next_call(mock):
    mock.post(f"{BASE}/login", [login_answer("tok-1")])
    mock.get(f"{BASE}/login/privileges", [{"json": {"data": []}, "headers": {"jwtToken": "tok-2"}},
                                         {"json": {"data": []}}, {"json": {"data": []}}])
    c = client()
    c.get("login/privileges")
    c.get("login/privileges")
    c.get("login/privileges")
    assert history(mock) == [("POST", "login", None), ("GET", "login/privileges", "tok-1"),
                             ("GET", "login/privileges", "tok-2"), ("GET", "login/privileges", "tok-2")]
    assert c.logins == 1


@pytest.mark.parametrize("stale", [EXPIRED, INVALID], ids=["expired", "invalid"])
def test_client_token_error_exactly_one_relogin(mock, stale):
    login = mock.post(f"{BASE}/login", [login_answer("tok-1"), login_answer("tok-2")])
    mock.get(f"{BASE}/login/privileges", [{"json": {"data": ["a"]}}, stale, {"json": {"data": ["b"]}}])
    c = client()
    assert c.get("login/privileges").body == {"data": ["a"]}
    assert c.get("login/privileges").body == {"data": ["b"]}
    assert history(mock) == [("POST", "login", None), ("GET", "login/privileges", "tok-1"),
                             ("GET", "login/privileges", "tok-1"), ("POST", "login", None),
                             ("GET", "login/privileges", "tok-2")]
    assert login.call_count == 2


def test_client_second_401_after_relogin_failed_401_no_third_login(mock):
    login = mock.post(f"{BASE}/login", [login_answer("tok-1"), login_answer("tok-2"), login_answer("tok-3")])
    mock.get(f"{BASE}/login/privileges", [EXPIRED, EXPIRED, EXPIRED])
    envelope = Integration(conn(), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == {"command": "test_connection", "display_name": "Test Connection", "status": "Failed",
                        "data": {}, "raw_data": {}, "items": [],
                        "error": {"failure_indicator": FI, "status_code": 401, "message": "ExpiredSignatureError."}}
    assert login.call_count == 2
    assert history(mock) == [("POST", "login", None), ("GET", "login/privileges", "tok-1"),
                             ("POST", "login", None), ("GET", "login/privileges", "tok-2")]


def test_client_other_401_no_relogin(mock):
    login = mock.post(f"{BASE}/login", [login_answer("tok-1")])
    mock.get(f"{BASE}/login/privileges", status_code=401, json={"error": {"message": "Invalid username or passphrase."}})
    with pytest.raises(ApplianceError) as info:
        client().get("login/privileges")
    assert (info.value.status_code, info.value.message) == (401, "Invalid username or passphrase.")
    assert login.call_count == 1 and mock.call_count == 2


def test_client_cookies_dropped_on_relogin(mock):
    mock.post(f"{BASE}/login", [login_answer("tok-1"), login_answer("tok-2")])
    mock.get(f"{BASE}/login/privileges", [{"json": {"data": []}}, EXPIRED, {"json": {"data": []}}])
    c = client()
    c.get("login/privileges")
    c.session.cookies.set("JSESSIONID", "stale-session", domain="esa.test", path="/")  # as an appliance might set
    c.get("login/privileges")
    sent = [(r.method, r.path, r.headers.get("Cookie")) for r in mock.request_history]
    assert sent == [("POST", "/esa/api/v2.0/login", None), ("GET", "/esa/api/v2.0/login/privileges", None),
                    ("GET", "/esa/api/v2.0/login/privileges", "JSESSIONID=stale-session"),
                    ("POST", "/esa/api/v2.0/login", None), ("GET", "/esa/api/v2.0/login/privileges", None)]
    assert len(c.session.cookies) == 0


def test_client_login_rejected_is_appliance_401(mock):
    mock.post(f"{BASE}/login", status_code=401, json={"error": {"message": "Invalid username or passphrase.", "code": "401"}})
    with pytest.raises(ApplianceError) as info:
        client().get("login/privileges")
    assert (info.value.status_code, info.value.message) == (401, "Invalid username or passphrase.")
    assert mock.call_count == 1


def test_client_login_without_token_unexpected_response(mock):
    mock.post(f"{BASE}/login", json={"data": {"userName": USER}})
    with pytest.raises(UnexpectedResponse, match="no jwtToken"):
        client().get("login/privileges")


# ---------------------------------------------------------------- Basic
def test_client_basic_sends_authorization_never_logs_in(mock):
    login = mock_test_connection(mock)
    envelope = Integration(conn(auth="basic"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful"
    assert login.call_count == 0
    paths = [r.path for r in mock.request_history]
    assert paths[:2] == ["/esa/api/v2.0/login/privileges", "/esa/api/v2.0/message-tracking/messages"]
    assert len(paths) == 2 + PROBES and all("/config/" in p for p in paths[2:])
    for r in mock.request_history:
        assert r.headers["Authorization"] == "Basic " + b64(f"{USER}:{PASSWORD}")
        assert "jwtToken" not in r.headers


def test_client_basic_401_not_retried(mock):
    mock.get(f"{BASE}/login/privileges", status_code=401, json={"error": {"message": "Invalid username or passphrase."}})
    with pytest.raises(ApplianceError):
        client(auth="basic").get("login/privileges")
    assert mock.call_count == 1


# ---------------------------------------------------------------- URL and query encoding
def test_client_query_spaces_as_percent20_never_plus(mock):
    mock.get(f"{BASE}/message-tracking/messages", json={"data": []})
    client(auth="basic").get("message-tracking/messages", {
        "startDate": "2023-05-20T18:07:00.000Z", "subjectfilterValue": "Password Reset+now & more",
        "envelopeSenderfilterOperator": "is", "skipped": None})
    raw = urlsplit(mock.last_request.url).query
    assert raw == ("startDate=2023-05-20T18%3A07%3A00.000Z&subjectfilterValue=Password%20Reset%2Bnow%20%26%20more"
                   "&envelopeSenderfilterOperator=is")
    assert "+" not in raw
    assert mock.last_request.qs == {"startDate": ["2023-05-20T18:07:00.000Z"],
                                    "subjectfilterValue": ["Password Reset+now & more"],
                                    "envelopeSenderfilterOperator": ["is"]}


def test_client_list_query_values_repeated(mock):
    mock.get(f"{BASE}/x", json={"data": []})
    client(auth="basic").get("x", {"mid": [4411, 4412]})
    assert urlsplit(mock.last_request.url).query == "mid=4411&mid=4412"


def test_client_path_segments_percent_encoded():
    assert Transport.path("mail incoming", "a/b", "x?y#z", 4411, "é") == "mail%20incoming/a%2Fb/x%3Fy%23z/4411/%C3%A9"


def test_client_path_segments_stay_encoded_on_the_wire(mock):
    mock.get(requests_mock.ANY, json={"data": {}})
    client(auth="basic").get("reporting/" + Transport.path("mail_incoming traffic", "../health"))
    assert urlsplit(mock.last_request.url).path == "/esa/api/v2.0/reporting/mail_incoming%20traffic/..%2Fhealth"


def test_client_sma_base_and_api_version(mock):
    mock.get("https://sma.test:4431/sma/api/v3.0/login/privileges", json={"data": []})
    Transport(Connection(server_url="https://sma.test:4431", username="u", password="p", appliance="sma",
                      api_version="v3.0", auth="basic")).get("login/privileges")
    assert mock.call_count == 1


def test_client_timeout_tls_and_proxy_on_every_request(mock, tmp_path):
    import trustme

    bundle = tmp_path / "ca.pem"
    # a real PEM: the bundle is checked when the connection is built, then passed on untouched
    trustme.CA().cert_pem.write_to_path(str(bundle))
    mock_test_connection(mock)
    c = client(timeout=7.5, ca_bundle=str(bundle), proxy="http://proxy.test:3128")
    c.get("login/privileges")
    for r in mock.request_history:
        assert r.timeout == 7.5
        assert r.verify == str(bundle)
        assert r.proxies == {"http": "http://proxy.test:3128", "https": "http://proxy.test:3128"}


def test_client_verify_off_sent_as_false(mock):
    mock_test_connection(mock)
    client(verify_tls=False).get("login/privileges")
    assert [r.verify for r in mock.request_history] == [False, False]


# ---------------------------------------------------------------- answers
def test_client_error_body_message_and_status(mock):
    mock.get(f"{BASE}/message-tracking/messages", status_code=404, json={"error": {
        "message": "Missing attribute - startDate or endDate.", "code": "404",
        "explanation": "404 = Nothing matches the given URI."}})
    with pytest.raises(ApplianceError) as info:
        client(auth="basic").get("message-tracking/messages")
    assert (info.value.status_code, info.value.message) == (404, "Missing attribute - startDate or endDate.")


def test_client_html_error_page_explained(mock):
    mock.get(f"{BASE}/login/privileges", status_code=502, text="<html><h1>Bad Gateway</h1></html>")
    with pytest.raises(ApplianceError) as info:
        client(auth="basic").get("login/privileges")
    assert info.value.status_code == 502
    assert info.value.message.startswith("HTTP 502 Bad Gateway. ")


def test_client_non_json_200_unexpected_response(mock):
    mock.get(f"{BASE}/login/privileges", text="<html>hello</html>")
    with pytest.raises(UnexpectedResponse) as info:
        client(auth="basic").get("login/privileges")
    assert info.value.status_code == 200
    assert "GET login/privileges answered HTTP 200 with a body that is not JSON" in info.value.message


def test_client_empty_200_body_is_none(mock):
    mock.delete(f"{BASE}/quarantine/safelist", status_code=200, text="")
    assert client(auth="basic").delete("quarantine/safelist", {"quarantineType": "spam"}).body is None
    assert mock.last_request.json() == {"quarantineType": "spam"}


@pytest.mark.parametrize("verb", ["post", "delete"])
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_client_writes_never_retried_on_retryable_status(mock, verb, status):
    mock.register_uri(verb.upper(), f"{BASE}/quarantine/messages", status_code=status,
                      json={"error": {"message": "Try later."}})
    with pytest.raises(ApplianceError) as info:
        getattr(client(auth="basic"), verb)("quarantine/messages", {"quarantineType": "spam", "mids": [1]})
    assert info.value.status_code == status
    assert mock.call_count == 1


def test_client_auto_detects_sma(mock):
    mock.get("https://esa.test:6443/esa/api/v2.0/login/privileges", status_code=404, json={"error": {"message": "x"}})
    mock.get("https://esa.test:6443/sma/api/v2.0/login/privileges", [INVALID, {"json": {"data": []}}])
    mock.post("https://esa.test:6443/sma/api/v2.0/login", **login_answer("tok-1"))
    c = client(appliance="auto")
    c.get("login/privileges")
    assert c.appliance == "sma"
    assert [(r.method, r.path) for r in mock.request_history] == [
        ("GET", "/esa/api/v2.0/login/privileges"), ("GET", "/sma/api/v2.0/login/privileges"),
        ("POST", "/sma/api/v2.0/login"), ("GET", "/sma/api/v2.0/login/privileges")]


def test_client_auto_neither_prefix_answers(mock):
    mock.get(requests_mock.ANY, status_code=404, json={"error": {"message": "Resource not found."}})
    envelope = Integration(conn(appliance="auto"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["error"] == {"failure_indicator": FI, "status_code": None, "message": (
        "Neither /esa/api/v2.0 nor /sma/api/v2.0 answers at https://esa.test:6443: check server_url and "
        "api_version, or set appliance to esa or sma.")}
    assert mock.call_count == 2


def test_client_connection_repr_hides_password():
    text = repr(Connection(**conn()))
    assert PASSWORD not in text and USER in text


# ---------------------------------------------------------------- retries against the real simulator
def tracking_requests(sim) -> list:
    return [e for e in sim.request_log if e["path"].endswith("/message-tracking/messages")]


def logins(sim) -> list:
    return [e for e in sim.request_log if e["method"] == "POST" and e["path"].endswith("/login")]


def test_client_503_twice_successful_after_three_tries(sim, integration):
    sim.inject("message-tracking/messages", "status", status=503, count=2)
    envelope = integration.run("test_connection")
    assert envelope["status"] == "Successful", envelope["error"]
    assert [e["status"] for e in tracking_requests(sim)] == [503, 503, 200]


def test_client_503_three_times_failed_503(sim, integration):
    sim.inject("message-tracking/messages", "status", status=503, count=3)
    envelope = integration.run("test_connection")
    assert envelope["error"] == {"failure_indicator": FI, "status_code": 503, "message": "Service Unavailable."}
    assert [e["status"] for e in tracking_requests(sim)] == [503, 503, 503]


@pytest.mark.parametrize("status", [502, 504])
def test_client_gateway_errors_retried(sim, integration, status):
    sim.inject("message-tracking/messages", "html", status=status)
    assert integration.run("test_connection")["status"] == "Successful"
    assert [e["status"] for e in tracking_requests(sim)] == [status, 200]


def test_client_500_not_retried(sim, integration):
    sim.inject("message-tracking/messages", "status", status=500, message="Server got itself in trouble.")
    envelope = integration.run("test_connection")
    assert envelope["error"] == {"failure_indicator": FI, "status_code": 500, "message": "Server got itself in trouble."}
    assert len(tracking_requests(sim)) == 1


def test_client_429_retry_after_1_honoured(sim, integration):
    sim.inject("message-tracking/messages", "rate_limit", retry_after=1)
    started = time.monotonic()
    envelope = integration.run("test_connection")
    waited = time.monotonic() - started
    assert envelope["status"] == "Successful"
    assert [e["status"] for e in tracking_requests(sim)] == [429, 200]
    assert waited >= 0.9  # the second try came after the appliance's Retry-After, not before


def test_client_429_retry_after_3600_not_waited_failed_429(sim, integration):
    sim.inject("message-tracking/messages", "rate_limit", retry_after=3600)
    started = time.monotonic()
    envelope = integration.run("test_connection")
    assert time.monotonic() - started < 30
    assert envelope["error"] == {"failure_indicator": FI, "status_code": 429, "message": "Too Many Requests."}
    assert len(tracking_requests(sim)) == 1


@pytest.fixture
def write_command(monkeypatch):
    """release_spam_quarantine_messages with a stand-in handler that makes one POST, so that the
    retry rule for writes is proven through Integration.run whatever the real handler does."""
    cmd = manifest().commands["release_spam_quarantine_messages"]

    def handler(params, ctx):
        body = {"action": "release", "quarantineType": "spam", "mids": params["quarantine_message_ids"]}
        return Result(data={"released": ctx.api.transport.post("quarantine/messages", body).body})

    monkeypatch.setitem(cmd.__dict__, "handler", handler)
    return cmd


def quarantine_posts(sim) -> list:
    return [e for e in sim.request_log if e["method"] == "POST" and e["path"].endswith("/quarantine/messages")]


def test_client_post_after_503_not_retried(sim, integration, write_command):
    sim.inject("quarantine/messages", "status", status=503, method="POST")
    envelope = integration.run("release_spam_quarantine_messages", {"quarantine_message_ids": "1"})
    assert envelope["error"] == {"failure_indicator": "Release Spam Quarantine Messages failed.", "status_code": 503,
                                 "message": "Service Unavailable."}
    assert [e["status"] for e in quarantine_posts(sim)] == [503]


def test_client_dropped_get_retried(sim, integration):
    sim.inject("message-tracking/messages", "drop")
    assert integration.run("test_connection")["status"] == "Successful"
    assert [e["status"] for e in tracking_requests(sim)] == [None, 200]


def test_client_dropped_post_failed_outcome_unknown_one_request(sim, integration, write_command):
    sim.inject("quarantine/messages", "drop", method="POST")
    envelope = integration.run("release_spam_quarantine_messages", {"quarantine_message_ids": "1"})
    host = sim.url.split("//")[1]
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {
        "failure_indicator": "Release Spam Quarantine Messages failed.", "status_code": None,
        "message": (f"The connection to {host} broke during POST quarantine/messages (the appliance closed the "
                    "connection without answering); the change may or may not have been applied: check the "
                    "appliance before trying again.")}
    assert [e["status"] for e in quarantine_posts(sim)] == [None]


def test_client_malformed_json_unexpected_response(sim, integration):
    sim.inject("login/privileges", "malformed_json")
    envelope = integration.run("test_connection")
    assert envelope["error"] == {"failure_indicator": FI, "status_code": 200, "message": (
        "Unexpected response from the appliance: GET login/privileges answered HTTP 200 with a body that is not JSON.")}


def test_client_expired_tokens_one_relogin_against_simulator(sim, integration):
    assert integration.run("test_connection")["status"] == "Successful"
    sim.expire_tokens()
    assert integration.run("test_connection")["status"] == "Successful"
    assert len(logins(sim)) == 2
    stale = [e for e in sim.request_log if e["status"] == 401]
    assert len(stale) == 1 and stale[0]["path"].endswith("/login/privileges")


def test_client_refreshed_token_adopted_against_simulator():
    from esa_simulator import Simulator

    # A refresh window as long as the lifetime: every answer hands out a fresh token (asyncos-api §1.2 B.4).
    with Simulator(appliance="esa", seed=1, now=FROZEN_NOW, refresh_window=1800, tracking_count=20,
                   quarantine_count=5) as sim:
        c = Transport(Connection(server_url=sim.url, username="admin", password=sim.password))
        c.get("login/privileges")
        c.get("login/privileges")
        log = sim.request_log
        assert [(e["method"], e["path"].rsplit("/v2.0/", 1)[1]) for e in log] == [
            ("POST", "login"), ("GET", "login/privileges"), ("GET", "login/privileges")]
        # The second call carries the token the first answer handed out, not the login's.
        assert log[1]["headers"]["jwtToken"] != log[2]["headers"]["jwtToken"]
        assert c.logins == 1


def test_client_sixteen_threads_one_login(sim, integration):
    with ThreadPoolExecutor(max_workers=16) as pool:
        envelopes = list(pool.map(lambda _: integration.run("test_connection"), range(32)))
    assert {e["status"] for e in envelopes} == {"Successful"}
    assert len(logins(sim)) == 1
    assert len(tracking_requests(sim)) == 32


def test_client_sixteen_threads_expired_token_one_relogin(sim, integration):
    assert integration.run("test_connection")["status"] == "Successful"
    sim.expire_tokens()
    with ThreadPoolExecutor(max_workers=16) as pool:
        envelopes = list(pool.map(lambda _: integration.run("test_connection"), range(16)))
    assert {e["status"] for e in envelopes} == {"Successful"}
    assert len(logins(sim)) == 2


# ---------------------------------------------------------------- TLS
@pytest.fixture
def cisco_records():
    """Every record of the cisco_esa loggers, captured on the logger itself (immune to other
    tests changing propagation)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append
    logger = logging.getLogger("cisco_esa")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_client_tls_default_verification_fails_null_naming_both_options(tls_sim):
    envelope = Integration(tls_sim.connection(ca_bundle=None), clock=lambda: FROZEN_NOW).run("test_connection")
    error = envelope["error"]
    assert envelope["status"] == "Failed" and error["status_code"] is None
    assert error["message"].startswith(f"TLS verification of {tls_sim.url.split('//')[1]} failed: certificate verify failed")
    assert "--ca-bundle" in error["message"] and "--no-verify-tls" in error["message"]
    assert tls_sim.request_log == []


def test_client_plain_http_to_the_tls_port_that_hangs_up_says_try_https(tls_sim):
    # the simulator's TLS port closes on a plain-HTTP request without a word (some appliances answer 400)
    conn = tls_sim.connection(ca_bundle=None)
    conn["server_url"] = tls_sim.url.replace("https://", "http://")
    envelope = Integration(conn, clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None
    assert envelope["error"]["message"].endswith("If this port speaks HTTPS, server_url should start with https://.")
    assert "broke before an answer came" in envelope["error"]["message"]


def _hang_up_on_everyone(server: socket.socket) -> None:
    while True:
        try:
            conn, _ = server.accept()
        except OSError:
            return  # the test closed the server
        conn.close()


def test_client_https_that_hangs_up_has_no_scheme_hint():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        threading.Thread(target=_hang_up_on_everyone, args=(server,), daemon=True).start()
        envelope = Integration({"server_url": f"http://127.0.0.1:{port}", "username": "u", "password": "p",
                                "auth": "basic", "timeout": 5}, clock=lambda: FROZEN_NOW).run("get_health")
        assert "https://" in envelope["error"]["message"]  # plain HTTP hung up on: the hint
        envelope = Integration({"server_url": f"https://127.0.0.1:{port}", "username": "u", "password": "p",
                                "auth": "basic", "timeout": 5, "verify_tls": False},
                               clock=lambda: FROZEN_NOW).run("get_health")
    assert envelope["status"] == "Failed" and "server_url should start" not in envelope["error"]["message"]


def test_client_tls_ca_bundle_successful(tls_sim):
    envelope = Integration(tls_sim.connection(), clock=lambda: FROZEN_NOW).run("test_connection")
    assert tls_sim.connection()["ca_bundle"] == tls_sim.ca_file
    assert envelope["status"] == "Successful" and envelope["data"]["server_url"].startswith("https://")


def test_client_tls_verify_off_successful_one_warning(tls_sim, cisco_records):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        integration = Integration(tls_sim.connection(ca_bundle=None, verify_tls=False), clock=lambda: FROZEN_NOW)
        envelopes = [integration.run("test_connection") for _ in range(2)]
    assert [e["status"] for e in envelopes] == ["Successful", "Successful"]
    warned = [r for r in cisco_records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warned] == [
        f"TLS verification is disabled for {tls_sim.url}: the appliance's identity is not checked."]
    assert not [w for w in caught if issubclass(w.category, InsecureRequestWarning)]


# ---------------------------------------------------------------- rules that mutants showed untested
def test_transport_connection_defaults_and_immutable():
    import dataclasses

    c = Connection("https://esa.test:6443", USER, PASSWORD)
    assert (c.api_version, c.appliance, c.auth, c.verify_tls, c.ca_bundle, c.timeout, c.proxy) == (
        "v2.0", "esa", "jwt", True, None, 60, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.password = "other"  # type: ignore[misc]


def test_transport_knows_the_password_and_basic_header_as_secrets():
    t = client(auth="basic")
    assert t.secrets.found_in(f"x{PASSWORD}x")
    assert t.secrets.found_in(b64(f"{USER}:{PASSWORD}"))


def test_transport_request_without_params(mock):
    mock.get(f"{BASE}/login/privileges", json={"data": {}})
    assert client(auth="basic").request("GET", "login/privileges").status == 200
    assert mock.last_request.query == ""


def test_transport_ensure_login_logs_in_once_and_tells_the_account(mock, caplog):
    login = mock.post(f"{BASE}/login", **login_answer("tok-1", role="Operator"))
    t = client()
    with caplog.at_level(logging.DEBUG, logger="cisco_esa"):
        info = t.ensure_login()
        assert t.ensure_login() == info
    assert login.call_count == 1
    assert info == {"userName": USER, "is2FactorRedirectRequired": "false", "role": "Operator", "email": []}
    assert f"logged in as {USER} (role Operator)" in caplog.text and PASSWORD not in caplog.text


def test_transport_auto_detect_in_basic_mode_probes_with_basic_auth(mock):
    esa = mock.get(f"{BASE}/login/privileges", json={"data": {}})
    t = client(auth="basic", appliance="auto")
    t.request("GET", "login/privileges", params={})
    assert t.appliance == "esa"
    assert esa.request_history[0].headers["Authorization"] == "Basic " + b64(f"{USER}:{PASSWORD}")


def test_transport_first_request_after_login_carries_no_cookie_the_login_cleared(mock):
    # the request was prepared (with the jar's cookies) before its auth logged in and cleared the jar
    mock.post(f"{BASE}/login", **login_answer("tok-1"))
    got = mock.get(f"{BASE}/login/privileges", json={"data": {}})
    t = client()
    t.session.cookies.set("sid", "stale", domain="esa.test", path="/")
    t.request("GET", "login/privileges", params={})
    assert "Cookie" not in got.last_request.headers and got.last_request.headers["jwtToken"] == "tok-1"


@pytest.mark.parametrize("method,headers,body", [
    ("GET", {}, None),
    ("POST", {"Content-Type": "application/json"}, {"data": {"senderList": ["a@b.example"]}}),
    ("DELETE", {"Content-Type": "application/json"}, {"mids": [1, 2]}),
    ("DELETE", {}, None),
    ("GET", {"Accept": "text/plain", "X-Request-Id": "7"}, None),  # a request's own header wins over the session's
])
@pytest.mark.parametrize("auth", ["basic", "none", "proxy"])
def test_client_prepared_request_is_what_session_request_prepares(method, headers, body, auth):
    # _prepare makes each request from a template instead of Session.prepare_request: the same
    # method, URL, headers (auth and cookies included) and body, whatever the session holds.
    t = client(auth="basic", **({"proxy": "http://proxy.test:3128"} if auth == "proxy" else {}))
    t.session.cookies.set("sid", "abc", domain="esa.test", path="/")
    t.session.cookies.set("other", "x", domain="elsewhere.test", path="/")
    url = t.url("quarantine/messages", {"quarantineType": "spam", "q": "a b:c/d"})
    request_auth = None if auth != "none" else _no_auth()
    ours = t._prepare(method, url, headers, body, request_auth)
    theirs = t.session.prepare_request(requests.Request(method, url, headers=headers, json=body, auth=request_auth))
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
    assert dict(ours.headers) == dict(theirs.headers)
    assert ("Authorization" in ours.headers) is (auth != "none") and ours.headers["Cookie"] == "sid=abc"
    assert ours.hooks == theirs.hooks and t._template.hooks == {"response": []}  # nothing piles up


def test_client_prepared_requests_never_share_auth_hooks(mock):
    # JwtAuth registers a response hook on each request: a copy of the template must not carry the last one's
    mock.post(f"{BASE}/login", **login_answer("tok.en.one"))
    mock.get(f"{BASE}/login/privileges", json={"data": {}})
    t = client()
    for _ in range(3):
        t.get("login/privileges")
    assert t._template.hooks == {"response": []}
    assert len(t._prepare("GET", t.url("x"), {}, None, None).hooks["response"]) == 1


def _no_auth():
    from cisco_esa.asyncos.transport import _NoAuth
    return _NoAuth()
