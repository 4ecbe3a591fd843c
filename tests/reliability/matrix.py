"""The fault matrix: every injected fault × every command class with the outcome we promise,
and the one runner that plays a cell against the simulator. The tests assert it and
scripts/reliability_report.py publishes it, so docs/reliability.md never claims more than CI checks."""

from __future__ import annotations

import fnmatch
import json
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Callable, Iterator

import urllib3.util.retry

from cisco_esa.integration import Integration

# A stall is a response held past the client's timeout. Half a second keeps the whole matrix
# fast; the answer comes at twice that, well after the client gave up.
STALL_TIMEOUT = 0.5
STALL_DELAY = 1.0
# The client's retry budget for reads: 2 retries (3 tries); the second retry waits
# backoff_factor 0.5 × 2¹ = 1 s (urllib3 does not wait before the first retry).
BUDGET_TRIES = 3
HOST = "HOST"  # how a message's host:port is shown in the doc (the port is random)

# -- faults -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour and what a read must do about it."""

    id: str
    label: str
    kind: str
    inject: dict                 # sim.inject keyword arguments besides the path
    status: str                  # Successful | Failed
    status_code: int | None = None
    message: str | None = None   # template: {host} {method} {path} {timeout}
    tries: int = 1               # requests that reached the faulted path (request log)
    logins: int = 1              # POST login in the request log
    sleeps: tuple = ()           # waits the client asked urllib3 for: backoff or Retry-After
    stall: bool = False          # needs the STALL_TIMEOUT connection

    @property
    def answers(self) -> list:
        """The status the simulator logs for each try, in order (None: no answer at all). A stalled
        request is answered too, late, after the client gave up on it."""
        failures = self.tries - (1 if self.status == "Successful" else 0)
        first = {"status": self.inject.get("status"), "html": self.inject.get("status"), "rate_limit": 429,
                 "drop": None, "delay": 200, "malformed_json": 200, "expired_token": 401,
                 "invalid_token": 401}[self.kind]
        return [first] * failures + ([200] if self.status == "Successful" else [])


def _phrase(code: int, hint: str) -> str:
    return f"HTTP {code} {HTTPStatus(code).phrase}. {hint}"


BAD_GATEWAY = _phrase(502, "The appliance, or a proxy in front of it, is unavailable (bad gateway): retry later.")
GATEWAY_TIMEOUT = _phrase(504, "The appliance, or a proxy in front of it, timed out: retry later.")
NOT_JSON = "Unexpected response from the appliance: {method} {path} answered HTTP 200 with a body that is not JSON."
DROPPED_READ = ("The connection to {host} broke before an answer came (the appliance closed the connection without "
                "answering): check that the appliance is up and responsive, then try again.")
STALLED_READ = "No answer from {host} within {timeout:g} s: check that the appliance is responsive, or raise timeout."

