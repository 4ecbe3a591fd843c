"""The command line (contract §4): commands, describe, run, simulator, demo. `run` prints the
envelope as JSON for platforms and pipes, or as text for a person (cisco_esa/render.py)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import sys

from cisco_esa import statefile
from cisco_esa.statefile import StateFileError

EXIT = {"Successful": 0, "Partially Successful": 3, "Failed": 1}
USAGE_ERROR = 2
INTERRUPTED = 130  # the shell's convention for a run ended by SIGINT
OUTPUTS = ("text", "json", "ndjson")

def _manifest():
    from cisco_esa.core.registry import manifest

    return manifest()


def connection_flags() -> list[tuple[str, str | None, str]]:
    """(connection id, flag, environment variable) of every connection parameter of the manifest
    (contract §2, §4): `--server-url` / `CISCO_ESA_SERVER_URL` and so on. A boolean whose default is
    true has no flag of its own (`--no-verify-tls` turns it off); one whose default is false is a
    switch (`--use-system-proxy`)."""
    from cisco_esa.core.registry import manifest

    return [(p.id, None if p.type == "boolean" and p.default else "--" + p.id.replace("_", "-"),
             "CISCO_ESA_" + p.id.upper()) for p in manifest().connection]


def __getattr__(name):
    if name == "CONNECTION_FLAGS":  # computed from the manifest on first use, not at import
        return connection_flags()
    raise AttributeError(name)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def build_parser() -> argparse.ArgumentParser:
    from cisco_esa import __version__

    parser = _Parser(prog="cisco-esa", description="Cisco Email Security (ESA/SMA) SOAR integration.")
    parser.add_argument("--version", action="version", version=f"cisco-esa {__version__}")
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
    booleans = {c.id for c in _manifest().connection if c.type == "boolean"}
    for cid, flag, env in connection_flags():
        if flag and cid in booleans:
            p.add_argument(flag, dest=f"conn_{cid}", action="store_const", const=True,
                           help=f"connection {cid} (env {env}=true)")
        elif flag:
            p.add_argument(flag, dest=f"conn_{cid}", metavar=cid.upper(), help=f"connection {cid} (env {env})")
    p.add_argument("--no-verify-tls", dest="conn_verify_tls", action="store_const", const=False,
                   help="do not verify the appliance's certificate (env CISCO_ESA_VERIFY_TLS=false)")
    p.add_argument("--state", metavar="FILE", help="fetch_event checkpoint file, read before and written after")
    p.add_argument("--output", "-o", choices=OUTPUTS,
                   help="text for a person, json (compact) for tools, ndjson (fetch_event only: one event a line, "
                        "then the envelope without data.events); default text on a terminal, json otherwise")
    p.add_argument("--pretty", action="store_true", help="indent the JSON output")
    p.add_argument("--verbose", "-v", action="store_true", help="log requests to stderr (secrets redacted)")

    from esa_simulator import cli as simulator_cli

    p = sub.add_parser("simulator", help="serve the built-in appliance simulator",
                       description=simulator_cli.DESCRIPTION)
    simulator_cli.add_arguments(p)

    p = sub.add_parser("demo", help="run an investigation against the built-in simulator")
    p.add_argument("--json", action="store_true", help="print the envelopes as JSON lines")
    p.add_argument("--appliance", choices=["esa", "sma"], default="esa")
    p.add_argument("--seed", type=int, default=1)
    return parser


def connection_from(args, environ=os.environ) -> dict:
    """Flags beat the file, the file beats the environment (contract §4)."""
    conn: dict = {}
    for cid, _flag, env in connection_flags():
        if environ.get(env) not in (None, ""):
            conn[cid] = environ[env]
    if args.connection:
        conn.update(read_connection_file(args.connection))
    for cid, _flag, _env in connection_flags():
        value = getattr(args, f"conn_{cid}", None)
        if value is not None:
            conn[cid] = value
    return conn


MAX_CONNECTION_FILE = 1 << 20  # a connection file is a few lines; a bigger one is not one


class _Refused(Exception):
    """A YAML construct a connection file may not use; the message names it, never a value."""


@functools.lru_cache(maxsize=1)
def _literal_loader():
    """The loader of connection files, made on the first one read: a run without one never imports yaml."""
    import yaml

    class LiteralLoader(yaml.SafeLoader):
        """YAML where every scalar is the string written (contract §2): no implicit resolvers, so `0777`,
        `12:30`, `yes` or `1e3` stay text; aliases are refused, so no alias tree can blow up in memory."""

        yaml_implicit_resolvers: dict = {}

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise _Refused("uses a YAML alias (*name): write each value out")
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            keys = [self.construct_object(k) for k, _v in node.value]
            twice = sorted({str(k) for k in keys if keys.count(k) > 1})
            if twice:
                raise _Refused(f"gives {', '.join(twice)} more than once")
            return super().construct_mapping(node, deep)

    LiteralLoader.add_constructor("tag:yaml.org,2002:str", _plain_empty_is_absent)
    return yaml, LiteralLoader


def _plain_empty_is_absent(loader, node):
    # `proxy:` with nothing after it means "not given", as it did before; `proxy: ''` is an empty string
    value = loader.construct_scalar(node)
    return None if value == "" and node.style is None else value


def read_connection_file(path: str) -> dict:
    """The connection parameters of a YAML or JSON file: JSON values as JSON types them, YAML scalars as
    the text written; a list, a map or an alias as a value is refused, naming the parameter."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONNECTION_FILE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read --connection file {path}: {exc.strerror}") from None
    if len(raw) > MAX_CONNECTION_FILE:
        raise UsageError(f"--connection file {path} is larger than {MAX_CONNECTION_FILE} bytes: not a connection file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--connection file {path} is not UTF-8 text") from None
    try:
        loaded = json.loads(text, object_pairs_hook=_json_object)
    except _Refused as exc:
        raise UsageError(f"--connection file {path} {exc}") from None
    except ValueError:
        yaml, loader = _literal_loader()
        try:
            loaded = yaml.load(text, Loader=loader)  # noqa: S506 (a SafeLoader subclass)
        except _Refused as exc:
            raise UsageError(f"--connection file {path} {exc}") from None
        except (yaml.YAMLError, RecursionError):
            raise UsageError(f"--connection file {path} is not valid YAML or JSON") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"--connection file {path} must hold an object of connection parameters")
    for key, value in loaded.items():
        if isinstance(value, (dict, list)):
            kind = "a list" if isinstance(value, list) else "a map"
            name = key if isinstance(key, str) and key.isidentifier() else "a parameter"
            raise UsageError(f"--connection file {path}: {name} must be a single value, not {kind}")
    return {k: v for k, v in loaded.items() if v is not None}


