"""Start-up of `cisco-esa run test_connection` against the bare import of its dependencies (issue 12, goal 5).

Run: .venv/bin/python benchmarks/startup.py [--rounds R]
Our modules are compiled to bytecode first, as a wheel install has them (benchmarks/installed.py).
Paired, interleaved rounds (the order flips each round) of two child processes: (a) the CLI's
test_connection against a port where nothing listens (refused at once: no network time), and (b)
`python -c "import requests, urllib3, jsonschema, jsonpath_ng, yaml, orjson"`. Each child's CPU comes from its
own rusage (wait4); printed: the ratio a/b per round, min / median / max, against the goal of 1.2.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from installed import compile_package  # noqa: E402

DEPS = "import requests, urllib3, jsonschema, jsonpath_ng, yaml, orjson"


def cpu(argv: list[str]) -> float:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _status, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: a refused connection


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    ours = [sys.executable, "-m", "cisco_esa", "run", "test_connection", "--server-url",
            f"http://127.0.0.1:{closed_port()}", "--username", "admin", "--password", "x", "--output", "json"]
    bare = [sys.executable, "-c", DEPS]
    print(compile_package())
    cpu(ours), cpu(bare)  # warm the file cache
    a, b = [], []
    for r in range(args.rounds):
        if r % 2:
            b.append(cpu(bare))
            a.append(cpu(ours))
        else:
            a.append(cpu(ours))
            b.append(cpu(bare))
    ratios = [x / y for x, y in zip(a, b)]
    print(f"start-up CPU, cisco-esa run test_connection / bare import of its dependencies, {args.rounds} paired "
          f"rounds: {min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f} (min / median / max; "
          f"goal <= 1.2; median {statistics.median(a):.3f} s vs {statistics.median(b):.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
