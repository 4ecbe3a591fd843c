"""The Python interface (contract §6): Integration(connection).run(command, params, state)
always returns one envelope (contract §3), whatever happens."""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

from cisco_esa.asyncos.api import AsyncOS
from cisco_esa.asyncos.transport import Connection, Transport
from cisco_esa.core.context import Context
from cisco_esa.core.envelope import build_envelope
from cisco_esa.core import resources, validcache, yamldoc
from cisco_esa.core.heap import collector_paused
from cisco_esa.core.outcome import CommandError, InputError, InternalError, Result
from cisco_esa.core.params import unknown_name
from cisco_esa.core.redaction import RedactingFilter, Secrets
from cisco_esa.core.registry import Manifest, ManifestError, load_manifest, manifest

log = logging.getLogger("cisco_esa")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def check_bundle(bundle: Path | None = None) -> Manifest:
    """The registry of `bundle` (the folder of integration.yaml; the package's own by default) with every
    schema, handler and field mapping loaded: ManifestError listing every problem otherwise."""
    if bundle is None:
        return _checked_default()
    loaded = load_manifest(Path(bundle) / "integration.yaml")
    problems = loaded.check() + _mapping_problems(Path(bundle) / "field_mappings")
    if problems:
        raise ManifestError(problems)
    return loaded


@lru_cache(maxsize=1)
def _checked_default() -> Manifest:
    loaded = manifest()
    # A start of the very bundle and code that passed the whole check before, under the same
    # interpreter and distributions, skips it: its schemas, handlers and mappings then load when a
    # command first needs them (issue 12, goal 5). Anything else is checked in full, and only a check
    # without problems is recorded (core/validcache.py).
    try:
        record = ("the package's bundle and code, checked whole; " + validcache.environment(),
                  _default_bundle_state())
    except OSError:
        record = None
    if record and validcache.known_valid(*record):
        return loaded
    from cisco_esa.fetch.engine import mapping_engine

    try:
        mapping_engine()  # compiled here once, and kept for the fetches of this process
        problems = loaded.check()
    except ManifestError as exc:
        problems = loaded.check() + exc.problems
    if problems:
        raise ManifestError(problems)
    if record:
        validcache.remember_valid(*record)
    return loaded


def _default_bundle_state() -> bytes:
    """The state of every file the whole check of the package's own bundle reads or imports: the
    manifest and its parsed copy, the schemas, handlers, field mappings and meta-schemas, and the
    package's modules (core/validcache.files_state)."""
    return validcache.files_state(
        [(resources.SCHEMAS, (".json",), False), (resources.COMMANDS, (".py",), False),
         (resources.FIELD_MAPPINGS, (".yaml",), False), (resources.META, (".json",), False),
         (resources.PACKAGE, (".py",), True)],
        [resources.MANIFEST, resources.BUNDLE / yamldoc.PARSED_NAME])


def _mapping_problems(folder: Path) -> list[str]:
    from cisco_esa.fetch.mapping import MappingConfigError, load_mappings

    try:
        load_mappings(folder)
    except MappingConfigError as exc:
        return [str(exc)]
    return []


