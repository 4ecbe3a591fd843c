"""What every platform generator reads: the manifest, the command schemas and the golden samples,
turned into plain frozen records. The only module of cisco_esa.export that imports the runtime."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Every import of runtime internals lives here: the export reads the registry and nothing else.
from cisco_esa import __version__ as RUNTIME_VERSION
from cisco_esa.core import resources
from cisco_esa.core.params import resolve
from cisco_esa.core.registry import manifest

# The distribution our wheel is published as (pyproject's project.name): platform packages
# depend on it by this name.
DISTRIBUTION = "cisco-esa-soar"


@dataclass(frozen=True)
class ConnectionField:
    id: str
    display_name: str
    type: str  # string | boolean | number | integer
    required: bool
    secret: bool
    description: str
    default: Any = None
    enum: tuple | None = None


@dataclass(frozen=True)
class Param:
    id: str
    title: str
    description: str
    type: str  # string | integer | number | boolean (of the items, for a list)
    is_list: bool
    is_time: bool
    required: bool
    required_when: tuple[str, ...] = ()
    enum: tuple | None = None
    default: Any = None
    minimum: Any = None
    maximum: Any = None


@dataclass(frozen=True)
class Shape:
    """The type tree of a sample value: kind is string, integer, number, boolean, null,
    list (of `item`), object (with `fields`) or map (keys are data, e.g. message ids)."""

    kind: str
    item: "Shape | None" = None
    fields: tuple[tuple[str, "Shape"], ...] = ()


@dataclass(frozen=True)
class Files:
    """A command that writes files (the manifest's `files:`): the parameter naming the folder,
    the path into data of the rows listing the files, and each row's path and name fields."""

    folder: str
    rows: str
    path: str
    name: str

    def rows_of(self, data: dict | None) -> list[dict]:
        """The file rows of a result's data (none when the path leads nowhere)."""
        value = data
        for key in self.rows.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Command:
    id: str
    display_name: str
    description: str
    kind: str  # action | test_connection | fetch_event
    read_only: bool
    failure_indicator: str
    params: tuple[Param, ...]
    sample: dict | None  # the golden envelope of sample_outputs/<id>.json, if any
    files: Files | None = None  # the files it writes, where the manifest declares them

    @property
    def form_params(self) -> tuple[Param, ...]:
        """The parameters a platform's form offers: all but the folder of a files command,
        which the platform's package sets itself (its own temporary directory)."""
        return tuple(p for p in self.params if not self.files or p.id != self.files.folder)

    @property
    def data_shape(self) -> Shape | None:
        if not self.sample or not isinstance(self.sample.get("data"), dict):
            return None
        return shape_of(self.sample["data"])

    def param(self, pid: str) -> Param | None:
        return next((p for p in self.params if p.id == pid), None)


@dataclass(frozen=True)
class Model:
    name: str
    display_name: str
    vendor: str
    version: str
    description: str
    connection: tuple[ConnectionField, ...]
    commands: tuple[Command, ...]
    runtime_version: str = RUNTIME_VERSION
    distribution: str = DISTRIBUTION

    def command(self, cid: str) -> Command:
        return next(c for c in self.commands if c.id == cid)

    def of_kind(self, kind: str) -> list[Command]:
        return [c for c in self.commands if c.kind == kind]

    def connection_field(self, fid: str) -> ConnectionField | None:
        return next((f for f in self.connection if f.id == fid), None)


@lru_cache(maxsize=1)
def load() -> Model:
    m = manifest()
    connection = tuple(
        ConnectionField(id=p.id, display_name=p.display_name, type=p.type, required=p.required,
                        secret=p.secret, description=p.description, default=p.default,
                        enum=tuple(p.enum) if p.enum else None)
        for p in m.connection
    )
    commands = tuple(
        Command(id=c.id, display_name=c.display_name, description=c.description, kind=c.kind,
                read_only=c.read_only, failure_indicator=c.failure_indicator,
                params=_params(c.params.schema), sample=_sample(c.id),
                files=Files(**c.files) if c.files else None)
        for c in m.commands.values()
    )
    return Model(name=m.name, display_name=m.display_name, vendor=m.data.get("vendor", ""),
                 version=m.version, description=" ".join(m.description.split()),
                 connection=connection, commands=commands)


def _params(schema: dict) -> tuple[Param, ...]:
    required = set(schema.get("required", []))
    when: dict[str, list[str]] = {}
    for rule in schema.get("allOf", []):
        for pid in rule.get("then", {}).get("required", []):
            when.setdefault(pid, []).append(rule.get("x-when", "a condition holds"))
    out = []
    for pid, raw in schema.get("properties", {}).items():
        prop = resolve(raw)
        is_list = prop.get("type") == "array"
        item = resolve(prop.get("items", {})) if is_list else prop
        out.append(Param(
            id=pid, title=prop.get("title", pid), description=prop.get("description", "") or prop.get("title", pid),
            type=item.get("type", "string"), is_list=is_list, is_time=item.get("format") == "esa-time",
            required=pid in required, required_when=tuple(when.get(pid, ())),
            enum=tuple(item["enum"]) if "enum" in item else None, default=prop.get("default"),
            minimum=prop.get("minimum"), maximum=prop.get("maximum"),
        ))
    return tuple(out)


def _sample(cid: str) -> dict | None:
    path = resources.SAMPLE_OUTPUTS / f"{cid}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())


_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ -]*$")


def shape_of(value: Any) -> Shape:
    """The type tree of a sample value; lists merge the shapes of all their elements."""
    if isinstance(value, bool):
        return Shape("boolean")
    if isinstance(value, int):
        return Shape("integer")
    if isinstance(value, float):
        return Shape("number")
    if isinstance(value, str):
        return Shape("string")
    if value is None:
        return Shape("null")
    if isinstance(value, list):
        item = None
        for element in value:
            item = _merge(item, shape_of(element))
        return Shape("list", item=item)
    if isinstance(value, dict):
        if value and not all(isinstance(k, str) and _FIELD_NAME.match(k) for k in value):
            # keys that are data (a message id, a serial number): not a fixed field set
            return Shape("map")
        return Shape("object", fields=tuple(sorted((k, shape_of(v)) for k, v in value.items())))
    return Shape("string")


def _merge(a: Shape | None, b: Shape) -> Shape:
    if a is None or a.kind == "null":
        return b
    if b.kind == "null" or a == b:
        return a
    if a.kind == b.kind == "object":
        fields = dict(a.fields)
        for key, sub in b.fields:
            fields[key] = _merge(fields.get(key), sub)
        return Shape("object", fields=tuple(sorted(fields.items())))
    if a.kind == b.kind == "list":
        return Shape("list", item=_merge(a.item, b.item) if b.item else a.item)
    if {a.kind, b.kind} == {"integer", "number"}:
        return Shape("number")
    if "map" in (a.kind, b.kind) and {a.kind, b.kind} <= {"map", "object"}:
        return Shape("map")
    return Shape("string")  # mixed scalars: the platform's most general type


def leaves(shape: Shape, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every typed leaf of a shape as (path, kind); a list contributes no path segment of its
    own (platforms address list elements by the field path), a map is one opaque leaf."""
    if shape.kind == "object":
        out = []
        for key, sub in shape.fields:
            out += leaves(sub, prefix + (key,))
        return out
    if shape.kind == "list":
        if shape.item is None:
            return [(prefix, "list")]
        if shape.item.kind in ("object", "list"):
            return leaves(shape.item, prefix)
        return [(prefix, shape.item.kind)]
    return [(prefix, shape.kind)]
