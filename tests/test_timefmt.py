"""Times: input forms (contract §1), endpoint flooring (asyncos-api §1.3) and the appliance's
display timestamps turned into ISO-8601 UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cisco_esa.core.timefmt import (
    appliance_time_iso,
    display_time,
    endpoint_window,
    hour_param,
    iso,
    minute_param,
    parse_appliance_time,
    parse_input_time,
)
from tests.conftest import FROZEN_NOW

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2023-05-20T18:00:00Z", datetime(2023, 5, 20, 18, tzinfo=UTC)),
    ("2023-05-20T18:00:00.250z", datetime(2023, 5, 20, 18, 0, 0, 250000, tzinfo=UTC)),
    ("2023-05-20T18:07", datetime(2023, 5, 20, 18, 7, tzinfo=UTC)),
    ("2023-05-20T20:07+02:00", datetime(2023, 5, 20, 18, 7, tzinfo=UTC)),
    ("2023-04-24 00:00", datetime(2023, 4, 24, tzinfo=UTC)),
    ("2023-04-24 06:30:15", datetime(2023, 4, 24, 6, 30, 15, tzinfo=UTC)),
    ("1684605600", datetime(2023, 5, 20, 18, tzinfo=UTC)),
    ("1684605600.5", datetime(2023, 5, 20, 18, 0, 0, 500000, tzinfo=UTC)),
    (1684605600, datetime(2023, 5, 20, 18, tzinfo=UTC)),
    ("now", FROZEN_NOW),
    ("-15m", FROZEN_NOW - timedelta(minutes=15)),
    ("-2h", FROZEN_NOW - timedelta(hours=2)),
    ("-7d", FROZEN_NOW - timedelta(days=7)),
    ("now-1w", FROZEN_NOW - timedelta(weeks=1)),
    ("+30s", FROZEN_NOW + timedelta(seconds=30)),
    (datetime(2023, 5, 20, 18), datetime(2023, 5, 20, 18, tzinfo=UTC)),
    # XSOAR's habits and epoch milliseconds (issue 15 point 7)
    ("yesterday", FROZEN_NOW - timedelta(days=1)),
    (" Yesterday ", FROZEN_NOW - timedelta(days=1)),
    ("3 days ago", FROZEN_NOW - timedelta(days=3)),
    ("1 hour ago", FROZEN_NOW - timedelta(hours=1)),
    ("15 minutes ago", FROZEN_NOW - timedelta(minutes=15)),
    ("30 mins ago", FROZEN_NOW - timedelta(minutes=30)),
    ("2 Weeks Ago", FROZEN_NOW - timedelta(weeks=2)),
    ("1684605600000", datetime(2023, 5, 20, 18, tzinfo=UTC)),
    ("1684605600250", datetime(2023, 5, 20, 18, 0, 0, 250000, tzinfo=UTC)),
    (1684605600000, datetime(2023, 5, 20, 18, tzinfo=UTC)),
])
def test_timefmt_parse_input_time_forms(text, expected):
    got = parse_input_time(text, FROZEN_NOW)
    assert got == expected and got.tzinfo == UTC


@pytest.mark.parametrize("text", ["", "soon", "-15", "15m", "2023/05/20", "1989-01-01T00:00Z", "2200-01-01T00:00Z",
                                  "-9999999999999d", None, True, [1], "last tuesday", "3 days", "ago",
                                  "3 fortnights ago", "-3 days ago", "99999999999999 days ago", "9999999999999",
                                  "16846056000000"])
def test_timefmt_parse_input_time_junk_raises_value_error(text):
    with pytest.raises(ValueError):
        parse_input_time(text, FROZEN_NOW)


@pytest.mark.parametrize("text", ["last tuesday", "3 fortnights ago", "tomorrow", {"a": 1}])
def test_timefmt_parse_input_time_refusal_lists_the_accepted_forms(text):
    with pytest.raises(ValueError) as info:
        parse_input_time(text, FROZEN_NOW)
    for form in ("ISO 8601", "'YYYY-MM-DD HH:MM'", "epoch seconds or milliseconds", "-15m/-2h/-7d", "'3 days ago'",
                 "yesterday"):
        assert form in str(info.value)


def test_timefmt_minute_and_hour_params_are_the_endpoint_forms():
    dt = datetime(2023, 5, 20, 18, 7, 45, 123000, tzinfo=UTC)
    assert minute_param(dt) == "2023-05-20T18:07:00.000Z"
    assert hour_param(dt) == "2023-05-20T18:00:00.000Z"
    assert minute_param(dt.astimezone(timezone(timedelta(hours=2)))) == "2023-05-20T18:07:00.000Z"
    assert iso(dt) == "2023-05-20T18:07:45Z" and iso(None) is None


def test_timefmt_endpoint_window_minute_says_what_was_rounded():
    start = datetime(2023, 5, 20, 18, 7, 30, tzinfo=UTC)
    end = datetime(2023, 5, 20, 19, 0, tzinfo=UTC)
    assert endpoint_window(start, end, "minute") == (
        "2023-05-20T18:07:00.000Z", "2023-05-20T19:00:00.000Z",
        {"start_time": "2023-05-20T18:07:00Z", "end_time": "2023-05-20T19:00:00Z", "rounded": ["start_time"]},
    )


def test_timefmt_endpoint_window_hour_floors_both():
    start = datetime(2023, 5, 20, 18, 7, tzinfo=UTC)
    end = datetime(2023, 5, 20, 20, 59, 59, tzinfo=UTC)
    assert endpoint_window(start, end, "hour") == (
        "2023-05-20T18:00:00.000Z", "2023-05-20T20:00:00.000Z",
        {"start_time": "2023-05-20T18:00:00Z", "end_time": "2023-05-20T20:00:00Z", "rounded": ["start_time", "end_time"]},
    )


def test_timefmt_endpoint_window_exact_times_not_rounded():
    start = datetime(2023, 5, 20, 18, tzinfo=UTC)
    assert endpoint_window(start, start + timedelta(hours=1), "hour")[2]["rounded"] == []


@pytest.mark.parametrize("text, expected", [
    ("20 Sep 2022 14:54:50 (GMT +00:00)", "2022-09-20T14:54:50Z"),
    ("07 Sep 2022 08:10:33 (GMT)", "2022-09-07T08:10:33Z"),
    ("07 Sep 2022 08:10:33 (GMT -05:00)", "2022-09-07T13:10:33Z"),
    ("07 Sep 2022 08:10:33 (GMT-06:00)", "2022-09-07T14:10:33Z"),
    ("07 Sep 2022 08:10:33 (GMT +05:30)", "2022-09-07T02:40:33Z"),
    ("20 Sep 2022 15:13 (GMT +00:00)", "2022-09-20T15:13:00Z"),
    ("1 Jan 2023 00:00 (UTC)", "2023-01-01T00:00:00Z"),
    ("2023-05-20T18:07:00.000Z", "2023-05-20T18:07:00Z"),
])
def test_timefmt_appliance_display_time_to_iso_utc(text, expected):
    assert appliance_time_iso(text) == expected


@pytest.mark.parametrize("text", ["N/A", "", None, 5, "31 Feb 2022 10:00 (GMT)", "20 Foo 2022 14:54:50 (GMT)"])
def test_timefmt_appliance_non_time_gives_none(text):
    assert parse_appliance_time(text) is None and appliance_time_iso(text) is None


@given(st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2199, 12, 30)),
       st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15))
@settings(max_examples=100)
def test_timefmt_display_time_round_trip_property(naive, offset_minutes):
    tz = timezone(timedelta(minutes=offset_minutes))
    local = naive.replace(microsecond=0, tzinfo=UTC).astimezone(tz)
    sign = "-" if offset_minutes < 0 else "+"
    hh, mm = divmod(abs(offset_minutes), 60)
    text = local.strftime("%d %b %Y %H:%M:%S") + f" (GMT {sign}{hh:02d}:{mm:02d})"
    assert parse_appliance_time(text) == naive.replace(microsecond=0, tzinfo=UTC)


_ODD_TWO = st.text(alphabet="0123456789 x\u0661", min_size=2, max_size=2)


def _two(top: int):
    return st.integers(0, top).map("{:02d}".format) | _ODD_TWO


@given(day=_two(32), month=st.sampled_from(["Jan", "sep", "DEC", "Feb"]) | st.sampled_from(["Foo", "J n", "Ma\u00ff"]),
       year=st.integers(900, 9999).map("{:04d}".format) | st.sampled_from(["20x2", "\u0662022", "0999"]),
       hh=_two(25), mm=_two(99), ss=_two(99),
       zone=st.just(" (GMT +00:00)") | st.sampled_from([" (GMT +01:00)", " (GMT)", " (GMT +00:0)"]))
@settings(max_examples=300)
def test_timefmt_display_time_is_parse_then_iso_property(day, month, year, hh, mm, ss, zone):
    """The fetch's fast reader (an hour cache for the fixed UTC form) says exactly what
    parse_appliance_time and iso say, valid or not, for texts of that form's every near miss."""
    text = f"{day} {month} {year} {hh}:{mm}:{ss}{zone}"
    when = parse_appliance_time(text)
    assert display_time(text) == (when, iso(when))
    assert display_time(text) == (when, iso(when))  # the second time from the cache


