"""Times: what users may type (contract §1), what each endpoint accepts (asyncos-api §1.3),
and the appliance's display timestamps turned into ISO-8601 UTC."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

UTC = timezone.utc

_RELATIVE = re.compile(r"^\s*(?:now\s*)?(?:([+-])\s*(\d+)\s*([smhdw]))?\s*$", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_EPOCH = re.compile(r"^\s*\d{9,11}(\.\d+)?\s*$")
# 12 or 13 digits: milliseconds (JavaScript, XSOAR and D3 timestamps); as seconds they would lie past 2200.
_EPOCH_MS = re.compile(r"^\s*\d{12,13}\s*$")
EPOCH_MS_FROM = 10 ** 11
# XSOAR's habit: `3 days ago`, `1 hour ago`, `yesterday` (24 hours before now, as its date parser reads it).
_AGO = re.compile(r"^\s*(\d+)\s*(second|sec|minute|min|hour|hr|day|week)s?\s+ago\s*$", re.I)
_AGO_UNITS = {"second": "seconds", "sec": "seconds", "minute": "minutes", "min": "minutes", "hour": "hours",
              "hr": "hours", "day": "days", "week": "weeks"}
_WORDS = {"now": timedelta(0), "yesterday": timedelta(days=-1)}
ACCEPTED_FORMS = ("ISO 8601 (2023-05-20T18:00:00Z), 'YYYY-MM-DD HH:MM', epoch seconds or milliseconds, "
                  "now, -15m/-2h/-7d, '3 days ago', yesterday")
# Earliest/latest times we accept: the appliance keeps no mail older than this anyway.
_MIN = datetime(1990, 1, 1, tzinfo=UTC)
_MAX = datetime(2200, 1, 1, tzinfo=UTC)


def parse_input_time(value, now: datetime) -> datetime:
    """ISO 8601, `2023-04-24 00:00`, epoch seconds or milliseconds, `now` / `-15m` / `-2h` / `-7d`,
    `3 days ago`, `yesterday`; UTC unless an offset is given."""
    try:
        return _parse_input_time(value, now)
    except (OverflowError, OSError):
        raise ValueError(f"{str(value)[:40]!r} is out of range (1990..2200)") from None


def _parse_input_time(value, now: datetime) -> datetime:
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        dt = datetime.fromtimestamp(value / 1000 if abs(value) >= EPOCH_MS_FROM else value, UTC)
    elif isinstance(value, str):
        text = value.strip()
        rel = _RELATIVE.match(text) if text and (text[0] in "+-" or text.lower().startswith("now")) else None
        ago = _AGO.match(text)
        if text.lower() in _WORDS:
            dt = now + _WORDS[text.lower()]
        elif ago:
            dt = now - timedelta(**{_AGO_UNITS[ago.group(2).lower()]: int(ago.group(1))})
        elif _EPOCH_MS.match(text):
            dt = datetime.fromtimestamp(int(text) / 1000, UTC)
        elif rel:
            sign, amount, unit = rel.groups()
            if not amount:
                dt = now
            else:
                delta = timedelta(**{_UNITS[unit.lower()]: int(amount)})
                dt = now - delta if sign == "-" else now + delta
        elif _EPOCH.match(text):
            dt = datetime.fromtimestamp(float(text), UTC)
        else:
            iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
            if iso.endswith(("Z", "z")):
                iso = iso[:-1] + "+00:00"
            try:
                dt = datetime.fromisoformat(iso)
            except ValueError:
                raise ValueError(f"{value!r} is not a time (accepted: {ACCEPTED_FORMS})") from None
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
    else:
        raise ValueError(f"{value!r} is not a time (accepted: {ACCEPTED_FORMS})")
    dt = dt.astimezone(UTC)
    if not (_MIN <= dt < _MAX):
        raise ValueError(f"{value!r} is out of range (1990..2200)")
    return dt


def floor_minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def floor_hour(dt: datetime) -> datetime:
    return dt.replace(minute=0, second=0, microsecond=0)


def _utc(dt: datetime) -> datetime:
    # a naive datetime is UTC here (contract §1); astimezone alone would read it as host-local
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def minute_param(dt: datetime) -> str:
    """Tracking and quarantine dates: seconds forced to 00, milliseconds .000 (asyncos-api §1.3)."""
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:00.000Z")


def hour_param(dt: datetime) -> str:
    """Reporting dates: whole hours only (asyncos-api §1.3)."""
    return _utc(dt).strftime("%Y-%m-%dT%H:00:00.000Z")


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is not UTC:
        dt = _utc(dt)
    if dt.year >= 1000:
        # isoformat's first 19 characters are strftime's text at half its cost (once per event);
        # below year 1000 strftime's %Y does not pad on every platform, so it keeps its own spelling
        return dt.isoformat()[:19] + "Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# `20 Sep 2022 14:54:50 (GMT +00:00)`, `07 Sep 2022 08:10:33 (GMT)`, `(GMT-06:00)`,
# quarantine `20 Sep 2022 15:13 (GMT +00:00)` without seconds (asyncos-api §1.3).
_DISPLAY = re.compile(
    r"^\s*(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{1,2}):(\d\d)(?::(\d\d))?"
    r"\s*(?:\(\s*(?:GMT|UTC)\s*(?:([+-])\s*(\d{1,2}):?(\d\d))?\s*\))?\s*$"
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def parse_appliance_time(text) -> datetime | None:
    """An appliance display timestamp → aware UTC datetime; None when it is not one."""
    if not isinstance(text, str):
        return None
    fast = _fixed_utc(text)
    return _parse_display(text) if fast is None else fast[0]


def _parse_display(text: str) -> datetime | None:
    """Any display form, by the regex (then ISO-8601)."""
    m = _DISPLAY.match(text)
    if not m:
        try:
            dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    day, mon, year, hh, mm, ss, sign, oh, om = m.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        return None
    try:
        tz = _zone(sign, oh, om)
        dt = datetime(int(year), month, int(day), int(hh), int(mm), int(ss or 0), tzinfo=tz)
    except ValueError:
        return None
    return dt if tz is UTC else dt.astimezone(UTC)


_UTC_SUFFIX = " (GMT +00:00)"


# The hours of the fixed UTC form seen so far: `20 Sep 2022 14` -> (year, month, day, hour, ISO text of
# the hour), None when it names no hour. A window's events share a few hundred hours; bounded anyway.
_HOURS: dict[str, tuple | None] = {}
_HOURS_MAX = 4096


def display_time(text: str) -> tuple[datetime | None, str | None]:
    """``(parse_appliance_time(text), iso(of it))`` at once, for a fetch's every event."""
    fast = _fixed_utc(text)
    if fast is not None:
        return fast
    when = _parse_display(text)
    return when, iso(when)


