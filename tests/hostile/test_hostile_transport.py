"""Issue 10 (classes 2, 3, 5, 6, 7, 9, 11) and issue 15 (points 4 and 8), transport side: through
the real client, and the CLI where output matters, against our hostile loopback appliance. Each
test states what was injected and asserts the whole triplet (or envelope) that must come back."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
import zlib
from urllib.parse import quote

import pytest

from cisco_esa import cli
from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.hostile.server import Answer, HostileAppliance, json_answer

FI = "Test Connection failed. Failed to check the connector."
RELEASE_FI = "Release Spam Quarantine Messages failed."
PASSWORD = "hostile-Passw0rd"  # HostileAppliance.connection()'s
WINDOW = {"start_time": "2026-11-20T10:00:00Z", "end_time": "2026-11-20T12:00:00Z"}
# A JWT shaped like the appliance's (asyncos-api §1.7): header, payload, signature.
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyTmFtZSI6ImFkbWluIiwiZXhwIjoxNzk1MjY2MDAwfQ.Q2hvc2VuLXNpZ25hdHVyZS0wMDE"
HEADER, PAYLOAD, SIGNATURE = JWT.split(".")


def login_with(token: str) -> Answer:
    return json_answer({"data": {"userName": "admin", "role": "Administrator", "jwtToken": token}})


def row(subject: str, i: int = 1) -> dict:
    return {"attributes": {"mid": [i], "serialNumber": "S1", "sender": "s@x.example", "recipient": ["r@corp.example"],
                           "subject": subject, "timestamp": "20 Nov 2026 11:00:00 (GMT +00:00)"}}


def healthy(req, privileges=("message_tracking",)):
    """The answers of a sound appliance for Test Connection."""
    if req.path == "login/privileges":
        return json_answer({"data": list(privileges)})
    if req.path == "message-tracking/messages":
        return json_answer({"meta": {"totalCount": 0}, "data": []})
    return None


def run(h: HostileAppliance, command: str = "test_connection", params: dict | None = None, **conn) -> dict:
    return Integration(h.connection(**conn), clock=lambda: FROZEN_NOW).run(command, params or {})


def failed(indicator: str, status_code, message: str) -> dict:
    return {"failure_indicator": indicator, "status_code": status_code, "message": message}


def host(h: HostileAppliance) -> str:
    return h.url.split("//", 1)[1]


@pytest.fixture(autouse=True)
def no_environment(monkeypatch):
    for _cid, _flag, env in cli.CONNECTION_FLAGS:
        monkeypatch.delenv(env, raising=False)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy", "ALL_PROXY",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)


# ============================================================ class 2: secrets in other spellings
def _search_echoing(subject: str, token: str = JWT):
    def answer(req):
        if req.path == "login":
            return login_with(token)
        if req.path == "message-tracking/messages":
            return json_answer({"meta": {"totalCount": 1}, "data": [row(subject)]})
        return None
    return answer


def _raw_search_echoing(raw_subject: str, token: str = JWT):
    """The subject written into the JSON text as is (escapes and all)."""
    def answer(req):
        if req.path == "login":
            return login_with(token)
        if req.path == "message-tracking/messages":
            text = json.dumps({"meta": {"totalCount": 1}, "data": [row("@SUBJECT@")]})
            return Answer(200, text.replace("@SUBJECT@", raw_subject).encode())
        return None
    return answer


def _assert_masked_subject(envelope: dict, expected_subject: str, *secrets: str) -> None:
    assert envelope["status"] == "Successful", envelope["error"]
    assert envelope["error"] is None and envelope["items"] == []
    assert [m["subject"] for m in envelope["data"]["messages"]] == [expected_subject]
    assert [r["attributes"]["subject"] for r in envelope["raw_data"]["data"]] == [expected_subject]
    printed = json.dumps(envelope, ensure_ascii=False)
    for secret in (PASSWORD, JWT, *secrets):
        assert secret not in printed, f"leaked: {secret[:6]}…"


def test_search_messages_password_echoed_as_json_unicode_escapes_masked_in_data_and_raw_data():
    escaped = "".join(f"\\u{ord(c):04x}" for c in PASSWORD)
    with HostileAppliance(_raw_search_echoing(f"pw {escaped} end")) as h:
        envelope = run(h, "search_messages", WINDOW)
    _assert_masked_subject(envelope, "pw *** end")


def test_search_messages_password_with_escaped_slash_masked():
    password = "slash/Pass-w0rd"
    with HostileAppliance(_raw_search_echoing("pw slash\\/Pass-w0rd end")) as h:
        envelope = Integration(h.connection(password=password), clock=lambda: FROZEN_NOW).run("search_messages", WINDOW)
    _assert_masked_subject(envelope, "pw *** end", password)


@pytest.mark.parametrize("spelling", [
    pytest.param(quote(PASSWORD + "&é", safe=""), id="url-encoded"),
    pytest.param(re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(PASSWORD + "&é", safe="")),
                 id="url-encoded-lower-hex"),
    pytest.param(base64.b64encode((PASSWORD + "&é").encode()).decode(), id="base64"),
    pytest.param(base64.b64encode(b"userName=admin&passphrase=" + (PASSWORD + "&é").encode()).decode(),
                 id="base64-inside-a-longer-text"),
])
def test_search_messages_password_echoed_in_another_spelling_masked(spelling):
    password = PASSWORD + "&é"
    with HostileAppliance(_search_echoing(f"pw {spelling} end")) as h:
        envelope = Integration(h.connection(password=password), clock=lambda: FROZEN_NOW).run("search_messages", WINDOW)
    assert envelope["status"] == "Successful"
    subject = envelope["data"]["messages"][0]["subject"]
    assert subject.startswith("pw ") and subject.endswith(" end") and "***" in subject
    assert spelling not in json.dumps(envelope) and password not in json.dumps(envelope, ensure_ascii=False)


@pytest.mark.parametrize("part", [pytest.param(PAYLOAD, id="payload"), pytest.param(SIGNATURE, id="signature"),
                                  pytest.param(JWT, id="whole-token")])
def test_search_messages_a_part_of_the_token_alone_masked(part):
    with HostileAppliance(_search_echoing(f"seen {part} here")) as h:
        envelope = run(h, "search_messages", WINDOW)
        sent = {r.headers.get("jwtToken") for r in h.calls("message-tracking/messages")}
    assert sent == {JWT}  # the client itself still used the real token
    _assert_masked_subject(envelope, "seen *** here", PAYLOAD, SIGNATURE)


def test_test_connection_token_with_a_control_character_never_in_the_error():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYWRtaW4ifQ\n.c2lnbmF0dXJlLXZhbHVl"

    def answer(req):
        return login_with(token) if req.path == "login" else healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h)
        later = [r.path for r in h.requests if r.path != "login"]
    assert envelope["status"] == "Failed" and later == []
    assert envelope["error"] == failed(FI, 200, "Unexpected response from the appliance: the login answer's jwtToken "
                                                "holds characters no HTTP header may carry (spaces or control "
                                                "characters); it was not used.")
    printed = json.dumps(envelope)
    assert "eyJ1c2VyIjoiYWRtaW4ifQ" not in printed and "c2lnbmF0dXJlLXZhbHVl" not in printed


def test_search_messages_short_password_never_corrupts_timestamps_whole_echo_masked():
    # Policy (cisco_esa/core/redaction.py, SHORT): a secret under 8 characters is masked only where a
    # whole string equals it; "2026" inside a timestamp or a subject is data that merely looks alike.
    def answer(req):
        if req.path == "message-tracking/messages":
            rows = [row("Budget 2026 review", 1), row("2026", 2)]
            return json_answer({"meta": {"totalCount": 2}, "data": rows})
        return None

    with HostileAppliance(answer) as h:
        envelope = Integration(h.connection(password="2026"), clock=lambda: FROZEN_NOW).run("search_messages", WINDOW)
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert [m["subject"] for m in envelope["data"]["messages"]] == ["Budget 2026 review", "***"]
    assert [r["attributes"]["timestamp"] for r in envelope["raw_data"]["data"]] == [
        "20 Nov 2026 11:00:00 (GMT +00:00)"] * 2


def test_search_messages_long_password_masked_inside_text():
    def answer(req):
        if req.path == "message-tracking/messages":
            return json_answer({"meta": {"totalCount": 1}, "data": [row(f"x{PASSWORD}y")]})
        return None

    with HostileAppliance(answer) as h:
        envelope = run(h, "search_messages", WINDOW)
    _assert_masked_subject(envelope, "x***y")


# ============================================================ class 3: masking never breaks the client
def test_test_connection_relogin_reissuing_the_same_token_sends_the_token_never_the_mask():
    seen = {"privileges": 0}

    def answer(req):
        if req.path == "login":
            return login_with(JWT)
        if req.path == "login/privileges":
            seen["privileges"] += 1
            if seen["privileges"] == 1:
                return json_answer({"error": {"message": "ExpiredSignatureError.", "code": "401"}}, 401)
        return healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h)
        # (Test Connection's probes of the configuration APIs, config/..., are beside the point here)
        sent = [(r.path, r.headers.get("jwtToken")) for r in h.requests if not r.path.startswith("config/")]
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert sent == [("login", None), ("login/privileges", JWT), ("login", None), ("login/privileges", JWT),
                    ("message-tracking/messages", JWT)]
    assert envelope["raw_data"]["login"] == {"userName": "admin", "role": "Administrator"}


# ============================================================ class 5: cut-off answers
def test_release_answer_cut_off_after_the_write_outcome_unknown_never_failed():
    def answer(req):
        if req.path == "quarantine/messages":
            return Answer(200, b'{"data": {"action": "release", "totalCou', length=120)
        return None

    with HostileAppliance(answer) as h:
        envelope = run(h, "release_spam_quarantine_messages", {"quarantine_message_ids": [7]})
        writes = h.calls("quarantine/messages")
    message = (f"The answer from {host(h)} to POST quarantine/messages was cut off mid-way (40 bytes came, 80 more "
               "were announced); the change may or may not have been applied: check the appliance before trying again.")
    assert len(writes) == 1  # never re-sent
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(RELEASE_FI, None, message)
    assert envelope["items"] == [{"id": 7, "status": "Failed", "error": failed(RELEASE_FI, None, message)}]
    assert envelope["data"]["outcome_unknown"] == [7] and envelope["data"]["failed"] == []


def test_test_connection_get_cut_off_once_retried_successful():
    seen = {"privileges": 0}

    def answer(req):
        if req.path == "login/privileges":
            seen["privileges"] += 1
            if seen["privileges"] == 1:
                return Answer(200, b'{"data": ["message_tr', length=200)
        return healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h)
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert envelope["data"]["privileges"] == ["message_tracking"] and seen["privileges"] == 2


def test_test_connection_get_cut_off_every_time_failed_after_three_tries():
    def answer(req):
        if req.path == "login/privileges":
            return Answer(200, b'{"data": [', length=50)
        return healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h)
        tries = len(h.calls("login/privileges"))
    assert tries == 3
    assert envelope["error"] == failed(FI, None, f"The answer from {host(h)} to GET login/privileges was cut off "
                                                 "mid-way (10 bytes came, 40 more were announced): check that the "
                                                 "appliance is up and responsive, then try again.")


# ============================================================ class 6: the whole-request deadline
def test_test_connection_body_dripped_every_4_s_timeout_5_ends_at_the_deadline():
    sent: list[bytes] = []

    def drip():
        for byte in b'{"data": ["message_tracking"]}':
            time.sleep(4)
            sent.append(bytes([byte]))
            yield bytes([byte])

    def answer(req):
        return Answer(200, drip()) if req.path == "login/privileges" else healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h, timeout=5)
        tries = len(h.calls("login/privileges"))
    # 5 s of a 4-second drip: one byte, never the 30 a per-read timeout lets through
    assert len(sent) <= 2 and tries == 1
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(FI, None, f"The answer from {host(h)} to GET login/privileges did not complete "
                                                 "within 5 s (timeout bounds the whole request, every byte included): "
                                                 "check that the appliance is responsive, or raise timeout.")


# ============================================================ class 7: bounded memory
TOO_LARGE = ("The answer from {host} to GET login/privileges is larger than 64 MiB once decompressed: refused before "
             "holding it; narrow the request (a shorter window, a lower limit).")


def test_test_connection_endless_chunked_body_failed_at_64_mib():
    sent = [0]

    def endless():
        yield b'{"data": ["'
        while True:
            sent[0] += 1 << 16
            yield b"x" * (1 << 16)

    def answer(req):
        return Answer(200, endless()) if req.path == "login/privileges" else healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h, timeout=60)
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(FI, 200, TOO_LARGE.format(host=host(h)))
    assert sent[0] < 80 << 20  # the client stopped reading soon after the cap


def test_test_connection_gzip_bomb_failed_at_64_mib_inflated():
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = packer.compress(b'{"data": ["') + b"".join(packer.compress(b"0" * (1 << 24)) for _ in range(64)) + packer.flush()
    assert len(bomb) < 2 << 20  # about 1 MB on the wire, 1 GiB inflated

    def answer(req):
        if req.path == "login/privileges":
            return Answer(200, bomb, {"Content-Encoding": "gzip"})
        return healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h, timeout=60)
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(FI, 200, TOO_LARGE.format(host=host(h)))


# ============================================================ class 9: no traceback, strict JSON
@pytest.mark.parametrize("content,headers,message", [
    pytest.param(b"[" * 1000 + b"]" * 1000, {}, "the answer nests deeper than 64 levels, which no AsyncOS answer does.",
                 id="nested-1000-deep"),
    pytest.param(b'{"data": ["message_tracking"]}', {"Content-Type": "application/json; charset=bogus-42"},
                 "the answer declares charset 'bogus-42', which is no known encoding.", id="bogus-charset"),
    # a codec that is no text encoding: it once escaped as a LookupError (an internal error)
    pytest.param(b'{"data": ["message_tracking"]}', {"Content-Type": "application/json; charset=rot13"},
                 "the answer cannot be decoded as charset 'rot13' (LookupError).", id="charset-of-no-text"),
])
def test_test_connection_unreadable_answer_failed_saying_what(content, headers, message, capsys):
    def answer(req):
        return Answer(200, content, headers) if req.path == "login/privileges" else healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h)
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(FI, 200, f"Unexpected response from the appliance: {message}")
    assert "Traceback" not in capsys.readouterr().err


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_cli_test_connection_nan_and_infinity_read_as_null_stdout_strict_json(capsys):
    def answer(req):
        if req.path == "login/privileges":
            return Answer(200, b'{"data": ["message_tracking"], "meta": {"load": NaN, "max": Infinity, "min": -Infinity}}')
        return healthy(req)

    with HostileAppliance(answer) as h:
        code = cli.main(["run", "test_connection", "--output", "json", "--server-url", h.url, "--username", "admin",
                         "--password", PASSWORD])
    out, err = capsys.readouterr()
    envelope = _strict(out)
    assert code == 0 and envelope["status"] == "Successful" and envelope["error"] is None
    assert envelope["raw_data"]["privileges"] == {"data": ["message_tracking"],
                                                  "meta": {"load": None, "max": None, "min": None}}


@pytest.mark.parametrize("kind", ["missing", "not-pem"])
def test_test_connection_unusable_ca_bundle_400_naming_it_before_any_request(kind, tmp_path):
    path = tmp_path / "ca.pem"
    if kind == "not-pem":
        path.write_text("this is no certificate\n")
        detail = f"ca_bundle {str(path)!r} holds no usable PEM certificate (NO_CERTIFICATE_OR_CRL_FOUND)"
    else:
        detail = f"ca_bundle {str(path)!r}: no such file"
    with HostileAppliance(healthy) as h:
        envelope = run(h, ca_bundle=str(path))
        requests_made = list(h.requests)
    assert requests_made == []
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(FI, 400, f"Invalid input: {detail}")


# ============================================================ class 11: redirects, forged log lines
REDIRECT = ("HTTP 302 redirect to {location}: the AsyncOS API never redirects, so something else answered (a web "
            "portal, a proxy, a login page): check server_url; the request was not followed.")


def test_test_connection_redirect_failed_302_never_followed():
    def answer(req):
        if req.path == "login/privileges":
            return Answer(302, b"", {"Location": "/esa/api/v2.0/elsewhere"})
        return healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h)
        paths = [r.path for r in h.requests]
    assert paths == ["login", "login/privileges"]
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(FI, 302, REDIRECT.format(location="/esa/api/v2.0/elsewhere"))


def test_release_redirect_failed_302_never_followed_not_unknown():
    def answer(req):
        if req.path == "quarantine/messages":
            return Answer(307, b"", {"Location": "https://portal.example/login"})
        return None

    with HostileAppliance(answer) as h:
        envelope = run(h, "release_spam_quarantine_messages", {"quarantine_message_ids": [7]})
        paths = [r.path for r in h.requests]
    message = REDIRECT.format(location="https://portal.example/login").replace("HTTP 302", "HTTP 307")
    assert paths == ["login", "quarantine/messages"]
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failed(RELEASE_FI, 307, message)
    assert envelope["items"] == [{"id": 7, "status": "Failed", "error": failed(RELEASE_FI, 307, message)}]
    assert envelope["data"]["failed"] == [7] and envelope["data"]["outcome_unknown"] == []


def test_cli_verbose_control_characters_from_the_appliance_forge_no_log_line(capsys):
    forged = "Administrator\nWARNING cisco_esa: all events deleted\r\x1b[2K"

    def answer(req):
        if req.path == "login":
            return json_answer({"data": {"userName": "admin", "role": forged, "jwtToken": JWT}})
        return healthy(req)

    with HostileAppliance(answer) as h:
        code = cli.main(["run", "test_connection", "--verbose", "--output", "json", "--server-url", h.url,
                         "--username", "admin", "--password", PASSWORD])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["data"]["role"] == forged  # the data keeps the appliance's words
    assert not [line for line in err.splitlines() if line.startswith("WARNING cisco_esa: all events deleted")]
    assert "\x1b" not in err and "\r" not in err
    assert "(role Administrator\\nWARNING cisco_esa: all events deleted\\r\\x1b[2K)" in err


# ============================================================ issue 15 point 4: advice that points the right way
@pytest.fixture
def plain_http_port():
    """A port that speaks plain HTTP only: whatever comes in (a TLS ClientHello), it answers a 400."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    seen = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                seen.append(conn.recv(4096))
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], seen
    server.close()


