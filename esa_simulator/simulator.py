"""The `Simulator`: one appliance (world, accounts, faults, request log) behind a server, with
the methods tests use to steer it, and `serve`, the blocking entry of the command line."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import threading
from datetime import datetime, timedelta, timezone

from . import auth, config
from .faults import FaultBook
from .server import Server, wrap_tls
from .world import World


class Simulator:
    """A running ESA or SMA simulator. See the package docstring for the full API."""

    def __init__(self, appliance: str = "esa", seed: int = 1, tls: bool = False, host: str = "127.0.0.1",
                 port: int = 0, now: datetime | None = None, token_lifetime: float = 1800,
                 refresh_window: float = 300, old_format: bool = False, tracking_count: int = 3000,
                 quarantine_count: int = 300):
        if appliance not in ("esa", "sma"):
            raise ValueError("appliance must be 'esa' or 'sma'")
        self.appliance = appliance
        self.seed = seed
        self.tls = tls
        self.host = host
        self.port = port
        self.now = now
        self.old_format = self._initial_old_format = old_format
        self.tracking_count = tracking_count
        self.quarantine_count = quarantine_count
        # seconds the appliance's clock (its Date header) runs ahead of its world's now (negative: behind)
        self.clock_skew = 0.0
        self.username = "admin"
        self.password = auth.USERS["admin"]["password"]
        self.tokens = auth.TokenStore(token_lifetime, refresh_window)
        self.faults = FaultBook()
        self.world = self._new_world()
        self.config = config.ConfigState()
        self.ca_file: str | None = None
        self._log: list[dict] = []
        self._log_lock = threading.Lock()
        self.log_generation = 0  # bumped by clear_log: an entry of an earlier one is not recorded
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None
        self.errors: list[BaseException] = []

    def clock(self) -> datetime:
        """The appliance's clock: its world's `now` when frozen, else the host's, plus `clock_skew`."""
        base = self.now if self.now is not None else datetime.now(timezone.utc)
        return base + timedelta(seconds=self.clock_skew)

    def _new_world(self) -> World:
        return World(self.appliance, self.seed, self.now, self.tracking_count, self.quarantine_count)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> Simulator:
        if self._server is not None:
            return self
        server = Server((self.host, self.port), self)
        if self.tls:
            try:
                self._tmpdir, self.ca_file = wrap_tls(server, self.host)
            except BaseException:
                server.server_close()
                raise
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"cisco-esa-simulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_all_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---------------------------------------------------------------- facts
    @property
    def url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (keep-alive reuse shows as a small number)."""
        return self._server.accepted if self._server is not None else 0

    @property
    def users(self) -> dict:
        return {name: dict(info) for name, info in auth.USERS.items()}

    def connection(self, user: str = "admin", **overrides) -> dict:
        conn = {"server_url": self.url, "username": user, "password": auth.USERS[user]["password"],
                "appliance": self.appliance, "verify_tls": True, "ca_bundle": self.ca_file}
        conn.update(overrides)
        return conn

    # ---------------------------------------------------------------- control
    def inject(self, path, kind, count=1, status=None, message=None, retry_after=None, delay=None, method=None):
        return self.faults.inject(path, kind, count=count, status=status, message=message,
                                  retry_after=retry_after, delay=delay, method=method)

    def clear_faults(self) -> None:
        self.faults.clear()

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def add_tracking_message(self, **attrs) -> dict:
        return self.world.add_tracking_message(**attrs)

    def add_quarantine_message(self, **attrs) -> dict:
        return self.world.add_quarantine_message(**attrs)

    def set_old_format(self, enabled: bool = True) -> None:
        self.old_format = bool(enabled)

    def reset(self) -> None:
        # an untouched world equals a rebuilt one; skipping the rebuild keeps per-test resets cheap
        if self.world.dirty or self.world.live:
            self.world = self._new_world()
        self.config = config.ConfigState()
        self.old_format = self._initial_old_format
        self.clock_skew = 0.0
        self.faults.clear()
        self.tokens.clear()
        self.clear_log()

    @property
    def request_log(self) -> list[dict]:
        with self._log_lock:
            return [dict(e, headers=dict(e["headers"])) for e in self._log]

    def clear_log(self) -> None:
        """Empty the log; a request that arrived before and is answered after (one sleeping in a delay
        fault, say) is not logged either: the log holds what arrived since it was cleared."""
        with self._log_lock:
            self._log.clear()
            self.log_generation += 1

    def _record(self, entry: dict, generation: int | None = None) -> None:
        with self._log_lock:
            if generation is None or generation == self.log_generation:
                self._log.append(entry)

    def _note_exception(self, exc: BaseException) -> None:
        self.errors.append(exc)


def serve(host: str = "127.0.0.1", port: int = 0, tls: bool = False, appliance: str = "esa", seed: int = 1,
          tracking_count: int = 3000, quarantine_count: int = 300) -> int:
    """Blocking CLI entry: serve until SIGINT/SIGTERM, announcing the connection on stdout.

    Raises StartError (before announcing anything) when the simulator cannot start."""
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, _on_signal)
        except ValueError:  # not the main thread: rely on KeyboardInterrupt / the caller
            pass
    sim = Simulator(appliance=appliance, seed=seed, tls=tls, host=host, port=port,
                    tracking_count=tracking_count, quarantine_count=quarantine_count)
    try:
        sim.start()
        line = {"server_url": sim.url, "username": sim.username, "password": sim.password,
                "appliance": sim.appliance, "ca_bundle": sim.ca_file}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        if tls:
            sys.stderr.write(f"CA certificate for --ca-bundle: {sim.ca_file}\n")
            sys.stderr.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler)
            except (ValueError, TypeError):
                pass
    return 0
