"""Outcomes: the typed errors handlers raise, per-item results, the one function that
derives a status, and the one table from HTTP status / transport error to outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

SUCCESSFUL = "Successful"
PARTIAL = "Partially Successful"
FAILED = "Failed"


class CommandError(Exception):
    """A failure the user can act on: an HTTP status (None when no answer came) and a message."""

    def __init__(self, message: str, status_code: int | None = None, *, raw: Any = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.raw = raw

    def triplet(self, failure_indicator: str) -> dict:
        return {"failure_indicator": failure_indicator, "status_code": self.status_code, "message": self.message}


class InputError(CommandError):
    """Input rejected before any request was sent."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Invalid input: " + "; ".join(problems), 400)


class ApplianceError(CommandError):
    """The appliance answered with an HTTP error status."""


class NotFound(CommandError):
    """The appliance answered 200 but reported the id unknown (the spec reports this as 404)."""

    def __init__(self, message: str, raw: Any = None):
        super().__init__(message, 404, raw=raw)


class TransportError(CommandError):
    """No HTTP answer came: refused connection, timeout, TLS failure."""

    def __init__(self, message: str):
        super().__init__(message, None)


class OutcomeUnknown(TransportError):
    """A write was sent but no answer came: it may or may not have been applied."""


class UnexpectedResponse(CommandError):
    """The appliance answered, but not in a shape we can read."""

    def __init__(self, detail: str, status_code: int | None = 200, raw: Any = None):
        super().__init__(f"Unexpected response from the appliance: {detail}", status_code, raw=raw)


class InternalError(CommandError):
    def __init__(self):
        super().__init__(
            "An internal error occurred in the integration; run with --verbose for details.", None
        )


@dataclass(slots=True)
class Item:
    """The outcome for one id of a multi-id command, and what the appliance answered for it
    (`sent`: a request was made; `status` and `body`: the HTTP answer, when one came)."""

    id: Any
    error: CommandError | None = None
    data: Any = None
    sent: bool = False
    status: int | None = None
    body: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None


def summarize(items: list[Item], done: str, *, writes: bool = False) -> dict:
    """The per-id bookkeeping of a multi-id command: which ids were done, not found (the
    appliance does not know them), failed, and (for writes) of unknown outcome, with counts."""
    done_ids = [i.id for i in items if i.ok]
    missing = [i.id for i in items if isinstance(i.error, NotFound)]
    unknown = [i.id for i in items if isinstance(i.error, OutcomeUnknown)] if writes else []
    failed = [i.id for i in items if not i.ok and not isinstance(i.error, NotFound)
              and not (writes and isinstance(i.error, OutcomeUnknown))]
    out = {done: done_ids, "not_found": missing, "failed": failed}
    counts = {"requested": len(items), done: len(done_ids), "not_found": len(missing), "failed": len(failed)}
    if writes:
        out["outcome_unknown"] = unknown
        counts["outcome_unknown"] = len(unknown)
    return {**out, "counts": counts}


def responses(items: list[Item], key: str) -> dict:
    """raw_data of a per-id command: every request made, in the order of the ids, with its answer."""
    return {"responses": [{key: i.id, "status": i.status, "body": i.body} for i in items if i.sent]}


def bodies(items: list[Item]) -> dict:
    """raw_data keyed by id: each answer the appliance gave."""
    return {str(i.id): i.body for i in items if i.status is not None}


@dataclass
class Result:
    """What a handler returns; the runtime turns it into the envelope."""

    data: Any = field(default_factory=dict)
    raw_data: Any = field(default_factory=dict)
    items: list[Item] | None = None


def derive_status(items: list[Item] | None, exc: CommandError | None, failure_indicator: str):
    """The only place a status is decided: (items, exception) -> (status, error triplet)."""
    if exc is not None:
        return FAILED, exc.triplet(failure_indicator)
    if not items:
        return SUCCESSFUL, None
    failed = [i for i in items if not i.ok]
    if not failed:
        return SUCCESSFUL, None
    status = FAILED if len(failed) == len(items) else PARTIAL
    messages = list(dict.fromkeys(i.error.message for i in failed))
    error = {
        "failure_indicator": failure_indicator,
        "status_code": failed[0].error.status_code,
        "message": " ".join(messages) if len(messages) > 1 else messages[0],
    }
    return status, error


@dataclass(frozen=True)
class Rule:
    """How one HTTP status is treated: retried for reads or not, and what to tell the user."""

    retry_read: bool
    hint: str


# The one table from HTTP status to outcome. Writes are never retried whatever it says.
# A status missing here falls back to FALLBACK_RULE (4xx) or SERVER_RULE (5xx).
ERROR_TABLE: dict[int, Rule] = {
    400: Rule(False, "The appliance rejected the request as malformed."),
    401: Rule(False, "Authentication failed: check username and password, and that the account may use the API."),
    403: Rule(False, "The account's role does not allow this operation: check its user role on the appliance."),
    404: Rule(False, "Nothing matches the request: check server_url, appliance (esa or sma) and api_version."),
    405: Rule(False, "The appliance does not allow this method here: check api_version."),
    406: Rule(False, "The appliance cannot produce an acceptable answer for this request."),
    413: Rule(False, "The request is too large for the appliance: send fewer values at once."),
    414: Rule(False, "The request URL is too long for the appliance: use fewer or shorter filters."),
    429: Rule(True, "The appliance is rate-limiting requests: retry later."),
    500: Rule(False, "The appliance reported an internal error."),
    501: Rule(False, "The appliance does not implement this request: check its AsyncOS version and api_version."),
    502: Rule(True, "The appliance, or a proxy in front of it, is unavailable (bad gateway): retry later."),
    503: Rule(True, "The appliance is unavailable: retry later."),
    504: Rule(True, "The appliance, or a proxy in front of it, timed out: retry later."),
}
FALLBACK_RULE = Rule(False, "The appliance refused the request.")
SERVER_RULE = Rule(False, "The appliance reported an error.")

RETRY_READ_STATUSES = frozenset(code for code, rule in ERROR_TABLE.items() if rule.retry_read)


def rule_for(status: int) -> Rule:
    return ERROR_TABLE.get(status) or (SERVER_RULE if status >= 500 else FALLBACK_RULE)


def http_error(status: int, body: Any) -> ApplianceError:
    """An HTTP error answer → ApplianceError: the appliance's own message when its JSON body has one."""
    message = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
    if not isinstance(message, str) or not message.strip():
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "HTTP error"
        message = f"HTTP {status} {phrase}. {rule_for(status).hint}"
    return ApplianceError(message, status, raw=body)