def _fixed_utc(text: str) -> tuple[datetime | None, str | None] | None:
    """`20 Sep 2022 14:54:50 (GMT +00:00)`, the form of every tracking row of a UTC appliance, read by
    position, its date and hour once per hour (a cache): (UTC datetime, ISO text), or (None, None) for
    a minute or second of 60-99. None when the text is not exactly that form, or names no hour the
    cache can vouch for: the regex then reads it (and says None, or what it is)."""
    if not (len(text) == 33 and text[14] == ":" and text[17] == ":" and text.endswith(_UTC_SUFFIX)
            and text.isascii()):
        return None
    prefix, mm, ss = text[:14], text[15:17], text[18:20]
    hour = _HOURS.get(prefix, _UNSEEN)
    if hour is _UNSEEN:
        hour = _hour(prefix)
        if len(_HOURS) < _HOURS_MAX:
            _HOURS[prefix] = hour
    if hour is None or not (mm.isdigit() and ss.isdigit()):
        return None
    year, month, day, h, stem = hour
    try:
        return datetime(year, month, day, h, int(mm), int(ss), tzinfo=UTC), f"{stem}:{mm}:{ss}Z"
    except ValueError:  # a minute or second of 60-99: no time, as the regex reader says too
        return None, None


_UNSEEN = object()


def _hour(prefix: str) -> tuple | None:
    """`20 Sep 2022 14` (ASCII) -> (2022, 9, 20, 14, "2022-09-20T14"); None when it names no hour, or a
    year before 1000 (whose ISO spelling iso() leaves to strftime)."""
    if prefix[2] != " " or prefix[6] != " " or prefix[11] != " ":
        return None
    day, name, year, hour = prefix[0:2], prefix[3:6], prefix[7:11], prefix[12:14]
    if not (day + year + hour).isdigit() or not name.isalpha():
        return None
    month = _MONTHS.get(name.lower())
    if month is None or int(year) < 1000:
        return None
    try:
        datetime(int(year), month, int(day), int(hour))
    except ValueError:
        return None
    return int(year), month, int(day), int(hour), f"{year}-{month:02d}-{day}T{hour}"


_ZONES: dict[tuple, timezone] = {}


def _zone(sign: str | None, oh: str | None, om: str | None) -> timezone:
    """The zone of a display timestamp's `(GMT +hh:mm)`, made once per spelling (once per event
    otherwise); UTC itself for a zero offset. ValueError for an offset of a day or more."""
    key = (sign, oh, om)
    tz = _ZONES.get(key)
    if tz is None:
        offset = timedelta(hours=int(oh), minutes=int(om)) if sign else timedelta(0)
        tz = UTC if not offset else timezone(-offset if sign == "-" else offset)
        if len(_ZONES) < 256:  # a few spellings in practice; a hostile answer cannot grow it
            _ZONES[key] = tz
    return tz


def appliance_time_iso(text) -> str | None:
    return iso(parse_appliance_time(text))


def endpoint_window(start: datetime, end: datetime, unit: str) -> tuple[str, str, dict]:
    """Floor a [start, end) window to what the endpoint accepts ('minute' for tracking and the
    quarantine, 'hour' for reports) and say in `data` whether a time was changed (contract §3a)."""
    floor, render = (floor_minute, minute_param) if unit == "minute" else (floor_hour, hour_param)
    s, e = floor(start), floor(end)
    info = {"start_time": iso(s), "end_time": iso(e),
            "rounded": [name for name, before, after in (("start_time", start, s), ("end_time", end, e)) if before != after]}
    return render(s), render(e), info
