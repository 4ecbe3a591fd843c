"""The Fetch Event checkpoint: load and validate the state a scheduler hands back, merge a
run's emitted events into it, prune it to the look-back overlap and serialize it.

Format (one state serves every source, so the schedules may share one ``--state`` file)::

    {"version": 1,
     "sources": {
       "messageTracking": {"watermark": "2026-11-20T12:25:00Z",
                           "seen_from": "2026-11-20T12:20:00Z",
                           "seen": {"62E2...EE12:3655": "2026-11-20T12:24:33Z", ...}},
       "spamQuarantine":  {"watermark": ..., "seen_from": ..., "seen": {"900123": ...}}}}

- ``watermark`` (a whole minute, UTC): every event stamped before it has been emitted.
- ``seen``: dedup key -> event time of every event emitted at or after ``seen_from``. Keys
  are ``<serialNumber>:<first MID>`` for tracking (MIDs are unique only per appliance) and
  the MID for the quarantine. A run merges its emitted events in (never replaces the set)
  and prunes what falls before the new ``seen_from``.
- ``seen_from`` (a whole minute): the set is complete from here on, so a run never looks
  back before it; it is ``watermark - look-back`` unless a larger look-back was just asked
  for, which then takes effect as the watermark moves on (no event is emitted twice).

A malformed or oversized state raises InputError (Failed, 400) naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cisco_esa.core.outcome import InputError
from cisco_esa.core.timefmt import iso

VERSION = 1
SOURCES = ("messageTracking", "spamQuarantine", "pvoQuarantine")
# Bounds that keep a state file small and a corrupted one from eating the run. The writer keeps the
# seen-set to MAX_SEEN (moving seen_from forward, never past the watermark) and the engine hashes
# keys longer than MAX_KEY, so it never writes what the loader, which allows LOAD_MAX_SEEN, refuses.
MAX_SEEN = 200_000
LOAD_MAX_SEEN = 1_000_000
MAX_KEY = 256
_EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
_ADVICE = "move the state file aside (or pass no state) to start afresh"


def _bad(problem: str) -> InputError:
    return InputError([f"state: {problem}; {_ADVICE}"])


def _parse_time(text, where: str) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z") or len(text) > 32:
        raise _bad(f"{where} is not a UTC time like 2026-11-20T12:25:00Z")
    try:
        dt = datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        raise _bad(f"{where} is not a UTC time like 2026-11-20T12:25:00Z") from None
    if not _EARLIEST <= dt < _LATEST:
        raise _bad(f"{where} {text} is outside 1990-2199, so it is no watermark of this appliance")
    return dt.astimezone(timezone.utc)


@dataclass
class SourceCheckpoint:
    """The checkpoint of one source; all times aware UTC."""

    watermark: datetime | None = None
    seen_from: datetime | None = None
    seen: dict[str, datetime] = field(default_factory=dict)

    def begin(self, start: datetime, lookback: timedelta) -> datetime:
        """Where a run starts: the later of start_time and the look-back before the watermark."""
        begin = start
        if self.watermark is not None:
            begin = max(begin, self.watermark - lookback)
        if self.seen_from is not None:
            begin = max(begin, self.seen_from)
        return begin

    def advance(self, watermark: datetime | None, emitted: dict[str, datetime],
                lookback: timedelta) -> "SourceCheckpoint":
        """The checkpoint after a run: watermark never moves back, seen merged then pruned."""
        marks = [w for w in (self.watermark, watermark) if w is not None]
        new_mark = max(marks) if marks else None
        seen = dict(self.seen)
        seen.update(emitted)
        if new_mark is None:
            return SourceCheckpoint(None, self.seen_from, seen)
        horizon = new_mark - lookback
        if self.seen_from is not None and self.seen_from > horizon:
            horizon = self.seen_from  # a look-back that grew: the set is complete only from here
        kept = {k: t for k, t in seen.items() if t >= horizon}
        if len(kept) > MAX_SEEN:
            # Too many to keep: the set stays complete from a later whole minute (never past the
            # watermark, so nothing unread is skipped); a run then looks back less far.
            times = sorted(kept.values())
            cut = times[len(times) - MAX_SEEN - 1].replace(second=0, microsecond=0) + timedelta(minutes=1)
            horizon = min(max(horizon, cut), new_mark)
            kept = {k: t for k, t in kept.items() if t >= horizon}
        return SourceCheckpoint(new_mark, horizon, kept)

    def dump(self) -> dict:
        return {
            "watermark": iso(self.watermark) if self.watermark else None,
            "seen_from": iso(self.seen_from) if self.seen_from else None,
            "seen": {k: iso(self.seen[k]) for k in sorted(self.seen)},
        }


@dataclass
class Checkpoint:
    sources: dict[str, SourceCheckpoint] = field(default_factory=dict)

    def source(self, name: str) -> SourceCheckpoint:
        return self.sources.get(name) or SourceCheckpoint()

    def with_source(self, name: str, cp: SourceCheckpoint) -> "Checkpoint":
        return Checkpoint({**self.sources, name: cp})

    def dump(self) -> dict:
        return {"version": VERSION, "sources": {n: self.sources[n].dump() for n in sorted(self.sources)}}


def load(state) -> Checkpoint:
    """The checkpoint in `state` (None or {} for a first run); InputError when it is unusable."""
    if state is None or state == {}:
        return Checkpoint()
    if not isinstance(state, dict):
        raise _bad(f"expected an object, got {type(state).__name__}")
    unknown = sorted(set(state) - {"version", "sources"})
    if unknown:
        raise _bad(f"unknown key {unknown[0]!r} (expected version and sources)")
    if type(state.get("version")) is not int or state.get("version") != VERSION:
        raise _bad(f"version {state.get('version')!r} is not {VERSION}")
    sources = state.get("sources", {})
    if not isinstance(sources, dict):
        raise _bad("sources is not an object")
    out = {}
    for name, entry in sources.items():
        if name not in SOURCES:
            raise _bad(f"unknown source {name!r} (expected {' or '.join(SOURCES)})")
        out[name] = _load_source(name, entry)
    return Checkpoint(out)


def _load_source(name: str, entry) -> SourceCheckpoint:
    where = f"sources.{name}"
    if not isinstance(entry, dict):
        raise _bad(f"{where} is not an object")
    unknown = sorted(set(entry) - {"watermark", "seen_from", "seen"})
    if unknown:
        raise _bad(f"{where} has an unknown key {unknown[0]!r}")
    mark = entry.get("watermark")
    since = entry.get("seen_from")
    watermark = None if mark is None else _parse_time(mark, f"{where}.watermark")
    seen_from = None if since is None else _parse_time(since, f"{where}.seen_from")
    for label, value in (("watermark", watermark), ("seen_from", seen_from)):
        if value is not None and (value.second or value.microsecond):
            raise _bad(f"{where}.{label} is not on a whole minute")
    seen_raw = entry.get("seen", {})
    if not isinstance(seen_raw, dict):
        raise _bad(f"{where}.seen is not an object")
    if len(seen_raw) > LOAD_MAX_SEEN:
        raise _bad(f"{where}.seen holds {len(seen_raw)} ids, more than the {LOAD_MAX_SEEN} a look-back overlap can need")
    seen = {}
    for key, when in seen_raw.items():
        if not key or len(key) > MAX_KEY:
            raise _bad(f"{where}.seen has an id that is empty or longer than {MAX_KEY} characters")
        seen[key] = _parse_time(when, f"{where}.seen[{key[:40]!r}]")
    return SourceCheckpoint(watermark, seen_from, seen)
