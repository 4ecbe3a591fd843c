"""TLS through the command line against the simulator's self-signed HTTPS: verification is on by
default (Failed, status_code null, a message naming --ca-bundle and --no-verify-tls),
--ca-bundle with the simulator's CA works, and --no-verify-tls works with exactly one warning
line on stderr, however many requests the command makes."""

from __future__ import annotations

import json

import pytest

from cisco_esa import cli


@pytest.fixture(autouse=True)
def no_connection_environment(monkeypatch):
    for _cid, _flag, env in cli.CONNECTION_FLAGS:
        monkeypatch.delenv(env, raising=False)


def run(capsys, sim, *extra, command="test_connection", params=None) -> tuple[int, dict, str]:
    argv = ["run", command, "--server-url", sim.url, "--username", "admin", "--password", sim.password, *extra]
    if params:
        argv += ["--params-json", json.dumps(params)]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_tls_cli_default_verification_failed_null_naming_both_options(capsys, tls_sim):
    tls_sim.clear_log()
    code, envelope, err = run(capsys, tls_sim)
    assert code == 1 and envelope["status"] == "Failed"
    error = envelope["error"]
    assert error["status_code"] is None and error["failure_indicator"].startswith("Test Connection failed.")
    assert error["message"].startswith(f"TLS verification of {tls_sim.url.split('//')[1]} failed")
    assert "--ca-bundle" in error["message"] and "--no-verify-tls" in error["message"]
    assert tls_sim.request_log == []  # the handshake failed: nothing reached the API


def test_tls_cli_ca_bundle_successful(capsys, tls_sim):
    code, envelope, err = run(capsys, tls_sim, "--ca-bundle", tls_sim.ca_file)
    assert code == 0 and envelope["status"] == "Successful" and envelope["error"] is None
    assert envelope["data"]["server_url"] == tls_sim.url and tls_sim.url.startswith("https://")
    assert err == ""  # verification on: nothing to warn about


def test_tls_cli_ca_bundle_from_environment_successful(capsys, tls_sim, monkeypatch):
    monkeypatch.setenv("CISCO_ESA_CA_BUNDLE", tls_sim.ca_file)
    code, envelope, err = run(capsys, tls_sim)
    assert code == 0 and envelope["status"] == "Successful" and err == ""


@pytest.mark.parametrize("command,params", [
    ("test_connection", None),
    # several pages and several ids: still one warning per run, never one per request
    ("search_messages", {"start_time": "2026-11-19T12:00:00Z", "end_time": "2026-11-20T12:00:00Z", "limit": 250}),
])
def test_tls_cli_no_verify_successful_exactly_one_warning_line(capsys, tls_sim, command, params):
    tls_sim.clear_log()
    code, envelope, err = run(capsys, tls_sim, "--no-verify-tls", command=command, params=params)
    assert code == 0 and envelope["status"] == "Successful"
    assert len(tls_sim.request_log) >= 2
    assert err.splitlines() == [
        f"WARNING cisco_esa: TLS verification is disabled for {tls_sim.url}: the appliance's identity is not checked."]
    assert "InsecureRequestWarning" not in err


def test_tls_cli_no_verify_from_environment_one_warning_line(capsys, tls_sim, monkeypatch):
    monkeypatch.setenv("CISCO_ESA_VERIFY_TLS", "false")
    code, envelope, err = run(capsys, tls_sim)
    assert code == 0 and envelope["status"] == "Successful"
    assert len([line for line in err.splitlines() if "TLS verification is disabled" in line]) == 1
    assert len(err.splitlines()) == 1
