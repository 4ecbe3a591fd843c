"""The Python interface (contract §6): Integration(connection).run(command, params, state)
always returns one envelope (contract §3), whatever happens."""

from __future__ import annotations

import logging
import threading
import weakref
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from cisco_esa.asyncos.transport import Transport, Connection
from cisco_esa.core.context import Context
from cisco_esa.core.registry import manifest
from cisco_esa.core.envelope import build_envelope
from cisco_esa.core.outcome import CommandError, InputError, InternalError, Result
from cisco_esa.core.params import _coerce_scalar, _unknown
from cisco_esa.core.redaction import RedactingFilter, Secrets

log = logging.getLogger("cisco_esa")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Integration:
    def __init__(self, connection: dict, *, clock: Callable[[], datetime] = utcnow):
        self.clock = clock
        self.secrets = Secrets()
        self._client: Transport | None = None
        self._client_lock = threading.Lock()
        self._connection_error: InputError | None = None
        self.connection: Connection | None = None
        raw = dict(connection or {})
        for key in ("password",) + tuple(manifest().secret_params):
            self.secrets.add(raw.get(key))
        try:
            self.connection = parse_connection(raw)
        except InputError as exc:
            self._connection_error = exc
        _install_redaction(self.secrets)
        if self.connection is not None and not self.connection.verify_tls:
            log.warning("TLS verification is disabled for %s: the appliance's identity is not checked.",
                        self.connection.server_url)

    @property
    def client(self) -> Transport:
        with self._client_lock:
            if self._client is None:
                self._client = Transport(self.connection, self.secrets)
            return self._client

    def run(self, command: str, params: dict | None = None, state: dict | None = None,
            progress: Callable | None = None) -> dict:
        spec = manifest().find(command)
        if spec is None:
            close = _unknown(command, {c.id: c for c in manifest().commands.values()})
            return build_envelope(None, command, None, InputError([f"command {close.replace('unknown parameter', 'unknown command')}"]), self.secrets)
        result: Result | None = None
        try:
            typed = spec.params.validate(params, self.clock())
            if self._connection_error is not None:
                raise self._connection_error
            handler = spec.handler
            if handler is None:
                raise CommandError(f"{spec.display_name} is not built yet in this version of the integration.", None)
            ctx = Context(client=self.client, clock=self.clock, state=state, progress=progress)
            result = handler(typed, ctx)
            if not isinstance(result, Result):
                raise TypeError(f"handler of {spec.id} returned {type(result).__name__}, not Result")
            return build_envelope(spec, command, result, None, self.secrets)
        except CommandError as exc:
            log.debug("%s failed: %s", spec.id, exc.message)
            return build_envelope(spec, command, result, exc, self.secrets)
        except Exception:
            log.exception("internal error in %s", spec.id)
            return build_envelope(spec, command, None, InternalError(), self.secrets)


def parse_connection(raw: dict) -> Connection:
    """Validate and type the connection parameters of contract §2 against the manifest."""
    schema = manifest().connection_schema()
    props = schema["properties"]
    problems, values = [], {}
    for key, value in raw.items():
        if key not in props:
            problems.append(_unknown(key, props).replace("parameter", "connection parameter"))
        elif value is None or (isinstance(value, str) and value == "" and key not in schema["required"]):
            continue
        else:
            values[key] = _coerce_scalar(value, props[key])
            if props[key]["type"] == "number" and isinstance(values[key], str):
                try:
                    values[key] = float(values[key])
                except ValueError:
                    pass
    for key, prop in props.items():
        values.setdefault(key, prop["default"]) if "default" in prop else None
    for error in Draft202012Validator(schema).iter_errors(values):
        if error.validator == "required":
            name = error.message.split("'")[1]
            problems.append(f"connection {name}: required")
        else:
            where = error.path[0] if error.path else "connection"
            shown = "***" if where in manifest().secret_params else repr(error.instance)
            problems.append(f"connection {where}: {shown} is not valid ({error.validator} {error.validator_value})")
    url = values.get("server_url")
    if isinstance(url, str) and not url.lower().startswith(("http://", "https://")):
        problems.append("connection server_url: give scheme, host and port, e.g. https://esa.example:6443")
    elif isinstance(url, str) and "@" in urlsplit(url).netloc:
        # Credentials in the URL would travel into logs and data; they belong in username/password.
        problems.append("connection server_url: must not carry credentials; put them in username and password")
    if problems:
        raise InputError(problems)
    values["server_url"] = values["server_url"].rstrip("/")
    return Connection(**values)


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