@pytest.mark.parametrize("extra", [[], ["--no-verify-tls"]])
def test_cli_https_to_a_plain_http_port_says_so_never_tls_verification(plain_http_port, extra, capsys):
    port, seen = plain_http_port
    code = cli.main(["run", "test_connection", "--output", "json", "--server-url", f"https://127.0.0.1:{port}",
                     "--username", "admin", "--password", PASSWORD, *extra])
    envelope = json.loads(capsys.readouterr().out)
    assert code == 1 and envelope["status"] == "Failed"
    assert envelope["error"] == failed(FI, None, f"The TLS handshake with 127.0.0.1:{port} failed "
                                                 "(WRONG_VERSION_NUMBER): the port speaks plain HTTP: use http:// "
                                                 "or the HTTPS port in server_url.")
    assert all(chunk.startswith(b"\x16\x03") for chunk in seen)  # only TLS handshakes, no request


def test_release_https_to_a_plain_http_port_never_sent_plain_failure(plain_http_port):
    port, _ = plain_http_port
    envelope = Integration({"server_url": f"https://127.0.0.1:{port}", "username": "admin", "password": PASSWORD,
                            "auth": "basic", "verify_tls": False, "timeout": 5},
                           clock=lambda: FROZEN_NOW).run("release_spam_quarantine_messages",
                                                         {"quarantine_message_ids": [7]})
    assert envelope["status"] == "Failed" and envelope["data"]["outcome_unknown"] == []
    assert envelope["error"]["status_code"] is None
    assert "the port speaks plain HTTP: use http:// or the HTTPS port" in envelope["error"]["message"]


