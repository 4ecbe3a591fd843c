"""Benchmark of the Fetch Event mapping engine against jsonpath-ng and a hand-written mapper.

Run: .venv/bin/python benchmarks/mapping.py [--events N] [--repeats R]
Prints events/s for each way of mapping N message-tracking events (parse-per-event on
the first 500 only: it is ~1000x slower), and the ratios engine/hand-written and
engine/precompiled jsonpath-ng. Information only (issue 12): the goal is the whole fetch's
client CPU, measured by benchmarks/fetch.py.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jsonpath_ng import parse  # noqa: E402

from cisco_esa.fetch.mapping import ABSENT, load_mappings  # noqa: E402

def make_events(n: int, seed: int = 7) -> list[dict]:
    """Tracking rows in the shape of asyncos-api.md §2.2, with the odd missing field."""
    rng = random.Random(seed)
    events = []
    for i in range(n):
        mid = 1000 + i
        attributes = {
            "hostName": "",
            "friendly_from": [f"user{i}@example.com"],
            "isCompleteData": "N/A",
            "messageStatus": {str(mid): "Delivered"},
            "recipientMap": {str(mid): [f"rcpt{i}@example.org"]},
            "senderIp": f"10.0.{i % 256}.{rng.randrange(256)}",
            "mailPolicy": ["DEFAULT"],
            "senderGroup": "ACCEPTLIST",
            "subject": f"subject {i}",
            "mid": [mid],
            "senderDomain": "example.com",
            "finalSubject": {str(mid): f"subject {i}"},
            "direction": rng.choice(["incoming", "outgoing"]),
            "icid": 20000 + i,
            "morDetails": {},
            "replyTo": "N/A",
            "timestamp": "20 Sep 2022 14:54:50 (GMT +00:00)",
            "messageID": {str(mid): f"<{mid}@example.com>"},
            "verdictChart": {str(mid): "16140210"},
            "recipient": [f"rcpt{i}@example.org"] * rng.randint(0, 3),
            "sender": f"user{i}@example.com",
            "serialNumber": "42356DFA5D016457B182-3616BA148E19",
            "allIcid": [20000 + i],
            "sbrs": "3.5",
        }
        if i % 10 == 0:
            del attributes["subject"]
        events.append({"attributes": attributes, "sourceType": "messageTracking"})
    return events


def hand_written(event: dict) -> dict:
    """The same 12 fields by plain dict access, with the engine's absent-field rule."""
    out = {}
    a = event.get("attributes")
    if not isinstance(a, dict):
        return out
    mid = a.get("mid")
    if isinstance(mid, list) and mid:
        out["Document ID"] = mid[0]
        out["Message ID"] = mid[0]
    for name, key in (("Sender", "sender"), ("Host Name", "hostName"), ("Sender IP", "senderIp"),
                      ("Direction", "direction"), ("Subject", "subject"),
                      ("Message Status", "messageStatus")):
        if key in a:
            out[name] = a[key]
    v = a.get("mailPolicy")
    if isinstance(v, list) and v:
        out["Mail Policy"] = list(v)
    if "serialNumber" in a:
        out["Serial Number"] = a["serialNumber"]
    v = a.get("recipient")
    if isinstance(v, list) and v:
        out["Recipient"] = list(v)
    if "timestamp" in a:
        out["TimeStamp"] = a["timestamp"]
    return out


def _value(matches, wildcard):
    if not matches:
        return ABSENT
    return [m.value for m in matches] if wildcard else matches[0].value


def run(n: int, repeats: int) -> dict[str, float]:
    engine = load_mappings(ROOT / "field_mappings")
    mapping = engine.mapping("messageTracking")
    fields = [(f.name, "$" + f.path, "[*]" in f.path) for f in mapping.fields]
    compiled = [(name, parse(path), wild) for name, path, wild in fields]
    events = make_events(n)

    def precompiled():
        for ev in events:
            out = {}
            for name, expr, wild in compiled:
                v = _value(expr.find(ev), wild)
                if v is not ABSENT:
                    out[name] = v

    def engine_map():
        map_event = engine.map_event
        for ev in events:
            map_event(ev)

    def hand():
        for ev in events:
            hand_written(ev)

    # The benchmark is only meaningful if all four agree.
    sample = events[:200]
    for ev in sample:
        ref = {}
        for name, expr, wild in compiled:
            v = _value(expr.find(ev), wild)
            if v is not ABSENT:
                ref[name] = v
        assert engine.map_event(ev) == ref == hand_written(ev), ev

    # Parsing per event is ~1000x slower; a slice keeps the run short and the rate fair.
    slow_n = max(1, min(n, 500))
    slow_events = events[:slow_n]

    def parse_per_event():
        for ev in slow_events:
            out = {}
            for name, path, wild in fields:
                v = _value(parse(path).find(ev), wild)
                if v is not ABSENT:
                    out[name] = v

    measures = {
        f"parse-per-event jsonpath-ng ({slow_n})": (parse_per_event, slow_n),
        "precompiled jsonpath-ng find()": (precompiled, n),
        "engine map_event": (engine_map, n),
        "hand-written dict access": (hand, n),
    }
    # Rounds interleave the measures so that a slow spell of the machine hits all alike;
    # the best round of each is its figure.
    best = {name: float("inf") for name in measures}
    for _ in range(repeats):
        for name, (fn, _count) in measures.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: count / best[name] for name, (_fn, count) in measures.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=20000, help="events to map (default 20000)")
    ap.add_argument("--repeats", type=int, default=5, help="best of this many runs (default 5)")
    args = ap.parse_args(argv)

    rates = run(args.events, args.repeats)
    print(f"{args.events} message-tracking events, 12 fields, best of {args.repeats}")
    for name, rate in rates.items():
        print(f"  {name:40s} {rate:>12,.0f} events/s")
    engine = rates["engine map_event"]
    to_hand = engine / rates["hand-written dict access"]
    to_pre = engine / rates["precompiled jsonpath-ng find()"]
    to_parse = engine / next(r for k, r in rates.items() if k.startswith("parse-per-event"))
    print(f"  engine / hand-written                    {to_hand:6.2f}x")
    print(f"  engine / precompiled jsonpath-ng         {to_pre:6.1f}x")
    print(f"  engine / parse-per-event                 {to_parse:6.0f}x")
    print("  (information: the goal is the fetch's CPU, benchmarks/fetch.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
