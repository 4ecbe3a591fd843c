"""Benchmark of the body pipeline's secret masking: what it costs on a clean body, on one that
echoes a secret, and why detection uses substring searches rather than one regex alternation.

Run: .venv/bin/python benchmarks/redaction.py [--rows N] [--repeats R]
Builds a message-tracking answer of N rows (25,000 by default: about 4 MB), registers a password,
the Basic value and a JWT (every spelling of each), and prints the best of R runs of: json.loads
alone; decode_body on the clean body (the depth check, the one search, no walk); decode_body on
the same body echoing the password once (the walk); detection by substring searches and by one
compiled alternation of the same forms; and a 100-row page (what a fetch reads per request).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cisco_esa.asyncos.body import decode_body  # noqa: E402
from cisco_esa.core.redaction import Secrets  # noqa: E402

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyTmFtZSI6ImFkbWluIiwiZXhwIjoxNzk1MjY2MDAwfQ.c2lnbmF0dXJlLTAwMDAwMQ"


def body(rows: int, echo: str | None = None) -> bytes:
    data = [{"attributes": {"mid": [i], "subject": f"Invoice {i} for account {i * 7919 % 100000}",
                            "sender": f"s{i}@x.example", "recipient": ["r@corp.example"],
                            "timestamp": "20 Nov 2026 11:00:00 (GMT +00:00)"}} for i in range(rows)]
    if echo:
        data[rows // 2]["attributes"]["subject"] = f"echo {echo}"
    return json.dumps({"meta": {"totalCount": rows}, "data": data}).encode()


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=25_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    secrets = Secrets()
    secrets.add_basic("admin", "hostile-Passw0rd")
    secrets.add(JWT)
    clean, echoing, page = body(args.rows), body(args.rows, "hostile-Passw0rd"), body(100)
    text = clean.decode()
    alternation = re.compile("|".join(re.escape(f) for f in secrets._long))
    figures = {
        "json.loads alone": best(lambda: json.loads(clean), args.repeats),
        "decode_body, clean": best(lambda: decode_body(clean, None, 200, secrets), args.repeats),
        "decode_body, one echo (walk)": best(lambda: decode_body(echoing, None, 200, secrets), args.repeats),
        "detect: substring searches": best(lambda: secrets.found_in(text), args.repeats),
        "detect: one regex alternation": best(lambda: alternation.search(text), args.repeats),
        "decode_body, 100-row page": best(lambda: decode_body(page, None, 200, secrets), args.repeats),
    }
    print(f"{args.rows} rows, {len(clean) / 1e6:.1f} MB, {len(secrets._long)} forms searched")
    for label, seconds in figures.items():
        print(f"{label:<32} {seconds * 1000:8.1f} ms")
    print(f"clean decode_body / json.loads: {figures['decode_body, clean'] / figures['json.loads alone']:.2f}")


if __name__ == "__main__":
    main()
