"""The command line (contract §4): commands, describe, run, simulator, demo."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import yaml

EXIT = {"Successful": 0, "Partially Successful": 3, "Failed": 1}
USAGE_ERROR = 2

CONNECTION_FLAGS = [
    # (connection id, flag, environment variable)
    ("server_url", "--server-url", "CISCO_ESA_SERVER_URL"),
    ("username", "--username", "CISCO_ESA_USERNAME"),
    ("password", "--password", "CISCO_ESA_PASSWORD"),
    ("api_version", "--api-version", "CISCO_ESA_API_VERSION"),
    ("appliance", "--appliance", "CISCO_ESA_APPLIANCE"),
    ("auth", "--auth", "CISCO_ESA_AUTH"),
    ("verify_tls", None, "CISCO_ESA_VERIFY_TLS"),
    ("ca_bundle", "--ca-bundle", "CISCO_ESA_CA_BUNDLE"),
    ("timeout", "--timeout", "CISCO_ESA_TIMEOUT"),
    ("proxy", "--proxy", "CISCO_ESA_PROXY"),
]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cisco-esa", description="Cisco Email Security (ESA/SMA) SOAR integration.")
    sub = parser.add_subparsers(dest="action", required=True, parser_class=_Parser)

    p = sub.add_parser("commands", help="list the commands")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("describe", help="show a command's parameters")
    p.add_argument("command")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("export", help="write a package for a SOAR platform, generated from the manifest")
    from cisco_esa.export import PLATFORMS

    p.add_argument("platform", choices=list(PLATFORMS))
    p.add_argument("dir", help="directory to write the package into (created if missing)")

    p = sub.add_parser("run", help="run a command and print its envelope")
    p.add_argument("command", help="command id or display name")
    p.add_argument("--param", action="append", default=[], metavar="ID=VALUE", help="a parameter (repeatable)")
    p.add_argument("--params-json", metavar="JSON", help="parameters as a JSON object (--param wins)")
    p.add_argument("--connection", metavar="FILE", help="YAML or JSON file with the connection parameters")
    for cid, flag, env in CONNECTION_FLAGS:
        if flag:
            p.add_argument(flag, dest=f"conn_{cid}", metavar=cid.upper(), help=f"connection {cid} (env {env})")
    p.add_argument("--no-verify-tls", dest="conn_verify_tls", action="store_const", const=False,
                   help="do not verify the appliance's certificate (env CISCO_ESA_VERIFY_TLS=false)")
    p.add_argument("--state", metavar="FILE", help="fetch_event checkpoint file, read before and written after")
    p.add_argument("--verbose", "-v", action="store_true", help="log requests to stderr (secrets redacted)")

    p = sub.add_parser("simulator", help="serve the built-in appliance simulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--appliance", choices=["esa", "sma"], default="esa")
    p.add_argument("--seed", type=int, default=1)

    p = sub.add_parser("demo", help="run an investigation against the built-in simulator")
    p.add_argument("--json", action="store_true", help="print the envelopes as JSON lines")
    p.add_argument("--appliance", choices=["esa", "sma"], default="esa")
    p.add_argument("--seed", type=int, default=1)
    return parser


def connection_from(args, environ=os.environ) -> dict:
    """Flags beat the file, the file beats the environment (contract §4)."""
    conn: dict = {}
    for cid, _flag, env in CONNECTION_FLAGS:
        if environ.get(env) not in (None, ""):
            conn[cid] = environ[env]
    if args.connection:
        try:
            loaded = yaml.safe_load(Path(args.connection).read_text())
        except OSError as exc:
            raise UsageError(f"cannot read --connection file {args.connection}: {exc.strerror}") from None
        except yaml.YAMLError:
            raise UsageError(f"--connection file {args.connection} is not valid YAML or JSON") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--connection file {args.connection} must hold an object of connection parameters")
        conn.update({k: v for k, v in loaded.items() if v is not None})
    for cid, _flag, _env in CONNECTION_FLAGS:
        value = getattr(args, f"conn_{cid}", None)
        if value is not None:
            conn[cid] = value
    return conn


def params_from(args) -> dict:
    params: dict = {}
    if args.params_json:
        try:
            loaded = json.loads(args.params_json)
        except ValueError as exc:
            raise UsageError(f"--params-json is not valid JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise UsageError("--params-json must be a JSON object")
        params.update(loaded)
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r} is not ID=VALUE")
        params[key.strip()] = value
    return params


def read_state(path: str | None) -> dict | None:
    if not path or not os.path.exists(path):
        return None
    try:
        state = json.loads(Path(path).read_text() or "null")
    except (OSError, ValueError) as exc:
        raise UsageError(f"--state file {path} is unreadable or not JSON ({exc}); move it aside to start afresh") from None
    if state is not None and not isinstance(state, dict):
        raise UsageError(f"--state file {path} does not hold a checkpoint object")
    return state


def write_state(path: str, state: dict) -> None:
    """Atomically: a run killed half-way leaves the old checkpoint, never half a file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=str(target.parent or "."), prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(state, fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_OUR_LOGGERS = ("cisco_esa", "urllib3")


@contextlib.contextmanager
def _logging_restored():
    """The loggers as they were before the run: main() may be called again in the same process
    (a platform worker, a test) and must not find a stale stderr handler there."""
    saved = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level,
                    logging.getLogger(name).propagate) for name in _OUR_LOGGERS}
    try:
        yield
    finally:
        for name, (handlers, level, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate


def _setup_logging(verbose: bool) -> None:
    from cisco_esa.integration import redaction_filter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redaction_filter())
    root = logging.getLogger("cisco_esa")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.propagate = False
    if verbose:
        ul = logging.getLogger("urllib3")
        ul.handlers[:] = [handler]
        ul.setLevel(logging.DEBUG)
        ul.propagate = False


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int | None) -> None:
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} events")
        else:
            sys.stderr.write(f"\r{done} events")
        sys.stderr.flush()

    return show


