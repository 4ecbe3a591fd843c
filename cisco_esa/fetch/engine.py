"""Fetch Event: lossless incremental ingestion of message-tracking and spam-quarantine events,
mapped with the spec's field mappings (contract §3, §5) and de-duplicated by a checkpoint.

How a run works (design decisions):

- Explicit page (``offset`` and ``limit`` given): exactly one request for that page of the
  window ``[start_time, end_time)`` floored to the minute; ``next_offset`` is
  ``offset + limit`` when the page came back full, else null. The checkpoint is neither read
  for the window nor advanced (a page of a newest-first list cannot move a watermark); it is
  validated and handed back unchanged. Quarantine pages are oldest first here too.
- Whole window (neither given): the run begins at the later of ``start_time`` and the
  checkpoint's watermark less the look-back (``lookback_minutes``, default 5), ends at
  ``min(end_time, now)``, both floored to the minute (the current minute is left to the next
  run, so a watermark never sits inside a minute that may still grow). Events are emitted
  oldest first, at most ``max_events`` per run; events already in the checkpoint's seen-set
  are dropped. ``next_offset`` is null in this mode: the checkpoint is how a capped run goes on,
  and ``data.more`` says whether the cap stopped it. The look-back also covers an SMA's
  tracking lag: set it above the lag, since rows stamped before the look-back that appear
  only later are not looked for again.
- Tracking lists newest first (asyncos-api §2), so a capped run must not take the newest
  page: the window is walked in ascending time slices. A slice is paged whole (newest
  first), sorted by (event time, key) and emitted; a slice holding more new events than the
  run may still emit is abandoned while paging and retried narrower (halved at least, or
  sized from the event rate just seen), down to one minute, which is always read whole. When
  the cap falls inside a slice the watermark stops at the minute of the first event not
  emitted. With no cap in the way the first slice is the whole window: one request per 100
  events.
- The quarantine honours ``orderBy=date&orderDir=asc`` (asyncos-api §5.1), so it is paged
  oldest first and a capped run simply stops; the watermark is the minute of the first event
  not emitted.
- Pages shift while we page. New mail and late tracking rows only push rows further down
  (we re-read some, and the seen-set of the run drops them). A released or deleted quarantine
  message pulls later rows up, which would skip one: quarantine pages therefore overlap by
  one row, and a page whose first row we have not read yet means rows moved up, so we step
  back a page and read again. Tracking rows are not removed from inside a window (retention
  drops the oldest), so tracking pages do not overlap and cost one request per ``limit``.
- Keys: ``<serialNumber>:<first MID>`` for tracking (MIDs are unique only per appliance),
  the MID for the quarantine; a row without a MID is keyed by a hash of its content. An
  event's time comes from its display timestamp (``timefmt.parse_appliance_time``), clamped
  into the slice that returned it (an unreadable time sorts first in its slice).
- Each emitted event is one Item (id = its key; the MID alone for the quarantine): a row
  the mapping engine cannot map is a failed Item and the others go on, so the status is
  Partially Successful. A failed row still counts as emitted (it is in ``raw_data``), so it
  cannot stall the feed. Any HTTP failure fails the run: no events, checkpoint unchanged.
- ``ctx.progress(rows read, None)`` after each page; an exception raised there (a killed
  run) leaves the caller without a checkpoint, so the next run re-reads and de-duplicates.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from cisco_esa.fetch import checkpoint as ckpt
from cisco_esa.core import resources
from cisco_esa.fetch.mapping import load_mappings
from cisco_esa.core.outcome import CommandError, Item, Result, UnexpectedResponse
from cisco_esa.asyncos import api
from cisco_esa.core.timefmt import endpoint_window, floor_minute, iso, minute_param, parse_appliance_time

log = logging.getLogger("cisco_esa.fetch")

# Compiled once: every path of field_mappings/ is checked and compiled at import (STYLE "fail at load").
ENGINE = load_mappings(resources.FIELD_MAPPINGS)

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
# Rows moving up under us faster than this many step-backs means the quarantine is being
# emptied while we read; better to fail the run (checkpoint kept) than to loop.
MAX_STEP_BACKS = 50


@dataclass(frozen=True)
class Source:
    name: str                 # the sourceType tag and the checkpoint's source key
    page: Callable[..., list]  # (api, start, end, offset, limit) -> rows: the endpoint
    page_max: int             # the endpoint's page size
    ascending: bool           # the list comes oldest first
    identify: Callable[[Any], tuple[str, Any, str | None]]  # row -> (key, item id, display time)
    iso_twin: str             # the name of the event time's ISO-8601 twin in a mapped event


def _content_key(row: Any) -> str:
    text = json.dumps(row, sort_keys=True, default=str)
    return "sha1:" + hashlib.sha1(text.encode()).hexdigest()


def _tracking_identity(row):
    attrs = row.get("attributes") if isinstance(row, dict) else None
    if not isinstance(attrs, dict):
        key = _content_key(row)
        return key, key, None
    mid = attrs.get("mid")
    if isinstance(mid, list):  # an array of int, several after splintering (asyncos-api §2.2)
        mid = mid[0] if mid else None
    if isinstance(mid, bool) or not isinstance(mid, (int, str)) or mid == "":
        key = _content_key(row)
        return key, key, attrs.get("timestamp")
    key = _bounded_key(f"{attrs.get('serialNumber') or '?'}:{mid}")
    return key, key, attrs.get("timestamp")


def _quarantine_identity(row):
    if not isinstance(row, dict):
        key = _content_key(row)
        return key, key, None
    attrs = row.get("attributes")
    when = attrs.get("date") if isinstance(attrs, dict) else None
    mid = row.get("mid")  # a plain int beside attributes here (asyncos-api §5.2)
    if isinstance(mid, bool) or not isinstance(mid, (int, str)) or mid == "":
        key = _content_key(row)
        return key, key, when
    return _bounded_key(str(mid)), mid, when


def _bounded_key(key: str) -> str:
    # a 300-character serial number would make a key the checkpoint refuses to load: hash it
    return key if len(key) <= ckpt.MAX_KEY else "sha1:" + hashlib.sha1(key.encode()).hexdigest()


TRACKING = Source(
    "messageTracking", lambda a, lo, hi, offset, limit: a.tracking_page(lo, hi, {}, offset, limit),
    api.TRACKING_PAGE, False, _tracking_identity, "timestamp_iso",
)
QUARANTINE = Source(
    "spamQuarantine", lambda a, lo, hi, offset, limit: a.spam_page(lo, hi, {}, offset, limit, oldest_first=True),
    api.QUARANTINE_PAGE, True, _quarantine_identity, "date_iso",
)
def _pvo_identity(row):
    # keyed like the spam quarantine's, by the mid beside attributes; the time is when it was received
    key, item_id, _ = _quarantine_identity(row)
    attrs = row.get("attributes") if isinstance(row, dict) else None
    return key, item_id, attrs.get("received") if isinstance(attrs, dict) else None


# Every system quarantine, oldest first: orderBy=received&orderDir=asc (asyncos-api-extension §14.2).
PVO = Source(
    "pvoQuarantine",
    lambda a, lo, hi, offset, limit: a.pvo_page(lo, hi, list(api.PVO_SYSTEM_QUARANTINES), {}, offset, limit,
                                                "received", "asc")[0],
    api.PVO_PAGE, True, _pvo_identity, "date_iso",
)
SOURCES = {"message tracking": TRACKING, "spam quarantine": QUARANTINE, "pvo quarantine": PVO}


@functools.lru_cache(maxsize=4096)
def _display_time(text: str) -> tuple[datetime | None, str | None]:
    """A display timestamp -> (UTC datetime, ISO text), (None, None) when it is not one (seconds
    60-99 included). Cached: a message's rows and a busy second repeat the same text."""
    when = parse_appliance_time(text)
    return when, iso(when)


