"""The hostile-fault catalogue of issue 10: each entry injects one hostile appliance, host or input,
runs the real client (and the CLI where it is about the CLI) against a server of our own on
loopback, and says in one line what happened. The promise is the line it must say.
tests/hostile/test_catalogue.py checks every entry; scripts/reliability_report.py publishes them in
docs/reliability.md, so the doc never claims more than CI checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

from cisco_esa.integration import Integration
from esa_simulator import Simulator
from tests.conftest import FROZEN_NOW
from tests.hostile.server import Answer, HostileAppliance, json_answer

WINDOW = {"start_time": "2026-11-20T10:00:00Z", "end_time": "2026-11-20T12:00:00Z"}
TRACKING_FETCH = {"messages_source": "Message Tracking", "start_time": "2026-11-20T11:00:00Z", "end_time": "now"}


@dataclass(frozen=True)
class Entry:
    klass: str        # the class of issue 10 it belongs to
    injected: str
    promised: str
    run: Callable[[], str]


def _outcome(envelope: dict) -> str:
    error = envelope["error"]
    if error is None:
        return envelope["status"]
    return f"{envelope['status']} ({error['status_code']}): {error['message']}"


def _row(i: int) -> dict:
    return {"attributes": {"mid": [i], "serialNumber": "S1", "sender": f"s{i}@x.example", "recipient": ["r@x.example"],
                           "subject": f"m{i}", "timestamp": "20 Nov 2026 11:00:00 (GMT +00:00)"}}


# -- 1. clock skew -------------------------------------------------------------------------------
def _skewed_feed(host_ahead: int) -> str:
    with Simulator(now=FROZEN_NOW, tracking_count=0, quarantine_count=0) as sim:
        host = {"now": FROZEN_NOW + timedelta(minutes=host_ahead)}
        integration = Integration(sim.connection(), clock=lambda: host["now"])
        serial = sim.world.serial_numbers()[0]
        expected, emitted, state = set(), [], None
        for _ in range(4):
            for _ in range(3):
                rec = sim.add_tracking_message(timestamp=sim.clock() - timedelta(seconds=30), serialNumber=serial)
                expected.add(f"{serial}:{rec['mid'][0]}")
            envelope = integration.run("fetch_event", TRACKING_FETCH, state=state)
            emitted += [i["id"] for i in envelope["items"]]
            state = envelope["data"].get("checkpoint", state)
            sim.clock_skew += 120
            host["now"] += timedelta(minutes=2)
        host["now"], sim.clock_skew = sim.clock() + timedelta(minutes=6), sim.clock_skew + 360
        emitted += [i["id"] for i in integration.run("fetch_event", TRACKING_FETCH, state=state)["items"]]
    twice = len(emitted) - len(set(emitted))
    return f"{len(set(emitted) & expected)} of {len(expected)} messages emitted, {twice} twice"


def _future_watermark() -> str:
    with Simulator(now=FROZEN_NOW, tracking_count=0, quarantine_count=0) as sim:
        state = {"version": 1, "sources": {"messageTracking": {"watermark": "2026-11-20T14:00:00Z", "seen": {}}}}
        envelope = Integration(sim.connection(), clock=lambda: FROZEN_NOW + timedelta(hours=3)).run(
            "fetch_event", TRACKING_FETCH, state=state)
    return _outcome(envelope)


# -- 4. writes without confirmation ------------------------------------------------------------------
def _add_entries_answered(answer: Answer) -> str:
    with HostileAppliance(lambda req: answer if req.path == "quarantine/blocklist" else None) as h:
        envelope = Integration(h.connection(), clock=lambda: FROZEN_NOW).run(
            "add_entries", {"list_type": "Blocklist", "action": "Add", "view_by": "Sender",
                            "sender_addresses": "bad.example", "recipient_list": "r@corp.example"})
    return _outcome(envelope)


# -- 5. never-sent ids ------------------------------------------------------------------------------
def _unreachable_after_first() -> str:
    with HostileAppliance(lambda req: None) as h:
        url = h.connection()
    # the appliance went away: nothing listens on its port any more
    envelope = Integration({**url, "auth": "basic"}, clock=lambda: FROZEN_NOW).run(
        "release_spam_quarantine_messages", {"quarantine_message_ids": [11, 12, 13]})
    messages = [i["error"]["message"].split(":")[0] for i in envelope["items"]]
    return f"{envelope['status']}; items: " + " | ".join(messages)


# -- 6. unbounded loops ------------------------------------------------------------------------------
def _same_page_for_ever(command: str, params: dict) -> str:
    page = [_row(i) for i in range(100)]
    paths = ("message-tracking/messages", "quarantine/messages")
    with HostileAppliance(lambda req: json_answer({"meta": {}, "data": page}) if req.path in paths else None) as h:
        envelope = Integration(h.connection(), clock=lambda: FROZEN_NOW).run(command, params, state={})
        pages = len([r for r in h.requests if r.path in paths])
    return f"{_outcome(envelope)} [{pages} pages]"


def _more_than_asked() -> str:
    rows = [_row(i) for i in range(300)]
    answer = lambda req: json_answer({"data": rows[int(req.query["offset"]):]}) \
        if req.path == "message-tracking/messages" else None  # noqa: E731
    with HostileAppliance(answer) as h:
        envelope = Integration(h.connection(), clock=lambda: FROZEN_NOW).run("search_messages", {**WINDOW, "limit": 150})
    return f"{envelope['status']}: {envelope['data']['total']} rows, truncated={envelope['data']['truncated']}"


# -- 8. the state file ---------------------------------------------------------------------------------
def _cli(args: list[str], sim: Simulator, state: Path) -> subprocess.Popen:
    """The CLI in a process of its own; its stdout goes to a file (a pipe would fill while the
    other run waits for the lock), read back by _finish."""
    conn = sim.connection()
    env = {**os.environ, "CISCO_ESA_SERVER_URL": conn["server_url"], "CISCO_ESA_USERNAME": conn["username"],
           "CISCO_ESA_PASSWORD": conn["password"]}
    argv = [sys.executable, "-m", "cisco_esa", "run", "fetch_event", "--param", "messages_source=Message Tracking",
            "--param", "start_time=2026-11-20T10:30:00Z", "--param", "end_time=2026-11-20T12:30:00Z",
            "--output", "json", "--state", str(state), *args]
    out = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
    proc.out = out
    return proc


def _finish(proc: subprocess.Popen) -> tuple[str, str]:
    _, err = proc.communicate(timeout=120)
    proc.out.seek(0)
    return proc.out.read(), err


def _two_runs_one_state() -> str:
    with Simulator(now=FROZEN_NOW) as sim, tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "fetch.state"
        runs = [_cli([], sim, state) for _ in range(2)]
        outs = [json.loads(_finish(r)[0]) for r in runs]
    ids = [i["id"] for o in outs for i in o["items"]]
    second = min(len(o["items"]) for o in outs)
    return (f"statuses {sorted(o['status'] for o in outs)}, {len(ids) - len(set(ids))} events twice, "
            f"the second run found {second} new")


def _state_in_missing_folder() -> str:
    with Simulator(now=FROZEN_NOW) as sim, tempfile.TemporaryDirectory() as tmp:
        run = _cli([], sim, Path(tmp) / "missing" / "fetch.state")
        out, _ = _finish(run)
        requests = len(sim.request_log)
    envelope = json.loads(out)
    return f"exit {run.returncode}, {envelope['status']} ({envelope['error']['status_code']}), {requests} requests sent"


def _state_not_a_checkpoint(content: str) -> str:
    with Simulator(now=FROZEN_NOW) as sim, tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "fetch.state"
        state.write_text(content)
        run = _cli([], sim, state)
        out, err = _finish(run)
    return f"exit {run.returncode}, stdout {'empty' if not out else 'not empty'}, stderr names the file: {str(state) in err}"


def _year_one_watermark() -> str:
    state = {"version": 1, "sources": {"messageTracking": {"watermark": "0001-01-01T00:00:00Z"}}}
    with Simulator(now=FROZEN_NOW) as sim:
        envelope = Integration(sim.connection(), clock=lambda: FROZEN_NOW).run("fetch_event", TRACKING_FETCH, state=state)
        requests = len(sim.request_log)
    return f"{_outcome(envelope)} [{requests} requests]"


ENTRIES: list[Entry] = [
    Entry("1 clock skew", "SOAR host 10 minutes ahead of the appliance; mail arrives between scheduled runs",
          "12 of 12 messages emitted, 0 twice", lambda: _skewed_feed(10)),
    Entry("1 clock skew", "SOAR host 10 minutes behind the appliance", "12 of 12 messages emitted, 0 twice",
          lambda: _skewed_feed(-10)),
    Entry("1 clock skew", "a checkpoint watermark in the appliance's future",
          "Failed (None): The checkpoint's watermark 2026-11-20T14:00:00Z lies in the appliance's future (its clock "
          "reads 2026-11-20T12:30:00Z): it was not written by a run against this appliance, so it is not trusted; "
          "move the state aside (or pass no state) to start afresh.", _future_watermark),
    Entry("4 unconfirmed writes", "Add Entries answered 200 with an error body",
          "Failed (200): Entry could not be added.",
          lambda: _add_entries_answered(json_answer({"error": {"message": "Entry could not be added."}}))),
    Entry("4 unconfirmed writes", "Add Entries answered 204 with no body",
          "Failed (204): Unexpected response from the appliance: HTTP 204 without the confirmation of the add "
          "(asyncos-api §8.2); the list may or may not have changed: check it with Search List Entries.",
          lambda: _add_entries_answered(Answer(204))),
    Entry("5 write outcomes", "the appliance unreachable from the first of three releases",
          "Failed; items: Could not connect to 127.0.0.1 | Not sent | Not sent", _unreachable_after_first),
    Entry("6 unbounded loops", "a search against an appliance that ignores offset",
          "Failed (200): Unexpected response from the appliance: the page at offset 100 repeats the page before it: "
          "the appliance (or a proxy in between) ignores offset, so the rest of the answer cannot be read. [2 pages]",
          lambda: _same_page_for_ever("search_messages", WINDOW)),
    Entry("6 unbounded loops", "Fetch Event against an appliance that ignores offset",
          "Failed (200): Unexpected response from the appliance: the page at offset 100 repeats the page before it: "
          "the appliance (or a proxy in between) ignores offset, so the window cannot be read; the checkpoint was "
          "not moved. [2 pages]",
          lambda: _same_page_for_ever("fetch_event", {"messages_source": "Message Tracking", **WINDOW})),
    Entry("6 unbounded loops", "a search with limit 150 answered with more rows than asked",
          "Successful: 150 rows, truncated=True", _more_than_asked),
    Entry("8 the state file", "two CLI runs at once on one --state file",
          "statuses ['Successful', 'Successful'], 0 events twice, the second run found 0 new", _two_runs_one_state),
    Entry("8 the state file", "--state in a folder that does not exist",
          "exit 1, Failed (400), 0 requests sent", _state_in_missing_folder),
    Entry("8 the state file", "a --state file holding {}", "exit 2, stdout empty, stderr names the file: True",
          lambda: _state_not_a_checkpoint("{}")),
    Entry("8 the state file", 'a --state file holding {"version": true}',
          "exit 2, stdout empty, stderr names the file: True", lambda: _state_not_a_checkpoint('{"version": true}')),
    Entry("9 tracebacks", "a checkpoint watermark in the year 1",
          "Failed (400): Invalid input: state: sources.messageTracking.watermark 0001-01-01T00:00:00Z is outside "
          "1990-2199, so it is no watermark of this appliance; move the state file aside (or pass no state) to "
          "start afresh [0 requests]", _year_one_watermark),
]
