"""The small things people expect of the command line (issue 15, point 7 and 10): --version,
`python -m cisco_esa`, a warning for a connection file others can read, Ctrl-C saying what was
kept, and describe making the defaults of writes and the caps of results impossible to miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cisco_esa import __version__, cli, statefile
from cisco_esa.core.registry import manifest
from tests.cli_helpers import frozen_cli, run_cli  # noqa: F401 (fixture)

FETCH = ["run", "fetch_event", "--param", "messages_source=Message Tracking", "--param", "start_time=-1h",
         "--param", "end_time=now"]


@pytest.fixture
def stub(monkeypatch):
    def install(cid, handler):
        monkeypatch.setitem(manifest().commands[cid].__dict__, "handler", handler)

    return install


def _env(sim) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CISCO_ESA_")}
    env.update({"CISCO_ESA_SERVER_URL": sim.url, "CISCO_ESA_USERNAME": "admin", "CISCO_ESA_PASSWORD": sim.password})
    return env


# ---------------------------------------------------------------- version and python -m
def test_cli_version_prints_version_exit_0(capsys):
    code, out, err = run_cli(capsys, "--version")
    assert (code, out, err) == (0, f"cisco-esa {__version__}\n", "")


def test_python_m_cisco_esa_version_and_run_same_cli(sim, tmp_path):
    version = subprocess.run([sys.executable, "-m", "cisco_esa", "--version"], capture_output=True, text=True,
                             timeout=60, cwd=tmp_path)
    assert (version.returncode, version.stdout, version.stderr) == (0, f"cisco-esa {__version__}\n", "")
    proc = subprocess.run([sys.executable, "-m", "cisco_esa", "run", "test_connection"], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path, env=_env(sim))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert json.loads(proc.stdout)["data"]["role"] == "Administrator"


def test_python_m_cisco_esa_usage_error_exit_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cisco_esa", "frobnicate"], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == "" and "invalid choice: 'frobnicate'" in proc.stderr


# ---------------------------------------------------------------- connection file permissions
def _connection_file(tmp_path, sim, mode: int):
    path = tmp_path / "esa.yaml"
    path.write_text(f"server_url: {sim.url}\nusername: admin\npassword: '{sim.password}'\n")
    os.chmod(path, mode)
    return path


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_test_connection_connection_file_readable_by_others_one_warning_line(capsys, frozen_cli, tmp_path, mode):
    path = _connection_file(tmp_path, frozen_cli, mode)
    code, out, err = run_cli(capsys, "run", "test_connection", "--connection", str(path))
    assert code == 0 and json.loads(out)["status"] == "Successful"
    assert err == (f"cisco-esa: warning: --connection file {path} is readable by group or others; "
                   f"it holds a password: chmod 600 it\n")
    assert frozen_cli.password not in err


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_test_connection_connection_file_private_no_warning(capsys, frozen_cli, tmp_path):
    path = _connection_file(tmp_path, frozen_cli, 0o600)
    code, _out, err = run_cli(capsys, "run", "test_connection", "--connection", str(path))
    assert (code, err) == (0, "")


# ---------------------------------------------------------------- Ctrl-C
def _interrupt(*_args, **_kw):
    raise KeyboardInterrupt


def test_fetch_event_ctrl_c_with_state_checkpoint_not_advanced_exit_130(capsys, frozen_cli, tmp_path, stub):
    state = tmp_path / "fetch.state"
    state.write_text('{"sources": {}, "version": 1}')
    stub("fetch_event", _interrupt)
    code, out, err = run_cli(capsys, *FETCH, "--state", str(state))
    assert (code, out) == (130, "")
    assert err == (f"cisco-esa: interrupted: nothing was printed; the checkpoint in {state} was not advanced "
                   f"(the next run starts where this one did).\n")
    assert state.read_text() == '{"sources": {}, "version": 1}'


def test_fetch_event_ctrl_c_while_writing_state_says_printed_not_advanced(capsys, frozen_cli, tmp_path,
                                                                          monkeypatch):
    state = tmp_path / "fetch.state"
    monkeypatch.setattr(statefile.StateFile, "write", _interrupt)
    code, out, err = run_cli(capsys, *FETCH, "--state", str(state))
    assert code == 130 and json.loads(out)["status"] == "Successful"
    assert err == (f"cisco-esa: interrupted: the result was printed; the checkpoint in {state} was not advanced "
                   f"(the next run starts where this one did).\n")
    assert not state.exists()


def test_fetch_event_ctrl_c_without_state_says_no_checkpoint(capsys, frozen_cli, stub):
    stub("fetch_event", _interrupt)
    code, out, err = run_cli(capsys, *FETCH)
    assert (code, out) == (130, "")
    assert err == "cisco-esa: interrupted: nothing was printed; no checkpoint was kept (no --state).\n"


def test_release_spam_quarantine_messages_ctrl_c_write_may_have_been_applied(capsys, frozen_cli, stub):
    stub("release_spam_quarantine_messages", _interrupt)
    code, out, err = run_cli(capsys, "run", "release_spam_quarantine_messages", "--param",
                             "quarantine_message_ids=7468")
    assert (code, out) == (130, "")
    assert err == ("cisco-esa: interrupted: nothing was printed; a change already sent to the appliance may or may "
                   "not have been applied.\n")
    assert "Traceback" not in err


def test_search_messages_ctrl_c_read_nothing_kept_exit_130(capsys, frozen_cli, stub):
    stub("search_messages", _interrupt)
    code, out, err = run_cli(capsys, "run", "search_messages", "--param", "start_time=-1h", "--param",
                             "end_time=now", "--output", "text")
    assert (code, out) == (130, "")
    assert err == "cisco-esa: interrupted: nothing was printed; nothing else was kept.\n"


# ---------------------------------------------------------------- describe: defaults and caps
def test_delete_entries_describe_default_safelist_right_after_description(capsys):
    code, out, err = run_cli(capsys, "describe", "delete_entries")
    assert (code, err) == (0, "")
    assert out.startswith(
        "Delete Entries (delete_entries)\n\nDeletes Safelist or Blocklist Entries from the spam quarantine.\n\n"
        "NOTE: Without list_type, this changes the Safelist (the default). Pass --param list_type=Blocklist for "
        "the Blocklist; the result's text output names the list that was changed.\n\nParameters:\n")


def test_delete_entries_describe_json_notes(capsys):
    code, out, _ = run_cli(capsys, "describe", "delete_entries", "--json")
    assert code == 0 and json.loads(out)["notes"][0].startswith("Without list_type, this changes the Safelist")


@pytest.mark.parametrize("cid, flag", [("search_messages", "truncated"), ("search_spam_quarantine_messages", "truncated"),
                                       ("search_list_entries", "truncated"), ("fetch_event", "more")])
def test_capped_commands_describe_says_how_to_go_on(capsys, cid, flag):
    code, out, _ = run_cli(capsys, "describe", cid)
    assert code == 0
    note = next(line for line in out.splitlines() if line.startswith(f"NOTE: When data.{flag} is set"))
    assert ("--param limit" in note if flag == "truncated" else "--state FILE" in note and "max_events" in note)
    assert note.endswith("The command line says so on stderr and in the text output.")


def test_read_only_commands_describe_no_default_note(capsys):
    code, out, _ = run_cli(capsys, "describe", "get_report", "--json")
    assert code == 0 and json.loads(out)["notes"] == []


# ---------------------------------------------------------------- the demo uses the renderer
def test_demo_text_steps_rendered_by_the_renderer(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "       Released 1 of 1 message(s) from the spam quarantine.\n" in out
    assert "       Verdicts (1)\n" in out and "MALICIOUS" in out
    assert "more rows, see `cisco-esa demo --json`" in out


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child process")
def test_fetch_event_real_sigint_mid_request_one_line_exit_130(sim, tmp_path):
    """The real thing: the interpreter gets SIGINT while the appliance is slow to answer."""
    import signal
    import time

    state = tmp_path / "fetch.state"
    state.write_text('{"sources": {}, "version": 1}')
    sim.inject("message-tracking/messages", "delay", delay=30)
    # The child runs on the real clock, the simulator on the frozen one: an absolute window.
    argv = ["run", "fetch_event", "--param", "messages_source=Message Tracking",
            "--param", "start_time=2026-11-20T11:30:00Z", "--param", "end_time=2026-11-20T12:30:00Z"]
    proc = subprocess.Popen([sys.executable, "-m", "cisco_esa", *argv, "--state", str(state)], cwd=tmp_path,
                            env=_env(sim), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        # The log holds a request once answered: the login is, the delayed search is then in flight.
        while not any(r.get("path", "").endswith("/login") for r in sim.request_log):
            assert time.monotonic() < deadline, "the fetch never reached the appliance"
            time.sleep(0.05)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        sim.clear_faults()
    assert (proc.returncode, out) == (130, "")
    assert err == (f"cisco-esa: interrupted: nothing was printed; the checkpoint in {state} was not advanced "
                   f"(the next run starts where this one did).\n")
    assert state.read_text() == '{"sources": {}, "version": 1}'
