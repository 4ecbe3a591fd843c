"""Secret hygiene for every command (contract §3): run through the CLI with --verbose and through
`Integration.run` with DEBUG logging, in success and in failure (wrong password, appliance 500,
refused connection); stdout, stderr, every log record and the envelope hold neither the
password, its base64, the Basic `user:password` base64, nor a JWT the appliance issued."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import tempfile
from pathlib import Path

import pytest

from cisco_esa import cli
from cisco_esa.integration import Integration
from cisco_esa.core.registry import manifest
from tests.conftest import FROZEN_NOW

WINDOW = {"start_time": "2026-11-20T11:30:00Z", "end_time": "2026-11-20T12:30:00Z"}
DAY = {"start_time": "2026-11-19T12:00:00Z", "end_time": "2026-11-20T12:00:00Z"}
WRONG = "Wr0ng!Fuzz#Secret-77"
SCENARIOS = ["success", "wrong_password", "appliance_500", "refused"]
README = Path(__file__).resolve().parents[2] / "README.md"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def params_for(cid: str, world) -> dict:
    """Input that succeeds against the seeded simulator world."""
    amp, dlp, url, clean = (world.pick_amp_message(), world.pick_dlp_message(), world.pick_url_message(),
                            world.pick_clean_message())
    qmids = sorted(world.quarantine_mids())
    safelist = world.list_entries("safelist")
    blocklist = world.list_entries("blocklist")

    def details(rec):
        return {"appliance_serial_number": rec["serialNumber"], "message_ids": [rec["mid"][0]]}

    table = {
        "test_connection": {},
        "search_messages": {**WINDOW, "subject": "Password"},
        "get_message_details": details(clean),
        "get_amp_details": details(amp),
        "get_dlp_details": details(dlp),
        "get_url_details": details(url),
        "search_spam_quarantine_messages": WINDOW,
        "get_spam_quarantine_message_details": {"quarantine_message_ids": qmids[:2]},
        "release_spam_quarantine_messages": {"quarantine_message_ids": qmids[2:3]},
        "delete_spam_quarantine_messages": {"quarantine_message_ids": qmids[3:4]},
        "search_list_entries": {"list_type": "Blocklist", "view_by": "Recipient"},
        "add_entries": {"list_type": "Safelist", "action": "Add", "view_by": "Recipient",
                        "recipient_addresses": ["fuzz.new@corp.example"], "sender_list": ["good.example"]},
        "block_domain": {"action": "Add", "view_by": "Sender", "sender_addresses": ["bad-fuzz.example"],
                         "recipients_list": ["fuzz.new@corp.example"]},
        "block_email_addresses": {"senders": ["x@bad-fuzz.example"], "recipients": ["fuzz.new@corp.example"]},
        "delete_entries": {"view_by": "Recipient", "list_type": "Safelist", "recipient_list": sorted(safelist)[:1]},
        "unblock_domains_or_email_addresses": {"block_list_type": "Recipient Block List",
                                               "domains_or_email_addresses": sorted(blocklist)[:1]},
        "get_report": {**DAY, "counter_group": "mail_incoming_traffic_summary"},
        "fetch_event": {"messages_source": "Message Tracking", **WINDOW},
        # the configuration commands, on the simulator's seeded configuration
        "list_sender_groups": {"listener": "IncomingMail"},
        "add_sender_group_entries": {"listener": "IncomingMail", "senders": ["198.51.100.23"]},
        "remove_sender_group_entries": {"listener": "IncomingMail", "senders": ["203.0.113.66"]},
        "find_sender": {"sender": "203.0.113"},
        "list_dictionaries": {},
        "get_dictionary": {"name": "phish_terms"},
        "create_dictionary": {"name": "fuzz_terms", "words": ["wire transfer:4"]},
        "delete_dictionary": {"name": "hr_confidential"},
        "add_dictionary_words": {"name": "phish_terms", "words": ["urgent wire:4"]},
        "delete_dictionary_words": {"name": "phish_terms", "words": ["password expired"]},
        "list_url_lists": {},
        "get_url_list": {"name": "soc_block_urls"},
        "add_url_list_entries": {"name": "soc_block_urls", "urls": ["bad-fuzz.example/*"]},
        "remove_url_list_entries": {"name": "soc_block_urls", "urls": ["login-verify.example"]},
        "delete_url_lists": {"names": ["bypass_urls"]},
        "list_file_hash_lists": {},
        "get_file_hash_list": {"name": "ioc_sha256"},
        "add_file_hash_list_entries": {"name": "ioc_sha256", "hashes": ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]},
        "remove_file_hash_list_entries": {"name": "legacy_md5", "hashes": ["0cc175b9c0f1b6a831c399e269772661"]},
        "list_incoming_policy_users": {"policy": "strict_inbound"},
        "add_incoming_policy_users": {"policy": "strict_inbound", "senders": ["@bad-fuzz.example"]},
        "remove_incoming_policy_users": {"policy": "executives", "recipients": ["intern@corp.example"]},
        "list_message_filters": {},
        "get_message_filter": {"name": "legacy_route"},
        "set_message_filter": {"name": "drop_exe_attachments", "active": True},
    }
    phish, pvo = world.pick_phishing_message(), world.pvo
    serial, remediated = world.extras.pick_remediated()
    held = {"quarantine_message_ids": [pvo.pick(several=True)["mid"]]}
    table.update({
        "list_quarantines": {},
        "search_pvo_quarantine_messages": {**WINDOW, "quarantines": ["Virus", "Policy"]},
        "get_pvo_quarantine_message_details": held,
        "release_pvo_quarantine_messages": held,
        "delete_pvo_quarantine_messages": held,
        "move_pvo_quarantine_messages": {**held, "destination_quarantine": "HR Review"},
        "send_copy_of_pvo_quarantine_messages": {**held, "recipients": ["soc@corp.example"]},
        # never the working directory: the files go to a folder of their own
        "download_pvo_quarantine_attachments": {"quarantine_message_id": held["quarantine_message_ids"][0],
                                                "output_dir": tempfile.mkdtemp(prefix="cisco-esa-secrets-")},
        "investigate_message": {"appliance_serial_number": phish["serialNumber"], "message_id": phish["mid"][0]},
        "decode_rewritten_urls": {"urls": ["https://secure-web.cisco.com/1Tok/https%3A%2F%2Fa.example%2F"]},
        "search_rejected_connections": {"start_time": "-2h", "end_time": "now"},
        "get_connection_details": {"appliance_serial_number": phish["serialNumber"], "injection_connection_id": phish["icid"]},
        "get_remediation_details": {"appliance_serial_number": serial, "message_ids": [remediated]},
        "get_health": {},
    })
    assert set(table) == set(manifest().commands), "a command has no success input here"
    return table[cid]


def closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def arrange(scenario: str, sim) -> tuple[str, str]:
    """(server_url, password) for the scenario, with the simulator's faults set."""
    if scenario == "wrong_password":
        return sim.url, WRONG
    if scenario == "appliance_500":
        # everything but the login fails, so a token is issued and could leak with the error
        for path in ("login/privileges", "message-tracking/*", "quarantine/*", "reporting/*", "config/*", "health"):
            sim.inject(path, "status", status=500, count=1000, message="Server got itself in trouble.")
        return sim.url, sim.password
    if scenario == "refused":
        return closed_port_url(), sim.password
    return sim.url, sim.password


