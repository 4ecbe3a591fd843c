"""Issue 10 class 8 (the state file), through the CLI against the simulator: the file is locked for
the whole run, an unwritable one is found before the first request, a file that is not a checkpoint
is refused naming it, and a killed run's temporary files are cleaned up."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys

import pytest

from cisco_esa import statefile
from tests.cli_helpers import frozen_cli, run_cli  # noqa: F401 (fixture)

FETCH = ("run", "fetch_event", "--param", "messages_source=Message Tracking", "--param", "start_time=-1h",
         "--param", "end_time=now", "--output", "json")


def _requests(sim) -> int:
    return len(sim.request_log)


@pytest.mark.parametrize("content", ["{}", "null", '{"version": true}', "[]", '"text"', "not json"])
def test_fetch_event_state_file_not_a_checkpoint_refused_exit_2_naming_it(capsys, frozen_cli, tmp_path, content):
    state = tmp_path / "fetch.state"
    state.write_text(content)
    code, out, err = run_cli(capsys, *FETCH, "--state", str(state))
    assert code == 2 and out == ""
    assert str(state) in err and "move it aside" in err
    assert state.read_text() == content


def test_fetch_event_zero_byte_state_file_is_a_first_run(capsys, frozen_cli, tmp_path):
    state = tmp_path / "fetch.state"
    state.write_text("")
    code, out, _ = run_cli(capsys, *FETCH, "--state", str(state))
    assert code == 0 and json.loads(out)["status"] == "Successful"
    assert json.loads(state.read_text())["version"] == 1


@pytest.mark.parametrize("where", ["missing-dir", "read-only-dir"])
def test_fetch_event_unwritable_state_failed_before_any_request(capsys, frozen_cli, tmp_path, where):
    if where == "missing-dir":
        state = tmp_path / "nope" / "fetch.state"
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        state = folder / "fetch.state"
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
    before = _requests(frozen_cli)
    code, out, err = run_cli(capsys, *FETCH, "--state", str(state))
    envelope = json.loads(out)
    assert code == 1 and envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert str(state) in envelope["error"]["message"] and "cannot be written" in envelope["error"]["message"]
    assert _requests(frozen_cli) == before  # not even a login
    assert "Traceback" not in err


def test_fetch_event_state_locked_by_another_run_fails_clearly_without_requests(capsys, frozen_cli, tmp_path,
                                                                                monkeypatch):
    state = tmp_path / "fetch.state"
    monkeypatch.setattr(statefile, "LOCK_WAIT", 0.2)
    held = os.open(str(state) + ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        before = _requests(frozen_cli)
        code, out, _ = run_cli(capsys, *FETCH, "--state", str(state))
    finally:
        os.close(held)
    envelope = json.loads(out)
    assert code == 1 and "another run holds --state file" in envelope["error"]["message"]
    assert _requests(frozen_cli) == before and not state.exists()


def test_fetch_event_two_runs_on_one_state_emit_each_event_once(sim, tmp_path):
    """Two schedulers fire at once on the same file: the second waits, then starts from the first's checkpoint."""
    state = tmp_path / "fetch.state"
    conn = sim.connection()
    env = {**os.environ, "CISCO_ESA_SERVER_URL": conn["server_url"], "CISCO_ESA_USERNAME": conn["username"],
           "CISCO_ESA_PASSWORD": conn["password"]}
    argv = [sys.executable, "-m", "cisco_esa", "run", "fetch_event", "--param", "messages_source=Message Tracking",
            "--param", "start_time=2026-11-20T10:30:00Z", "--param", "end_time=2026-11-20T12:30:00Z",
            "--output", "json", "--state", str(state)]
    # stdout to files: a pipe would fill while the other run waits for the lock
    files = [tmp_path / f"run{i}.out" for i in range(2)]
    runs = [subprocess.Popen(argv, env=env, stdout=f.open("w"), stderr=subprocess.DEVNULL) for f in files]
    for r in runs:
        r.wait(timeout=120)
    outputs = [json.loads(f.read_text()) for f in files]
    ids = [i["id"] for o in outputs for i in o["items"]]
    assert [o["status"] for o in outputs] == ["Successful", "Successful"], [o["error"] for o in outputs]
    assert ids and len(ids) == len(set(ids))
    assert sorted(len(o["items"]) for o in outputs)[0] == 0  # the second found everything emitted


def test_fetch_event_two_sources_sharing_one_state_keep_both(capsys, frozen_cli, tmp_path):
    state = tmp_path / "fetch.state"
    assert run_cli(capsys, *FETCH, "--state", str(state))[0] == 0
    quarantine = [a.replace("Message Tracking", "Spam Quarantine") for a in FETCH]
    assert run_cli(capsys, *quarantine, "--state", str(state))[0] == 0
    assert sorted(json.loads(state.read_text())["sources"]) == ["messageTracking", "spamQuarantine"]


def test_fetch_event_killed_write_temp_files_removed_next_run(capsys, frozen_cli, tmp_path):
    state = tmp_path / "fetch.state"
    stale = tmp_path / ".fetch.state.abc123.tmp"
    stale.write_text('{"half": ')
    other = tmp_path / ".other.state.x.tmp"
    other.write_text("not ours")
    assert run_cli(capsys, *FETCH, "--state", str(state))[0] == 0
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.state.x.tmp", "fetch.state", "fetch.state.lock"]
