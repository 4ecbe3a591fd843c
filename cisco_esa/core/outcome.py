"""Outcomes: the typed errors handlers raise, per-item results, the one function that
derives a status, and the two halves of the one error table: HTTP status -> outcome, and
transport exception type -> outcome."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Callable, Iterator

import requests.exceptions as rq
import urllib3.exceptions as u3

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


class NotSent(TransportError):
    """An id never sent: the run stopped after an earlier request found the appliance unreachable."""

    MESSAGE = "Not sent: an earlier request found the appliance unreachable, so this one was not tried."

    def __init__(self):
        super().__init__(self.MESSAGE)


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


class DeadlineExceeded(rq.Timeout):
    """The whole request (connecting, waiting, every byte of the answer) outlived `timeout`."""


class AnswerTooLarge(rq.RequestException):
    """An answer refused before it was held: larger than the cap once decompressed."""


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


def http_error(status: int, body: Any, *, location: str | None = None, hint: str | None = None) -> ApplianceError:
    """An HTTP error answer (or a redirect, which the API never sends) -> ApplianceError: the
    appliance's own message when its JSON body has one, then `hint` (what to change) after it."""
    if 300 <= status < 400:
        where = f" to {location}" if location else " without a Location"
        message = (f"HTTP {status} redirect{where}: the AsyncOS API never redirects, so something else answered "
                   "(a web portal, a proxy, a login page): check server_url; the request was not followed.")
        return ApplianceError(_joined(message, hint), status, raw=body)
    message = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
    if not isinstance(message, str) or not message.strip():
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "HTTP error"
        message = f"HTTP {status} {phrase}. {rule_for(status).hint}"
    return ApplianceError(_joined(message, hint), status, raw=body)


def _joined(message: str, hint: str | None) -> str:
    if not hint or hint in message:
        return message
    return f"{message.rstrip()}{'' if message.rstrip().endswith(('.', ':', '!', '?')) else '.'} {hint}"


# ---------------------------------------------------------------- transport failures
@dataclass(frozen=True)
class Failure:
    """How one kind of transport failure is read. `never_sent`: the request provably never
    left, so a write is a plain failure; otherwise it may have reached the appliance and a
    write's outcome is unknown. `message` is for reads and for writes never sent,
    `write_message` for writes that may have been applied. `reason` fills {reason}: fixed
    words, a function of the matched exception, or None for the innermost cause's own text."""

    never_sent: bool
    message: str
    write_message: str | None = None
    reason: str | Callable[[BaseException], str] | None = None
    answered: bool = False  # the appliance answered (its status is kept) but the answer was refused


COULD_NOT_CONNECT = ("Could not connect to {host} ({reason}): check server_url (scheme, host and port) and that the "
                     "AsyncOS API is enabled on that interface.")
BROKE_READ = ("The connection to {host} broke before an answer came ({reason}): check that the appliance is up and "
              "responsive, then try again.")
BROKE_WRITE = ("The connection to {host} broke during {method} {path} ({reason}); the change may or may not have been "
               "applied: check the appliance before trying again.")
NO_ANSWER_READ = "No answer from {host} within {timeout:g} s: check that the appliance is responsive, or raise timeout."
NO_ANSWER_WRITE = ("No answer from {host} within {timeout:g} s to {method} {path}; the change may or may not have been "
                   "applied: check the appliance before trying again.")


def _verify_reason(exc: BaseException) -> str:
    detail = getattr(exc, "verify_message", None)
    return f"certificate verify failed ({detail})" if detail else "certificate verify failed"


def _os_reason(exc: BaseException) -> str:
    """The innermost OS error's own words ("Network is unreachable"), without its errno."""
    inner = [e for e in causes(exc) if isinstance(e, OSError) and e.strerror]
    return inner[-1].strerror if inner else _own_text(exc)


def _ssl_reason(exc: BaseException) -> str:
    inner = [e for e in causes(exc) if isinstance(e, ssl.SSLError)]
    return (inner[-1].reason or inner[-1].strerror or str(inner[-1])) if inner else _own_text(exc)


def _cut_reason(exc: BaseException) -> str:
    partial, expected = getattr(exc, "partial", None), getattr(exc, "expected", None)
    got = len(partial) if isinstance(partial, (bytes, bytearray)) else partial
    if isinstance(got, int) and isinstance(expected, int):
        return f"{got} bytes came, {expected} more were announced"
    return "fewer bytes came than were announced"


