"""The Fetch Event field-mapping engine: loads field_mappings/*.yaml, validates them, compiles
every path once and maps raw events to the spec's fields (contract §5).

A value is exactly what jsonpath-ng's ``find()`` yields for the path: the node itself for a
path of keys and indices, the list of matches for any other (``[*]``, slices, ``..``); a path
that matches nothing leaves its field out. Plain paths (``.key``, ``[n]``, ``[*]``) run as
small closures that follow jsonpath-ng's rules (tests/test_mapping.py proves them equal);
any other path runs through jsonpath-ng itself, imported only when a mapping needs it. A
mapping's fields together run as one function generated from their paths (_mapper), equal
to the closures on any event.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema

from cisco_esa.core import validcache, yamldoc

__all__ = [
    "ABSENT",
    "Field",
    "Mapping",
    "MappingConfigError",
    "MappingEngine",
    "UnmappableEventError",
    "compile_path",
    "load_mappings",
]

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "meta" / "field_mapping.schema.json"

# {jsonpath}=value: the path holds no braces, the value is everything after "}=".
_SEARCH_RE = re.compile(r"^\{(?P<path>[^{}]+)\}=(?P<value>.*)$", re.DOTALL)


class _Absent:
    """The value of a path that matched nothing."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


class MappingConfigError(ValueError):
    """A mapping file is unusable: unreadable, invalid against the schema, or a path does
    not compile. ``file`` and ``field`` name the first problem; the message lists all."""

    def __init__(self, message: str, file: str | None = None, field: str | None = None):
        super().__init__(message)
        self.file = file
        self.field = field


class UnmappableEventError(ValueError):
    """An event that no mapping applies to (not an object, or no search string selects it)."""


# --------------------------------------------------------------------------- paths

# A plain path: `$`, then `.name`, `[n]` and `[*]` steps. A name is what
# jsonpath-ng's lexer reads as one identifier, less its reserved words (`$.where` is a
# syntax error there, so it must not compile here either).
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PLAIN = re.compile(rf"\$(?:\.{_NAME}|\[-?\d+\]|\[\*\])*")
_STEP = re.compile(rf"\.({_NAME})|\[(-?\d+)\]|\[\*\]")
_RESERVED = {"where", "wherenot"}


def _key(value: Any, name: str) -> Any:
    # jsonpath-ng's Fields asks any value for .get(name); a value without it has no fields.
    try:
        return value.get(name, ABSENT)
    except (TypeError, AttributeError):
        return ABSENT


def _keys_of(value: Any) -> Callable[[str, Any], Any]:
    """value's fields read as a dict's get(name, ABSENT) reads an object's: _key for each."""
    return lambda name, _absent: _key(value, name)


def _index(value: Any, i: int) -> Any:
    # jsonpath-ng's Index: lists and tuples only (never a string), in range only.
    if isinstance(value, (list, tuple)) and -len(value) <= i < len(value):
        return value[i]
    return ABSENT


def _children(value: Any) -> list:
    # jsonpath-ng's Wildcard: the elements of an array, the values of an object, the
    # fields of anything else with keys(), nothing from a scalar.
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, dict):
        return [v for _, v in value.items()]
    try:
        keys = tuple(value.keys())
    except AttributeError:
        return []
    return [v for v in (_key(value, k) for k in keys) if v is not ABSENT]


# A step is (name, None) for `.name`, (None, n) for `[n]` and (None, None) for `[*]`.
Step = tuple[str | None, int | None]


def _plain_steps(path: str) -> list[Step] | None:
    """The steps of a plain path, or None when jsonpath-ng must read it."""
    if not _PLAIN.fullmatch(path):
        return None
    steps = [(m[1], None if m[2] is None else int(m[2])) for m in _STEP.finditer(path)]
    return None if any(name in _RESERVED for name, _ in steps) else steps


def _identity(value: Any) -> Any:
    return value


def _walk(steps: list[Step]) -> Callable[[Any], Any]:
    """Keys and indices: at most one match, returned as the value itself."""
    if len(steps) == 1:  # the usual step after a group's shared key: _key or _index inline
        name, i = steps[0]
        if name is not None:

            def get_key(value: Any) -> Any:
                try:
                    return value.get(name, ABSENT)
                except (TypeError, AttributeError):
                    return ABSENT

            return get_key

        def get_index(value: Any) -> Any:
            if isinstance(value, (list, tuple)) and -len(value) <= i < len(value):
                return value[i]
            return ABSENT

        return get_index

    def get(value: Any) -> Any:
        for name, i in steps:
            value = _key(value, name) if name is not None else _index(value, i)
            if value is ABSENT:
                break
        return value

    return get