READ_FAULTS: tuple[Fault, ...] = (
    Fault("500", "HTTP 500 with the appliance's JSON error", "status",
          {"status": 500, "message": "Server got itself in trouble."},
          "Failed", 500, "Server got itself in trouble."),
    Fault("502-once", "HTTP 502 HTML page, once", "html", {"status": 502, "count": 1},
          "Successful", tries=2),
    Fault("502-persistent", "HTTP 502 HTML page, 3 times", "html", {"status": 502, "count": 3},
          "Failed", 502, BAD_GATEWAY, tries=3, sleeps=(1.0,)),
    Fault("503-twice", "HTTP 503 JSON error, twice", "status", {"status": 503, "count": 2},
          "Successful", tries=3, sleeps=(1.0,)),
    Fault("503-persistent", "HTTP 503 JSON error, 3 times", "status", {"status": 503, "count": 3},
          "Failed", 503, "Service Unavailable.", tries=3, sleeps=(1.0,)),
    Fault("504-once", "HTTP 504 HTML page, once", "html", {"status": 504, "count": 1},
          "Successful", tries=2),
    Fault("504-persistent", "HTTP 504 HTML page, 3 times", "html", {"status": 504, "count": 3},
          "Failed", 504, GATEWAY_TIMEOUT, tries=3, sleeps=(1.0,)),
    Fault("429-retry-after-1", "HTTP 429, Retry-After: 1", "rate_limit", {"retry_after": 1},
          "Successful", tries=2, sleeps=(1,)),
    Fault("429-retry-after-3600", "HTTP 429, Retry-After: 3600", "rate_limit", {"retry_after": 3600},
          "Failed", 429, "Too Many Requests."),
    Fault("drop-once", "connection dropped without an answer, once", "drop", {"count": 1},
          "Successful", tries=2),
    Fault("drop-persistent", "connection dropped without an answer, 3 times", "drop", {"count": 3},
          "Failed", None, DROPPED_READ, tries=3, sleeps=(1.0,)),
    Fault("stall-once", f"answer stalled {STALL_DELAY:g} s past a {STALL_TIMEOUT:g} s timeout, once", "delay",
          {"delay": STALL_DELAY, "count": 1}, "Successful", tries=2, stall=True),
    Fault("stall-persistent", f"answer stalled {STALL_DELAY:g} s past a {STALL_TIMEOUT:g} s timeout, 3 times",
          "delay", {"delay": STALL_DELAY, "count": 3}, "Failed", None, STALLED_READ, tries=3, sleeps=(1.0,),
          stall=True),
    Fault("malformed-json", "HTTP 200 with JSON cut in half", "malformed_json", {},
          "Failed", 200, NOT_JSON),
    Fault("html-500", "HTTP 500 HTML error page", "html", {"status": 500},
          "Failed", 500, _phrase(500, "The appliance reported an internal error.")),
    Fault("html-200", "HTTP 200 with an HTML page (a portal in the way)", "html", {"status": 200},
          "Failed", 200, NOT_JSON),
    Fault("expired-token", "401 ExpiredSignatureError.", "expired_token", {},
          "Successful", tries=2, logins=2),
    Fault("invalid-token", "401 InvalidTokenError.", "invalid_token", {},
          "Successful", tries=2, logins=2),
)

# -- read commands ------------------------------------------------------------------------

DAY = {"start_time": "2026-11-19T12:00:00Z", "end_time": "2026-11-20T12:00:00Z"}
LAST_HOUR = {"start_time": "-1h", "end_time": "now"}


@dataclass(frozen=True)
class ReadCommand:
    """A read command set up so that the faulted path is asked exactly once when all is well."""

    id: str
    path: str                                # what the fault is injected on (sim.inject glob)
    params: Callable[[Any], dict]            # world -> params
    per_item: bool = False                   # one id: the failure is that item's
    variant: str = ""                        # tells two rows of one command apart
    request_path: str = ""                   # the path the client names in messages, when `path` is a glob

    @property
    def message_path(self) -> str:
        return self.request_path or self.path

    @property
    def name(self) -> str:
        return f"{self.id} ({self.variant})" if self.variant else self.id

    @property
    def key(self) -> str:
        return f"{self.id}-{self.variant.lower().replace(' ', '-')}" if self.variant else self.id


def _tracking(pick: str, command: str, path: str) -> ReadCommand:
    def params(world):
        rec = getattr(world, pick)()
        return {"appliance_serial_number": rec["serialNumber"], "message_ids": [rec["mid"][0]]}
    return ReadCommand(command, path, params, per_item=True)


