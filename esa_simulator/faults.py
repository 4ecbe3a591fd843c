"""Injected faults: one-shot (or N-shot) misbehaviours matched by API path and method."""

from __future__ import annotations

import fnmatch
import re
import threading

from . import auth
from .request import RESPONSES, error_body

KINDS = ("status", "rate_limit", "delay", "malformed_json", "html", "drop", "expired_token", "invalid_token")
_PREFIX = re.compile(r"^/?(?:(?:esa|sma)/api/v[0-9.]+/)?")


def normalize_path(path: str) -> str:
    """'/esa/api/v2.0/login?x' or '/login' -> 'login'."""
    path = path.split("?", 1)[0]
    return _PREFIX.sub("", path, count=1).strip("/")


class Fault:
    __slots__ = ("path", "kind", "count", "status", "message", "retry_after", "delay", "method")

    def __init__(self, path, kind, count=1, status=None, message=None, retry_after=None, delay=None, method=None):
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if kind == "status" and status is None:
            raise ValueError("a 'status' fault needs a status")
        self.path = normalize_path(path)
        self.kind = kind
        self.count = int(count)
        self.status = None if status is None else int(status)
        self.message = message
        self.retry_after = retry_after
        self.delay = None if delay is None else float(delay)
        self.method = method.upper() if method else None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}


class FaultBook:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(self, path, kind, count=1, status=None, message=None, retry_after=None, delay=None,
               method=None) -> Fault:
        fault = Fault(path, kind, count, status, message, retry_after, delay, method)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, subpath: str, method: str) -> Fault | None:
        """Consumes one use of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.method and fault.method != method.upper():
                    continue
                if not fnmatch.fnmatchcase(subpath, fault.path):
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [f.as_dict() for f in self._faults]


# ---------------------------------------------------------------- what a fault does to a request
def effect(fault: Fault) -> tuple[str, object]:
    """("delay", seconds) and ("mangle", None) let the request run on; ("drop", None) closes the
    connection unanswered; ("answer", (status, payload, headers, content_type)) answers instead."""
    if fault.kind == "delay":
        return "delay", fault.delay or 0
    if fault.kind == "malformed_json":  # runs normally, then the answer is cut in half
        return "mangle", None
    if fault.kind == "drop":
        return "drop", None
    return "answer", _ANSWERS[fault.kind](fault)


def _status(fault):
    code = fault.status
    return code, error_body(code, fault.message or f"{RESPONSES.get(code, ('Error',))[0]}."), {}, JSON


def _rate_limit(fault):
    retry = "1" if fault.retry_after is None else str(fault.retry_after)
    return 429, error_body(429, fault.message or "Too Many Requests."), {"Retry-After": retry}, JSON


def _html(fault):
    # what a proxy in front of the appliance answers
    code = fault.status or 502
    phrase = RESPONSES.get(code, ("Error",))[0]
    page = (f"<!DOCTYPE html>\n<html><head><title>{code} {phrase}</title></head>\n<body><h1>{phrase}</h1>\n"
            f"<p>{fault.message or 'The server encountered a temporary error.'}</p>\n<hr>\n</body></html>\n")
    return code, page.encode(), {}, "text/html; charset=utf-8"


JSON = "application/json"
_ANSWERS = {
    "status": _status,
    "rate_limit": _rate_limit,
    "html": _html,
    "expired_token": lambda fault: (401, error_body(401, auth.MSG_EXPIRED), {}, JSON),
    "invalid_token": lambda fault: (401, error_body(401, auth.MSG_INVALID), {}, JSON),
}
