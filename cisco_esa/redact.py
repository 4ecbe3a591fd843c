"""Secret hygiene: a logging filter and a text scrubber that remove the password, tokens and
Authorization values (and their base64 forms) from anything we print or log."""

from __future__ import annotations

import base64
import logging
import re
import threading

_MASK = "***"


class Secrets:
    """A thread-safe set of secret strings; every known secret is masked wherever it appears."""

    def __init__(self):
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern | None = None

    def add(self, value) -> None:
        if not isinstance(value, str) or len(value) < 3:
            return
        forms = {value, base64.b64encode(value.encode()).decode()}
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def add_basic(self, username: str, password: str) -> None:
        self.add(password)
        self.add(base64.b64encode(f"{username}:{password}".encode()).decode())

    def scrub(self, text):
        if not isinstance(text, str):
            return text
        pattern = self._pattern
        text = pattern.sub(_MASK, text) if pattern else text
        # Belt and braces: header values we never want to see, whoever put them in the text.
        return re.sub(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:basic|bearer)\s+)[A-Za-z0-9+/=._-]+", r"\1" + _MASK, text)

    def scrub_obj(self, obj):
        """Scrub every string inside a JSON-like object (used on envelopes before printing)."""
        if isinstance(obj, str):
            return self.scrub(obj)
        if isinstance(obj, list):
            return [self.scrub_obj(v) for v in obj]
        if isinstance(obj, dict):
            return {self.scrub(k) if isinstance(k, str) else k: self.scrub_obj(v) for k, v in obj.items()}
        return obj


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Secrets):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = self.secrets.scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.secrets.scrub(record.exc_text)
        return True
