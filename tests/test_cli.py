"""The command line (contract §4): commands, describe, run by id or display name, parameters,
connection precedence (flags > file > environment), exit codes, and stdout holding only the envelope."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cisco_esa import cli
from cisco_esa.asyncos.transport import Connection
from cisco_esa.integration import parse_connection
from cisco_esa.core.registry import manifest
from cisco_esa.core.outcome import CommandError, Item, Result

ENV_VARS = [env for _cid, _flag, env in cli.CONNECTION_FLAGS]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No CISCO_ESA_* from the caller's shell."""
    for env in ENV_VARS:
        monkeypatch.delenv(env, raising=False)


def _logger_state():
    return {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level,
                   logging.getLogger(name).propagate) for name in ("cisco_esa", "urllib3")}


def test_cli_run_verbose_leaves_the_loggers_as_they_were(capsys):
    before = _logger_state()
    code = cli.main(["run", "test_connection", "--verbose", "--server-url", "http://127.0.0.1:9",
                     "--username", "u", "--password", "p-secret-1"])
    assert code == 1
    assert _logger_state() == before


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def sim_flags(sim, user="admin", **overrides) -> list[str]:
    conn = sim.connection(user, **overrides)
    return ["--server-url", conn["server_url"], "--username", conn["username"], "--password", conn["password"],
            "--appliance", conn["appliance"]]


@pytest.fixture
def stub(monkeypatch):
    """Put a stand-in handler behind a command for the duration of one test."""

    def install(cid, handler):
        monkeypatch.setitem(manifest().commands[cid].__dict__, "handler", handler)

    return install


# ---------------------------------------------------------------- commands and describe
def test_cli_commands_lists_every_id_and_display_name(capsys):
    code, out, err = run_cli(capsys, "commands")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == len(manifest().commands)
    for line, cmd in zip(lines, manifest().commands.values()):
        assert line.split(None, 1) == [cmd.id, cmd.display_name]


