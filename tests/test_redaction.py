"""No secret ever printed (contract §3): with --verbose, neither stdout, stderr nor any log record
holds the password, its base64, a JWT the appliance issued, or the Basic header value."""

from __future__ import annotations

import base64
import json
import logging
import socket

import pytest

from cisco_esa import cli
from cisco_esa.integration import Integration
from cisco_esa.core.redaction import RedactingFilter, Secrets
from tests.conftest import FROZEN_NOW


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def captured(monkeypatch):
    """Run the CLI and collect stdout, stderr and every log record of our loggers and urllib3's."""
    records: list[logging.LogRecord] = []
    capture = logging.Handler(level=logging.DEBUG)
    capture.emit = records.append
    original = cli._setup_logging

    def setup(verbose):
        original(verbose)
        for name in ("cisco_esa", "urllib3"):
            logging.getLogger(name).addHandler(capture)

    monkeypatch.setattr(cli, "_setup_logging", setup)
    for env in [env for _c, _f, env in cli.CONNECTION_FLAGS]:
        monkeypatch.delenv(env, raising=False)
    yield records


def run_verbose(capsys, records, *argv) -> str:
    code = cli.main(["run", "test_connection", "--verbose", *argv])
    out, err = capsys.readouterr()
    assert code in (0, 1)
    assert records, "the verbose run logged nothing: the capture is broken"
    logged = "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in records)
    assert err.strip(), "the verbose run wrote nothing on stderr"
    return "\n".join([out, err, logged])


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret and secret not in text, f"secret leaked: {secret[:6]}..."


def secrets_of(password: str, user: str, sim=None) -> list[str]:
    out = [password, b64(password), b64(f"{user}:{password}"), f"Basic {b64(f'{user}:{password}')}"]
    if sim is not None:
        out += sorted({e["headers"]["jwtToken"] for e in sim.request_log if "jwtToken" in e["headers"]})
    return out


def test_redaction_successful_jwt_run_prints_no_secret(capsys, captured, sim):
    password = sim.password
    text = run_verbose(capsys, captured, "--server-url", sim.url, "--username", "admin", "--password", password)
    tokens = {e["headers"]["jwtToken"] for e in sim.request_log if "jwtToken" in e["headers"]}
    assert tokens, "no token was used: nothing proven"
    assert '"status":"Successful"' in text  # the envelope on stdout (compact JSON)
    assert_no_secret(text, secrets_of(password, "admin", sim))


def test_redaction_successful_basic_run_prints_no_secret(capsys, captured, sim):
    password = sim.users["operator"]["password"]
    text = run_verbose(capsys, captured, "--server-url", sim.url, "--username", "operator", "--password", password,
                       "--auth", "basic")
    sent = {e["headers"].get("Authorization") for e in sim.request_log}
    assert sent == {f"Basic {b64('operator:' + password)}"}
    assert_no_secret(text, secrets_of(password, "operator", sim))


def test_redaction_wrong_password_prints_no_secret(capsys, captured, sim):
    text = run_verbose(capsys, captured, "--server-url", sim.url, "--username", "admin", "--password", "Wr0ng-Passphrase!")
    assert "Invalid username or passphrase." in text
    assert_no_secret(text, secrets_of("Wr0ng-Passphrase!", "admin"))


def test_redaction_refused_connection_prints_no_secret(capsys, captured):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    text = run_verbose(capsys, captured, "--server-url", f"http://127.0.0.1:{port}", "--username", "admin",
                       "--password", "Refused-Secret-1")
    assert "connection refused" in text
    assert_no_secret(text, secrets_of("Refused-Secret-1", "admin"))


def test_redaction_tls_failure_prints_no_secret(capsys, captured):
    from esa_simulator import Simulator

    with Simulator(appliance="esa", seed=1, now=FROZEN_NOW, tls=True, tracking_count=10, quarantine_count=5) as sim:
        text = run_verbose(capsys, captured, "--server-url", sim.url, "--username", "admin", "--password", sim.password)
    assert "--ca-bundle" in text
    assert_no_secret(text, secrets_of(sim.password, "admin"))


def test_redaction_proxy_credentials_never_printed(capsys, captured):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proxy = f"http://proxyuser:Pr0xy-Secret@127.0.0.1:{port}"
    text = run_verbose(capsys, captured, "--server-url", "http://esa.test:6080", "--username", "admin",
                       "--password", "Some-Secret-2", "--proxy", proxy)
    assert "proxy" in text
    assert_no_secret(text, [proxy, "Pr0xy-Secret"] + secrets_of("Some-Secret-2", "admin"))


def test_redaction_expired_token_relogin_logs_no_token(capsys, captured, sim):
    sim.inject("login/privileges", "expired_token")
    text = run_verbose(capsys, captured, "--server-url", sim.url, "--username", "admin", "--password", sim.password)
    assert '"status":"Successful"' in text  # the envelope on stdout (compact JSON)
    assert len([e for e in sim.request_log if e["path"].endswith("/login")]) == 2
    assert_no_secret(text, secrets_of(sim.password, "admin", sim))


