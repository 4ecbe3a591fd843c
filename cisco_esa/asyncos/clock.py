"""The appliance's clock, as its answers tell it (the `Date` header, RFC 9110 §6.6.1), carried
forward by the host's monotonic clock: Fetch Event ends its window by this clock, not the host's,
so a SOAR host whose clock is off loses nothing and emits nothing twice."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime


class ApplianceClock:
    def __init__(self):
        self._lock = threading.Lock()
        self._seen: tuple[datetime, float] | None = None

    def note(self, header: str | None) -> None:
        """Read one answer's Date header; an absent or unreadable one changes nothing."""
        if not header:
            return
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        if when is None or when.tzinfo is None:
            return
        with self._lock:
            self._seen = (when.astimezone(timezone.utc), time.monotonic())

    def now(self) -> datetime | None:
        """The appliance's time now, or None before any answer told it."""
        with self._lock:
            seen = self._seen
        if seen is None:
            return None
        when, at = seen
        return when + timedelta(seconds=time.monotonic() - at)