_BAD_URL = Failure(True, "server_url {server_url!r} is not a usable URL: give scheme, host and port, e.g. "
                         "https://esa.example:6443.")
_PROXY = Failure(True, "Could not reach {host} through the proxy: check the proxy setting.")
_TLS_VERIFY = Failure(True, "TLS verification of {host} failed: {reason}. Pass the appliance's CA with --ca-bundle "
                            "(connection ca_bundle), or turn verification off with --no-verify-tls (verify_tls: false) "
                            "if you accept the risk.", reason=_verify_reason)
_UNRESOLVED = Failure(True, COULD_NOT_CONNECT, reason="host name could not be resolved")
_REFUSED = Failure(True, COULD_NOT_CONNECT, reason="connection refused")
_NOT_CONNECTED = Failure(True, COULD_NOT_CONNECT, reason=_os_reason)
_CONNECT_TIMEOUT = Failure(True, "Timed out connecting to {host} after {timeout:g} s: check server_url, the port and "
                                 "any firewall in between.")
_NO_ANSWER = Failure(False, NO_ANSWER_READ, NO_ANSWER_WRITE)
_HUNG_UP = Failure(False, BROKE_READ, BROKE_WRITE, reason="the appliance closed the connection without answering")
_RESET = Failure(False, BROKE_READ, BROKE_WRITE, reason="connection reset")
_TLS_CLOSED = Failure(False, BROKE_READ, BROKE_WRITE, reason="the TLS connection was closed")
# Other TLS errors may come from the handshake or from mid-answer: the type cannot tell, so a
# write's outcome is unknown.
_TLS_FAILED = Failure(False, "The TLS connection to {host} failed ({reason}): check that server_url's scheme and port "
                             "are those of the appliance's HTTPS API.",
                      "The TLS connection to {host} failed during {method} {path} ({reason}); the change may or may "
                      "not have been applied: check the appliance before trying again.", reason=_ssl_reason)
_BROKEN = Failure(False, BROKE_READ, BROKE_WRITE, reason="the connection broke")
# The status line and headers came, then the body stopped short: a write was received.
_CUT = Failure(False, "The answer from {host} to {method} {path} was cut off mid-way ({reason}): check that the "
                      "appliance is up and responsive, then try again.",
               "The answer from {host} to {method} {path} was cut off mid-way ({reason}); the change may or may not "
               "have been applied: check the appliance before trying again.", reason=_cut_reason)
_TOO_SLOW = Failure(False, "The answer from {host} to {method} {path} did not complete within {timeout:g} s (timeout "
                           "bounds the whole request, every byte included): check that the appliance is responsive, "
                           "or raise timeout.",
                    "The answer from {host} to {method} {path} did not complete within {timeout:g} s; the change may "
                    "or may not have been applied: check the appliance before trying again.")
_TOO_LARGE = Failure(False, "The answer from {host} to {method} {path} is larger than {limit} once decompressed: "
                            "refused before holding it; narrow the request (a shorter window, a lower limit).",
                     "The answer from {host} to {method} {path} is larger than {limit} once decompressed and was "
                     "refused unread; the change may or may not have been applied: check the appliance before "
                     "trying again.", answered=True)
# A TLS handshake answered by bytes that are not TLS: the port speaks plain HTTP, nothing was sent.
_PLAIN_PORT = Failure(True, "The TLS handshake with {host} failed ({reason}): the port speaks plain HTTP: use http:// "
                            "or the HTTPS port in server_url.", reason=_ssl_reason)
# OpenSSL's words for a first record that is no TLS record (an HTTP status line read as one).
PLAIN_HTTP_TLS_REASONS = frozenset({"WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "HTTP_REQUEST",
                                    "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE"})
_UNCLEAR = Failure(False, COULD_NOT_CONNECT, BROKE_WRITE)
_OTHER = Failure(False, "The request to {host} failed: {reason}.",
                 "The request {method} {path} to {host} failed ({reason}); the change may or may not have been "
                 "applied: check the appliance before trying again.")

