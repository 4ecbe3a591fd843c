"""The registry: the manifest (integration.yaml) validated against its meta-schema, each command
bound to its input schema and its handler (commands/<id>.py, found by the id, never imported by
name). `Manifest.check()` loads every schema and handler at once and lists every problem, naming
file and field: the Integration calls it when it is built, so a typo fails at load, not at 3 a.m."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable

from jsonschema import Draft202012Validator

from cisco_esa.core import resources, validcache, yamldoc
from cisco_esa.core.params import META_CHECK, ParamSchema, meta_validator


class ManifestError(Exception):
    """The manifest, a schema, a handler or a mapping is broken: every problem, each naming its file and field."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ConnectionParam:
    id: str
    display_name: str
    type: str
    required: bool
    secret: bool
    description: str
    default: Any = None
    enum: tuple | None = None


@dataclass
class Command:
    id: str
    display_name: str
    description: str
    kind: str
    read_only: bool
    failure_indicator: str
    schema_path: Path = field(repr=False)
    offline: bool = False  # needs no connection: it never sends a request
    commands_dir: Path = field(repr=False, default=resources.COMMANDS)
    render: dict = field(repr=False, default_factory=dict)  # what the text output shows (cisco_esa/render.py)
    # the files it writes (`files:` of the manifest): the folder parameter and where data lists them
    files: dict | None = field(repr=False, default=None)

    @cached_property
    def params(self) -> ParamSchema:
        try:
            raw = self.schema_path.read_bytes()
            schema = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise ManifestError(f"{self.schema_path}: {exc}") from exc
        # Every problem listed (check_schema would stop at the first), once per content: the
        # same bytes that passed before are not meta-validated again (core/validcache.py).
        problems = validcache.problems(META_CHECK, raw, lambda: [
            f"{self.schema_path}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in meta_validator().iter_errors(schema)])
        if problems:
            raise ManifestError(problems)
        try:
            return ParamSchema(self.id, schema, checked=True)
        except Exception as exc:  # a $ref that resolves nowhere, and the like
            raise ManifestError(f"{self.schema_path}: invalid schema: {getattr(exc, 'message', exc)}") from exc

    @cached_property
    def handler(self) -> Callable | None:
        # The handler is found by the command's id (commands/<id>.py, function run): no field repeats it.
        name, func = self.id, "run"
        path = self.commands_dir / f"{name}.py"
        if not path.is_file():
            raise ManifestError(f"{path}: missing: commands.{self.id} has no handler")
        try:
            module = importlib.import_module(f"{_commands_package(self.commands_dir)}.{name}")
        except Exception as exc:
            raise ManifestError(f"{path}: cannot be imported: {type(exc).__name__}: {exc}") from exc
        fn = getattr(module, func, None)
        if not callable(fn):
            raise ManifestError(f"{resources.MANIFEST}: commands.{self.id}.handler: {path} has no function {func}")
        return fn


def _commands_package(folder: Path) -> str:
    """commands/ as the package cisco_esa.commands, so that handlers import each other by name. In a
    wheel it travels there; in a checkout it sits at the top of the repository. Another bundle's
    commands (a test's broken copy) load under a name of their own, beside the package's own."""
    for path, name in ((resources.COMMANDS, "cisco_esa.commands"), (folder, f"cisco_esa_bundle_{abs(hash(str(folder)))}")):
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path / "__init__.py",
                                                          submodule_search_locations=[str(path)])
            package = importlib.util.module_from_spec(spec)
            sys.modules[name] = package
            spec.loader.exec_module(package)
        if path == folder:
            return name
    raise AssertionError("unreachable")


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip()).lower()