def cmd_run(args) -> int:
    from cisco_esa.manifest import manifest

    if manifest().find(args.command) is None:
        names = ", ".join(sorted(manifest().commands))
        raise UsageError(f"unknown command {args.command!r}; one of: {names}")
    params = params_from(args)
    conn = connection_from(args)
    state = read_state(args.state)
    with _logging_restored():
        _setup_logging(args.verbose)
        envelope = _run_one(args, conn, params, state)
    return EXIT[envelope["status"]]


def _run_one(args, conn: dict, params: dict, state: dict | None) -> dict:
    from cisco_esa.integration import Integration

    progress = _progress_printer()
    integration = Integration(conn)
    envelope = integration.run(args.command, params, state=state, progress=progress)
    if progress:
        sys.stderr.write("\n")
    sys.stdout.write(json.dumps(envelope, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    checkpoint = envelope.get("data", {}).get("checkpoint") if isinstance(envelope.get("data"), dict) else None
    if args.state and envelope["status"] != "Failed" and isinstance(checkpoint, dict):
        write_state(args.state, checkpoint)
    return envelope


def cmd_commands(args) -> int:
    from cisco_esa.manifest import manifest

    cmds = [{"id": c.id, "display_name": c.display_name, "kind": c.kind, "read_only": c.read_only}
            for c in manifest().commands.values()]
    if args.json:
        print(json.dumps(cmds, indent=2))
    else:
        width = max(len(c["id"]) for c in cmds)
        for c in cmds:
            print(f"{c['id']:<{width}}  {c['display_name']}")
    return 0


def cmd_describe(args) -> int:
    from cisco_esa.describe import describe, render_text
    from cisco_esa.manifest import manifest

    command = manifest().find(args.command)
    if command is None:
        raise UsageError(f"unknown command {args.command!r}; see `cisco-esa commands`")
    info = describe(command)
    print(json.dumps(info, indent=2) if args.json else render_text(info))
    return 0


def cmd_export(args) -> int:
    from cisco_esa.export import export

    try:
        written = export(args.platform, args.dir)
    except OSError as exc:
        raise UsageError(f"cannot write the package into {args.dir}: {exc.strerror}") from None
    for path in written:
        print(path)
    return 0


def cmd_simulator(args) -> int:
    from cisco_esa.simulator import serve

    return serve(host=args.host, port=args.port, tls=args.tls, appliance=args.appliance, seed=args.seed) or 0


def cmd_demo(args) -> int:
    from cisco_esa.demo import run_demo

    return run_demo(json_output=args.json, appliance=args.appliance, seed=args.seed)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"run": cmd_run, "commands": cmd_commands, "describe": cmd_describe,
                "simulator": cmd_simulator, "demo": cmd_demo, "export": cmd_export}
    try:
        return handlers[args.action](args)
    except UsageError as exc:
        print(f"cisco-esa: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