# The transport half of the one error table, keyed by exception type: the first row whose
# type is anywhere in the failure's chain of causes wins, so the order is the precedence
# (a refused connection is also a NewConnectionError, which urllib3 derives from
# ConnectTimeoutError; a connect timeout also carries a socket timeout).
TRANSPORT_TABLE: dict[type, Failure] = {
    DeadlineExceeded: _TOO_SLOW, AnswerTooLarge: _TOO_LARGE,
    rq.InvalidURL: _BAD_URL, rq.MissingSchema: _BAD_URL, rq.InvalidSchema: _BAD_URL, rq.URLRequired: _BAD_URL,
    u3.LocationValueError: _BAD_URL,
    rq.ProxyError: _PROXY, u3.ProxyError: _PROXY,
    ssl.SSLCertVerificationError: _TLS_VERIFY,
    u3.NameResolutionError: _UNRESOLVED, socket.gaierror: _UNRESOLVED,
    ConnectionRefusedError: _REFUSED,
    u3.NewConnectionError: _NOT_CONNECTED,
    rq.ConnectTimeout: _CONNECT_TIMEOUT, u3.ConnectTimeoutError: _CONNECT_TIMEOUT,
    rq.Timeout: _NO_ANSWER, u3.TimeoutError: _NO_ANSWER, TimeoutError: _NO_ANSWER,  # socket.timeout too
    http.client.RemoteDisconnected: _HUNG_UP,
    ConnectionResetError: _RESET,
    ssl.SSLEOFError: _TLS_CLOSED, ssl.SSLZeroReturnError: _TLS_CLOSED, ssl.SSLSyscallError: _TLS_CLOSED,
    ssl.SSLError: _TLS_FAILED, u3.SSLError: _TLS_FAILED, rq.SSLError: _TLS_FAILED,
    http.client.IncompleteRead: _CUT,
    u3.ProtocolError: _BROKEN, http.client.HTTPException: _BROKEN, ConnectionError: _BROKEN,
    rq.ChunkedEncodingError: _BROKEN, rq.ContentDecodingError: _BROKEN,
    rq.ConnectionError: _UNCLEAR,
}
FALLBACK_FAILURE = _OTHER


def causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then every exception reachable from it (urllib3's `reason`, `__cause__`,
    `__context__`, exceptions among the args), outermost first, each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        cur = todo.pop(0)
        if not isinstance(cur, BaseException) or id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        todo += [getattr(cur, "reason", None), cur.__cause__, cur.__context__]
        todo += [a for a in cur.args if isinstance(a, BaseException)]


def _own_text(exc: BaseException) -> str:
    *_, innermost = causes(exc)
    return str(innermost)[:200] or type(innermost).__name__


def classify(exc: BaseException) -> tuple[Failure, BaseException]:
    """The row of TRANSPORT_TABLE for a transport failure, and the exception it matched
    (the innermost one of that row's types)."""
    chain = list(causes(exc))
    for kind, failure in TRANSPORT_TABLE.items():
        matched = [e for e in chain if isinstance(e, kind)]
        if matched:
            if failure is _TLS_FAILED and _ssl_reason(exc) in PLAIN_HTTP_TLS_REASONS:
                return _PLAIN_PORT, matched[-1]
            return failure, matched[-1]
    return FALLBACK_FAILURE, chain[-1]


def transport_error(exc: BaseException, *, write: bool, host: str, method: str, path: str, timeout: float,
                    server_url: str, limit: str = "64 MiB", first_contact: bool = False) -> TransportError:
    """A failure with no usable HTTP answer -> TransportError, or OutcomeUnknown for a write that
    may have reached the appliance."""
    failure, matched = classify(exc)
    reason = failure.reason(matched) if callable(failure.reason) else failure.reason or _own_text(exc)
    unknown = write and not failure.never_sent
    template = failure.write_message if unknown else failure.message
    message = template.format(host=host, reason=reason, timeout=timeout, method=method, path=path,
                              server_url=server_url, limit=limit)
    if failure in (_HUNG_UP, _RESET) and first_contact and server_url.lower().startswith("http://"):
        # A TLS port hangs up on plain HTTP without a word (some answer 400, which the status says);
        # once the appliance has answered, a hang-up is about the appliance, not the scheme.
        message = _joined(message, "If this port speaks HTTPS, server_url should start with https://.")
    error = OutcomeUnknown(message) if unknown else TransportError(message)
    response = getattr(exc, "response", None)
    if failure.answered and response is not None:
        error.status_code = response.status_code
    return error
