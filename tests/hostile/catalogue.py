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


# -- 2, 3, 5, 6, 7, 9, 11: the transport ------------------------------------------------------------
def _hostile(answer, command: str = "test_connection", params: dict | None = None, **conn) -> str:
    """The outcome of one command against a hostile appliance, its address written HOST."""
    from tests.hostile import test_hostile_transport as T

    with HostileAppliance(answer) as h:
        envelope = T.run(h, command, params, **conn)
        text = json.dumps(envelope)
        leaked = T.PASSWORD in text or T.JWT in text
        where = h.url.split("//", 1)[1]
    outcome = _outcome(envelope).replace(where, "HOST")
    return outcome + (" [a secret leaked]" if leaked else "")


def _escaped_password_echo() -> str:
    from tests.hostile import test_hostile_transport as T

    escaped = "".join(f"\\u{ord(c):04x}" for c in T.PASSWORD)
    with HostileAppliance(T._raw_search_echoing(f"pw {escaped} end")) as h:
        envelope = T.run(h, "search_messages", WINDOW)
    leaked = T.PASSWORD in json.dumps(envelope, ensure_ascii=False)
    return f"{envelope['status']}: subject {envelope['data']['messages'][0]['subject']!r}, password in the output: {leaked}"


def _reissued_token() -> str:
    from tests.hostile import test_hostile_transport as T

    calls = {"n": 0}

    def answer(req):
        if req.path == "login":
            return T.login_with(T.JWT)
        if req.path == "login/privileges":
            calls["n"] += 1
            if calls["n"] == 1:
                return json_answer({"error": {"message": "ExpiredSignatureError.", "code": "401"}}, 401)
        return T.healthy(req)

    with HostileAppliance(answer) as h:
        envelope = T.run(h)
        tokens = {r.headers.get("jwtToken") for r in h.requests if r.path != "login"}
    return f"{envelope['status']}; token sent as itself every time: {tokens == {T.JWT}}"


def _dripped(req):
    from tests.hostile import test_hostile_transport as T
    import time

    def drip():
        for byte in b'{"data": ["message_tracking"]}':
            time.sleep(4)
            yield bytes([byte])
    return Answer(200, drip()) if req.path == "login/privileges" else T.healthy(req)


def _endless(req):
    from tests.hostile import test_hostile_transport as T

    def body():
        yield b'{"data": ["'
        while True:
            yield b"x" * (1 << 16)
    return Answer(200, body()) if req.path == "login/privileges" else T.healthy(req)


def _gzip_bomb(req):
    import zlib
    from tests.hostile import test_hostile_transport as T

    if req.path != "login/privileges":
        return T.healthy(req)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = packer.compress(b'{"data": ["') + b"".join(packer.compress(b"0" * (1 << 24)) for _ in range(64)) + packer.flush()
    return Answer(200, bomb, {"Content-Encoding": "gzip"})


def _on_privileges(answer: Answer):
    from tests.hostile import test_hostile_transport as T
    return lambda req: answer if req.path == "login/privileges" else T.healthy(req)


def _missing_ca_bundle() -> str:
    with HostileAppliance(lambda req: None) as h:
        envelope = Integration(h.connection(ca_bundle="/nonexistent/ca.pem"), clock=lambda: FROZEN_NOW).run("test_connection")
        sent = len(h.requests)
    return f"{_outcome(envelope)} [{sent} requests]"


# ESC sequences (clear the screen, retitle the window), BEL, CSI in its 8-bit form, a bidi override.
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x9b31m \u202eexe.pdf"