READ_COMMANDS: tuple[ReadCommand, ...] = (
    ReadCommand("search_messages", "message-tracking/messages",
                lambda w: {**LAST_HOUR, "subject": "Password Reset"}),
    _tracking("pick_phishing_message", "get_message_details", "message-tracking/details"),
    _tracking("pick_amp_message", "get_amp_details", "message-tracking/amp-details"),
    _tracking("pick_dlp_message", "get_dlp_details", "message-tracking/dlp-details"),
    _tracking("pick_url_message", "get_url_details", "message-tracking/url-details"),
    ReadCommand("search_spam_quarantine_messages", "quarantine/messages", lambda w: dict(LAST_HOUR)),
    ReadCommand("get_spam_quarantine_message_details", "quarantine/messages/details",
                lambda w: {"quarantine_message_ids": [w.pick_quarantine_mid(recent=True)]}, per_item=True),
    ReadCommand("search_list_entries", "quarantine/blocklist",
                lambda w: {"list_type": "Blocklist", "view_by": "Recipient"}),
    ReadCommand("get_report", "reporting/*", lambda w: dict(DAY),
                request_path="reporting/mail_incoming_traffic_summary"),
    ReadCommand("test_connection", "login/privileges", lambda w: {}),
    ReadCommand("fetch_event", "message-tracking/messages",
                lambda w: {"messages_source": "Message Tracking", **LAST_HOUR, "offset": 0, "limit": 50},
                variant="Message Tracking"),
    ReadCommand("fetch_event", "quarantine/messages",
                lambda w: {"messages_source": "Spam Quarantine", **LAST_HOUR},
                variant="Spam Quarantine"),
    # beyond the spec (contract §1b)
    ReadCommand("fetch_event", "quarantine/messages",
                lambda w: {"messages_source": "PVO Quarantine", **LAST_HOUR},
                variant="PVO Quarantine"),
    ReadCommand("search_pvo_quarantine_messages", "quarantine/messages",
                lambda w: {**LAST_HOUR, "quarantines": ["Virus"]}),
    ReadCommand("get_pvo_quarantine_message_details", "quarantine/messages/details",
                lambda w: {"quarantine_message_ids": [w.pvo.pick(quarantine="Virus")["mid"]]}, per_item=True),
    ReadCommand("search_rejected_connections", "message-tracking/messages", lambda w: dict(LAST_HOUR)),
    ReadCommand("get_connection_details", "message-tracking/connection-details",
                lambda w: {"appliance_serial_number": w.pick_phishing_message()["serialNumber"],
                           "injection_connection_id": w.pick_phishing_message()["icid"]}),
    ReadCommand("get_remediation_details", "message-tracking/remediation-details",
                lambda w: {"appliance_serial_number": w.extras.pick_remediated()[0],
                           "message_ids": [w.extras.pick_remediated()[1]]}, per_item=True),
    ReadCommand("get_health", "health", lambda w: {}),
    # the configuration views (contract §1b, extension §16)
    ReadCommand("list_sender_groups", "config/sender_groups/listener/IncomingMail", lambda w: {"listener": "IncomingMail"}),
    # the glob covers the slash the find path ends with, which the fault book does not see
    ReadCommand("find_sender", "config/sender_groups/find_in_all_senders/203.0.113*", lambda w: {"sender": "203.0.113"},
                request_path="config/sender_groups/find_in_all_senders/203.0.113/"),
    ReadCommand("list_dictionaries", "config/dictionaries", lambda w: {}),
    ReadCommand("get_dictionary", "config/dictionaries/phish_terms", lambda w: {"name": "phish_terms"}),
    ReadCommand("list_url_lists", "config/url_lists", lambda w: {}),
    ReadCommand("get_url_list", "config/url_lists/soc_block_urls", lambda w: {"name": "soc_block_urls"}),
    ReadCommand("list_file_hash_lists", "config/file_hash_lists", lambda w: {}),
    ReadCommand("get_file_hash_list", "config/file_hash_lists/ioc_sha256", lambda w: {"name": "ioc_sha256"}),
    ReadCommand("list_incoming_policy_users", "config/incoming_mail_policies/strict_inbound/senders_and_recipients",
                lambda w: {"policy": "strict_inbound"}),
    ReadCommand("list_message_filters", "config/message_filters", lambda w: {}),
    ReadCommand("get_message_filter", "config/message_filters/legacy_route", lambda w: {"name": "legacy_route"}),
)
# Read commands outside the matrix, and where their faults are tested instead.
READ_EXEMPT = {
    "list_quarantines": "on an ESA its one read is a 404 by design, then the system quarantines "
                        "(tests/commands/test_list_quarantines.py)",
    "investigate_message": "several reads, each its own item (tests/commands/test_investigate_message.py)",
    "download_pvo_quarantine_attachments": "writes files, so no two runs answer alike "
                                           "(tests/commands/test_download_pvo_quarantine_attachments.py)",
}

# -- writes under ambiguous failure ---------------------------------------------------------

DROPPED_WRITE = ("The connection to {host} broke during {method} {path} (the appliance closed the connection "
                 "without answering); the change may or may not have been applied: check the appliance before "
                 "trying again.")
STALLED_WRITE = ("No answer from {host} within {timeout:g} s to {method} {path}; the change may or may not have "
                 "been applied: check the appliance before trying again.")


