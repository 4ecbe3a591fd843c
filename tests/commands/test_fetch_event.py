"""Fetch Event: one page, the whole window, the per-run cap and the next run, de-duplication
over the look-back, the request shape with requests-mock, the spec's failures, invalid input
and the captures."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from cisco_esa.asyncos.api import QUARANTINE_PAGE
from cisco_esa.integration import Integration
from esa_simulator import Simulator
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import answer

CMD = "fetch_event"
BASE = "https://esa.test:6443/esa/api/v2.0"
TRACKING_URL = f"{BASE}/message-tracking/messages"
QUARANTINE_URL = f"{BASE}/quarantine/messages"
TRACKING = {"messages_source": "Message Tracking"}
QUARANTINE = {"messages_source": "Spam Quarantine"}
HOUR = {"start_time": "2026-11-20T11:30:00Z", "end_time": "2026-11-20T12:30:00Z"}


def mocked() -> Integration:
    return Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"},
                       clock=lambda: FROZEN_NOW)


def qs(request) -> dict:
    query = request["query"] if isinstance(request, dict) else urlsplit(request.url).query
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def searches(sim, path: str) -> list[dict]:
    return [e for e in sim.request_log if e["path"].endswith(path) and e["method"] == "GET"]


def tracking_in(sim, start, end) -> list[str]:
    """The keys of the window's tracking events, oldest first (ties by key, as the fetch sorts)."""
    recs = [r for r in sim.world.tracking if start <= r["timestamp"] < end]
    recs.sort(key=lambda r: (r["timestamp"], f"{r['serialNumber']}:{r['mid'][0]}"))
    return [f"{r['serialNumber']}:{r['mid'][0]}" for r in recs]


def quarantine_in(sim, start, end) -> list[int]:
    return [q["mid"] for q in sim.world.quarantine if start <= q["date"] < end]


def pvo_in(sim, start, end) -> list[int]:
    lo, hi = start.timestamp(), end.timestamp()
    held = [q for q in sim.world.pvo.messages.values() if lo <= q["_ts"] < hi]
    return [q["mid"] for q in sorted(held, key=lambda q: (q["_ts"], q["mid"]))]


def row(mid: int, ts: str = "20 Nov 2026 12:10:05 (GMT +00:00)", serial: str = "SERIAL1") -> dict:
    return {"attributes": {"mid": [mid], "serialNumber": serial, "timestamp": ts, "sender": f"s{mid}@x.example",
                           "recipient": [f"r{mid}@corp.example"], "mailPolicy": ["DEFAULT"], "subject": f"m{mid}",
                           "messageStatus": {str(mid): "Delivered"}, "direction": "incoming", "hostName": "",
                           "senderIp": "192.0.2.1"}}


def qrow(mid: int, date: str = "20 Nov 2026 12:10 (GMT +00:00)") -> dict:
    return {"attributes": {"envelopeRecipient": ["a@corp.example"], "toAddress": ["A <a@corp.example>"],
                           "subject": f"q{mid}", "date": date, "fromAddress": ["S <s@spam.example>"],
                           "size": "1.00K"}, "mid": mid}


# -- end to end ------------------------------------------------------------------------
def test_fetch_event_tracking_page_matches_golden(integration, sim, regen_golden):
    envelope = integration.run(CMD, {**TRACKING, **HOUR, "offset": 0, "limit": 3})
    assert envelope["status"] == "Successful"
    data = envelope["data"]
    assert data["count"] == 3 and data["next_offset"] == 3
    # tracking lists newest first (asyncos-api §2): the page is the three newest of the hour
    newest = tracking_in(sim, FROZEN_NOW - timedelta(hours=1), FROZEN_NOW)[-3:][::-1]
    assert [i["id"] for i in envelope["items"]] == newest
    assert [f"{e['Serial Number']}:{e['Document ID']}" for e in data["events"]] == newest
    assert all(r["sourceType"] == "messageTracking" for r in envelope["raw_data"]["data"])
    assert data["checkpoint"] == {"version": 1, "sources": {}}
    [request] = searches(sim, "message-tracking/messages")
    assert qs(request) == {"startDate": "2026-11-20T11:30:00.000Z", "endDate": "2026-11-20T12:30:00.000Z",
                           "ciscoHost": "All_Hosts", "searchOption": "messages", "offset": "0", "limit": "3"}
    check_golden(envelope, regen_golden)


