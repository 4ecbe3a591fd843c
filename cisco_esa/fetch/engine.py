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
- Streaming (``ctx.events`` set, the CLI's ``--output ndjson``): each slice (tracking) or page
  (quarantine) is handed to that sink as soon as its events are final, mapped, and is not kept;
  the result then holds no events. A run that fails midway carries, on its exception
  (``partial``), the checkpoint of exactly the events the sink took, so the caller can keep it.
- ``ctx.progress(rows read, None)`` after each page; an exception raised there (a killed
  run) leaves the caller without a checkpoint, so the next run re-reads and de-duplicates.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import marshal
import operator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from cisco_esa.fetch import checkpoint as ckpt
from cisco_esa.core import resources
from cisco_esa.fetch.mapping import MappingConfigError, load_mappings
from cisco_esa.core.registry import ManifestError
from cisco_esa.core.outcome import CommandError, Item, Result, UnexpectedResponse
from cisco_esa.asyncos import api
from cisco_esa.core.timefmt import display_time, endpoint_window, floor_minute, iso, minute_param

log = logging.getLogger("cisco_esa.fetch")



@functools.lru_cache(maxsize=1)
def mapping_engine():
    """The package's field mappings, compiled once per process, on the first use (Integration checks
    them all when it starts, through this same cache, so a bad mapping still fails at load): a broken
    one is a ManifestError, as a broken schema or handler is."""
    try:
        return load_mappings(resources.FIELD_MAPPINGS)
    except MappingConfigError as exc:
        raise ManifestError([str(exc)]) from exc

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
# Rows moving up under us faster than this many step-backs means the quarantine is being
# emptied while we read; better to fail the run (checkpoint kept) than to loop.
MAX_STEP_BACKS = 50
# A capped run sizes its slice for this many times the events it may still emit: read whole, then cut
# at the cap; a little over costs re-reading a few rows next run, a little under a second slice.
SLACK = 1.25
DEFAULT_CONCURRENCY = 4  # pages in flight at once: kind to the appliance, and 1 restores sequential paging
# How much of the rows the rate predicts a slice still holds are trusted to exist when pages go ahead.
AHEAD_TRUST = 0.5


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
    if type(attrs) is dict:  # the usual row, a serial number and an array of int: what the rest gives it, at once
        mid, serial = attrs.get("mid"), attrs.get("serialNumber")
        if type(mid) is list and mid and type(mid[0]) is int and type(serial) is str and serial:
            key = f"{serial}:{mid[0]}"
            if len(key) <= ckpt.MAX_KEY:
                return key, key, attrs.get("timestamp")
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


class Event:
    """One raw row with its key, item id and time (clamped into the slice that returned it)."""

    __slots__ = ("key", "item_id", "time", "iso", "row", "fields")

    def __init__(self, row, source: Source, lo: datetime, hi: datetime):
        self.row = row
        self.fields: dict | str | None = None  # mapped (_Presenter.prepare): the fields, or why there are none
        self.key, self.item_id, shown = source.identify(row)
        real, self.iso = display_time(shown) if isinstance(shown, str) else (None, None)
        if real is None or real < lo:
            self.time = lo
        elif real >= hi:
            self.time = hi - SECOND
        else:
            self.time = real


EVENT_ORDER = operator.attrgetter("time", "key")  # an event's place: oldest first, ties by key


class _Spool:
    """Rows on disk, fetched back by position: a private temporary file that this process alone
    writes and reads, so the rows (JSON values: dicts, lists, text, numbers) go in marshal's form,
    several times quicker both ways than JSON's and exact for every such value (a lone surrogate
    too). Nothing else ever reads it."""

    def __init__(self):
        import tempfile

        self.file = tempfile.TemporaryFile("w+b")
        self.end = 0
        self.writing = True  # the file's position is at its end: a put needs no seek

    def put(self, row) -> tuple[int, int]:
        data = marshal.dumps(row)
        if not self.writing:
            self.file.seek(self.end)
            self.writing = True
        self.file.write(data)
        at, self.end = self.end, self.end + len(data)
        return at, len(data)

    def get(self, place: tuple[int, int]):
        at, size = place
        self.file.seek(at)
        self.writing = False
        return marshal.loads(self.file.read(size))

    def close(self) -> None:
        self.file.close()


class _Run:
    """The reading side of one whole-window run."""

    def __init__(self, ctx, source: Source, seen: dict, cap: int, sink: Callable[[list], None] | None,
                 streaming: bool = False, concurrency: int = 1, prepare: Callable[[Event], None] | None = None):
        self.ctx = ctx
        self.api = ctx.api
        self.source = source
        self.seen = seen            # from the checkpoint: key -> time
        self.cap = cap
        self.sink = sink            # takes each batch of final events, oldest first
        self.emitted: dict[str, datetime] = {}  # key -> time of every event the sink took
        self.watermark: datetime | None = None
        # where a run that fails now may put the watermark: every event before it was taken
        self.safe_mark: datetime | None = None
        # streaming: the rows of a slice being read wait on disk, so memory stays bounded by a page
        self.spool = _Spool() if streaming and not source.ascending else None
        self.concurrency = concurrency
        # Maps each event on the thread that read its page, while the row is fresh in the cache (most
        # of what mapping costs, done later, is fetching 10,000 rows back from memory); never when
        # streaming, whose rows wait on disk and are mapped as they are emitted.
        self.prepare = None if streaming else prepare
        self.pool = None
        self.dense_from: datetime | None = None  # rows were seen from here on by a slice read in part
        self.more = False
        self.requests = 0
        self.rows_read = 0
        self.last_page: list | None = None
        self.duplicates = 0

    # -- the wire ------------------------------------------------------------------
    def page(self, lo: datetime, hi: datetime, offset: int, limit: int) -> list[Event]:
        return self.pages(lo, hi, [offset], limit)[0]

    def pages(self, lo: datetime, hi: datetime, offsets: list[int], limit: int) -> list[list[Event]]:
        """The events of the pages at `offsets`, read at most `concurrency` at a time, in the order
        asked; each page is counted (and its progress told) here, on the run's own thread."""
        start, end = minute_param(lo), minute_param(hi)
        source, prepare = self.source, self.prepare

        def fetch(offset: int) -> tuple[list, list[Event]]:
            rows = source.page(self.api, start, end, offset, limit)[:limit]
            events = [Event(row, source, lo, hi) for row in rows]
            if prepare is not None:
                for ev in events:
                    prepare(ev)
            return rows, events

        if len(offsets) == 1 or self.concurrency <= 1:
            return [self._count(offset, *fetch(offset)) for offset in offsets]
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="cisco-esa-fetch")
        return [self._count(offset, *read) for offset, read in zip(offsets, self.pool.map(fetch, offsets))]

    def _count(self, offset: int, rows: list, events: list[Event]) -> list[Event]:
        if offset and rows and rows == self.last_page:
            raise _ignores_offset(offset)  # an appliance (or a proxy) that ignores offset: never loop on it
        self.last_page = rows
        self.requests += 1
        self.rows_read += len(rows)
        self.ctx.rows_read(self.rows_read)
        return events

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        if self.spool is not None:
            self.spool.close()

    def _is_new(self, ev: Event) -> bool:
        if ev.key in self.seen or ev.key in self.emitted:
            self.duplicates += 1
            return False
        return True

    def _emit(self, events: list[Event]) -> None:
        emitted, size = self.emitted, self.source.page_max
        for start in range(0, len(events), size):
            batch = events[start:start + size]
            if self.spool is not None:
                for e in batch:
                    e.row = self.spool.get(e.row)
            self.sink(batch)  # first: an event counts as emitted only once the sink has taken it
            for e in batch:
                emitted[e.key] = e.time
                e.row = e.fields = None  # taken: a streaming run keeps no row

    # -- tracking: newest first, walked in ascending slices ----------------------
    def descending(self, lo: datetime, hi: datetime) -> None:
        cursor, span = lo, hi - lo
        while cursor < hi:
            self.safe_mark = cursor
            remaining = self.cap - len(self.emitted)
            if remaining <= 0:
                self.watermark, self.more = cursor, True
                return
            upper = min(hi, cursor + span)
            whole = upper - cursor <= MINUTE
            fresh, complete, rate = self._read_slice(cursor, upper, None if whole else remaining)
            if not complete:
                span = self._narrower(cursor, upper, rate, remaining)
                log.debug("slice %s..%s holds over %d new events; narrowing to %s", iso(cursor), iso(upper),
                          remaining, span)
                continue
            fresh.sort(key=EVENT_ORDER)
            take = fresh[:remaining]
            self._emit(take)
            if len(take) < len(fresh):
                self.watermark, self.more = floor_minute(fresh[len(take)].time), True
                return
            width, cursor = upper - cursor, upper
            left = remaining - len(take)
            if fresh and left > 0:
                # the rate just seen sizes the next slice (a little over what the run may still emit)
                span = _minutes(min(width * 4, width * (left * SLACK) / len(fresh)))  # a few events: no wild jump
            elif left > 0:
                # nothing new here: look wider, at once up to where a too-full slice showed rows
                span = width * 2
                if self.dense_from is not None and self.dense_from - cursor > span:
                    span = _minutes(self.dense_from - cursor)
        self.watermark = hi

    def _read_slice(self, lo: datetime, hi: datetime,
                    bound: int | None) -> tuple[list[Event], bool, float | None]:
        """Every new event of [lo, hi), or (some, False, rows per second near the last row read) as soon
        as more than `bound` are new. Pages the rate says are full are read `concurrency` at a time."""
        fresh: list[Event] = []
        keys: set[str] = set()
        size = self.source.page_max
        offset, ahead = 0, 1
        rate = None
        while True:
            batch = self.pages(lo, hi, [offset + i * size for i in range(ahead)], size)
            for events in batch:
                first = last = None
                for ev in events:
                    first = first or ev
                    last = ev
                    if ev.key in keys:  # a row pushed down by new mail, read twice
                        self.duplicates += 1
                    elif self._is_new(ev):
                        keys.add(ev.key)
                        fresh.append(ev)
                        if self.spool is not None:
                            ev.row = self.spool.put(ev.row)
                if len(events) < size:
                    return fresh, True, None  # any later page of the batch was past the end
                offset += size
                # rows per second where we are now (newest first: the first row is the page's newest)
                rate = size / max((first.time - last.time).total_seconds(), 1.0)
                oldest = last.time
            if bound is not None and len(fresh) > bound:
                self.dense_from = floor_minute(oldest)
                return fresh, False, rate
            left = rate * (oldest - lo).total_seconds()  # rows this slice still holds, by that rate
            # Only pages the rate says are full go ahead (a page past the end would cost a request), and
            # only once two pages in a row have shown that the appliance honours offset.
            if offset >= 2 * size:
                ahead = max(1, min(self.concurrency, int(left * AHEAD_TRUST) // size))
                if left < 2 * self.concurrency * size:
                    ahead = min(ahead, 2)  # near the end the rate misleads most (retention's edge): one at risk

    @staticmethod
    def _narrower(lo: datetime, hi: datetime, rate: float | None, remaining: int) -> timedelta:
        half = (hi - lo) / 2
        # the newest rows tell the rate near hi; aim for a little over `remaining` events, read whole
        guess = timedelta(seconds=remaining * SLACK / rate) if rate else half
        return _minutes(min(half, guess))


    # -- quarantine: oldest first ---------------------------------------------------
    def ascending(self, lo: datetime, hi: datetime) -> None:
        size = self.source.page_max
        offset, read, step_backs = 0, set(), 0
        while True:
            events = self.page(lo, hi, offset, size)
            if offset > 0 and (not events or events[0].key not in read):
                # The overlap row is gone: rows moved up (a release or delete), step back a page.
                step_backs += 1
                if step_backs > MAX_STEP_BACKS:
                    what = "spam quarantine" if self.source is QUARANTINE else "PVO quarantines"
                    raise CommandError(f"The {what} changed faster than it could be read; "
                                       "run again (the checkpoint was not moved).", None)
                offset = max(0, offset - size + 1)
                continue
            take = []
            for ev in events:
                if ev.key in read:
                    continue
                read.add(ev.key)
                if not self._is_new(ev):
                    continue
                if len(self.emitted) + len(take) >= self.cap:
                    self._emit(take)
                    self.watermark, self.more = floor_minute(ev.time), True
                    return
                take.append(ev)
            self._emit(take)
            if take:
                # oldest first: every event before the minute of the last one taken is emitted
                self.safe_mark = floor_minute(take[-1].time)
            if len(events) < size:
                self.watermark = hi
                return
            offset += len(events) - 1  # one row of overlap proves nothing moved up


def _minutes(span: timedelta) -> timedelta:
    """A slice's width in whole minutes (the API's resolution), at least one."""
    return max(MINUTE, timedelta(minutes=int(span / MINUTE)))


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
    present = _Presenter(source, getattr(ctx, "events", None))
    run = _Run(ctx, source, cp.seen, params["max_events"], present.take, present.streaming,
               params.get("concurrency") or DEFAULT_CONCURRENCY, present.prepare)

    def result(watermark: datetime | None) -> Result:
        new_state = state.with_source(source.name, cp.advance(watermark, run.emitted, lookback))
        data, raw, items = present.finish()
        data.update({"next_offset": None, "more": run.more, "duplicates_skipped": run.duplicates,
                     "requests": run.requests, "query": query, "checkpoint": new_state.dump()})
        return Result(data=data, raw_data=raw, items=items)

    try:
        if lo < hi:
            (run.ascending if source.ascending else run.descending)(lo, hi)
    except BaseException as exc:
        if present.streaming:
            # the events already written stay written: the checkpoint says so (contract §4)
            exc.partial = result(_clamped(run.safe_mark, ctx.api.appliance_time()))
        raise
    finally:
        run.close()
    # The window ends by the appliance's clock (contract §3), read from the Date of the answers this
    # run just had (or of one cheap read when it read nothing and its checkpoint lies ahead of the host).
    now = ctx.api.appliance_time() if run.requests else None
    if now is None and cp.watermark is not None and cp.watermark > hi:
        now = ctx.api.probe_time()
    _refuse_future(cp, now)
    return result(_clamped(run.watermark, now))


def _clamped(watermark: datetime | None, now: datetime | None) -> datetime | None:
    if now is not None and watermark is not None and watermark > floor_minute(now):
        # the host's clock runs ahead: the appliance's current minute may still grow, leave it to the next run
        return floor_minute(now)
    return watermark


def _one_page(source: Source, params: dict, state: ckpt.Checkpoint, ctx) -> Result:
    offset, limit = params["offset"], params["limit"]
    start, end = params["start_time"], params["end_time"]
    lo, hi = floor_minute(start), floor_minute(end)
    _, _, query = endpoint_window(start, end, "minute")
    present = _Presenter(source, None)
    run = _Run(ctx, source, {}, limit, None, prepare=present.prepare)
    events = run.page(lo, hi, offset, limit) if lo < hi else []
    present.take(events)
    data, raw, items = present.finish()
    data.update({"next_offset": offset + limit if len(events) == limit else None, "more": len(events) == limit,
                 "requests": run.requests, "query": query, "checkpoint": state.dump()})
    return Result(data=data, raw_data=raw, items=items)


class _Presenter:
    """Tags, maps and itemizes emitted events, batch by batch: one Item per event, failures kept
    apart. Kept for the result, or (streaming) handed to `stream(mapped, raw)` and dropped."""

    def __init__(self, source: Source, stream: Callable[[list, list], None] | None):
        self.source, self.stream = source, stream
        self.streaming = stream is not None
        self._engine = mapping_engine()
        # Every row here gets this tag: when the tag alone picks the source, it is picked once (what
        # map_event adds per event is that pick, and the error for a row that is not an object).
        self._tagged = self._engine.source_tagged(source.name)
        self.mapped: list[dict] = []
        self.raw: list = []
        self.items: list[Item] = []

    def prepare(self, ev: Event) -> None:
        """Tags the event's row with its source and maps it: ev.row becomes the raw event (the row
        itself, tagged in place, when it is an object) and ev.fields its mapped fields, or the reason
        it cannot be mapped. Safe on any thread: it touches this event alone."""
        row, name = ev.row, self.source.name
        mapping = None
        if isinstance(row, dict):
            row["sourceType"] = name  # the row is ours, parsed from this run's answer: tag it in place
            mapping = self._tagged
        else:
            ev.row = {"sourceType": name, "value": row}
        try:
            fields = mapping.map(row) if mapping is not None else self._engine.map_event(row)
        except Exception as exc:  # one bad event must not stop the others
            ev.fields = str(exc) or type(exc).__name__
            return
        if ev.iso is not None:
            fields[self.source.iso_twin] = ev.iso
        fields["_item_id"] = ev.item_id  # pairs the event with its item (contract §3)
        ev.fields = fields

    def take(self, events: list[Event]) -> None:
        mapped, raw = ([], []) if self.streaming else (self.mapped, self.raw)
        items = []
        for ev in events:
            if ev.fields is None:
                self.prepare(ev)
            raw.append(ev.row)
            fields = ev.fields
            if type(fields) is dict:
                mapped.append(fields)
                items.append(Item(ev.item_id))
            else:
                items.append(Item(ev.item_id, UnexpectedResponse(f"event {ev.item_id} cannot be mapped ({fields}).")))
        if self.streaming:
            self.stream(mapped, raw)  # before counting them: what the sink refused was not emitted
        self.items.extend(items)

    def finish(self) -> tuple[dict, dict, list[Item]]:
        count = sum(1 for i in self.items if i.ok)
        events = [] if self.streaming else self.mapped
        data = {"source": self.source.name, "events": events, "count": count,
                "failed": len(self.items) - count}
        return data, {"data": [] if self.streaming else self.raw}, list(self.items)