@dataclass(frozen=True)
class WriteFault:
    """An ambiguous failure of a write: the request left, and no clear answer came back."""

    id: str
    label: str
    kind: str
    inject: dict
    status_code: int | None
    message: str
    applied: bool       # the simulator's contract (simulator/faults.py, server._apply_fault): a delayed
                        # request is carried out after the delay; a dropped or 5xx one never is
    unknown: bool       # the envelope files the item under outcome_unknown (else failed)
    stall: bool = False


WRITE_FAULTS: tuple[WriteFault, ...] = (
    WriteFault("drop", "connection dropped after the request was sent", "drop", {}, None, DROPPED_WRITE,
               applied=False, unknown=True),
    WriteFault("stall", f"answer stalled {STALL_DELAY:g} s past a {STALL_TIMEOUT:g} s timeout", "delay",
               {"delay": STALL_DELAY}, None, STALLED_WRITE, applied=True, unknown=True, stall=True),
    WriteFault("502", "HTTP 502 HTML page", "html", {"status": 502}, 502, BAD_GATEWAY,
               applied=False, unknown=False),
    WriteFault("503", "HTTP 503 JSON error", "status", {"status": 503}, 503, "Service Unavailable.",
               applied=False, unknown=False),
    WriteFault("504", "HTTP 504 HTML page", "html", {"status": 504}, 504, GATEWAY_TIMEOUT,
               applied=False, unknown=False),
)


@dataclass
class WritePlan:
    """One write, set up on a world: the params, the targets (the first one is faulted), and a
    probe of the simulator's state for each target: (before, after it is applied)."""

    params: dict
    targets: list                      # item ids in order (or the one request's keys)
    probe: Callable[[Any], list]       # world -> state per target
    before: list
    after: list                        # the state once every target is applied exactly once


@dataclass(frozen=True)
class WriteCommand:
    id: str
    name: str
    method: str
    path: str
    plan: Callable[[Any], WritePlan]
    per_item: bool                      # one request per target; else one request for all

    @property
    def key(self) -> str:
        return self.name.replace(" (", "-").rstrip(")").lower()


def _quarantine_plan(world) -> WritePlan:
    mids = sorted(world.quarantine_mids())[:2]
    probe = lambda w: [m in w.quarantine_mids() for m in mids]  # noqa: E731
    return WritePlan({"quarantine_message_ids": mids}, mids, probe, [True, True], [False, False])


def _entry_with_senders(world, kind: str, least: int = 2) -> tuple[str, set]:
    return next((r, s) for r, s in sorted(world.list_entries(kind).items()) if len(s) >= least)


def _change_plan(action: str):
    def plan(world) -> WritePlan:
        recipient, senders = _entry_with_senders(world, "blocklist")
        new = "late@f4ke.example"
        params = {"list_type": "Blocklist", "action": action, "view_by": "Recipient",
                  "recipient_addresses": [recipient], "sender_list": [new]}
        probe = lambda w: [w.list_entries("blocklist").get(recipient)]  # noqa: E731
        after = {new} if action == "Edit" else senders | {new}
        if action == "Add":  # a new entry: the recipient has none yet
            recipient = "newhire@corp.example"
            params["recipient_addresses"] = [recipient]
            senders, after = None, {new}
        return WritePlan(params, [recipient], probe, [senders], [after])
    return plan


def _delete_entries_plan(world) -> WritePlan:
    keys = sorted(world.list_entries("safelist"))[:2]
    probe = lambda w: [k in w.list_entries("safelist") for k in keys]  # noqa: E731
    return WritePlan({"view_by": "Recipient", "recipient_list": keys, "list_type": "Safelist"}, keys, probe,
                     [True, True], [False, False])


def _block_domain_plan(world) -> WritePlan:
    recipient, senders = _entry_with_senders(world, "blocklist")
    domain = "evil.example"
    params = {"action": "Append", "view_by": "Recipient", "recipients_addresses": [recipient],
              "sender_list": [domain]}
    probe = lambda w: [w.list_entries("blocklist").get(recipient)]  # noqa: E731
    return WritePlan(params, [recipient], probe, [senders], [senders | {domain}])