def secrets_of(password: str, sim) -> list[str]:
    tokens = sorted({e["headers"]["jwtToken"] for e in sim.request_log if "jwtToken" in e["headers"]})
    return [password, b64(password), b64(f"admin:{password}"), *tokens]


def expect_outcome(scenario: str, envelope: dict, sim) -> None:
    """The scenario really happened: otherwise 'no secret printed' proves nothing."""
    if manifest().commands[envelope["command"]].offline:
        # no connection is used at all, whatever it holds: nothing is sent, so nothing can leak
        assert envelope["status"] == "Successful", envelope["error"]
        assert not sim.request_log
    elif scenario == "success":
        assert envelope["status"] == "Successful", envelope["error"]
        assert any("jwtToken" in e["headers"] for e in sim.request_log) or envelope["command"] == "test_connection"
    elif scenario == "wrong_password":
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 401
    elif scenario == "appliance_500":
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 500
        assert any("jwtToken" in e["headers"] for e in sim.request_log), "no token was used"
    else:
        assert envelope["status"] == "Failed" and envelope["error"]["status_code"] is None


def assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"secret leaked: {secret[:4]}…"
    # belt and braces: no Authorization value, whoever wrote it
    assert not re.search(r"(?i)authorization['\"]?\s*[:=]\s*['\"]?basic\s+(?!\*\*\*)\S", text)