class Event:
    """One raw row with its key, item id and time (clamped into the slice that returned it)."""

    __slots__ = ("key", "item_id", "time", "iso", "row")

    def __init__(self, row, source: Source, lo: datetime, hi: datetime):
        self.row = row
        self.key, self.item_id, shown = source.identify(row)
        real, self.iso = _display_time(shown) if isinstance(shown, str) else (None, None)
        if real is None or real < lo:
            self.time = lo
        elif real >= hi:
            self.time = hi - SECOND
        else:
            self.time = real

    def order(self):
        return (self.time, self.key)


class _Run:
    """The reading side of one whole-window run."""

    def __init__(self, ctx, source: Source, seen: dict, cap: int):
        self.ctx = ctx
        self.api = ctx.api
        self.source = source
        self.seen = seen            # from the checkpoint: key -> time
        self.cap = cap
        self.emitted: list[Event] = []
        self.emitted_keys: set[str] = set()
        self.watermark: datetime | None = None
        self.more = False
        self.requests = 0
        self.rows_read = 0
        self.last_page: list | None = None
        self.duplicates = 0

    # -- the wire ------------------------------------------------------------------
    def page(self, lo: datetime, hi: datetime, offset: int, limit: int) -> list:
        rows = self.source.page(self.api, minute_param(lo), minute_param(hi), offset, limit)[:limit]
        if offset and rows and rows == self.last_page:
            raise _ignores_offset(offset)  # an appliance (or a proxy) that ignores offset: never loop on it
        self.last_page = rows
        self.requests += 1
        self.rows_read += len(rows)
        self.ctx.rows_read(self.rows_read)
        return rows

    def _is_new(self, ev: Event) -> bool:
        if ev.key in self.seen or ev.key in self.emitted_keys:
            self.duplicates += 1
            return False
        return True

    def _emit(self, events: list[Event]) -> None:
        self.emitted.extend(events)
        self.emitted_keys.update(e.key for e in events)

    # -- tracking: newest first, walked in ascending slices ----------------------
    def descending(self, lo: datetime, hi: datetime) -> None:
        cursor, span = lo, hi - lo
        while cursor < hi:
            remaining = self.cap - len(self.emitted)
            if remaining <= 0:
                self.watermark, self.more = cursor, True
                return
            upper = min(hi, cursor + span)
            whole = upper - cursor <= MINUTE
            fresh, complete = self._read_slice(cursor, upper, None if whole else remaining)
            if not complete:
                span = self._narrower(cursor, upper, fresh, remaining)
                log.debug("slice %s..%s holds over %d new events; narrowing to %s", iso(cursor), iso(upper),
                          remaining, span)
                continue
            fresh.sort(key=Event.order)
            take = fresh[:remaining]
            self._emit(take)
            if len(take) < len(fresh):
                self.watermark, self.more = floor_minute(fresh[len(take)].time), True
                return
            cursor = upper
            if len(fresh) * 2 < remaining:
                span = span * 2
        self.watermark = hi

    def _read_slice(self, lo: datetime, hi: datetime, bound: int | None) -> tuple[list[Event], bool]:
        """Every new event of [lo, hi), or (some, False) as soon as more than `bound` are new."""
        fresh: list[Event] = []
        keys: set[str] = set()
        offset, size = 0, self.source.page_max
        while True:
            rows = self.page(lo, hi, offset, size)
            for row in rows:
                ev = Event(row, self.source, lo, hi)
                if ev.key in keys:  # a row pushed down by new mail, read twice
                    self.duplicates += 1
                elif self._is_new(ev):
                    keys.add(ev.key)
                    fresh.append(ev)
            if len(rows) < size:
                return fresh, True
            if bound is not None and len(fresh) > bound:
                return fresh, False
            offset += len(rows)

    @staticmethod
    def _narrower(lo: datetime, hi: datetime, fresh: list[Event], remaining: int) -> timedelta:
        half = (hi - lo) / 2
        oldest = min(e.time for e in fresh)
        # the newest rows tell the rate near hi; aim for about `remaining` events
        guess = (hi - oldest) * remaining / len(fresh)
        span = min(half, guess)
        return max(MINUTE, timedelta(minutes=int(span / MINUTE)))

    # -- quarantine: oldest first ---------------------------------------------------
    def ascending(self, lo: datetime, hi: datetime) -> None:
        size = self.source.page_max
        offset, read, step_backs = 0, set(), 0
        while True:
            rows = self.page(lo, hi, offset, size)
            events = [Event(row, self.source, lo, hi) for row in rows]
            if offset > 0 and (not events or events[0].key not in read):
                # The overlap row is gone: rows moved up (a release or delete), step back a page.
                step_backs += 1
                if step_backs > MAX_STEP_BACKS:
                    what = "spam quarantine" if self.source is QUARANTINE else "PVO quarantines"
                    raise CommandError(f"The {what} changed faster than it could be read; "
                                       "run again (the checkpoint was not moved).", None)
                offset = max(0, offset - size + 1)
                continue
            for ev in events:
                if ev.key in read:
                    continue
                read.add(ev.key)
                if not self._is_new(ev):
                    continue
                if len(self.emitted) >= self.cap:
                    self.watermark, self.more = floor_minute(ev.time), True
                    return
                self._emit([ev])
            if len(rows) < size:
                self.watermark = hi
                return
            offset += len(rows) - 1  # one row of overlap proves nothing moved up