def _terminal_escapes() -> str:
    """The text output and the stderr line of two runs, one failing with an error message full of
    escapes, one listing a subject full of them: does any reach the terminal?"""
    from tests.hostile import test_hostile_transport as T

    def answer(req):
        if req.path == "login/privileges":
            return json_answer({"error": {"code": 500, "message": f"boom {ESCAPES}"}}, status=500)
        if req.path == "message-tracking/messages":
            return json_answer({"meta": {"totalCount": 1}, "data": [T.row(f"Invoice {ESCAPES}")]})
        return None

    seen = []
    with HostileAppliance(answer) as h:
        env = {**os.environ, "CISCO_ESA_SERVER_URL": h.url, "CISCO_ESA_USERNAME": "admin",
               "CISCO_ESA_PASSWORD": T.PASSWORD}
        search = ["search_messages", "--param", "start_time=2026-11-20T10:00:00Z",
                  "--param", "end_time=2026-11-20T12:00:00Z"]
        for args in (["test_connection", "--output", "text"], [*search, "--output", "text"],
                     [*search, "--output", "json"]):
            done = subprocess.run([sys.executable, "-m", "cisco_esa", "run", *args], env=env,
                                  capture_output=True, text=True, timeout=120)
            seen.append((done.stdout, done.stderr))
    said = ["boom" in seen[0][1], "Invoice" in seen[1][0],
            json.loads(seen[2][0])["data"]["messages"][0]["subject"] == f"Invoice {ESCAPES}"]
    raw = any(c in out + err for out, err in seen for c in "\x1b\x07\x9b\u202e")
    return f"message and subject shown (JSON: as sent): {all(said)}; an escape reached the terminal: {raw}"


TOO_LARGE = ("Failed (200): The answer from HOST to GET login/privileges is larger than 64 MiB once decompressed: "
             "refused before holding it; narrow the request (a shorter window, a lower limit).")

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
    Entry("2 secrets in other spellings", "the password echoed back in JSON \\u escapes inside a subject",
          "Successful: subject 'pw *** end', password in the output: False", _escaped_password_echo),
    Entry("3 masking that breaks the client", "a re-login answered with the same token as before",
          "Successful; token sent as itself every time: True", _reissued_token),
    Entry("5 write outcomes", "a release whose 200 answer is cut off mid-way",
          "Failed (None): The answer from HOST to POST quarantine/messages was cut off mid-way (40 bytes came, 80 more "
          "were announced); the change may or may not have been applied: check the appliance before trying again.",
          lambda: _hostile(lambda req: Answer(200, b'{"data": {"action": "release", "totalCou', length=120)
                           if req.path == "quarantine/messages" else None,
                           "release_spam_quarantine_messages", {"quarantine_message_ids": [7]})),
    Entry("6 unbounded waits", "a body dripped one byte every 4 s, timeout 5",
          "Failed (None): The answer from HOST to GET login/privileges did not complete within 5 s (timeout bounds "
          "the whole request, every byte included): check that the appliance is responsive, or raise timeout.",
          lambda: _hostile(_dripped, timeout=5)),
    Entry("7 unbounded memory", "an endless chunked body", TOO_LARGE, lambda: _hostile(_endless, timeout=60)),
    Entry("7 unbounded memory", "a 1 MB gzip bomb (1 GiB inflated)", TOO_LARGE, lambda: _hostile(_gzip_bomb, timeout=60)),
    Entry("9 tracebacks", "JSON nested 1,000 deep",
          "Failed (200): Unexpected response from the appliance: the answer nests deeper than 64 levels, which no "
          "AsyncOS answer does.", lambda: _hostile(_on_privileges(Answer(200, b"[" * 1000 + b"]" * 1000)))),
    Entry("9 tracebacks", "NaN and Infinity in a body", "Successful",
          lambda: _hostile(_on_privileges(Answer(200, b'{"data": ["message_tracking"], "meta": {"x": NaN, "y": Infinity}}')))),
    Entry("9 tracebacks", "a ca_bundle file that does not exist",
          "Failed (400): Invalid input: ca_bundle '/nonexistent/ca.pem': no such file [0 requests]",
          _missing_ca_bundle),
    Entry("11 smaller ones", "a redirect instead of an answer",
          'Failed (302): HTTP 302 redirect to /esa/api/v2.0/elsewhere: the AsyncOS API never redirects, so something else answered (a web portal, a proxy, a login page): check server_url; the request was not followed.',
          lambda: _hostile(_on_privileges(Answer(302, b"", {"Location": "/esa/api/v2.0/elsewhere"})))),
    Entry("11 smaller ones", "an error message and a subject carrying terminal escapes (ESC, BEL, 8-bit CSI, a bidi override)",
          "message and subject shown (JSON: as sent): True; an escape reached the terminal: False", _terminal_escapes),
    Entry("9 tracebacks", "a checkpoint watermark in the year 1",
          "Failed (400): Invalid input: state: sources.messageTracking.watermark 0001-01-01T00:00:00Z is outside "
          "1990-2199, so it is no watermark of this appliance; move the state file aside (or pass no state) to "
          "start afresh [0 requests]", _year_one_watermark),
]
