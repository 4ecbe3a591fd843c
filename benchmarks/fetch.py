"""Benchmark of Fetch Event end to end against a plain `requests` loop paging the same window.

Run: .venv/bin/python benchmarks/fetch.py [--events N] [--repeats R]
Starts a Simulator in a process of its own (as an appliance would be) whose tracking window
holds N events, then, alternately R times each:
(a) Integration.run("fetch_event", ...) over the whole window (max_events above N), and
(b) a bare loop: POST login, GET message-tracking/messages at limit=100 until a short page,
r.json() each. Prints the best time of each, the ratio raw/ours (our speed as a fraction of
the raw loop's; target >= 0.70) and HTTP requests per event from the simulator's request log (target:
one request per 100 events plus the login).
"""

from __future__ import annotations

import argparse
import multiprocessing
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
from cisco_esa.core.timefmt import minute_param  # noqa: E402
from esa_simulator import Simulator  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc)


def raw_loop(sim: "RemoteSimulator", start: datetime, end: datetime) -> int:
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


def ours(sim: "RemoteSimulator", start: datetime, end: datetime, cap: int) -> tuple[int, dict, Integration]:
    integration = Integration(sim.connection(), clock=lambda: NOW)
    envelope = integration.run("fetch_event", {
        "messages_source": "Message Tracking", "start_time": start.isoformat(), "end_time": end.isoformat(),
        "max_events": cap})
    assert envelope["status"] == "Successful", envelope["error"]
    assert envelope["data"]["more"] is False
    return envelope["data"]["count"], envelope, integration


class RemoteSimulator:
    """The simulator in a process of its own, as an appliance would be: its serving work and
    its large heap (thousands of records the garbage collector would walk) stay out of the
    process being measured. Controlled through the simulator's `/_simulator/` path."""

    def __init__(self, events: int):
        parent, child = multiprocessing.Pipe()
        self._stop = multiprocessing.Event()
        self._proc = multiprocessing.Process(target=_serve, args=(events, child, self._stop), daemon=True)
        self._proc.start()
        self.url, self.password, self.events = parent.recv()

    def connection(self) -> dict:
        return {"server_url": self.url, "username": "admin", "password": self.password}

    def clear_log(self) -> None:
        requests.delete(f"{self.url}/_simulator/requests", timeout=10)

    def request_count(self) -> int:
        return len(requests.get(f"{self.url}/_simulator/requests", timeout=10).json()["data"])

    def stop(self) -> None:
        self._stop.set()
        self._proc.join(10)


def _serve(events: int, pipe, stop) -> None:
    with Simulator(now=NOW, tracking_count=events, quarantine_count=10) as sim:
        pipe.send((sim.url, sim.password, len(sim.world.tracking)))
        stop.wait()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=6050, help="tracking events in the window")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    sim = RemoteSimulator(args.events)
    try:
        start, end = NOW - timedelta(days=4), NOW
        n = sim.events
        times_raw, times_ours = [], []
        for _ in range(args.repeats):
            sim.clear_log()
            t = time.perf_counter()
            got = raw_loop(sim, start, end)
            times_raw.append(time.perf_counter() - t)
            raw_requests = sim.request_count()
            assert got == n, (got, n)
            sim.clear_log()
            t = time.perf_counter()
            got = ours(sim, start, end, n + 1000)[0]  # keep nothing alive: the raw loop keeps no rows either
            times_ours.append(time.perf_counter() - t)
            our_requests = sim.request_count()
            assert got == n, (got, n)
        best_raw, best_ours = min(times_raw), min(times_ours)
        print(f"window: {n} tracking events, {args.repeats} runs each (best shown; median in brackets); "
              "simulator in its own process")
        print(f"raw requests loop : {best_raw:.3f} s [{statistics.median(times_raw):.3f}]  "
              f"{n / best_raw:,.0f} events/s  {raw_requests} requests")
        print(f"Integration.run   : {best_ours:.3f} s [{statistics.median(times_ours):.3f}]  "
              f"{n / best_ours:,.0f} events/s  {our_requests} requests")
        print(f"speed ratio ours/raw: {best_raw / best_ours:.2f} best, "
              f"{statistics.median(times_raw) / statistics.median(times_ours):.2f} median  (target >= 0.70)")
        minimum = n // 100 + 1 + 1  # full pages, the short last page, the login
        print(f"requests per event: {our_requests / n:.4f}  ({our_requests} for {n} events; "
              f"floor(n/100)+1 pages + login = {minimum}; target: one per 100 events plus the login)")
        return 0
    finally:
        sim.stop()


if __name__ == "__main__":
    sys.exit(main())