def _refuse_future(cp: ckpt.SourceCheckpoint, now: datetime | None) -> None:
    """A watermark past the appliance's clock would stall the feed at count 0 for ever: refuse it."""
    if now is not None and cp.watermark is not None and cp.watermark > floor_minute(now) + MINUTE:
        raise CommandError(
            f"The checkpoint's watermark {iso(cp.watermark)} lies in the appliance's future (its clock reads "
            f"{iso(now)}): it was not written by a run against this appliance, so it is not trusted; move the "
            "state aside (or pass no state) to start afresh.", None)


def _ignores_offset(offset: int) -> UnexpectedResponse:
    return UnexpectedResponse(f"the page at offset {offset} repeats the page before it: the appliance (or a proxy in "
                              "between) ignores offset, so the window cannot be read; the checkpoint was not moved.")


def fetch_event(params: dict, ctx) -> Result:
    source = SOURCES[params["messages_source"].casefold()]
    state = ckpt.load(ctx.state)
    if params.get("offset") is not None and params.get("limit") is not None:
        return _one_page(source, params, state, ctx)
    cp = state.source(source.name)
    lookback = timedelta(minutes=params["lookback_minutes"])
    begin = cp.begin(params["start_time"], lookback)
    stop = min(params["end_time"], ctx.now())
    lo, hi = floor_minute(begin), floor_minute(stop)
    _, _, query = endpoint_window(begin, stop, "minute")
    query.update({"from_checkpoint": begin != params["start_time"],
                  "end_clamped_to_now": stop != params["end_time"],
                  "lookback_minutes": params["lookback_minutes"], "max_events": params["max_events"]})
    run = _Run(ctx, source, cp.seen, params["max_events"])
    if lo < hi:
        (run.ascending if source.ascending else run.descending)(lo, hi)
    # The window ends by the appliance's clock (contract §3), read from the Date of the answers this
    # run just had (or of one cheap read when it read nothing and its checkpoint lies ahead of the host).
    now = ctx.api.appliance_time() if run.requests else None
    if now is None and cp.watermark is not None and cp.watermark > hi:
        now = ctx.api.probe_time()
    _refuse_future(cp, now)
    if now is not None and run.watermark is not None and run.watermark > floor_minute(now):
        # the host's clock runs ahead: the appliance's current minute may still grow, leave it to the next run
        run.watermark = floor_minute(now)
    emitted = {e.key: e.time for e in run.emitted}
    new_state = state.with_source(source.name, cp.advance(run.watermark, emitted, lookback))
    data, raw, items = _present(source, run.emitted)
    data.update({"next_offset": None, "more": run.more, "duplicates_skipped": run.duplicates,
                 "requests": run.requests, "query": query, "checkpoint": new_state.dump()})
    return Result(data=data, raw_data=raw, items=items)