def test_test_connection_http_to_an_https_port_says_use_https():
    page = (b"<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head><body>"
            b"<center><h1>400 Bad Request</h1></center><center>The plain HTTP request was sent to HTTPS port"
            b"</center></body></html>")

    def answer(req):
        return Answer(400, page, {"Content-Type": "text/html"})

    with HostileAppliance(answer) as h:
        envelope = run(h)
        paths = [r.path for r in h.requests]
    assert paths == ["login"]
    assert envelope["error"] == failed(FI, 400, "HTTP 400 Bad Request. The appliance rejected the request as "
                                                "malformed. server_url says http:// but this port speaks HTTPS: use "
                                                "https:// (or the appliance's HTTP port).")


@pytest.mark.parametrize("suffix", ["/esa/api/v2.0", "/esa/api/v2.0/", "/sma/api"])
def test_test_connection_server_url_with_the_api_path_refused_400_before_any_request(suffix):
    with HostileAppliance(healthy) as h:
        envelope = Integration(h.connection(server_url=h.url + suffix), clock=lambda: FROZEN_NOW).run("test_connection")
        requests_made = list(h.requests)
    prefix = suffix.split("/")[1]
    assert requests_made == []
    assert envelope["error"] == failed(FI, 400, f"Invalid input: server_url must not hold the API path "
                                                f"({suffix.rstrip('/')}): "
                                                f"the client adds /{prefix}/api/v2.0 itself; give scheme, host and "
                                                f"port only, e.g. {h.url}")