def test_cli_commands_json(capsys):
    code, out, err = run_cli(capsys, "commands", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == [{"id": c.id, "display_name": c.display_name, "kind": c.kind, "read_only": c.read_only}
                               for c in manifest().commands.values()]


def test_cli_describe_text_shows_parameters_enums_defaults(capsys):
    code, out, err = run_cli(capsys, "describe", "get_report")
    assert (code, err) == (0, "")
    assert out.startswith("Get Report (get_report)\n")
    assert "  order_direction (string; optional; one of Ascending, Descending; default Descending)" in out
    assert "  start_time (time; required)" in out
    assert "Example:\n  cisco-esa run get_report " in out


def test_cli_describe_json_by_display_name(capsys):
    code, out, err = run_cli(capsys, "describe", "Search Spam Quarantine Messages", "--json")
    assert (code, err) == (0, "")
    info = json.loads(out)
    assert info["id"] == "search_spam_quarantine_messages"
    params = {p["id"]: p for p in info["parameters"]}
    assert list(params) == list(manifest().commands["search_spam_quarantine_messages"].params.properties)
    assert params["filter_operator"]["enum"] == ["Contains", "Is", "Begins_With", "Ends_With", "Does_Not_Contain"]
    assert params["filter_operator"]["default"] == "Contains"
    assert params["start_time"]["required"] is True and params["recipient"]["required"] is False


def test_cli_describe_required_when(capsys):
    code, out, _ = run_cli(capsys, "describe", "add_entries", "--json")
    params = {p["id"]: p for p in json.loads(out)["parameters"]}
    assert params["sender_addresses"]["required_when"] == ["view_by is Sender"]
    assert params["recipient_addresses"]["required_when"] == ["view_by is Recipient"]


def test_cli_describe_unknown_command_exit_2(capsys):
    code, out, err = run_cli(capsys, "describe", "get_amp_detail")
    assert (code, out) == (2, "")
    assert "unknown command 'get_amp_detail'" in err


# ---------------------------------------------------------------- run
def test_cli_run_by_id_successful_exit_0(capsys, sim):
    code, out, err = run_cli(capsys, "run", "test_connection", *sim_flags(sim))
    envelope = json.loads(out)
    assert (code, envelope["status"], envelope["data"]["role"]) == (0, "Successful", "Administrator")
    assert err == ""


def test_cli_run_by_display_name(capsys, sim):
    code, out, _ = run_cli(capsys, "run", "Test Connection", *sim_flags(sim))
    assert code == 0 and json.loads(out)["command"] == "test_connection"


def test_cli_run_failed_exit_1(capsys, sim):
    code, out, _ = run_cli(capsys, "run", "test_connection", *sim_flags(sim), "--password", "wrong")
    assert code == 1
    assert json.loads(out)["error"] == {"failure_indicator": "Test Connection failed. Failed to check the connector.",
                                        "status_code": 401, "message": "Invalid username or passphrase."}


def test_cli_run_partially_successful_exit_3(capsys, stub):
    def handler(params, ctx):
        return Result(data={"ids": params["message_ids"]}, items=[
            Item(4411, None, {}), Item(4412, CommandError("Message ID 4412 not found.", 404))])

    stub("get_amp_details", handler)
    code, out, _ = run_cli(capsys, "run", "get_amp_details", "--param", "appliance_serial_number=SN1",
                           "--param", "message_ids=4411,4412", "--server-url", "https://esa.test:6443",
                           "--username", "u", "--password", "p")
    envelope = json.loads(out)
    assert code == 3
    assert envelope["status"] == "Partially Successful"
    assert envelope["items"] == [
        {"id": 4411, "status": "Successful", "error": None},
        {"id": 4412, "status": "Failed", "error": {"failure_indicator": "Get AMP Details failed.", "status_code": 404,
                                                   "message": "Message ID 4412 not found."}}]


def test_cli_invalid_param_value_is_envelope_exit_1(capsys):
    code, out, err = run_cli(capsys, "run", "fetch_event", "--param", "messages_source=Message Tracking",
                             "--param", "start_time=-1h", "--param", "end_time=now", "--param", "offset=0",
                             "--param", "limit=101", "--server-url", "https://esa.test:6443", "--username", "u",
                             "--password", "p")
    assert code == 1
    assert json.loads(out)["error"]["message"] == "Invalid input: limit: 101 is greater than the maximum of 100"


def test_cli_param_beats_params_json(capsys, stub):
    stub("search_messages", lambda params, ctx: Result(data={
        "subject": params["subject"], "sender": params["sender"], "start_time": params["start_time"].isoformat()}))
    code, out, _ = run_cli(capsys, "run", "search_messages",
                           "--params-json", json.dumps({"start_time": "2023-05-20T18:00:00Z", "end_time": "now",
                                                        "subject": "from json", "sender": "json@x.example"}),
                           "--param", "subject=from param = with equals",
                           "--server-url", "https://esa.test:6443", "--username", "u", "--password", "p")
    assert code == 0
    assert json.loads(out)["data"] == {"subject": "from param = with equals", "sender": "json@x.example",
                                       "start_time": "2023-05-20T18:00:00+00:00"}


@pytest.mark.parametrize("argv, message", [
    (["run", "get_amp_detail"], "unknown command 'get_amp_detail'"),
    (["run", "test_connection", "--param", "novalue"], "--param 'novalue' is not ID=VALUE"),
    (["run", "test_connection", "--param", "=x"], "--param '=x' is not ID=VALUE"),
    (["run", "test_connection", "--params-json", "{not json"], "--params-json is not valid JSON"),
    (["run", "test_connection", "--params-json", "[1, 2]"], "--params-json must be a JSON object"),
    (["run", "test_connection", "--bogus"], "unrecognized arguments: --bogus"),
    (["run"], "the following arguments are required: command"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_cli_unusable_command_line_exit_2_usage_no_envelope(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err


def test_cli_connection_file_unreadable_exit_2(capsys, tmp_path):
    code, out, err = run_cli(capsys, "run", "test_connection", "--connection", str(tmp_path / "missing.yaml"))
    assert (code, out) == (2, "")
    assert "cannot read --connection file" in err


@pytest.mark.parametrize("content", ["server_url: [unclosed", "- just\n- a list\n"])
def test_cli_connection_file_malformed_exit_2(capsys, tmp_path, content):
    path = tmp_path / "conn.yaml"
    path.write_text(content)
    code, out, err = run_cli(capsys, "run", "test_connection", "--connection", str(path))
    assert (code, out) == (2, "")
    assert str(path) in err


# ---------------------------------------------------------------- connection precedence
def _connection(argv, environ) -> dict:
    return cli.connection_from(cli.build_parser().parse_args(["run", "test_connection", *argv]), environ)


ENV = {"CISCO_ESA_SERVER_URL": "https://env.test:6443", "CISCO_ESA_USERNAME": "env-user",
       "CISCO_ESA_PASSWORD": "env-pass", "CISCO_ESA_API_VERSION": "v2.0", "CISCO_ESA_APPLIANCE": "sma",
       "CISCO_ESA_AUTH": "basic", "CISCO_ESA_VERIFY_TLS": "false", "CISCO_ESA_CA_BUNDLE": "/env/ca.pem",
       "CISCO_ESA_TIMEOUT": "30", "CISCO_ESA_PROXY": "http://env-proxy:3128"}


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_cli_connection_flags_beat_file_beat_environment(tmp_path, fmt):
    data = {"server_url": "https://file.test:6443", "username": "file-user", "timeout": 12, "verify_tls": True}
    path = tmp_path / f"conn.{fmt}"
    path.write_text(yaml.safe_dump(data) if fmt == "yaml" else json.dumps(data))
    got = _connection(["--connection", str(path), "--username", "flag-user", "--no-verify-tls"], ENV)
    # YAML scalars are kept as the text written (contract §2), JSON values as JSON types them
    timeout = "12" if fmt == "yaml" else 12
    assert got == {"server_url": "https://file.test:6443", "username": "flag-user", "password": "env-pass",
                   "api_version": "v2.0", "appliance": "sma", "auth": "basic", "verify_tls": False,
                   "ca_bundle": "/env/ca.pem", "timeout": timeout, "proxy": "http://env-proxy:3128"}
    assert parse_connection(got).timeout == 12.0 and parse_connection(got).verify_tls is False


def test_cli_connection_every_flag(tmp_path):
    got = _connection(["--server-url", "https://f:1", "--username", "a", "--password", "b", "--api-version", "v3.0",
                       "--appliance", "auto", "--auth", "jwt", "--ca-bundle", "/f/ca.pem", "--timeout", "5",
                       "--proxy", "http://p:1"], {})
    assert got == {"server_url": "https://f:1", "username": "a", "password": "b", "api_version": "v3.0",
                   "appliance": "auto", "auth": "jwt", "ca_bundle": "/f/ca.pem", "timeout": "5", "proxy": "http://p:1"}
    assert parse_connection(got) == Connection(server_url="https://f:1", username="a", password="b", api_version="v3.0",
                                               appliance="auto", auth="jwt", verify_tls=True, ca_bundle="/f/ca.pem",
                                               timeout=5.0, proxy="http://p:1")


def test_cli_connection_empty_environment_values_ignored():
    got = _connection([], {"CISCO_ESA_SERVER_URL": "", "CISCO_ESA_USERNAME": "u"})
    assert got == {"username": "u"}


@pytest.mark.parametrize("text, expected", [("true", True), ("1", True), ("yes", True), ("TRUE", True),
                                            ("false", False), ("0", False), ("no", False), ("No", False)])
def test_cli_environment_booleans(text, expected):
    conn = _connection([], {"CISCO_ESA_SERVER_URL": "https://e:1", "CISCO_ESA_USERNAME": "u",
                            "CISCO_ESA_PASSWORD": "p", "CISCO_ESA_VERIFY_TLS": text})
    assert parse_connection(conn).verify_tls is expected


def test_cli_environment_boolean_junk_failed_400(capsys, monkeypatch):
    for key, value in {"CISCO_ESA_SERVER_URL": "https://e.test:1", "CISCO_ESA_USERNAME": "u",
                       "CISCO_ESA_PASSWORD": "p", "CISCO_ESA_VERIFY_TLS": "perhaps"}.items():
        monkeypatch.setenv(key, value)
    code, out, _ = run_cli(capsys, "run", "test_connection")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["status_code"] == 400 and error["message"] == 'Invalid input: connection verify_tls: "perhaps" is not of type boolean'


def test_cli_precedence_end_to_end_against_simulator(capsys, sim, monkeypatch, tmp_path):
    # The environment is wrong about everything, the file fixes the password, a flag fixes the server.
    monkeypatch.setenv("CISCO_ESA_SERVER_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CISCO_ESA_USERNAME", "helpdesk")
    monkeypatch.setenv("CISCO_ESA_PASSWORD", "wrong")
    monkeypatch.setenv("CISCO_ESA_VERIFY_TLS", "no")
    path = tmp_path / "conn.yaml"
    path.write_text(yaml.safe_dump({"server_url": "http://127.0.0.1:9", "password": sim.users["helpdesk"]["password"]}))
    code, out, _ = run_cli(capsys, "run", "test_connection", "--connection", str(path), "--server-url", sim.url)
    envelope = json.loads(out)
    assert (code, envelope["status"], envelope["data"]["role"]) == (0, "Successful", "HelpDeskUser")
    assert envelope["data"]["server_url"] == sim.url


def test_cli_environment_only_against_simulator(capsys, sim, monkeypatch):
    monkeypatch.setenv("CISCO_ESA_SERVER_URL", sim.url)
    monkeypatch.setenv("CISCO_ESA_USERNAME", "operator")
    monkeypatch.setenv("CISCO_ESA_PASSWORD", sim.users["operator"]["password"])
    monkeypatch.setenv("CISCO_ESA_AUTH", "basic")
    code, out, _ = run_cli(capsys, "run", "test_connection")
    envelope = json.loads(out)
    assert (code, envelope["data"]["auth"], envelope["data"]["user"]) == (0, "basic", "operator")


# ---------------------------------------------------------------- output streams
def test_cli_verbose_logs_to_stderr_only_stdout_is_the_envelope(capsys, sim):
    code, out, err = run_cli(capsys, "run", "test_connection", *sim_flags(sim), "--verbose")
    assert code == 0
    assert json.loads(out)["status"] == "Successful"  # the whole of stdout is one JSON document
    assert "DEBUG cisco_esa.asyncos: POST " in err and "/esa/api/v2.0/login -> 200" in err
    assert "DEBUG cisco_esa.asyncos: logged in as admin (role Administrator)" in err
    assert not any(line.startswith(("DEBUG", "INFO", "WARNING")) for line in out.splitlines())


def test_cli_quiet_run_prints_nothing_on_stderr(capsys, sim):
    code, _out, err = run_cli(capsys, "run", "test_connection", *sim_flags(sim))
    assert (code, err) == (0, "")


def test_cli_no_verify_tls_warns_on_stderr_not_stdout(capsys, sim):
    code, out, err = run_cli(capsys, "run", "test_connection", *sim_flags(sim), "--no-verify-tls")
    assert code == 0 and json.loads(out)["status"] == "Successful"
    assert err == f"WARNING cisco_esa: TLS verification is disabled for {sim.url}: the appliance's identity is not checked.\n"


def test_cli_internal_error_in_handler_failed_envelope_no_traceback_on_stdout(capsys, stub):
    def handler(params, ctx):
        raise KeyError("boom")

    stub("get_amp_details", handler)
    code, out, err = run_cli(capsys, "run", "get_amp_details", "--param", "appliance_serial_number=SN1",
                             "--param", "message_ids=1", "--server-url", "https://esa.test:6443",
                             "--username", "u", "--password", "p", "--verbose")
    assert code == 1
    assert json.loads(out)["error"] == {"failure_indicator": "Get AMP Details failed.", "status_code": None,
                                        "message": "An internal error occurred in the integration; run with --verbose for details."}
    assert "Traceback" not in out
    assert "internal error in get_amp_details" in err and "KeyError: 'boom'" in err


def test_cli_installed_script_runs_test_connection(sim, tmp_path):
    script = Path(sys.executable).parent / "cisco-esa"
    assert script.is_file(), f"no console script next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CISCO_ESA_")}
    env.update({"CISCO_ESA_SERVER_URL": sim.url, "CISCO_ESA_USERNAME": "admin", "CISCO_ESA_PASSWORD": sim.password})
    proc = subprocess.run([str(script), "run", "test_connection"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    envelope = json.loads(proc.stdout)
    assert (envelope["status"], envelope["data"]["role"]) == ("Successful", "Administrator")
    assert proc.stderr == ""
    assert sim.password not in proc.stdout