def _one_page(source: Source, params: dict, state: ckpt.Checkpoint, ctx) -> Result:
    offset, limit = params["offset"], params["limit"]
    start, end = params["start_time"], params["end_time"]
    lo, hi = floor_minute(start), floor_minute(end)
    _, _, query = endpoint_window(start, end, "minute")
    run = _Run(ctx, source, {}, limit)
    rows = run.page(lo, hi, offset, limit) if lo < hi else []
    events = [Event(row, source, lo, hi) for row in rows]
    data, raw, items = _present(source, events)
    data.update({"next_offset": offset + limit if len(rows) == limit else None, "more": len(rows) == limit,
                 "requests": run.requests, "query": query, "checkpoint": state.dump()})
    return Result(data=data, raw_data=raw, items=items)


def _present(source: Source, events: list[Event]) -> tuple[dict, dict, list[Item]]:
    """Tag, map and itemize the emitted events: one Item per event, failures kept apart."""
    mapped, raw, items = [], [], []
    twin = source.iso_twin
    map_event = ENGINE.map_event
    for ev in events:
        row = ev.row
        if isinstance(row, dict):
            row["sourceType"] = source.name  # the row is ours, parsed from this run's answer: tag it in place
            tagged = row
        else:
            tagged = {"sourceType": source.name, "value": row}
        raw.append(tagged)
        try:
            fields = map_event(tagged if isinstance(row, dict) else row)
        except Exception as exc:  # one bad event must not stop the others
            reason = str(exc) or type(exc).__name__
            items.append(Item(ev.item_id, UnexpectedResponse(f"event {ev.item_id} cannot be mapped ({reason}).")))
            continue
        if ev.iso is not None:
            fields[twin] = ev.iso
        fields["_item_id"] = ev.item_id  # pairs the event with its item (contract §3)
        mapped.append(fields)
        items.append(Item(ev.item_id))
    data = {"source": source.name, "events": mapped, "count": len(mapped), "failed": len(events) - len(mapped)}
    return data, {"data": raw}, items