class Manifest:
    def __init__(self, data: dict, path: Path):
        self.path = path
        self.data = data
        self.name = data["name"]
        self.display_name = data["display_name"]
        self.version = data["version"]
        self.description = data["description"]
        self.connection = [
            ConnectionParam(
                id=p["id"], display_name=p["display_name"], type=p["type"], required=p["required"],
                secret=p["secret"], description=p["description"], default=p.get("default"),
                enum=tuple(p["enum"]) if "enum" in p else None,
            )
            for p in data["connection"]
        ]
        self.commands: dict[str, Command] = {}
        for c in data["commands"]:
            if c["id"] in self.commands:
                raise ManifestError(f"{path}: commands: duplicate id {c['id']}")
            self.commands[c["id"]] = Command(
                id=c["id"], display_name=c["display_name"], description=c["description"], kind=c["kind"],
                read_only=c["read_only"],
                failure_indicator=c.get("failure_indicator", f"{c['display_name']} failed."),
                schema_path=path.parent / "schemas" / f"{c['id']}.json",
                commands_dir=path.parent / "commands", offline=c.get("offline", False),
                render=c.get("render") or {}, files=c.get("files"),
            )
        self._lookup = {}
        for cmd in self.commands.values():
            self._lookup[_norm(cmd.id)] = cmd
            self._lookup[_norm(cmd.display_name)] = cmd

    def find(self, name: str) -> Command | None:
        """By id or display name, case- and separator-insensitive."""
        if not isinstance(name, str):
            return None
        return self._lookup.get(_norm(name))

    @cached_property
    def connection_params(self) -> ParamSchema:
        """The connection parameters of contract §2 as a schema, derived from the manifest and
        validated by the same pipeline as command input. Values are taken exactly as written:
        strings keep their whitespace."""
        props = {}
        for p in self.connection:
            prop: dict[str, Any] = {"type": p.type, "title": p.display_name, "description": p.description}
            if p.default is not None:
                prop["default"] = p.default
            if p.enum:
                prop["enum"] = list(p.enum)
            if p.type == "string":
                prop.update({"minLength": 1, "x-keep-whitespace": True})
                if not p.required:
                    prop["x-blank-is-absent"] = True
            if p.type == "number":
                prop["exclusiveMinimum"] = 0
            if p.secret:
                prop["x-secret"] = True
            if p.id == "server_url":
                prop["format"] = "esa-server-url"
            props[p.id] = prop
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "properties": props,
            "required": [p.id for p in self.connection if p.required],
        }
        return ParamSchema("connection", schema, label="connection ")

    @property
    def secret_params(self) -> list[str]:
        return [p.id for p in self.connection if p.secret]

    def check(self) -> list[str]:
        """Load every command's schema and handler now; every problem found, none raised."""
        found: dict[str, list[str]] = {}
        for command in self.commands.values():
            found[command.id] = []
            for part in ("params", "handler"):
                try:
                    getattr(command, part)
                except ManifestError as exc:
                    found[command.id].extend(exc.problems)
        loaded = [c for c in self.commands.values() if "params" in c.__dict__]
        # Parsing the x-from paths takes jsonpath-ng and most of a start: the same paths that parsed
        # before (with the same jsonpath-ng) are not parsed again.
        paths = json.dumps([prop.get("x-from") for c in loaded for prop in c.params.properties.values()],
                           default=repr).encode()
        check = f"x-from JSONPath, {validcache.version_of('jsonpath-ng')}"
        parse = not validcache.known_valid(check, paths)
        for command in loaded:
            found[command.id].extend(self._from_problems(command, parse))
            found[command.id].extend(self._files_problems(command))
        problems = [p for command_problems in found.values() for p in command_problems]
        if parse and not any(found[c.id] for c in loaded):
            validcache.remember_valid(check, paths)
        return problems

    def _files_problems(self, command: Command) -> list[str]:
        """A `files:` declaration names a folder parameter the command's schema has, as text."""
        if not command.files:
            return []
        folder = command.files["folder"]
        prop = command.params.properties.get(folder)
        if prop is None:
            return [f"{self.path}: commands.{command.id}.files.folder: {command.schema_path} has no parameter {folder}"]
        if command.params.property(folder).get("type") != "string":
            return [f"{self.path}: commands.{command.id}.files.folder: parameter {folder} is not a string"]
        return []

    def _from_problems(self, command: Command, parse: bool = True) -> list[str]:
        """Each `x-from` of a parameter (the output paths that feed it) names a command and a path that
        parses (`parse`: the path's JSONPath syntax is checked too)."""
        problems = []
        for pid, prop in command.params.properties.items():
            for i, source in enumerate(prop.get("x-from", [])):
                where = f"{command.schema_path}: properties.{pid}.x-from.{i}"
                try:
                    cid, path = parse_from(source, parse)
                except ValueError as exc:
                    problems.append(f"{where}: {exc}")
                    continue
                if cid not in self.commands:
                    problems.append(f"{where}: no command {cid}")
        return problems


def parse_from(source, parse: bool = True) -> tuple[str, str]:
    """`search_messages: data.messages[*].mid` -> (command id, path into its envelope); ValueError if
    malformed (with `parse`, also when the path is no JSONPath)."""
    m = re.fullmatch(r"([a-z0-9_]+): ((?:data|raw_data)\b.+)", source) if isinstance(source, str) else None
    if not m:
        raise ValueError(f"{source!r} is not 'command_id: data.path' (or raw_data.path)")
    if parse:
        from jsonpath_ng import parse as parse_path  # here: a start whose paths parsed before never imports it

        try:
            parse_path(m.group(2))
        except Exception as exc:  # jsonpath-ng raises lexer, parser and plain errors alike
            raise ValueError(f"{m.group(2)!r} is not a JSONPath: {exc}") from None
    return m.group(1), m.group(2)


def load_manifest(path: Path | None = None) -> Manifest:
    path = path or resources.MANIFEST
    try:
        raw, data = yamldoc.load(path, path.parent)
    except (OSError, UnicodeDecodeError, yamldoc.DocumentError) as exc:
        raise ManifestError(f"{path}: {exc}") from exc
    meta_bytes = (resources.META / "manifest.schema.json").read_bytes()

    def check() -> list[str]:
        errors = sorted(Draft202012Validator(json.loads(meta_bytes)).iter_errors(data), key=lambda e: list(map(str, e.path)))
        return [f"{path}: {'.'.join(str(p) for p in e.path) or '(top)'}: {e.message}" for e in errors]

    problems = validcache.problems(f"manifest.schema.json {validcache.digest(meta_bytes)}",
                                   raw, check)
    if problems:
        raise ManifestError(problems)
    return Manifest(data, path)


@lru_cache(maxsize=1)
def manifest() -> Manifest:
    return load_manifest()