@given(base=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
       edits=st.lists(st.tuples(st.integers(0, 19), st.sampled_from(list("0 9:x\u0661J"))), max_size=3))
@settings(max_examples=300)
def test_timefmt_display_time_on_the_fixed_form_with_any_character_changed(base, edits):
    """Texts of the fast form's exact length and suffix, a character or three of the date changed:
    every position the fast reader checks is reached, and it still says what the slow one says."""
    text = list(base.strftime("%d %b ") + f"{base.year:04d}" + base.strftime(" %H:%M:%S") + " (GMT +00:00)")
    for at, char in edits:
        text[at] = char
    text = "".join(text)
    assert len(text) == 33
    when = parse_appliance_time(text)
    assert display_time(text) == (when, iso(when))


# ---------------------------------------------------------------- a host that is not on UTC (issue 16 §6)
@pytest.fixture(params=["Asia/Kolkata", "America/Chicago"])
def host_tz(request, monkeypatch):
    """The host's local time zone set to one far from UTC, for this test only."""
    import time

    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_timefmt_naive_input_is_utc_on_any_host(host_tz):
    assert datetime.now().astimezone().utcoffset() != timedelta(0)  # the host is really elsewhere
    naive = datetime(2023, 5, 20, 18, 7)
    assert parse_input_time(naive, FROZEN_NOW) == datetime(2023, 5, 20, 18, 7, tzinfo=UTC)
    assert parse_input_time("2023-05-20T18:07", FROZEN_NOW) == datetime(2023, 5, 20, 18, 7, tzinfo=UTC)
    assert parse_input_time("2023-04-24 00:00", FROZEN_NOW) == datetime(2023, 4, 24, tzinfo=UTC)
    assert (iso(naive), minute_param(naive), hour_param(naive)) == (
        "2023-05-20T18:07:00Z", "2023-05-20T18:07:00.000Z", "2023-05-20T18:00:00.000Z")


