"""Injected faults: one-shot (or N-shot) misbehaviours matched by API path and method."""

from __future__ import annotations

import fnmatch
import re
import threading

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