def test_fetch_event_tracking_whole_window_one_request_per_100_events(integration, sim):
    envelope = integration.run(CMD, {**TRACKING, "start_time": "-1d", "end_time": "now", "max_events": 5000})
    expected = tracking_in(sim, FROZEN_NOW - timedelta(days=1), FROZEN_NOW)
    assert len(expected) > 300
    data = envelope["data"]
    assert envelope["status"] == "Successful" and envelope["error"] is None
    # emitted oldest first, each event once, with the spec's fields and an ISO twin
    assert [i["id"] for i in envelope["items"]] == expected
    assert data["count"] == len(expected) and data["more"] is False and data["next_offset"] is None
    assert set(data["events"][0]) >= {"Document ID", "Message ID", "Sender", "Recipient", "TimeStamp",
                                      "Serial Number", "timestamp_iso"}
    assert data["events"][0]["timestamp_iso"].endswith("Z")
    pages = searches(sim, "message-tracking/messages")
    assert len(pages) == len(expected) // 100 + 1 == data["requests"]
    # every offset once (pages go concurrently, so they reach the appliance in any order)
    assert sorted(int(qs(p)["offset"]) for p in pages) == [100 * i for i in range(len(pages))]
    cp = data["checkpoint"]["sources"]["messageTracking"]
    assert cp["watermark"] == "2026-11-20T12:30:00Z" and cp["seen_from"] == "2026-11-20T12:25:00Z"
    assert set(cp["seen"]) == {k for k in expected if sim.world.find_tracking(*k.split(":"))["timestamp"]
                               >= FROZEN_NOW - timedelta(minutes=5)}


@pytest.mark.parametrize("source", [TRACKING, {"messages_source": "PVO Quarantine"}], ids=["tracking", "pvo"])
def test_fetch_event_kept_rows_compact_and_the_same_as_answered(integration, sim, source):
    """The result keeps every row: a row's attributes take no more room than the json module's reading
    of them (issue 12, goal 3: orjson's, for one, takes a third more), and hold the answer's keys in order."""
    import json
    import sys

    envelope = integration.run(CMD, {**source, "start_time": "-4d", "end_time": "now", "max_events": 5000})
    rows = envelope["raw_data"]["data"]
    assert len(rows) > 20 and envelope["status"] == "Successful"
    for row in rows:
        attrs = row["attributes"]
        again = json.loads(json.dumps(attrs))
        assert len(attrs) >= 10 and sys.getsizeof(attrs) <= sys.getsizeof(again)
        assert list(attrs.items()) == list(again.items())
    if source is TRACKING:
        by_key = {f"{a['serialNumber']}:{a['mid'][0]}": a for a in (r["attributes"] for r in rows)}
        for key in list(by_key)[:50]:
            assert by_key[key]["subject"] == sim.world.find_tracking(*key.split(":"))["subject"]


@pytest.mark.parametrize("enabled", [True, False])
def test_fetch_event_leaves_the_collector_as_it_found_it(integration, sim, enabled):
    """The run pauses the cyclic collector (core/heap) and gives it back as it was, on or off."""
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        envelope = integration.run(CMD, {**TRACKING, "start_time": "-1d", "end_time": "now", "max_events": 5000})
        assert envelope["status"] == "Successful" and gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_fetch_event_quarantine_whole_window_oldest_first(integration, sim):
    envelope = integration.run(CMD, {**QUARANTINE, "start_time": "-3d", "end_time": "now", "max_events": 1000})
    expected = quarantine_in(sim, FROZEN_NOW - timedelta(days=3), FROZEN_NOW)
    assert envelope["status"] == "Successful"
    assert [i["id"] for i in envelope["items"]] == expected
    assert [e["Document ID"] for e in envelope["data"]["events"]] == expected
    assert envelope["data"]["events"][0]["date_iso"].endswith(":00Z")
    pages = [qs(p) for p in searches(sim, "quarantine/messages")]
    assert all(p["quarantineType"] == "spam" and p["orderBy"] == "date" and p["orderDir"] == "asc"
               and p["limit"] == str(QUARANTINE_PAGE) for p in pages)
    # pages overlap by one row so that a row moving up under us is noticed
    assert [p["offset"] for p in pages] == [str((QUARANTINE_PAGE - 1) * i) for i in range(len(pages))]


