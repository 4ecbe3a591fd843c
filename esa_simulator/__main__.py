"""`python -m esa_simulator`: serve the simulator until interrupted."""

from __future__ import annotations

import argparse
import sys

from .server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esa_simulator",
                                     description="Serve a simulated Cisco ESA/SMA AsyncOS API v2.0.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away CA")
    parser.add_argument("--appliance", choices=("esa", "sma"), default="esa")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    return serve(host=args.host, port=args.port, tls=args.tls, appliance=args.appliance, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