def _block_email_plan(world) -> WritePlan:
    existing, senders = _entry_with_senders(world, "blocklist")
    new = "newhire@corp.example"
    sender = "ceo@f4ke.example"
    probe = lambda w: [w.list_entries("blocklist").get(r) for r in (existing, new)]  # noqa: E731
    return WritePlan({"senders": [sender], "recipients": [existing, new]}, [existing, new], probe,
                     [senders, None], [senders | {sender}, {sender}])


def _unblock_plan(world) -> WritePlan:
    inverted: dict[str, set] = {}
    for r, senders in world.list_entries("blocklist").items():
        for s in senders:
            inverted.setdefault(s, set()).add(r)
    keys = sorted(inverted)[:2]

    def probe(w):
        now = {s for senders in w.list_entries("blocklist").values() for s in senders}
        return [k in now for k in keys]
    return WritePlan({"domains_or_email_addresses": keys}, keys, probe, [True, True], [False, False])


WRITE_COMMANDS: tuple[WriteCommand, ...] = (
    WriteCommand("release_spam_quarantine_messages", "release_spam_quarantine_messages", "POST",
                 "quarantine/messages", _quarantine_plan, per_item=True),
    WriteCommand("delete_spam_quarantine_messages", "delete_spam_quarantine_messages", "DELETE",
                 "quarantine/messages", _quarantine_plan, per_item=True),
    WriteCommand("add_entries", "add_entries (Add)", "POST", "quarantine/blocklist", _change_plan("Add"),
                 per_item=False),
    WriteCommand("add_entries", "add_entries (Append)", "POST", "quarantine/blocklist", _change_plan("Append"),
                 per_item=False),
    WriteCommand("add_entries", "add_entries (Edit)", "POST", "quarantine/blocklist", _change_plan("Edit"),
                 per_item=False),
    WriteCommand("delete_entries", "delete_entries", "DELETE", "quarantine/safelist", _delete_entries_plan,
                 per_item=True),
    WriteCommand("block_domain", "block_domain (Append)", "POST", "quarantine/blocklist", _block_domain_plan,
                 per_item=False),
    WriteCommand("block_email_addresses", "block_email_addresses", "POST", "quarantine/blocklist",
                 _block_email_plan, per_item=True),
    WriteCommand("unblock_domains_or_email_addresses", "unblock_domains_or_email_addresses", "DELETE",
                 "quarantine/blocklist", _unblock_plan, per_item=True),
)

# The world the write cells run on: writes dirty it, and a small one is rebuilt in milliseconds.
WRITE_WORLD = {"tracking_count": 200, "quarantine_count": 40}

# -- running a cell -----------------------------------------------------------------------


class SleepLog:
    """Records the waits urllib3's Retry asks for (backoff and Retry-After); sleeps for real
    only when `real` (the report), so that the tests prove the schedule without waiting it out."""

    def __init__(self, real: bool):
        self.real = real
        self.calls: list[float] = []
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.calls.append(seconds)
        if self.real:
            time.sleep(seconds)

    def __getattr__(self, name):  # time.time() etc. stay the real ones
        return getattr(time, name)


@contextmanager
def recorded_sleeps(real: bool) -> Iterator[SleepLog]:
    log = SleepLog(real)
    saved = urllib3.util.retry.time
    urllib3.util.retry.time = log
    try:
        yield log
    finally:
        urllib3.util.retry.time = saved


def api_path(entry: dict) -> str:
    return entry["path"].split("/api/v2.0/", 1)[-1]


def _matches(entry: dict, pattern: str, method: str) -> bool:
    return entry["method"] == method and fnmatch.fnmatchcase(api_path(entry), pattern)


def calls(sim, pattern: str, method: str = "GET") -> list[dict]:
    return [e for e in sim.request_log if _matches(e, pattern, method)]


def logins(sim) -> int:
    return sum(1 for e in sim.request_log if e["method"] == "POST" and api_path(e) == "login")


def wait_for_calls(sim, pattern: str, method: str, count: int, deadline: float = 10.0) -> list[dict]:
    """A stalled request shows in the log only once the simulator answers it, after its delay."""
    end = time.monotonic() + deadline
    while True:
        found = calls(sim, pattern, method)
        if len(found) >= count or time.monotonic() > end:
            return found
        time.sleep(0.02)