@pytest.mark.parametrize("text, expected", [
    ("2026-11-20T12:10:05", "2026-11-20T12:10:05Z"),
    ("2026-11-20 12:10:05", "2026-11-20T12:10:05Z"),
    ("2026-11-20T12:10:05+05:30", "2026-11-20T06:40:05Z"),
    ("20 Nov 2026 12:10:05", "2026-11-20T12:10:05Z"),
])
def test_timefmt_naive_appliance_timestamps_are_utc_on_any_host(host_tz, text, expected):
    assert appliance_time_iso(text) == expected


@pytest.mark.parametrize("text, ok", [
    ("1989-12-31T23:59:59Z", False), ("1990-01-01T00:00:00Z", True), ("1990-12-31T23:59:59Z", True),
    ("2199-01-01T00:00:00Z", True), ("2199-12-31T23:59:59Z", True), ("2200-01-01T00:00:00Z", False),
])
def test_timefmt_accepted_range_is_1990_to_2200_exactly(text, ok):
    if ok:
        assert iso(parse_input_time(text, FROZEN_NOW)) == text
    else:
        with pytest.raises(ValueError, match=r"out of range \(1990\.\.2200\)"):
            parse_input_time(text, FROZEN_NOW)


_TRACKING_FORM = "20 Nov 2026 12:29:59 (GMT +00:00)"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_TRACKING_FORM) - 1),
                          st.sampled_from(list("0123456789 :()+-GMTNovFebxX\u0663\u00b2"))), max_size=3),
       st.integers(0, len(_TRACKING_FORM)))
