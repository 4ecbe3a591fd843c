"""Benchmark of Fetch Event against a plain `requests` loop paging the same window (issue 12, goals 1-4).

Run: .venv/bin/python benchmarks/fetch.py [--events N] [--rounds R] [--big-events M] [--delay S]
Our modules are compiled to bytecode first, as a wheel install has them (benchmarks/installed.py).
The simulator runs in a process of its own (as an appliance would), its window holding N tracking
events. Paired, interleaved rounds (the order flips each round) of ours against the raw loop (POST
login, GET message-tracking/messages at limit=100 until a short page, r.json() each page); every
figure is a ratio per round, printed min / median / max against its goal:
1. wall time with the simulator answering each page after S seconds (default 0.2): the raw loop
   against `cisco-esa run fetch_event` (a child process, default concurrency), goal >= 2.0;
2. requests of one whole-window run against ceil(N/100) + 2 pages plus the login (simulator's log);
3. peak RSS of a child `--output ndjson` run over M events (default 100,000; goal < 150 MB), and
   what `--output json` holds per event beyond it (goal <= 5 KB);
4. client CPU: in-process (time.process_time) the raw loop over Integration.run, goal >= 1.0; and a
   child running the CLI with compact output over a child running the raw loop (rusage), goal <= 1.5.
"""

from __future__ import annotations

import argparse
import base64
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from cisco_esa.core.timefmt import minute_param  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from installed import compile_package  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc)
START, END = NOW - timedelta(days=4), NOW
PAGE = "message-tracking/messages"


def raw_loop(url: str, password: str, start: datetime = START, end: datetime = END) -> int:
    """What a hand-written client would do: log in, page the window, decode each page."""
    base = f"{url}/esa/api/v2.0"
    with requests.Session() as s:
        body = {"data": {"userName": base64.b64encode(b"admin").decode(),
                         "passphrase": base64.b64encode(password.encode()).decode()}}
        token = s.post(f"{base}/login", json=body).json()["data"]["jwtToken"]
        rows, offset = [], 0
        while True:
            page = s.get(f"{base}/{PAGE}", headers={"jwtToken": token}, params={
                "startDate": minute_param(start), "endDate": minute_param(end), "ciscoHost": "All_Hosts",
                "searchOption": "messages", "offset": offset, "limit": 100}).json()["data"]
            rows.extend(page)
            if len(page) < 100:
                return len(rows)
            offset += len(page)


class RemoteSimulator:
    """The simulator in a process of its own: its serving work and its heap stay out of the process
    measured. Steered through the simulator's `/_simulator/` path."""

    def __init__(self, events: int):
        parent, child = multiprocessing.Pipe()
        self._stop = multiprocessing.Event()
        self._proc = multiprocessing.Process(target=_serve, args=(events, child, self._stop), daemon=True)
        self._proc.start()
        self.url, self.password, self.events = parent.recv()

    def control(self, method: str, action: str, body: dict | None = None):
        r = requests.request(method, f"{self.url}/_simulator/{action}", json=body, timeout=30)
        r.raise_for_status()
        return r.json()["data"]

    def requests_logged(self) -> list[dict]:
        return self.control("GET", "requests")

    def delay_pages(self, seconds: float | None) -> None:
        self.control("DELETE", "faults")
        if seconds:
            self.control("POST", "faults", {"path": PAGE, "kind": "delay", "delay": seconds, "count": 10 ** 6})

    def stop(self) -> None:
        self._stop.set()
        self._proc.join(10)


def _serve(events: int, pipe, stop) -> None:
    from esa_simulator import Simulator

    with Simulator(now=NOW, tracking_count=events, quarantine_count=10) as sim:
        pipe.send((sim.url, sim.password, len(sim.world.tracking)))
        stop.wait()


def child(argv: list[str], env: dict | None = None) -> dict:
    """Run argv to its end; its wall time, CPU and peak RSS (its own rusage, via wait4)."""
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        err = proc.stderr.read().decode()
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 3):
            raise RuntimeError(f"{argv[2:5]} exit {proc.returncode}: {err[-800:]}")
        size = out.tell()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, "bytes": size}


def cli_argv(sim: RemoteSimulator, output: str, extra: list[str] = ()) -> tuple[list[str], dict]:
    env = {**os.environ, "CISCO_ESA_SERVER_URL": sim.url, "CISCO_ESA_USERNAME": "admin",
           "CISCO_ESA_PASSWORD": sim.password}
    argv = [sys.executable, "-m", "cisco_esa", "run", "fetch_event", "--param", "messages_source=Message Tracking",
            "--param", f"start_time={START.isoformat()}", "--param", f"end_time={END.isoformat()}",
            "--param", "max_events=100000", "--output", output, *extra]
    return argv, env


def raw_argv(sim: RemoteSimulator) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--raw-child", sim.url, sim.password]