def _dump(records: list[logging.LogRecord]) -> str:
    out = []
    for r in records:
        out.append(r.getMessage())
        out.append(r.exc_text or "")
        if r.exc_info and r.exc_info[1] is not None:
            out.append(repr(r.exc_info[1]))
    return "\n".join(out)


@pytest.fixture
def cli_logs(monkeypatch, caplog):
    """After the CLI sets up its own logging (which stops propagation), caplog's handler is added
    to our loggers and urllib3's, so every record the CLI can print is seen here too."""
    original = cli._setup_logging

    def setup(verbose):
        original(verbose)
        for name in ("cisco_esa", "urllib3"):
            logging.getLogger(name).addHandler(caplog.handler)

    monkeypatch.setattr(cli, "_setup_logging", setup)
    for _cid, _flag, env in cli.CONNECTION_FLAGS:
        monkeypatch.delenv(env, raising=False)
    caplog.set_level(logging.DEBUG)
    yield caplog


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("cid", sorted(manifest().commands))
def test_every_command_cli_verbose_no_secret_anywhere(cid, scenario, sim, capsys, cli_logs):
    url, password = arrange(scenario, sim)
    params = params_for(cid, sim.world)
    code = cli.main(["run", cid, "--verbose", "--server-url", url, "--username", "admin", "--password", password,
                     "--params-json", json.dumps(params)])
    out, err = capsys.readouterr()
    envelope = json.loads(out)
    assert code == {"Successful": 0, "Partially Successful": 3, "Failed": 1}[envelope["status"]]
    expect_outcome(scenario, envelope, sim)
    assert cli_logs.records and err.strip(), "the verbose run logged nothing: the capture is broken"
    assert_clean("\n".join([out, err, _dump(cli_logs.records)]), secrets_of(password, sim))


@pytest.fixture
def debug_records():
    """Every record of our loggers and urllib3's at DEBUG, captured on the loggers themselves."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append
    saved = []
    for name in ("cisco_esa", "urllib3"):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield records
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("cid", sorted(manifest().commands))
def test_every_command_integration_debug_no_secret_anywhere(cid, scenario, sim, debug_records):
    url, password = arrange(scenario, sim)
    connection = {**sim.connection(), "server_url": url, "password": password}
    envelope = Integration(connection, clock=lambda: FROZEN_NOW).run(cid, params_for(cid, sim.world))
    expect_outcome(scenario, envelope, sim)
    assert debug_records, "nothing was logged at DEBUG: the capture is broken"
    text = json.dumps(envelope, ensure_ascii=False) + "\n" + _dump(debug_records)
    assert_clean(text, secrets_of(password, sim))


def test_readme_password_in_environment_or_connection_file_never_a_flag():
    text = README.read_text()
    advice = [s for s in re.split(r"(?<=[.:])\s+", " ".join(text.split())) if "password" in s.lower()
              and "environment" in s.lower() and "connection file" in s.lower()]
    assert advice, "the README does not recommend the environment or a connection file for the password"
    assert any("--password" in s and "never" in s.lower() for s in advice)
    # and none of its examples types the password on a command line
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, flags=re.S)
    assert blocks and not [line for b in blocks for line in b.splitlines()
                           if "--password" in line and not line.lstrip().startswith("#")]
    assert "CISCO_ESA_PASSWORD" in text and "--connection" in text