def _plain_getter(steps: list[Step]) -> Callable[[Any], Any]:
    """A closure giving what jsonpath-ng's find() gives for the plain path ``steps``."""
    wild = [n for n, (name, i) in enumerate(steps) if name is None and i is None]
    if not wild:
        return _walk(steps) if steps else _identity
    if wild == [len(steps) - 1]:  # `.a.b[*]`, the spec's shape
        if len(steps) == 1:  # what is left of it after a group's shared key

            def get_every(value: Any) -> Any:
                if type(value) is list:  # the usual value: no call to _children
                    return value[:] or ABSENT
                return _children(value) or ABSENT

            return get_every
        head = _walk(steps[:-1])
        return lambda value: _children(head(value)) or ABSENT

    def get_all(value: Any) -> Any:
        # Every match in order, as jsonpath-ng's Child takes each left match in turn.
        found = [value]
        for name, i in steps:
            if name is not None:
                found = [v for v in (_key(x, name) for x in found) if v is not ABSENT]
            elif i is not None:
                found = [v for v in (_index(x, i) for x in found) if v is not ABSENT]
            else:
                found = [v for x in found for v in _children(x)]
            if not found:
                return ABSENT
        return found

    return get_all


def _jsonpath_ng_getter(path: str) -> tuple[Callable[[Any], Any], bool]:
    """The getter and singularity of a path only jsonpath-ng can read."""
    from jsonpath_ng import jsonpath, parse  # here, not at the top: start-up stays fast

    expression = parse(path)

    def singular(node: Any) -> bool:
        # Can the path match at most one node? Then its value is not a list.
        if isinstance(node, (jsonpath.Root, jsonpath.This)):
            return True
        if type(node) is jsonpath.Child:
            return singular(node.left) and singular(node.right)
        if type(node) is jsonpath.Fields:  # a parsed `*` is a Wildcard, never a Fields
            return len(node.fields) == 1
        return type(node) is jsonpath.Index and len(node.indices) == 1

    find = expression.find
    if singular(expression):
        def get(value: Any) -> Any:
            matches = find(value)
            return matches[0].value if matches else ABSENT
        return get, True

    def get_list(value: Any) -> Any:
        return [m.value for m in find(value)] or ABSENT

    return get_list, False


@dataclass(frozen=True)
class Field:
    """One mapped field: its name, its path as written, and ``get(event)``, its value or
    ABSENT. ``singular``: the value is a node, not a list of them. ``fast``: closures run
    the path, not jsonpath-ng."""

    name: str
    path: str
    get: Callable[[Any], Any]
    singular: bool
    steps: tuple[Step, ...] | None = None  # a plain path's steps; None when jsonpath-ng reads it

    @property
    def fast(self) -> bool:
        return self.steps is not None


def compile_path(path: str, name: str = "") -> Field:
    """Compile one source path (relative ``.x`` or absolute ``$.x``) into a Field.

    Raises whatever jsonpath-ng raises on a path it cannot parse."""
    # The spec writes source paths relative to the event (".attributes.mid[0]").
    absolute = "$" + path if path[:1] in (".", "[") else path
    steps = _plain_steps(absolute)
    if steps is None:
        get, singular = _jsonpath_ng_getter(absolute)
        return Field(name, path, get, singular)
    singular = all(n is not None or i is not None for n, i in steps)
    return Field(name, path, _plain_getter(steps), singular, tuple(steps))


# --------------------------------------------------------------------------- mappings


def _scalar_text(value: Any) -> str | None:
    # The search string compares text; a scalar matches by its JSON spelling.
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return None