class Integration:
    def __init__(self, connection: dict, *, clock: Callable[[], datetime] = utcnow, bundle: Path | None = None):
        """`bundle`: where the declarative parts live (integration.yaml, schemas/, commands/,
        field_mappings/); the package's own by default. All of it is checked here, once per process."""
        self.registry = check_bundle(bundle)
        self.clock = clock
        self.secrets = Secrets()
        self._api: AsyncOS | None = None
        self._client_lock = threading.Lock()
        self._connection_error: InputError | None = None
        self.connection: Connection | None = None
        self.cluster: dict = {}
        raw = dict(connection or {})
        for key in ("password",) + tuple(self.registry.secret_params):
            self.secrets.add(raw.get(key))
        try:
            self.connection, self.cluster = _parse_connection(raw, self.registry)
        except InputError as exc:
            self._connection_error = exc
        _install_redaction(self.secrets)
        if self.connection is not None and not self.connection.verify_tls:
            log.warning("TLS verification is disabled for %s: the appliance's identity is not checked.",
                        self.connection.server_url)

    @property
    def client(self) -> Transport:
        return self.api.transport

    @property
    def api(self) -> AsyncOS:
        with self._client_lock:
            if self._api is None:
                self._api = AsyncOS(Transport(self.connection, self.secrets), cluster=self.cluster)
            return self._api

    def run(self, command: str, params: dict | None = None, state: dict | None = None,
            progress: Callable | None = None, events: Callable[[list, list], None] | None = None) -> dict:
        """`events(mapped, raw)`: fetch_event hands it each batch of events as they become final and keeps
        none (the envelope then holds no events); a run that fails midway keeps, in its envelope's
        data.checkpoint, exactly the events that were handed over."""
        spec = self.registry.find(command)
        if spec is None:
            close = unknown_name(command, {c.id: c for c in self.registry.commands.values()})
            return build_envelope(None, command, None, InputError([f"command {close.replace('unknown parameter', 'unknown command')}"]), self.secrets)
        # A fetch keeps ten thousands of objects and makes next to no cycles (core/heap); other commands
        # keep few, and may leave cycles (a validation error's), so the collector stays as it is for them.
        with collector_paused() if spec.kind == "fetch_event" else contextlib.nullcontext():
            return self._run(spec, command, params, state, progress, events)

    def _run(self, spec, command, params, state, progress, events) -> dict:
        result: Result | None = None
        try:
            typed = spec.params.validate(params, self.clock())
            if spec.offline:
                # an offline command gets no API at all, so it cannot send a request by mistake
                ctx = Context(api=None, clock=self.clock, state=state, progress=progress, events=events)
            else:
                if self._connection_error is not None:
                    raise self._connection_error
                ctx = Context(api=self.api, clock=self.clock, state=state, progress=progress, events=events)
            result = spec.handler(typed, ctx)
            if not isinstance(result, Result):
                raise TypeError(f"handler of {spec.id} returned {type(result).__name__}, not Result")
            return build_envelope(spec, command, result, None, self.secrets)
        except ManifestError as exc:
            # a part loaded on its first use (after a start that skipped the whole check, core/validcache)
            # is broken: the command fails naming it, as the constructor would have
            log.error("%s cannot run: %s", spec.id, exc)
            return build_envelope(spec, command, None, CommandError(
                "The integration's files are broken: " + " ".join(exc.problems)), self.secrets)
        except CommandError as exc:
            log.debug("%s failed: %s", spec.id, exc.message)
            return build_envelope(spec, command, result or getattr(exc, "partial", None), exc, self.secrets)
        except Exception as exc:
            log.exception("internal error in %s", spec.id)
            return build_envelope(spec, command, getattr(exc, "partial", None), InternalError(), self.secrets)


def parse_connection(raw: dict, registry: Manifest | None = None) -> Connection:
    """Validate and type the connection parameters of contract §2 (the manifest's connection schema)."""
    return _parse_connection(raw, registry)[0]


CLUSTER_PARAMS = ("cluster_mode", "cluster_group", "cluster_host")


def _parse_connection(raw: dict, registry: Manifest | None = None) -> tuple[Connection, dict]:
    """The transport's Connection, and the query the configuration APIs add for a cluster
    (extension §16.1: mode, with group_name or host_name; nothing on a standalone appliance)."""
    values = (registry or manifest()).connection_params.validate(raw, utcnow())
    values["server_url"] = values["server_url"].rstrip("/")
    mode, group, host = (values.pop(k, None) for k in CLUSTER_PARAMS)
    cluster: dict = {}
    if mode == "group" and not group:
        raise InputError(["connection cluster_group: required when cluster_mode is group"])
    if mode == "machine" and not host:
        raise InputError(["connection cluster_host: required when cluster_mode is machine"])
    if mode in ("cluster", "group", "machine"):
        cluster["mode"] = mode
    if mode == "group":
        cluster["group_name"] = group
    if mode == "machine":
        cluster["host_name"] = host
    return Connection(**values), cluster


_installed: "weakref.WeakSet[Secrets]" = weakref.WeakSet()


class _AllSecrets(Secrets):
    """The secrets of every live Integration in this process."""

    def scrub(self, text):
        for member in list(_installed):
            text = member.scrub(text)
        return text


_filter = RedactingFilter(_AllSecrets())
# Logger-level filters do not apply to records from child loggers, so each logger we write to is listed.
_LOGGERS = ("cisco_esa", "cisco_esa.asyncos", "cisco_esa.command", "cisco_esa.fetch", "urllib3.connectionpool")


def _install_redaction(secrets: Secrets) -> None:
    """Every record of our loggers passes through the secret filter, whatever handler prints it."""
    _installed.add(secrets)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)


def redaction_filter() -> logging.Filter:
    return _filter