def ours_in_process(sim: RemoteSimulator) -> int:
    from cisco_esa.integration import Integration

    envelope = Integration({"server_url": sim.url, "username": "admin", "password": sim.password},
                           clock=lambda: NOW).run("fetch_event", {
        "messages_source": "Message Tracking", "start_time": START.isoformat(), "end_time": END.isoformat(),
        "max_events": 100_000})
    assert envelope["status"] == "Successful", envelope["error"]
    return envelope["data"]["count"]


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def paired(rounds: int, a, b) -> tuple[list, list]:
    """a() and b() once per round, the order flipped each round."""
    out_a, out_b = [], []
    for r in range(rounds):
        if r % 2:
            out_b.append(b())
            out_a.append(a())
        else:
            out_a.append(a())
            out_b.append(b())
    return out_a, out_b


def cpu_of(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000, help="tracking events in the window (goals 1, 2, 4)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--delay", type=float, default=0.2, help="seconds the simulator waits before each page (goal 1)")
    ap.add_argument("--big-events", type=int, default=100_000, help="events of the memory run (goal 3); 0 skips it")
    ap.add_argument("--raw-child", nargs=2, metavar=("URL", "PASSWORD"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.raw_child:
        raw_loop(*args.raw_child)
        return 0
    print(compile_package())
    sim = RemoteSimulator(args.events)
    n = sim.events
    print(f"window: {n} tracking events over 4 days; simulator in its own process; {args.rounds} paired rounds; "
          "ratios min / median / max")
    try:
        # goal 2: requests of one whole-window run
        sim.control("DELETE", "requests")
        assert ours_in_process(sim) == n
        log = sim.requests_logged()
        pages = sum(1 for r in log if r["path"].endswith(PAGE))
        logins = sum(1 for r in log if r["path"].endswith("/login"))
        bound = math.ceil(n / 100) + 2
        print(f"goal 2 requests: {pages} pages + {logins} login for {n} events; bound ceil(n/100)+2 = {bound} "
              f"pages + login: {'met' if pages <= bound and logins <= 1 else 'NOT met'}")

        # goal 4: CPU, in process and through the CLI (compact json) in a child
        raw_cpu, our_cpu = paired(args.rounds, lambda: cpu_of(lambda: raw_loop(sim.url, sim.password)),
                                  lambda: cpu_of(lambda: ours_in_process(sim)))
        ratios = [r / o for r, o in zip(raw_cpu, our_cpu)]
        print(f"goal 4 CPU in process, raw loop / Integration.run: {spread(ratios)} (goal >= 1.0; "
              f"median {statistics.median(raw_cpu):.3f} s vs {statistics.median(our_cpu):.3f} s)")
        argv, env = cli_argv(sim, "json")
        raw_runs, cli_runs = paired(args.rounds, lambda: child(raw_argv(sim)), lambda: child(argv, env))
        ratios = [c["cpu"] / r["cpu"] for r, c in zip(raw_runs, cli_runs)]
        print(f"goal 4 CPU child processes, CLI --output json / raw loop: {spread(ratios)} (goal <= 1.5; "
              f"median {statistics.median(c['cpu'] for c in cli_runs):.3f} s vs "
              f"{statistics.median(r['cpu'] for r in raw_runs):.3f} s, start-up included in both)")

        # goal 1: wall time at the appliance's pace
        sim.delay_pages(args.delay)
        rounds = max(2, min(args.rounds, 3))
        raw_runs, cli_runs = paired(rounds, lambda: child(raw_argv(sim)), lambda: child(argv, env))
        ratios = [r["wall"] / c["wall"] for r, c in zip(raw_runs, cli_runs)]
        print(f"goal 1 wall with {args.delay:g} s a page, raw loop / CLI (concurrency 4): {spread(ratios)} "
              f"(goal >= 2.0; median {statistics.median(r['wall'] for r in raw_runs):.1f} s vs "
              f"{statistics.median(c['wall'] for c in cli_runs):.1f} s)")
        seq = [child(cli_argv(sim, "json", ["--param", "concurrency=1"])[0], env) for _ in range(1)]
        print(f"         (the CLI with concurrency=1: {seq[0]['wall']:.1f} s)")
        sim.delay_pages(None)
    finally:
        sim.stop()

    if args.big_events:
        big = RemoteSimulator(args.big_events)
        try:
            m = big.events
            nd_argv, env = cli_argv(big, "ndjson")
            js_argv, _ = cli_argv(big, "json")
            nd, js = paired(2, lambda: child(nd_argv, env), lambda: child(js_argv, env))
            nd_rss = [r["rss_mb"] for r in nd]
            per_event = [(j["rss_mb"] - s["rss_mb"]) * 1024 / m for s, j in zip(nd, js)]
            print(f"goal 3 memory over {m} events: --output ndjson peak RSS {min(nd_rss):.0f} / {max(nd_rss):.0f} MB "
                  f"(goal < 150 MB); --output json holds {spread(per_event)} KB per event beyond it (goal <= 5), "
                  f"peak {max(j['rss_mb'] for j in js):.0f} MB")
        finally:
            big.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