def test_redaction_handler_bug_traceback_scrubbed(capsys, captured, monkeypatch):
    from cisco_esa.core.registry import manifest

    def handler(params, ctx):
        raise RuntimeError(f"leaking {ctx.api.transport.conn.password} in an exception")

    monkeypatch.setitem(manifest().commands["test_connection"].__dict__, "handler", handler)
    text = run_verbose(capsys, captured, "--server-url", "http://esa.test:6080", "--username", "admin",
                       "--password", "Bug-Secret-3", "--auth", "basic")
    assert "RuntimeError: leaking *** in an exception" in text
    assert_no_secret(text, secrets_of("Bug-Secret-3", "admin"))


def test_redaction_envelope_scrubbed_even_when_appliance_echoes_secret(sim):
    password = sim.password
    sim.inject("login/privileges", "status", status=400, message=f"Bad value {password} / {b64(password)}")
    envelope = Integration(sim.connection(), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["error"]["message"] == "Bad value *** / ***"


def test_redaction_envelope_items_scrubbed_by_id_and_error_only():
    """An item's id and error triplet are looked through; its status is ours, so a password that
    happens to read "Successful" does not mask the statuses of ten thousand items."""
    from cisco_esa.core.envelope import build_envelope
    from cisco_esa.core.outcome import Item, Result, UnexpectedResponse

    secrets = Secrets()
    secrets.add("Successful")
    secrets.add("Item-Secret-9")
    items = [Item("ok-1"), Item("Item-Secret-9"), Item("bad-1", UnexpectedResponse("saw Item-Secret-9 in it"))]
    envelope = build_envelope(None, "x", Result(data={}, items=items), None, secrets)
    assert [(i["id"], i["status"]) for i in envelope["items"]] == [
        ("ok-1", "Successful"), ("***", "Successful"), ("bad-1", "Failed")]
    secrets.add("2027")  # a short secret: masked where a whole string is one, never inside another
    short = build_envelope(None, "x", Result(data={}, items=[Item("2027"), Item("mid-2027")]), None, secrets)
    assert [i["id"] for i in short["items"]] == ["***", "mid-2027"]
    assert "***" in envelope["items"][2]["error"]["message"] and "Item-Secret-9" not in json.dumps(envelope)
    clean = build_envelope(None, "x", Result(data={}, items=[Item("ok-1")]), None, secrets)
    assert clean["items"] == [{"id": "ok-1", "status": "Successful", "error": None}]


# ---------------------------------------------------------------- the scrubber itself
def test_redaction_secrets_masks_value_and_base64_longest_first():
    secrets = Secrets()
    secrets.add("hunter2!")
    secrets.add("hunter2!-longer")
    secrets.add("ab")  # too short to mask meaningfully
    assert secrets.scrub("x hunter2!-longer y hunter2! z " + b64("hunter2!")) == "x *** y *** z ***"
    assert secrets.scrub("ab") == "ab"


def test_redaction_authorization_header_masked_whoever_wrote_it():
    assert Secrets().scrub("headers: {'Authorization': 'Basic dTpw'}") == "headers: {'Authorization': 'Basic ***'}"
    assert Secrets().scrub("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer ***"


def test_redaction_scrub_obj_walks_keys_and_values():
    secrets = Secrets()
    secrets.add("t0ken-value")
    assert secrets.scrub_obj({"a": ["t0ken-value", 1, None], "t0ken-value": {"b": "x t0ken-value"}}) == {
        "a": ["***", 1, None], "***": {"b": "x ***"}}


def test_redaction_filter_formats_args_then_masks():
    secrets = Secrets()
    secrets.add("s3cr3t-pass")
    record = logging.LogRecord("cisco_esa", logging.DEBUG, __file__, 1, "login %s with %r", ("u", "s3cr3t-pass"), None)
    assert RedactingFilter(secrets).filter(record) is True
    assert (record.getMessage(), record.args) == ("login u with '***'", None)


def test_redaction_body_echoing_password_and_token_masked_in_data_and_raw_data(requests_mock):
    # The client masks a credential an appliance echoes back before any handler reads the body.
    password = "Echo!Pass#2026"
    base = "https://esa.test:6443/esa/api/v2.0"
    requests_mock.post(f"{base}/login", json={"data": {"userName": "u", "role": "Administrator", "jwtToken": "tok.en.value"}})
    row = {"attributes": {"mid": [7], "subject": f"pw {password} tok tok.en.value", "sender": "a@b.example",
                          "recipient": ["c@d.example"], "timestamp": "20 Nov 2026 12:00:00 (GMT +00:00)"}}
    requests_mock.get(f"{base}/message-tracking/messages", json={"meta": {"totalCount": 1}, "data": [row]})
    envelope = Integration({"server_url": "https://esa.test:6443", "username": "u", "password": password},
                           clock=lambda: FROZEN_NOW).run("search_messages", {"start_time": "-1h", "end_time": "now"})
    assert envelope["status"] == "Successful"
    text = str(envelope)
    assert password not in text and "tok.en.value" not in text and b64(password) not in text
    assert envelope["data"]["messages"][0]["subject"] == "pw *** tok ***"