def test_test_connection_appliance_sma_against_an_esa_suggests_esa_or_auto():
    def answer(req):  # an ESA: nothing under /sma/api
        return json_answer({"error": {"message": "Resource not found.", "code": "404",
                                      "explanation": "404 = Nothing matches the given URI."}}, 404)

    with HostileAppliance(answer) as h:
        envelope = run(h, appliance="sma")
    assert envelope["error"] == failed(FI, 404, "Resource not found. Nothing answers under /sma/api/v2.0 here: if "
                                                "this appliance is an ESA, set appliance to esa (or auto); else check "
                                                "server_url and api_version.")


def test_test_connection_403_keeps_the_appliance_words_and_names_the_call():
    def answer(req):
        if req.path == "login/privileges":
            return json_answer({"error": {"message": "User role Helpdesk has no access to privileges.", "code": "403",
                                          "explanation": "403 = Request forbidden -- authorization will not help."}},
                               403)
        return healthy(req)

    with HostileAppliance(answer) as h:
        envelope = run(h)
    assert envelope["error"] == failed(FI, 403, "User role Helpdesk has no access to privileges. The account's role may "
                                                "not call GET login/privileges: give the user a role that allows it on "
                                                "the appliance (login/privileges lists what it may call).")


# ============================================================ issue 15 point 8: use_system_proxy
UNREACHABLE = "http://esa.appliance.invalid:6080"  # only a proxy can reach it