def render(template: str | None, *, host: str, method: str = "GET", path: str = "", timeout: float = 60) -> str | None:
    if template is None:
        return None
    return template.format(host=host, method=method, path=path, timeout=timeout)


@dataclass
class Observed:
    envelope: dict
    tries: int
    statuses: list
    logins: int
    sleeps: list
    seconds: float
    path: str = ""               # the concrete faulted path, for messages
    extra: dict = field(default_factory=dict)

    @property
    def error(self) -> dict | None:
        return self.envelope["error"]


def host_of(sim) -> str:
    return sim.url.split("//", 1)[1]


def run_read_cell(sim, command: ReadCommand, fault: Fault, clock: Callable[[], datetime],
                  sleeps: SleepLog | None = None) -> Observed:
    """One cell on a freshly reset simulator: inject, run once, read the request log."""
    conn = sim.connection(timeout=STALL_TIMEOUT) if fault.stall else sim.connection()
    integration = Integration(conn, clock=clock)
    params = command.params(sim.world)
    sim.inject(command.path, fault.kind, method="GET", **fault.inject)
    if sleeps is not None:
        del sleeps.calls[:]
    started = time.monotonic()
    envelope = integration.run(command.id, params)
    seconds = time.monotonic() - started
    found = wait_for_calls(sim, command.path, "GET", fault.tries) if fault.stall else calls(sim, command.path)
    return Observed(envelope, len(found), [e["status"] for e in found], logins(sim),
                    list(sleeps.calls) if sleeps is not None else [], seconds, path=command.message_path)


def expected_read(command: ReadCommand, fault: Fault, *, host: str, indicator: str) -> dict | None:
    """The whole triplet a Failed cell must carry (None for Successful)."""
    if fault.status == "Successful":
        return None
    return {"failure_indicator": indicator, "status_code": fault.status_code,
            "message": render(fault.message, host=host, path=command.message_path, timeout=STALL_TIMEOUT)}


def run_write_cell(sim, command: WriteCommand, fault: WriteFault, clock: Callable[[], datetime]) -> tuple[Observed, WritePlan]:
    conn = sim.connection(timeout=STALL_TIMEOUT) if fault.stall else sim.connection()
    integration = Integration(conn, clock=clock)
    plan = command.plan(sim.world)
    assert plan.probe(sim.world) == plan.before, "the plan does not match the world"
    sim.inject(command.path, fault.kind, method=command.method, count=1, **fault.inject)
    started = time.monotonic()
    envelope = integration.run(command.id, plan.params)
    seconds = time.monotonic() - started
    expected = len(plan.targets) if command.per_item else 1
    found = (wait_for_calls(sim, command.path, command.method, expected) if fault.stall
             else calls(sim, command.path, command.method))
    if fault.stall:
        # the stalled request is carried out after the client gave up: wait until it was
        wait_for_calls(sim, command.path, command.method, expected)
    bodies = [json.loads(e["body"]) for e in found]
    return Observed(envelope, len(found), [e["status"] for e in found], logins(sim), [], seconds,
                    path=command.path, extra={"bodies": bodies}), plan


def body_targets(body: dict) -> list:
    """The ids or entries a write's body acts on (asyncos-api §7, §8.2, §8.3)."""
    for key in ("mids", "recipientAddresses", "senderAddresses", "recipientList", "senderList"):
        if key in body:
            return body[key]
    raise AssertionError(f"no target in {body}")


def write_triplet(command: WriteCommand, fault: WriteFault, *, host: str, indicator: str) -> dict:
    return {"failure_indicator": indicator, "status_code": fault.status_code,
            "message": render(fault.message, host=host, method=command.method, path=command.path,
                              timeout=STALL_TIMEOUT)}


def expected_write_state(plan: WritePlan, command: WriteCommand, fault: WriteFault) -> list:
    """Every target not faulted is applied; the faulted one (the first) as the simulator's contract says."""
    if not command.per_item:
        return [plan.after[0] if fault.applied else plan.before[0]]
    first = plan.after[0] if fault.applied else plan.before[0]
    return [first] + plan.after[1:]


# -- rows of docs/reliability.md ------------------------------------------------------------
# One function formats a row from what was observed (the report) or from what the matrix
# promises (the doc test); only the time column may differ between the two.