def test_parse_appliance_time_by_position_equals_the_regex(changes, length):
    from cisco_esa.core.timefmt import _parse_display

    chars = list(_TRACKING_FORM)
    for at, char in changes:
        chars[at] = char
    text = "".join(chars)[: max(length, len(_TRACKING_FORM) - 2)]
    fast, general = parse_appliance_time(text), _parse_display(text)
    assert fast == general and (fast is None or fast.tzinfo is general.tzinfo), text


@pytest.mark.parametrize("when", [datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=timezone.utc),
                                  datetime(999, 1, 1, tzinfo=timezone.utc),
                                  datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-6)))])
def test_iso_equals_strftime(when):
    from cisco_esa.core.timefmt import _utc

    assert iso(when) == _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fixed_form(when: datetime) -> str:
    return when.strftime("%d %b ") + f"{when.year:04d}" + when.strftime(" %H:%M:%S") + " (GMT +00:00)"


@given(when=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
@settings(max_examples=300)
def test_timefmt_fast_reader_takes_every_well_formed_utc_text(when):
    """The by-position reader (not the regex behind it) reads every text of the fixed UTC form, so that
    a fetch's rows never fall back to the slow way: the same answer, and it is the fast reader's."""
    from cisco_esa.core.timefmt import _fixed_utc

    text = _fixed_form(when)
    expected = when.replace(microsecond=0, tzinfo=timezone.utc)
    assert _fixed_utc(text) == (expected, iso(expected))
    assert _fixed_utc(text) == (expected, iso(expected))  # from the hour cache


@pytest.mark.parametrize("text,fast", [
    ("01 Jan 1000 00:00:00 (GMT +00:00)", (datetime(1000, 1, 1, tzinfo=timezone.utc), "1000-01-01T00:00:00Z")),
    ("31 Dec 9999 23:59:59 (GMT +00:00)", (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc),
                                           "9999-12-31T23:59:59Z")),
    ("20 Sep 2022 14:60:50 (GMT +00:00)", (None, None)),  # a minute of 60-99: no time, said at once
    ("20 Sep 2022 14:54:99 (GMT +00:00)", (None, None)),
    ("01 Jan 0999 00:00:00 (GMT +00:00)", None),  # before 1000: left to the regex (and strftime)
    ("20 Sep 2022 14:54:50 (GMT +01:00)", None),  # another zone: the regex's
    ("20 Sep 2022 14:54:5 (GMT +00:00)", None),
    ("20xSep 2022 14:54:50 (GMT +00:00)", None),  # each space the reader checks, on its own
    ("20 Sepx2022 14:54:50 (GMT +00:00)", None),
    ("20 Sep 2022x14:54:50 (GMT +00:00)", None),
    ("31 Feb 2022 14:54:50 (GMT +00:00)", None),  # no such day: the hour names no hour
])
def test_timefmt_fast_reader_edges(text, fast):
    from cisco_esa.core.timefmt import _fixed_utc

    assert _fixed_utc(text) == fast
    when = parse_appliance_time(text)
    assert display_time(text) == (when, iso(when))


def test_timefmt_fast_reader_caches_each_hour_up_to_its_bound(monkeypatch):
    from cisco_esa.core import timefmt

    monkeypatch.setattr(timefmt, "_HOURS", {})
    timefmt._fixed_utc("20 Sep 2022 14:54:50 (GMT +00:00)")
    assert timefmt._HOURS == {"20 Sep 2022 14": (2022, 9, 20, 14, "2022-09-20T14")}
    start = datetime(2000, 1, 1)
    for n in range(timefmt._HOURS_MAX + 10):
        when = start + timedelta(hours=n)
        assert timefmt._fixed_utc(_fixed_form(when))[0] == when.replace(tzinfo=timezone.utc)
    assert len(timefmt._HOURS) == timefmt._HOURS_MAX  # bounded, and full: read past it without caching
