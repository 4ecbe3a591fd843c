"""Benchmark of Fetch Event end to end against a plain `requests` loop paging the same window.

Run: .venv/bin/python benchmarks/fetch.py [--events N] [--repeats R]
Starts a Simulator whose tracking window holds N events, then, alternately R times each:
(a) Integration.run("fetch_event", ...) over the whole window (max_events above N), and
(b) a bare loop: POST login, GET message-tracking/messages at limit=100 until a short page,
r.json() each. Prints the best time of each, the ratio raw/ours (our speed as a fraction of
the raw loop's; target >= 0.70) and HTTP requests per event from sim.request_log (target:
one request per 100 events plus the login).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from cisco_esa.integration import Integration  # noqa: E402
from cisco_esa.simulator import Simulator  # noqa: E402
from cisco_esa.timefmt import minute_param  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc)


def raw_loop(sim: Simulator, start: datetime, end: datetime) -> int:
    """What a hand-written client would do: log in, page the window, decode each page."""
    base = f"{sim.url}/esa/api/v2.0"
    with requests.Session() as s:
        body = {"data": {"userName": base64.b64encode(b"admin").decode(),
                         "passphrase": base64.b64encode(sim.password.encode()).decode()}}
        token = s.post(f"{base}/login", json=body).json()["data"]["jwtToken"]
        rows, offset = [], 0
        while True:
            page = s.get(f"{base}/message-tracking/messages", headers={"jwtToken": token}, params={
                "startDate": minute_param(start), "endDate": minute_param(end), "ciscoHost": "All_Hosts",
                "searchOption": "messages", "offset": offset, "limit": 100}).json()["data"]
            rows.extend(page)
            if len(page) < 100:
                return len(rows)
            offset += len(page)


def ours(sim: Simulator, start: datetime, end: datetime, cap: int) -> tuple[int, dict, Integration]:
    integration = Integration(sim.connection(), clock=lambda: NOW)
    envelope = integration.run("fetch_event", {
        "messages_source": "Message Tracking", "start_time": start.isoformat(), "end_time": end.isoformat(),
        "max_events": cap})
    assert envelope["status"] == "Successful", envelope["error"]
    assert envelope["data"]["more"] is False
    return envelope["data"]["count"], envelope, integration


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=6050, help="tracking events in the window")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    sim = Simulator(now=NOW, tracking_count=args.events, quarantine_count=10).start()
    try:
        start, end = NOW - timedelta(days=4), NOW
        n = len(sim.world.tracking)
        times_raw, times_ours = [], []
        for _ in range(args.repeats):
            sim.clear_log()
            t = time.perf_counter()
            got = raw_loop(sim, start, end)
            times_raw.append(time.perf_counter() - t)
            raw_requests = len(sim.request_log)
            assert got == n, (got, n)
            sim.clear_log()
            t = time.perf_counter()
            got, _envelope, _integration = ours(sim, start, end, n + 1000)
            times_ours.append(time.perf_counter() - t)
            our_requests = len(sim.request_log)
            assert got == n, (got, n)
        best_raw, best_ours = min(times_raw), min(times_ours)
        print(f"window: {n} tracking events, {args.repeats} runs each (best shown; median in brackets)")
        print(f"raw requests loop : {best_raw:.3f} s [{statistics.median(times_raw):.3f}]  "
              f"{n / best_raw:,.0f} events/s  {raw_requests} requests")
        print(f"Integration.run   : {best_ours:.3f} s [{statistics.median(times_ours):.3f}]  "
              f"{n / best_ours:,.0f} events/s  {our_requests} requests")
        print(f"speed ratio ours/raw: {best_raw / best_ours:.2f}  (target >= 0.70)")
        minimum = n // 100 + 1 + 1  # full pages, the short last page, the login
        print(f"requests per event: {our_requests / n:.4f}  ({our_requests} for {n} events; "
              f"floor(n/100)+1 pages + login = {minimum}; target: one per 100 events plus the login)")
        return 0
    finally:
        sim.stop()


if __name__ == "__main__":
    sys.exit(main())
