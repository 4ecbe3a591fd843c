"""The manifest (integration.yaml): validated against its meta-schema at load, each command
bound to its input schema and its handler (loaded from the manifest, never imported by name)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml
from jsonschema import Draft202012Validator

from cisco_esa.core import resources
from cisco_esa.core.params import ParamSchema


class ManifestError(Exception):
    """The manifest, a schema or a handler reference is broken; names the file and the field."""


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

    @cached_property
    def params(self) -> ParamSchema:
        try:
            schema = json.loads(self.schema_path.read_text())
            return ParamSchema(self.id, schema)
        except (OSError, ValueError) as exc:
            raise ManifestError(f"{self.schema_path}: {exc}") from exc
        except Exception as exc:  # jsonschema.SchemaError and friends
            raise ManifestError(f"{self.schema_path}: invalid schema: {getattr(exc, 'message', exc)}") from exc

    @cached_property
    def handler(self) -> Callable | None:
        # The handler is found by the command's id (commands/<id>.py, function run): no field repeats it.
        name, func = self.id, "run"
        path = resources.COMMANDS / f"{name}.py"
        if not path.is_file():
            # Declared but not built yet: `run` reports that as Failed with a clear message,
            # not as an internal error (the contract test lists such commands).
            return None
        module_name = f"cisco_esa.commands.{name}"
        module = sys.modules.get(module_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None:
                raise ManifestError(f"{resources.MANIFEST}: commands.{self.id}.handler: cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(module_name, None)
                raise
        fn = getattr(module, func, None)
        if not callable(fn):
            raise ManifestError(f"{resources.MANIFEST}: commands.{self.id}.handler: {path} has no function {func}")
        return fn


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
                schema_path=resources.SCHEMAS / f"{c['id']}.json",
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

    def connection_schema(self) -> dict:
        """The connection parameters as a JSON schema, derived from the manifest."""
        props = {}
        for p in self.connection:
            prop: dict[str, Any] = {"type": p.type, "title": p.display_name, "description": p.description}
            if p.default is not None:
                prop["default"] = p.default
            if p.enum:
                prop["enum"] = list(p.enum)
            if p.type == "string":
                prop["minLength"] = 1
            if p.type == "number":
                prop["exclusiveMinimum"] = 0
            props[p.id] = prop
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "properties": props,
            "required": [p.id for p in self.connection if p.required],
        }

    @property
    def secret_params(self) -> list[str]:
        return [p.id for p in self.connection if p.secret]


def load_manifest(path: Path | None = None) -> Manifest:
    path = path or resources.MANIFEST
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"{path}: {exc}") from exc
    meta = json.loads((resources.META / "manifest.schema.json").read_text())
    errors = sorted(Draft202012Validator(meta).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.path) or "(top)"
        raise ManifestError(f"{path}: {where}: {first.message}")
    return Manifest(data, path)


@lru_cache(maxsize=1)
def manifest() -> Manifest:
    return load_manifest()
