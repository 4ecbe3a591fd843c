"""The simulator's command-line options, defined once for `cisco-esa simulator` (the documented
way) and `python -m esa_simulator`; importing this module does not build a world."""

from __future__ import annotations

import argparse
import sys

DEFAULT_EVENTS = 3000
DESCRIPTION = (
    "Serve a simulated Cisco ESA or SMA (AsyncOS REST API v2.0) with seeded, deterministic data. "
    "Once it accepts connections it prints one JSON line on stdout: "
    '{"server_url", "username", "password", "appliance", "ca_bundle"}. Ctrl-C stops it.')


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("must be 0..65535")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 listens on every interface)")
    parser.add_argument("--port", type=_port, default=0,
                        help="TCP port to listen on (default 0: a free port, named in the JSON line)")
    parser.add_argument("--tls", action="store_true",
                        help="serve HTTPS with a throw-away CA whose certificate file is printed as ca_bundle "
                             "(pass it to --ca-bundle); needs the tls extra: pip install 'cisco-esa-soar[tls]'")
    parser.add_argument("--appliance", choices=("esa", "sma"), default="esa",
                        help="the appliance to imitate (default esa); sma centralises three ESAs, each in its "
                             "own time zone, and has no health endpoint")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the generated data: the same seed gives the same messages (default 1)")
    parser.add_argument("--events", type=_count, default=DEFAULT_EVENTS, metavar="N",
                        help=f"size of the data set: N tracked messages over the last three days and N/10 "
                             f"spam-quarantine messages (default {DEFAULT_EVENTS})")


def run(args: argparse.Namespace) -> int:
    """Serves until interrupted; raises StartError when it cannot start."""
    from .simulator import serve

    return serve(host=args.host, port=args.port, tls=args.tls, appliance=args.appliance, seed=args.seed,
                 tracking_count=args.events, quarantine_count=args.events // 10) or 0


def main(argv: list[str] | None = None) -> int:
    from .server import StartError

    parser = argparse.ArgumentParser(prog="python -m esa_simulator", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except StartError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