@dataclass(frozen=True)
class Mapping:
    """The field mapping of one event source (one file under field_mappings/)."""

    source: str
    display_name: str
    file: Path
    main_event_path: str
    search_string: str
    search_path: Field
    search_value: str = ""
    fields: tuple[Field, ...] = ()
    # map(event): ``{field name: value}`` for the fields whose path matches in ``event`` (_mapper's)
    map: Callable[[Any], dict[str, Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "map", _mapper(self.fields, self.source))

    def matches(self, event: Any) -> bool:
        """True when the search string selects ``event``."""
        value = self.search_path.get(event)
        if type(value) is str:  # the usual case: sourceType is a string
            return value == self.search_value
        if value is ABSENT:
            return False
        candidates = (value,) if self.search_path.singular else value
        return any(_scalar_text(v) == self.search_value for v in candidates)


def _mapper(fields: tuple[Field, ...], source: str) -> Callable[[Any], dict[str, Any]]:
    """The mapping of `fields` as one function, in straight-line code generated from their paths (as
    dataclasses and namedtuple make their methods): each key path read once for all the fields that
    share it, each step inline when its value has the usual type (an object under `.name`, an array
    under `[n]` and `[*]`), else the same helper the closures call (_key, _index, _children), so the
    value is the closures' (and jsonpath-ng's) whatever the event. A path jsonpath-ng alone reads
    calls its Field.get. Names and keys from the file reach the code only as constants bound by
    name (c0, c1, ...), never as source text."""
    constants: dict[str, Any] = {}
    lines: list[str] = []
    seen: dict[tuple, str] = {}  # a key path already read -> its variable
    getters: dict[str, str] = {}  # a variable whose keys are read -> its reader of keys

    def const(value: Any) -> str:
        name = f"c{len(constants)}"
        constants[name] = value
        return name

    def key_path(keys: tuple[str, ...]) -> str:
        """The variable holding the value at `keys` (event when none), reading each prefix once."""
        if not keys:
            return "event"
        if keys not in seen:
            parent, k = key_path(keys[:-1]), const(keys[-1])
            if parent not in getters:  # an object's own get, or _key for anything else
                getters[parent] = f"g_{parent}"
                lines.append(f"    g_{parent} = {parent}.get if type({parent}) is dict else _keys_of({parent})")
            var = seen[keys] = f"p{len(seen)}"
            lines.append(f"    {var} = {getters[parent]}({k}, ABSENT)")
        return seen[keys]

    values = []
    for n, f in enumerate(fields):
        steps = list(f.steps) if f.steps is not None else None
        keys: list[str] = []
        while steps and steps[0][0] is not None:
            keys.append(steps.pop(0)[0])
        var = f"v{n}"
        if steps is None or len(steps) > 1:  # jsonpath-ng's, or steps past an index or a wildcard
            lines.append(f"    {var} = {const(f.get)}(event)")
        elif not steps:
            var = key_path(tuple(keys))
        elif steps[0][1] is not None:  # `[i]` last
            x, i = key_path(tuple(keys)), const(steps[0][1])
            lines.append(f"    {var} = {x}[{i}] if type({x}) is list and -len({x}) <= {i} < len({x}) else _index({x}, {i})")
        else:  # `[*]` last
            x = key_path(tuple(keys))
            lines.append(f"    {var} = ({x}[:] if type({x}) is list else _children({x})) or ABSENT")
        values.append(var)
    names = [const(f.name) for f in fields]
    every = " and ".join(f"{v} is not ABSENT" for v in dict.fromkeys(values)) or "True"
    lines.append(f"    if {every}:")
    lines.append("        return {" + ", ".join(f"{k}: {v}" for k, v in zip(names, values)) + "}")
    if values:
        lines.append(f"    return {{k: v for k, v in zip({const(tuple(f.name for f in fields))}, ({', '.join(values)},)) "
                     "if v is not ABSENT}")
    # A closure over the constants: each is read as a local cell, not looked up by name.
    bound = {"ABSENT": ABSENT, "_keys_of": _keys_of, "_index": _index, "_children": _children, **constants}
    code = (f"def make({', '.join(bound)}):\n    def map_event(event):\n"
            + "\n".join("    " + line for line in lines) + "\n    return map_event\n")
    namespace: dict[str, Any] = {}
    exec(compile(code, f"<field mapping {source}>", "exec"), namespace)
    function = namespace["make"](**bound)
    function.__doc__ = "{field name: value} for the fields whose path matches in event."
    function.source = code  # what was generated, for a reader (and the tests)
    return function


@dataclass(frozen=True)
class MappingEngine:
    """All event sources of a field_mappings directory, compiled."""

    mappings: tuple[Mapping, ...]
    main_event_path: str
    main_path: Field

    def __post_init__(self) -> None:
        # The spec's search strings all read one path ({$.sourceType}=...): then one lookup
        # and a table pick the source, the first file winning a value as in the scan.
        table = None
        first = self.mappings[0].search_path
        if first.singular and all(m.search_path.path == first.path for m in self.mappings):
            table = {}
            for m in self.mappings:
                table.setdefault(m.search_value, m)
        object.__setattr__(self, "_table", table)

    def mapping(self, name: str) -> Mapping:
        """The source named ``name``: its ``source`` id or display name, any case."""
        wanted = name.casefold()
        for m in self.mappings:
            if wanted in (m.source.casefold(), m.display_name.casefold()):
                return m
        raise KeyError(name)

    def main_events(self, document: Any) -> list:
        """The raw events under the main event path; [] when the path matches nothing."""
        value = self.main_path.get(document)
        if value is ABSENT:
            return []
        if self.main_path.singular:
            return list(value) if isinstance(value, list) else [value]
        return value

    def source_for(self, event: Any) -> Mapping | None:
        """The first source (by file name) whose search string selects ``event``."""
        if not isinstance(event, dict):
            return None
        if self._table is not None:  # type: ignore[attr-defined]
            value = self.mappings[0].search_path.get(event)
            return self._table.get(value if type(value) is str else _scalar_text(value))  # type: ignore[attr-defined]
        for m in self.mappings:
            if m.matches(event):
                return m
        return None

    def source_tagged(self, tag: str) -> Mapping | None:
        """The source that maps every event whose sourceType is `tag`, when the tag alone decides it
        (every search string reads $.sourceType); None when the pick depends on more of the event."""
        if self._table is None or self.mappings[0].search_path.path != "$.sourceType":  # type: ignore[attr-defined]
            return None
        return self._table.get(tag)  # type: ignore[attr-defined]

    def map_event(self, event: Any) -> dict[str, Any]:
        """The mapped fields of one raw event; UnmappableEventError if no source fits."""
        mapping = self.source_for(event)
        if mapping is not None:
            return mapping.map(event)
        if not isinstance(event, dict):
            kind = "null" if event is None else f"a {type(event).__name__}"  # never "a NoneType"
            raise UnmappableEventError(f"event is {kind}, not an object")
        raise UnmappableEventError(
            "no event source selects this event ("
            + ", ".join(m.search_string for m in self.mappings)
            + ")"
        )

    def map_events(self, events: Iterable[Any]) -> tuple[list[dict], list[tuple[int, str]]]:
        """Map every event; an event that fails is reported as (index, reason)."""
        mapped: list[dict] = []
        failures: list[tuple[int, str]] = []
        for index, event in enumerate(events):
            try:
                mapped.append(self.map_event(event))
            except Exception as exc:  # one bad event must not stop the others
                reason = str(exc) if isinstance(exc, UnmappableEventError) else f"{type(exc).__name__}: {exc}"
                failures.append((index, reason))
        return mapped, failures


# --------------------------------------------------------------------------- loading


class _SchemaCheck:
    """field_mapping.schema.json, meta-validated and compiled only when a mapping file's bytes have
    not passed it before (core/validcache.py): a start whose mappings did costs neither."""

    def __init__(self) -> None:
        self.raw = SCHEMA_PATH.read_bytes()
        self.name = f"field_mapping.schema.json {validcache.digest(self.raw)}"
        self._validator: Any = None

    @property
    def validator(self) -> Any:
        if self._validator is None:
            schema = json.loads(self.raw)
            cls = jsonschema.validators.validator_for(schema)
            if not validcache.known_valid(f"{cls.META_SCHEMA['$id']} with formats", self.raw):
                cls.check_schema(schema)
                validcache.remember_valid(f"{cls.META_SCHEMA['$id']} with formats", self.raw)
            self._validator = cls(schema)
        return self._validator

    def problems(self, document: bytes, doc: Any) -> list[tuple[str | None, str]]:
        if validcache.known_valid(self.name, document):
            return []
        found = _schema_problems(doc, self.validator)
        if not found:
            validcache.remember_valid(self.name, document)
        return found


def _schema_problems(doc: Any, validator: Any) -> list[tuple[str | None, str]]:
    """Every schema error as (field, line), in document order; a field by its name when
    the document gives one."""
    problems = []
    errors = sorted(validator.iter_errors(doc), key=lambda e: [(isinstance(p, str), p) for p in e.absolute_path])
    for error in errors:
        where = list(error.absolute_path)
        label = str(where[0]) if where else None
        if len(where) >= 2 and where[0] == "fields" and isinstance(where[1], int):
            name = doc["fields"][where[1]]
            name = name.get("name") if isinstance(name, dict) else None
            label = name if isinstance(name, str) else f"fields[{where[1]}]"
        text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
        problems.append((label, f"  {text or '(document)'}" + (f" (field {label!r})" if label else "")
                         + f": {error.message}"))
    return problems


def _compiled(path: str, name: str, label: str, problems: list[tuple[str, str]]) -> Field | None:
    try:
        return compile_path(path, name)
    except Exception as exc:  # jsonpath-ng raises assorted types on bad input
        problems.append((name, f"{label}: bad path {path!r}: {exc}"))
        return None


def _load_one(path: Path, check: _SchemaCheck) -> Mapping:
    file = str(path)
    try:
        raw, doc = yamldoc.load(path, path.parent.parent)
    except (OSError, UnicodeDecodeError, yamldoc.DocumentError) as exc:
        raise MappingConfigError(f"{file}: cannot read the mapping: {exc}", file) from exc

    schema_problems = check.problems(raw, doc)
    if schema_problems:
        raise MappingConfigError(
            f"{file}: invalid field mapping:\n" + "\n".join(line for _, line in schema_problems),
            file,
            schema_problems[0][0],
        )

    problems: list[tuple[str, str]] = []  # (field, message)
    fields: list[Field] = []
    seen: set[str] = set()
    for item in doc["fields"]:
        name = item["name"]
        if name in seen:
            problems.append((name, f"field {name!r} is defined twice"))
            continue
        seen.add(name)
        if (compiled := _compiled(item["path"], name, f"field {name!r}", problems)) is not None:
            fields.append(compiled)
    # The schema's pattern guarantees the {jsonpath}=value shape.
    search = _SEARCH_RE.match(doc["search_string"])
    search_path = _compiled(search["path"], "search_string", "search_string", problems)
    # Checked here, applied once for all files by load_mappings.
    _compiled(doc["main_event_path"], "main_event_path", "main_event_path", problems)
    if problems:
        raise MappingConfigError(f"{file}: " + "; ".join(msg for _, msg in problems), file, problems[0][0])

    mapping = Mapping(doc["source"], doc["display_name"], path, doc["main_event_path"],
                      doc["search_string"], search_path, search["value"], tuple(fields))
    # fetch_event tags each raw event with sourceType = source (contract §3): this file
    # must select such an event, or its fields would never apply.
    if not mapping.matches({"sourceType": mapping.source}):
        raise MappingConfigError(
            f"{file}: search_string {mapping.search_string!r} does not select an event "
            f"with sourceType {mapping.source!r}",
            file,
            "search_string",
        )
    return mapping


def load_mappings(directory: str | Path) -> MappingEngine:
    """Load, validate and compile every ``*.yaml`` mapping in ``directory``."""
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise MappingConfigError(f"{directory}: no field mapping (*.yaml) found", str(directory))
    check = _SchemaCheck()
    mappings = tuple(_load_one(p, check) for p in files)

    for attr in ("source", "display_name"):
        owners: dict[str, Path] = {}
        for m in mappings:
            key = getattr(m, attr).casefold()
            if key in owners:
                raise MappingConfigError(
                    f"{m.file}: {attr} {getattr(m, attr)!r} is already used by {owners[key]}",
                    str(m.file),
                    attr,
                )
            owners[key] = m.file

    # The main event path belongs to the default event source: one for all files.
    main_event_path = mappings[0].main_event_path
    for m in mappings[1:]:
        if m.main_event_path != main_event_path:
            raise MappingConfigError(
                f"{m.file}: main_event_path {m.main_event_path!r} differs from "
                f"{main_event_path!r} in {mappings[0].file}",
                str(m.file),
                "main_event_path",
            )
    return MappingEngine(mappings, main_event_path, compile_path(main_event_path, "main_event_path"))