def _json_object(pairs: list) -> dict:
    keys = [k for k, _v in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise _Refused(f"gives {', '.join(twice)} more than once")
    return dict(pairs)


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
    from cisco_esa.core.registry import manifest

    command = manifest().find(args.command)
    if command is None:
        names = ", ".join(sorted(manifest().commands))
        raise UsageError(f"unknown command {args.command!r}; one of: {names}")
    output = args.output or ("text" if sys.stdout.isatty() else "json")
    if output == "ndjson" and command.kind != "fetch_event":
        raise UsageError(f"--output ndjson is for fetch_event only; {command.id} prints text or json")
    params = params_from(args)
    if args.connection:
        _warn_if_readable_by_others(args.connection)
    conn = connection_from(args)
    run = _Run(args, command, output)
    with _logging_restored():
        _setup_logging(args.verbose)
        try:
            with _state_file(args.state) as state_file:
                envelope = run.execute(conn, params, state_file)
        except StateFileError as exc:
            if exc.usage:
                raise UsageError(exc.message) from None
            envelope = run.refuse(exc.message)
        except KeyboardInterrupt:
            run.interrupted()
            return INTERRUPTED
    return EXIT[envelope["status"]]


@contextlib.contextmanager
def _state_file(path: str | None):
    if not path:
        yield None
        return
    with statefile.opened(path) as state_file:
        yield state_file


def _warn_if_readable_by_others(path: str) -> None:
    """The file holds a password: say so when others can read it (never what it holds)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # connection_from names the unreadable file
    if os.name == "posix" and mode & 0o044:
        print(f"cisco-esa: warning: --connection file {path} is readable by group or others; "
              f"it holds a password: chmod 600 it", file=sys.stderr)


class _EventStream:
    """`--output ndjson`: prints each batch of mapped events as it comes (one a line) and spools their
    raw rows to a temporary file for the envelope's raw_data, so memory stays bounded by a page."""

    def __init__(self):
        import tempfile

        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.rows = 0

    def take(self, mapped: list, raw: list) -> None:
        from cisco_esa import render
        from cisco_esa.core.outcome import UnexpectedResponse

        try:
            lines = "".join(render.dumps(event) + "\n" for event in mapped)
            rows = render.dumps(raw)[1:-1]  # the rows joined by ",", in one encoding
        except ValueError:
            raise UnexpectedResponse("an event held a number JSON cannot carry (NaN or Infinity), so it was "
                                     "not printed; the checkpoint stops before it.") from None
        if rows:
            self.spool.write(("," if self.rows else "") + rows)
            self.rows += len(raw)
        if lines:
            sys.stdout.write(lines)
            sys.stdout.flush()  # the consumer sees each event as soon as it is final

    def close(self) -> None:
        self.spool.close()


def _write_json(out, envelope: dict, spool) -> dict:
    """The envelope as compact JSON, without a copy of a large result as one string in memory: its
    long lists are encoded element by element into a temporary file, then copied out. `spool`: a
    file holding raw_data.data's rows (comma-separated JSON) to write in their place. ValueError,
    with nothing written to `out`, when a number has no JSON form."""
    import tempfile

    from cisco_esa import render

    data = envelope.get("data")
    raw = envelope.get("raw_data")
    events = data.get("events") if isinstance(data, dict) else None
    rows = raw.get("data") if isinstance(raw, dict) else None
    events = events if isinstance(events, list) and len(events) >= 64 else None
    rows = rows if isinstance(rows, list) and (len(rows) >= 64 or spool is not None) else None
    if events is None and rows is None and spool is None:
        out.write(render.dumps(envelope))
        return envelope
    with tempfile.TemporaryFile("w+", encoding="utf-8") as tmp:
        tmp.write("{")
        for index, (key, value) in enumerate(envelope.items()):
            tmp.write(("," if index else "") + render.dumps(key) + ":")
            if key == "data" and events is not None:
                head, tail = _split_at(value, "events")
                tmp.write(head)
                _write_list(tmp, events)
                tmp.write(tail)
            elif key == "raw_data" and (rows is not None or spool is not None):
                head, tail = _split_at(value if isinstance(value, dict) else {}, "data")
                tmp.write(head)
                if spool is not None:
                    tmp.write("[")
                    _copy(spool, tmp)
                    tmp.write("]")
                else:
                    _write_list(tmp, rows)
                tmp.write(tail)
            else:
                tmp.write(render.dumps(value))
        tmp.write("}")
        _copy(tmp, out)
    return envelope


def _copy(src, dst) -> None:
    src.seek(0)
    for chunk in iter(lambda: src.read(1 << 16), ""):
        dst.write(chunk)


def _split_at(obj: dict, name: str) -> tuple[str, str]:
    """An object's JSON split around its list `name` (written apart): (text before it, text after it)."""
    from cisco_esa import render

    marker = "\u0000cisco-esa-list\u0000"
    text = render.dumps({**obj, name: marker})
    head, _, tail = text.partition(render.dumps(marker))
    return head, tail


LIST_CHUNK = 256  # elements encoded at once: the C encoder's speed, a few hundred KB of text at a time


def _write_list(out, seq: list) -> None:
    from cisco_esa import render

    out.write("[")
    for start in range(0, len(seq), LIST_CHUNK):
        # a list's compact JSON without its brackets is its elements' joined by ","
        out.write(("," if start else "") + render.dumps(seq[start:start + LIST_CHUNK])[1:-1])
    out.write("]")


class _Run:
    """One `run`: executes the command, prints the result, keeps the checkpoint, and knows how far
    it got, so that Ctrl-C can say what was kept."""

    def __init__(self, args, command, output: str):
        self.args, self.command, self.output = args, command, output
        self.printed = False
        self.state_written = False
        self.progress_shown = False

    def execute(self, conn: dict, params: dict, state_file: "statefile.StateFile | None") -> dict:
        from cisco_esa.integration import Integration

        state = state_file.read() if state_file else None
        progress = _progress_printer()
        self.progress_shown = progress is not None
        integration = Integration(conn)
        stream = _EventStream() if self.output == "ndjson" else None
        # the collector stays off while the result is printed too (it would walk every event); the
        # process ends soon after, and Integration.run turns it back on as it was for other callers
        pause = contextlib.ExitStack()
        if self.command.kind == "fetch_event":
            from cisco_esa.core.heap import collector_paused

            pause.enter_context(collector_paused())
        with pause:
            return self._execute(integration, params, state, state_file, progress, stream)

    def _execute(self, integration, params, state, state_file, progress, stream) -> dict:
        try:
            envelope = integration.run(self.args.command, params, state=state, progress=progress,
                                       events=stream.take if stream else None)
        except KeyboardInterrupt as exc:
            # events already printed stay printed: keep the checkpoint that says so
            partial = getattr(exc, "partial", None)
            if stream is not None and state_file and partial is not None:
                state_file.write(partial.data["checkpoint"])
                self.state_written = True
            raise
        if progress:
            sys.stderr.write("\n")
        self.progress_shown = False
        try:
            envelope = self.emit(envelope, stream)
        finally:
            if stream is not None:
                stream.close()
        self.printed = True
        self.tell(envelope)
        checkpoint = envelope.get("data", {}).get("checkpoint") if isinstance(envelope.get("data"), dict) else None
        # A Failed ndjson run may already have printed events: its checkpoint holds exactly those.
        if state_file and isinstance(checkpoint, dict) and (envelope["status"] != "Failed" or stream is not None):
            state_file.write(checkpoint)
            self.state_written = True
        return envelope

    def refuse(self, message: str) -> dict:
        """A run refused before its first request (an unusable state file): its Failed envelope."""
        from cisco_esa.core.envelope import build_envelope
        from cisco_esa.core.outcome import InputError

        envelope = self.emit(build_envelope(self.command, self.command.id, None, InputError([message])))
        self.tell(envelope)
        return envelope

    def emit(self, envelope: dict, stream: "_EventStream | None" = None) -> dict:
        """Print the result; returns the envelope printed (a Failed one if the result had no JSON form)."""
        from cisco_esa import render

        if self.output == "text":
            colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
            sys.stdout.write(render.render(envelope, colour=colour))
        elif self.output == "ndjson":
            data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
            rest = dict(envelope, data={k: v for k, v in data.items() if k != "events"})
            try:
                lines = [render.dumps(event) for event in data.get("events") or []]
                if lines:
                    sys.stdout.write("".join(line + "\n" for line in lines))
                spool = stream.spool if stream is not None and stream.rows else None
                envelope = _write_json(sys.stdout, rest, spool)
            except ValueError:
                text, envelope = render.to_json(dict(rest, raw_data={}))  # the Failed envelope naming it
                sys.stdout.write(text)
            sys.stdout.write("\n")
        elif self.args.pretty:
            text, envelope = render.to_json(envelope, pretty=True)
            sys.stdout.write(text + "\n")
        else:
            try:
                _write_json(sys.stdout, envelope, None)
            except ValueError:
                text, envelope = render.to_json(envelope)
                sys.stdout.write(text)
            sys.stdout.write("\n")
        sys.stdout.flush()
        return envelope

    def tell(self, envelope: dict) -> None:
        """What a person must not miss goes to stderr too, whatever the output: a Failed run's
        triplet and a result that a cap cut short."""
        from cisco_esa import render

        error = envelope.get("error")
        if envelope["status"] == "Failed" and error:
            code = f" (status {error['status_code']})" if error.get("status_code") is not None else ""
            # the message may quote the appliance: never a raw escape sequence on the terminal
            print(render.terminal_safe(f"cisco-esa: {error['failure_indicator']}{code} {error['message']}"),
                  file=sys.stderr)
        notice = render.cap_notice(envelope)
        if notice:
            print(f"cisco-esa: {notice}", file=sys.stderr)

    def interrupted(self) -> None:
        if self.progress_shown:
            sys.stderr.write("\n")
        said = "the result was printed" if self.printed else "nothing was printed"
        if self.args.state:
            kept = (f"the checkpoint in {self.args.state} was written" if self.state_written else
                    f"the checkpoint in {self.args.state} was not advanced (the next run starts where this one did)")
        elif self.command.kind == "fetch_event":
            kept = "no checkpoint was kept (no --state)"
        elif not self.command.read_only and not self.printed:
            kept = "a change already sent to the appliance may or may not have been applied"
        else:
            kept = "nothing else was kept"
        print(f"cisco-esa: interrupted: {said}; {kept}.", file=sys.stderr)


def cmd_commands(args) -> int:
    from cisco_esa.core.registry import manifest

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
    from cisco_esa.core.registry import manifest

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
    from esa_simulator import StartError, cli as simulator_cli

    try:
        return simulator_cli.run(args)
    except StartError as exc:  # a taken port, TLS without its extra: one line, no traceback
        raise UsageError(str(exc)) from None


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