@pytest.mark.parametrize("source", ["Message Tracking", "Spam Quarantine", "PVO Quarantine"])
def test_fetch_event_cap_then_next_runs_emit_the_window_once_oldest_first(integration, sim, source):
    window = {"messages_source": source, "start_time": "-3d", "end_time": "now"}
    if source == "Message Tracking":
        expected = tracking_in(sim, FROZEN_NOW - timedelta(days=3), FROZEN_NOW)
        cap = 700
    elif source == "PVO Quarantine":
        expected = [str(m) for m in pvo_in(sim, FROZEN_NOW - timedelta(days=3), FROZEN_NOW)]
        cap = 70
    else:
        expected = [str(m) for m in quarantine_in(sim, FROZEN_NOW - timedelta(days=3), FROZEN_NOW)]
        cap = 70
    state, emitted, runs = None, [], 0
    while True:
        envelope = integration.run(CMD, {**window, "max_events": cap}, state=state)
        runs += 1
        assert envelope["status"] == "Successful", envelope["error"]
        ids = [str(i["id"]) for i in envelope["items"]]
        assert len(ids) <= cap
        # every run takes the oldest events not yet emitted
        assert ids == expected[len(emitted):len(emitted) + len(ids)]
        emitted += ids
        state = json.loads(json.dumps(envelope["data"]["checkpoint"]))
        if not envelope["data"]["more"]:
            break
        assert runs < 20
    assert emitted == expected and runs == -(-len(expected) // cap)


def test_fetch_event_tracking_late_event_in_lookback_emitted_once(integration, sim):
    first = integration.run(CMD, {**TRACKING, **HOUR})
    state = first["data"]["checkpoint"]
    late = sim.add_tracking_message(timestamp=FROZEN_NOW - timedelta(minutes=3, seconds=10))
    second = integration.run(CMD, {**TRACKING, **HOUR}, state=state)
    key = f"{late['serialNumber']}:{late['mid'][0]}"
    assert [i["id"] for i in second["items"]] == [key]
    assert second["data"]["query"]["start_time"] == "2026-11-20T12:25:00Z"
    assert second["data"]["query"]["from_checkpoint"] is True
    assert second["data"]["duplicates_skipped"] == len(state["sources"]["messageTracking"]["seen"])
    third = integration.run(CMD, {**TRACKING, **HOUR}, state=second["data"]["checkpoint"])
    assert third["items"] == [] and third["data"]["count"] == 0 and third["status"] == "Successful"
    merged = second["data"]["checkpoint"]["sources"]["messageTracking"]["seen"]
    assert set(merged) == set(state["sources"]["messageTracking"]["seen"]) | {key}


def test_fetch_event_state_serves_both_sources(integration, sim):
    one = integration.run(CMD, {**TRACKING, **HOUR})
    both = integration.run(CMD, {**QUARANTINE, **HOUR}, state=one["data"]["checkpoint"])
    sources = both["data"]["checkpoint"]["sources"]
    assert sources["messageTracking"] == one["data"]["checkpoint"]["sources"]["messageTracking"]
    assert sources["spamQuarantine"]["watermark"] == "2026-11-20T12:30:00Z"


def test_fetch_event_end_in_future_is_clamped_to_now(integration, sim):
    envelope = integration.run(CMD, {**QUARANTINE, "start_time": "-10m", "end_time": "+1h"})
    assert envelope["data"]["query"]["end_clamped_to_now"] is True
    assert envelope["data"]["checkpoint"]["sources"]["spamQuarantine"]["watermark"] == "2026-11-20T12:30:00Z"
    assert qs(searches(sim, "quarantine/messages")[0])["endDate"] == "2026-11-20T12:30:00.000Z"


def test_fetch_event_progress_reports_rows_read(integration, sim):
    calls = []
    integration.run(CMD, {**TRACKING, "start_time": "-1d", "end_time": "now", "max_events": 5000},
                    progress=lambda done, total: calls.append((done, total)))
    assert calls and all(total is None for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1][0] == len(tracking_in(sim, FROZEN_NOW - timedelta(days=1), FROZEN_NOW))


def test_fetch_event_sma_same_mid_on_two_appliances_both_emitted(sma_integration, sma):
    a, b = sma.world.serial_numbers()[:2]
    when = FROZEN_NOW - timedelta(minutes=2)
    sma.add_tracking_message(timestamp=when, serialNumber=a, mid=[7777777])
    sma.add_tracking_message(timestamp=when, serialNumber=b, mid=[7777777])
    envelope = sma_integration.run(CMD, {**TRACKING, "start_time": "-3m", "end_time": "now"})
    ids = [i["id"] for i in envelope["items"]]
    assert f"{a}:7777777" in ids and f"{b}:7777777" in ids


# -- request shape -----------------------------------------------------------------------
def test_fetch_event_quarantine_page_request_shape(requests_mock):
    m = requests_mock.get(QUARANTINE_URL, json={"meta": {"totalCount": 2}, "data": [qrow(5), qrow(6)]})
    envelope = mocked().run(CMD, {**QUARANTINE, "start_time": "2026-11-20 12:00:30", "end_time": "2026-11-20 12:30",
                                  "offset": 10, "limit": 250})
    assert m.call_count == 1
    assert urlsplit(m.last_request.url).query == ("quarantineType=spam&startDate=2026-11-20T12%3A00%3A00.000Z"
                                                  "&endDate=2026-11-20T12%3A30%3A00.000Z"
                                                  "&orderBy=date&orderDir=asc&offset=10&limit=250")
    assert m.last_request.headers["Authorization"].startswith("Basic ")
    data = envelope["data"]
    # a short page: the window is exhausted
    assert data["next_offset"] is None and data["count"] == 2 and data["query"]["rounded"] == ["start_time"]
    assert envelope["raw_data"] == {"data": [{**qrow(5), "sourceType": "spamQuarantine"},
                                             {**qrow(6), "sourceType": "spamQuarantine"}]}
    assert data["events"][0] == {"Document ID": 5, "Message ID": 5, "Date": "20 Nov 2026 12:10 (GMT +00:00)",
                                 "Envelope Recipient": ["a@corp.example"], "To Address": ["A <a@corp.example>"],
                                 "From Address": ["S <s@spam.example>"], "Subject": "q5",
                                 "date_iso": "2026-11-20T12:10:00Z", "_item_id": 5}
    assert envelope["items"] == [{"id": 5, "status": "Successful", "error": None},
                                 {"id": 6, "status": "Successful", "error": None}]


def test_fetch_event_tracking_full_page_gives_next_offset(requests_mock):
    m = requests_mock.get(TRACKING_URL, json={"meta": {"totalCount": 2}, "data": [row(2), row(1)]})
    envelope = mocked().run(CMD, {**TRACKING, **HOUR, "offset": 4, "limit": 2})
    assert m.call_count == 1
    assert m.last_request.qs == {"startdate": ["2026-11-20t11:30:00.000z"], "enddate": ["2026-11-20t12:30:00.000z"],
                                 "ciscohost": ["all_hosts"], "searchoption": ["messages"], "offset": ["4"],
                                 "limit": ["2"]}
    assert envelope["data"]["next_offset"] == 6
    assert [i["id"] for i in envelope["items"]] == ["SERIAL1:2", "SERIAL1:1"]


def test_fetch_event_quarantine_row_released_while_paging_steps_back(requests_mock):
    size = QUARANTINE_PAGE
    first = [qrow(m) for m in range(1, size + 1)]
    # mid 3 was released after the first page: every row moved up one place
    shifted = [qrow(m) for m in range(1, 3)] + [qrow(m) for m in range(4, size + 51)]
    answers = {"0": first, str(size - 1): shifted[size - 1:2 * size - 1]}

    def page(request, context):
        offset = request.qs["offset"][0]
        rows = answers.pop(offset, None)
        if rows is None:
            rows = shifted[int(offset):int(offset) + size]
        return {"meta": {"totalCount": len(rows)}, "data": rows}

    m = requests_mock.get(QUARANTINE_URL, json=page)
    envelope = mocked().run(CMD, {**QUARANTINE, **HOUR})
    offsets = [r.qs["offset"][0] for r in m.request_history]
    # offset size-1 now starts at mid size+1, a row never read: step back a page, then go on
    assert offsets == ["0", str(size - 1), "0", str(size - 1)]
    ids = [i["id"] for i in envelope["items"]]
    assert ids == list(range(1, size + 1)) + list(range(size + 1, size + 51))


def test_fetch_event_tracking_new_mail_while_paging_only_duplicates(requests_mock):
    # newest first; two new rows arrive before the second page, pushing rows down
    before = [row(m, f"20 Nov 2026 12:{m // 10:02d}:{m % 10:02d} (GMT +00:00)") for m in range(200, 100, -1)]
    after = [row(m, f"20 Nov 2026 12:{m // 10:02d}:{m % 10:02d} (GMT +00:00)") for m in range(202, 50, -1)]
    pages = iter([before, after[100:200]])
    m = requests_mock.get(TRACKING_URL, json=lambda r, c: {"meta": {}, "data": next(pages)})
    envelope = mocked().run(CMD, {**TRACKING, "start_time": "2026-11-20T12:00:00Z", "end_time": "2026-11-20T12:29:00Z"})
    assert m.call_count == 2
    ids = [i["id"] for i in envelope["items"]]
    assert ids == [f"SERIAL1:{n}" for n in range(51, 201)]
    assert envelope["data"]["duplicates_skipped"] == 2


# -- partial success, failures -----------------------------------------------------------
def test_fetch_event_unmappable_event_fails_its_item_only(requests_mock):
    requests_mock.get(QUARANTINE_URL, json={"meta": {}, "data": [qrow(5), "garbage", qrow(6)]})
    envelope = mocked().run(CMD, {**QUARANTINE, **HOUR})
    assert envelope["status"] == "Partially Successful"
    key = envelope["items"][1]["id"]
    assert key.startswith("sha1:")
    assert envelope["error"] == {"failure_indicator": "Fetch Event failed.", "status_code": 200,
                                 "message": f"Unexpected response from the appliance: event {key} cannot be mapped "
                                            "(event is a str, not an object)."}
    assert [i["status"] for i in envelope["items"]] == ["Successful", "Failed", "Successful"]
    assert envelope["data"]["count"] == 2 and envelope["data"]["failed"] == 1
    assert envelope["raw_data"]["data"][1] == {"sourceType": "spamQuarantine", "value": "garbage"}
    # a failed event is still emitted: the checkpoint moves past it instead of stalling on it
    assert envelope["data"]["checkpoint"]["sources"]["spamQuarantine"]["watermark"] == "2026-11-20T12:30:00Z"


def test_fetch_event_display_time_with_seconds_60_to_99_reads_as_no_time(requests_mock):
    # AsyncOS has no leap seconds to show; such a text is not a time, and never a crash.
    odd = ["20 Nov 2026 12:10:60 (GMT +00:00)", "20 Nov 2026 12:11:75 (GMT +00:00)", "20 Nov 2026 12:12:99"]
    rows = [row(3, odd[0]), row(2, odd[1]), row(1, odd[2]), row(0, "20 Nov 2026 11:50:59 (GMT +00:00)")]
    requests_mock.get(TRACKING_URL, json={"meta": {}, "data": rows})
    envelope = mocked().run(CMD, {**TRACKING, **HOUR})
    assert envelope["status"] == "Successful" and envelope["data"]["count"] == 4
    events = {e["Document ID"]: e for e in envelope["data"]["events"]}
    assert events[0]["timestamp_iso"] == "2026-11-20T11:50:59Z"
    for mid, text in zip((3, 2, 1), odd):
        assert events[mid]["TimeStamp"] == text and "timestamp_iso" not in events[mid]
    # an unreadable time sorts first in its slice: the three come before the readable one
    assert [e["Document ID"] for e in envelope["data"]["events"]] == [1, 2, 3, 0]


@pytest.mark.parametrize("status,message", [
    (401, "Invalid username or passphrase."),
    (404, "Missing attribute - startDate or endDate."),
    (500, "Internal error."),
])
def test_fetch_event_appliance_error_is_failed_with_its_message(requests_mock, status, message):
    requests_mock.get(TRACKING_URL, status_code=status,
                      json={"error": {"message": message, "code": str(status), "explanation": "x"}})
    envelope = mocked().run(CMD, {**TRACKING, **HOUR})
    assert envelope == {
        "command": CMD, "display_name": "Fetch Event", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Fetch Event failed.", "status_code": status, "message": message},
        "items": [],
    }


def test_fetch_event_failure_after_some_pages_emits_nothing(requests_mock):
    pages = iter([{"json": {"data": [row(n) for n in range(100)]}},
                  {"status_code": 500, "json": {"error": {"message": "Internal error.", "code": "500"}}}])
    requests_mock.get(TRACKING_URL, [next(pages), next(pages)])
    envelope = mocked().run(CMD, {**TRACKING, **HOUR}, state={"version": 1, "sources": {}})
    assert envelope["status"] == "Failed" and envelope["data"] == {} and envelope["items"] == []


# -- invalid input: rejected before any request ------------------------------------------
@pytest.mark.parametrize("params,named", [
    ({**TRACKING, **HOUR, "offset": 0, "limit": 101}, "limit"),
    ({**QUARANTINE, **HOUR, "offset": 0, "limit": 251}, "limit"),
    ({**TRACKING, **HOUR, "offset": 0, "limit": 0}, "limit"),
    ({**TRACKING, **HOUR, "offset": 5}, "limit"),
    ({**QUARANTINE, **HOUR, "limit": 5}, "offset"),
    ({**TRACKING, **HOUR, "offset": -1, "limit": 5}, "offset"),
    ({**TRACKING, **HOUR, "max_events": 0}, "max_events"),
    ({**TRACKING, **HOUR, "lookback_minutes": 1441}, "lookback_minutes"),
    ({"messages_source": "Syslog", **HOUR}, "messages_source"),
    ({**TRACKING, "start_time": "last tuesday", "end_time": "now"}, "start_time"),
    ({**QUARANTINE, "start_time": "now", "end_time": "-1h"}, "end_time: 2026-11-20T11:30:00Z is before start_time"),
])
def test_fetch_event_invalid_input_is_400_without_request(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed"
    assert envelope["error"]["status_code"] == 400 and named in envelope["error"]["message"]
    assert requests_mock.call_count == 0


def test_fetch_event_quarantine_limit_250_is_accepted(requests_mock):
    requests_mock.get(QUARANTINE_URL, json={"data": []})
    envelope = mocked().run(CMD, {**QUARANTINE, **HOUR, "offset": 0, "limit": 250})
    assert envelope["status"] == "Successful" and envelope["data"]["next_offset"] is None


@pytest.mark.parametrize("state,problem", [
    ([1, 2], "expected an object"),
    ({"version": 2, "sources": {}}, "version 2"),
    ({"version": 1, "sources": {"syslog": {}}}, "unknown source 'syslog'"),
    ({"version": 1, "sources": {"messageTracking": {"watermark": "yesterday"}}}, "watermark"),
    ({"version": 1, "sources": {"messageTracking": {"seen": {"a:1": "2026-11-20T12:00:00Z"} | {
        f"k{i}": "2026-11-20T12:00:00Z" for i in range(1_000_001)}}}}, "more than"),
])
def test_fetch_event_malformed_state_is_400_without_request(requests_mock, state, problem):
    envelope = mocked().run(CMD, {**TRACKING, **HOUR}, state=state)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert problem in envelope["error"]["message"] and "start afresh" in envelope["error"]["message"]
    assert requests_mock.call_count == 0


# -- captures ------------------------------------------------------------------------------
@pytest.mark.parametrize("origin, window, year", [
    ("ours", ("2026-10-01T00:00:00Z", "2026-11-15T00:00:00Z"), "2026-"),
    ("capture", ("2022-08-01T00:00:00Z", "2022-10-01T00:00:00Z"), "2022-"),
])
@pytest.mark.parametrize("name,url,source", [
    ("esa_message_search.json", TRACKING_URL, "Message Tracking"),
    ("sma_message_search.json", TRACKING_URL, "Message Tracking"),
    ("esa_spam_quarantine_message_search.json", QUARANTINE_URL, "Spam Quarantine"),
    ("sma_spam_quarantine_message_search.json", QUARANTINE_URL, "Spam Quarantine"),
])
def test_fetch_event_captures_map_every_row(requests_mock, name, url, source, origin, window, year):
    body = answer(origin, name)
    requests_mock.get(url, json=body)
    envelope = mocked().run(CMD, {"messages_source": source, "start_time": window[0],
                                  "end_time": window[1], "offset": 0, "limit": 100})
    assert envelope["status"] == "Successful"
    events = envelope["data"]["events"]
    assert len(events) == len(body["data"]) == len(envelope["items"])
    for event, raw in zip(events, body["data"]):
        if source == "Message Tracking":
            attrs = raw["attributes"]
            assert event["Document ID"] == attrs["mid"][0] and event["TimeStamp"] == attrs["timestamp"]
            assert event["timestamp_iso"].startswith(year)
        else:
            assert event["Document ID"] == raw["mid"] and event["Date"] == raw["attributes"]["date"]
            assert event["date_iso"].startswith(year) and event["date_iso"].endswith(":00Z")
    ids = [i["id"] for i in envelope["items"]]
    assert len(ids) == len(set(ids))


def test_fetch_event_long_serial_key_hashed_so_the_checkpoint_loads_again(requests_mock):
    from cisco_esa.fetch import checkpoint as ckpt

    serial = "S" * 300
    requests_mock.get(TRACKING_URL, json={"meta": {}, "data": [row(7, serial=serial)]})
    envelope = mocked().run(CMD, {**TRACKING, **HOUR}, state={})
    assert envelope["status"] == "Successful" and envelope["items"][0]["id"].startswith("sha1:")
    seen = envelope["data"]["checkpoint"]["sources"]["messageTracking"]["seen"]
    assert all(len(k) <= ckpt.MAX_KEY for k in seen)
    assert ckpt.load(envelope["data"]["checkpoint"]).source("messageTracking").seen == {
        k: datetime.fromisoformat(v[:-1] + "+00:00") for k, v in seen.items()}


def test_fetch_event_every_event_carries_its_item_id(integration, sim):
    envelope = integration.run(CMD, {**TRACKING, "start_time": "-2h", "end_time": "now"})
    assert envelope["status"] == "Successful" and envelope["items"]
    assert [e["_item_id"] for e in envelope["data"]["events"]] == [i["id"] for i in envelope["items"]]


# ---------------------------------------------------------------- every request counted (issue 12, goal 2)
# Any run, capped or not, sends at most ceil(rows read / page size) + 2 pages plus the login.
REQUEST_SOURCES = {"Message Tracking": ("message-tracking/messages", 100),
                   "Spam Quarantine": ("quarantine/messages", 100),
                   "PVO Quarantine": ("quarantine/messages", 100)}


@pytest.fixture(scope="module")
def request_world():
    sim = Simulator(now=FROZEN_NOW, tracking_count=4000, quarantine_count=900).start()
    yield sim
    sim.stop()


@pytest.mark.parametrize("source", list(REQUEST_SOURCES))
@pytest.mark.parametrize("window,cap,concurrency", [
    ("-1h", 100_000, 4), ("-6h", 1000, 4), ("-2d", 250, 4), ("-2d", 1000, 1), ("-4d", 1000, 4),
    ("-4d", 3000, 2), ("-4d", 100_000, 4)])
def test_every_run_reads_at_most_its_rows_in_pages_plus_two(request_world, source, window, cap, concurrency):
    request_world.reset()
    path, limit = REQUEST_SOURCES[source]
    integration = Integration(request_world.connection(), clock=lambda: FROZEN_NOW)
    state, emitted, runs = None, [], 0
    while True:
        request_world.clear_log()
        rows = [0]
        envelope = integration.run("fetch_event", {
            "messages_source": source, "start_time": window, "end_time": "now", "max_events": cap,
            "concurrency": concurrency}, state=state, progress=lambda done, _total: rows.append(done))
        assert envelope["status"] == "Successful", envelope["error"]
        log = request_world.request_log
        pages = [r for r in log if r["path"].endswith(path)]
        logins = [r for r in log if r["path"].endswith("/login")]
        assert len(pages) == envelope["data"]["requests"]
        assert len(pages) <= math.ceil(rows[-1] / limit) + 2, (runs, len(pages), rows[-1])
        assert len(logins) <= 1 and len(log) == len(pages) + len(logins)
        emitted += [i["id"] for i in envelope["items"]]
        state = envelope["data"]["checkpoint"]
        runs += 1
        if not envelope["data"]["more"]:
            break
        assert runs < 200
    assert len(emitted) == len(set(emitted))
# -- PVO quarantine (the third source: asyncos-api-extension §14.2) ------------------------
PVO = {"messages_source": "PVO Quarantine"}


def test_fetch_event_pvo_whole_window_oldest_first_mapped(integration, sim):
    envelope = integration.run(CMD, {**PVO, **HOUR})
    expected = pvo_in(sim, FROZEN_NOW - timedelta(hours=1), FROZEN_NOW)
    assert envelope["status"] == "Successful" and expected
    assert [i["id"] for i in envelope["items"]] == expected
    event = envelope["data"]["events"][0]
    q = sim.world.pvo.messages[expected[0]]
    assert event["Document ID"] == q["mid"] and event["Sender"] == q["sender"]
    assert event["Quarantines"] == list(q["quarantines"]) and event["date_iso"].endswith(":00Z")
    assert envelope["raw_data"]["data"][0]["sourceType"] == "pvoQuarantine"
    pages = [qs(p) for p in searches(sim, "quarantine/messages")]
    assert all(p["quarantineType"] == "pvo" and p["orderBy"] == "received" and p["orderDir"] == "asc"
               and p["quarantines"] == "Outbreak,Virus,File Analysis,Unclassified,Policy" for p in pages)
    assert envelope["data"]["checkpoint"]["sources"]["pvoQuarantine"]["watermark"] == "2026-11-20T12:30:00Z"


def test_fetch_event_pvo_late_message_emitted_once_and_state_shared(integration, sim):
    first = integration.run(CMD, {**TRACKING, **HOUR})
    second = integration.run(CMD, {**PVO, **HOUR}, state=first["data"]["checkpoint"])
    late = sim.world.pvo.add(received=int((FROZEN_NOW - timedelta(minutes=2)).timestamp()))
    third = integration.run(CMD, {**PVO, **HOUR}, state=second["data"]["checkpoint"])
    assert [i["id"] for i in third["items"]] == [late["mid"]]
    sources = third["data"]["checkpoint"]["sources"]
    assert sources["messageTracking"] == first["data"]["checkpoint"]["sources"]["messageTracking"]
    fourth = integration.run(CMD, {**PVO, **HOUR}, state=third["data"]["checkpoint"])
    assert fourth["items"] == [] and fourth["status"] == "Successful"


def test_fetch_event_pvo_page_request_shape_and_limit_bound(requests_mock):
    requests_mock.get(QUARANTINE_URL, json={"meta": {"totalCount": 1}, "data": [
        {"mid": 88213, "attributes": {"received": "20 Nov 2026 12:10 (GMT +00:00)", "sender": "a@x.example",
                                      "recipient": ["b@corp.example"], "inQuarantines": "Virus"}}]})
    envelope = mocked().run(CMD, {**PVO, **HOUR, "offset": 0, "limit": 100})
    assert envelope["status"] == "Successful" and requests_mock.call_count == 1
    assert "File%20Analysis" in requests_mock.last_request.url
    assert envelope["data"]["events"][0]["Document ID"] == 88213 and "Quarantines" not in envelope["data"]["events"][0]
    refused = mocked().run(CMD, {**PVO, **HOUR, "offset": 0, "limit": 101})
    assert refused["error"]["status_code"] == 400 and "limit" in refused["error"]["message"]
    assert requests_mock.call_count == 1


@pytest.mark.parametrize("row, key", [
    ({"attributes": {"mid": [5, 6], "serialNumber": "S1", "timestamp": "t"}}, "S1:5"),
    ({"attributes": {"mid": [5], "serialNumber": "", "timestamp": "t"}}, "?:5"),
    ({"attributes": {"mid": [5], "timestamp": "t"}}, "?:5"),
    ({"attributes": {"mid": 7, "serialNumber": "S1", "timestamp": "t"}}, "S1:7"),
    ({"attributes": {"mid": ["8"], "serialNumber": "S1", "timestamp": "t"}}, "S1:8"),
    ({"attributes": {"mid": [True], "serialNumber": "S1", "timestamp": "t"}}, "sha1:"),
    ({"attributes": {"mid": [], "serialNumber": "S1", "timestamp": "t"}}, "sha1:"),
    ({"attributes": {"mid": [5], "serialNumber": "S" * 300, "timestamp": "t"}}, "sha1:"),
    ({"attributes": "not an object"}, "sha1:"),
])
def test_fetch_event_tracking_key_of_each_row_shape(row, key):
    """`<serialNumber>:<first MID>` ("?" for no serial), else a hash of the row's content; a key the
    checkpoint would refuse as too long is hashed too."""
    from cisco_esa.fetch.engine import _tracking_identity

    got, item_id, when = _tracking_identity(row)
    assert got == item_id and (got.startswith("sha1:") and len(got) == 45 if key == "sha1:" else got == key)
    assert when == (row["attributes"].get("timestamp") if isinstance(row["attributes"], dict) else None)


# ------------------------------------------------------------------ the streaming run's row spool
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(st.characters(codec=None)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_JSON_VALUES, min_size=1, max_size=12), order=st.randoms(use_true_random=False))
def test_fetch_event_spool_gives_back_each_row_exactly_in_any_order(rows, order):
    # what a streaming run keeps on disk comes back equal, key order, types and lone surrogates
    # included, whatever order the sorted slice asks for it in, with puts after gets
    from cisco_esa.fetch.engine import _Spool

    spool = _Spool()
    try:
        half = len(rows) // 2
        places = [spool.put(row) for row in rows[:half]]
        first = list(range(half))
        order.shuffle(first)
        got = {i: spool.get(places[i]) for i in first}
        places += [spool.put(row) for row in rows[half:]]
        rest = list(range(len(rows)))
        order.shuffle(rest)
        got.update({i: spool.get(places[i]) for i in rest})
        for i, row in enumerate(rows):
            assert json.dumps(got[i]) == json.dumps(row) and type(got[i]) is type(row)
    finally:
        spool.close()