READ_HEADER = ("fault", "command", "status", "status_code", "tries", "answers", "logins", "time (s)", "message")
WRITE_HEADER = ("fault", "command", "status", "status_code", "requests", "faulted item", "simulator state",
                "time (s)", "message")
TIME_COLUMN = 7
EXCERPT = 110


def excerpt(message: str | None, host: str) -> str:
    if not message:
        return "—"
    text = message.replace(host, HOST)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _code(code) -> str:
    return "null" if code is None else str(code)


def _answers(statuses) -> str:
    return ", ".join("none" if s is None else str(s) for s in statuses)


def read_row(command: ReadCommand, fault: Fault, *, status: str, status_code, tries: int, answers: list,
             logins: int, seconds: float | None, message: str | None, host: str) -> list[str]:
    return [f"`{fault.id}`", f"`{command.name}`", status, "—" if status == "Successful" else _code(status_code), str(tries), _answers(answers),
            str(logins), "—" if seconds is None else f"{seconds:.2f}", excerpt(message, host)]


def observed_read_row(command: ReadCommand, fault: Fault, observed: Observed, host: str) -> list[str]:
    error = observed.error or {}
    return read_row(command, fault, status=observed.envelope["status"], status_code=error.get("status_code"),
                    tries=observed.tries, answers=observed.statuses, logins=observed.logins,
                    seconds=observed.seconds, message=error.get("message"), host=host)


def promised_read_row(command: ReadCommand, fault: Fault) -> list[str]:
    triplet = expected_read(command, fault, host=HOST, indicator="") or {}
    return read_row(command, fault, status=fault.status, status_code=triplet.get("status_code"), tries=fault.tries,
                    answers=fault.answers, logins=fault.logins, seconds=None, message=triplet.get("message"),
                    host=HOST)


def write_row(command: WriteCommand, fault: WriteFault, *, status: str, status_code, requests: int, filed: str,
              state: str, seconds: float | None, message: str | None, host: str) -> list[str]:
    return [f"`{fault.id}`", f"`{command.name}`", status, _code(status_code), str(requests), filed, state,
            "—" if seconds is None else f"{seconds:.2f}", excerpt(message, host)]


def _filed(command: WriteCommand, envelope: dict, first) -> str:
    if not command.per_item:
        return "the whole command"
    data = envelope.get("data") or {}
    for key in ("outcome_unknown", "failed"):
        if first in (data.get(key) or []):
            return key
    return "NOWHERE"


def _state(plan: WritePlan, now: list) -> str:
    first_before, first_after = plan.before[0], plan.after[0]
    others_ok = now[1:] == plan.after[1:]
    if now[0] == first_after and others_ok:
        head = "faulted item applied once"
    elif now[0] == first_before and others_ok:
        head = "faulted item not applied"
    else:
        return "UNEXPECTED"
    return head + (", the others applied once" if len(plan.targets) > 1 else "")


def observed_write_row(command: WriteCommand, fault: WriteFault, observed: Observed, plan: WritePlan,
                       now: list, host: str) -> list[str]:
    error = observed.error or {}
    return write_row(command, fault, status=observed.envelope["status"], status_code=error.get("status_code"),
                     requests=observed.tries, filed=_filed(command, observed.envelope, plan.targets[0]),
                     state=_state(plan, now), seconds=observed.seconds, message=error.get("message"), host=host)


def promised_write_row(command: WriteCommand, fault: WriteFault, plan: WritePlan) -> list[str]:
    triplet = write_triplet(command, fault, host=HOST, indicator="")
    filed = ("outcome_unknown" if fault.unknown else "failed") if command.per_item else "the whole command"
    return write_row(command, fault, status="Partially Successful" if command.per_item else "Failed",
                     status_code=triplet["status_code"], requests=len(plan.targets) if command.per_item else 1,
                     filed=filed, state=_state(plan, expected_write_state(plan, command, fault)), seconds=None,
                     message=triplet["message"], host=HOST)


def table_line(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def table_cells(line: str) -> list[str]:
    """The cells of one line written by table_line."""
    inner = line.strip()[2:-2]
    return [c.replace("\\|", "|") for c in re.split(r" (?<!\\)\| ", inner)]