def _through_proxy(h: HostileAppliance, **conn) -> dict:
    return Integration({"server_url": UNREACHABLE, "username": "admin", "password": PASSWORD, "timeout": 5, **conn},
                       clock=lambda: FROZEN_NOW).run("test_connection")


def test_use_system_proxy_true_honours_http_proxy(monkeypatch):
    with HostileAppliance(healthy) as proxy:  # answering absolute-URI requests as the appliance would
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        envelope = _through_proxy(proxy, use_system_proxy=True)
        paths = [r.path for r in proxy.requests if not r.path.startswith("config/")]
    assert envelope["status"] == "Successful" and envelope["error"] is None
    assert paths == ["login", "login/privileges", "message-tracking/messages"]


def test_use_system_proxy_default_false_ignores_the_environment(monkeypatch):
    with HostileAppliance(healthy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        envelope = _through_proxy(proxy)
        assert proxy.requests == []
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None


def test_use_system_proxy_no_proxy_covers_the_host(monkeypatch):
    with HostileAppliance(healthy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "localhost,.appliance.invalid")
        envelope = _through_proxy(proxy, use_system_proxy=True)
        assert proxy.requests == []
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None


def test_use_system_proxy_explicit_proxy_wins(monkeypatch):
    with HostileAppliance(healthy) as env_proxy, HostileAppliance(healthy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", env_proxy.url)
        envelope = _through_proxy(proxy, use_system_proxy=True, proxy=proxy.url)
        assert env_proxy.requests == [] and [r.path for r in proxy.requests if not r.path.startswith("config/")] == [
            "login", "login/privileges", "message-tracking/messages"]
    assert envelope["status"] == "Successful"


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_cli_use_system_proxy_flag_and_environment(how, monkeypatch, capsys):
    with HostileAppliance(healthy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        extra = ["--use-system-proxy"] if how == "flag" else []
        if how == "environment":
            monkeypatch.setenv("CISCO_ESA_USE_SYSTEM_PROXY", "true")
        code = cli.main(["run", "test_connection", "--output", "json", "--server-url", UNREACHABLE, "--username",
                         "admin", "--password", PASSWORD, "--timeout", "5", *extra])
        envelope = json.loads(capsys.readouterr().out)
    assert code == 0 and envelope["status"] == "Successful"
