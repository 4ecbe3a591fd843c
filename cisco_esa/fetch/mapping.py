"""The Fetch Event field-mapping engine: loads field_mappings/*.yaml, validates and compiles
every JSONPath once, and maps raw events to the spec's fields (contract §5).

API:

- ``load_mappings(directory) -> MappingEngine``: load every ``*.yaml`` in ``directory``,
  validate it against ``meta/field_mapping.schema.json`` and compile its paths. Any
  problem raises ``MappingConfigError`` naming the file and the field.
- ``MappingEngine.main_events(document) -> list``: the raw events under the main event
  path (``$.data``).
- ``MappingEngine.source_for(event) -> Mapping | None``: the event source whose search
  string (``{jsonpath}=value``) selects the event.
- ``MappingEngine.map_event(event) -> dict``: ``{field name: value}``; raises
  ``UnmappableEventError`` when the event is not an object or no source selects it.
- ``MappingEngine.map_events(events) -> (mapped, failures)``: maps each event; one that
  cannot be mapped becomes ``(index, reason)`` in ``failures`` and the rest go on.
- ``MappingEngine.mapping(name) -> Mapping``: a source by ``source`` or display name.
- ``Mapping.map(event) -> dict`` maps with one source; ``Mapping.matches(event)`` tests
  its search string; ``Mapping.fields`` are ``Field``s (``name``, ``path``, ``get(event)``,
  ``reference(event)``); ``compile_path(path, name) -> Field`` compiles one path.
  ``get`` and ``reference`` return ``ABSENT`` when the path matches nothing.

Value semantics: a value is exactly what the path yields from the raw event, judged by
jsonpath-ng's own ``find()`` (``Field.reference``). A path that can match at most one
node (keys and single indices) yields that node's value; a path that can match several
(``[*]``, slices, ``..``, unions) yields the list of match values. A path with no match
leaves the field out of the event, so an empty ``[*]`` list means an absent field.

Speed: paths made only of keys, single indices and ``[*]`` run through fast accessors
built at load that reproduce jsonpath-ng's ``Fields``/``Index``/``Wildcard`` rules, and
each source's fields are compiled into one generated function (``Mapping.
generated_source``) that does the lookups of a plain-dict event inline. A value
jsonpath-ng could treat in an unusual way (a non-JSON container) goes to the compiled
jsonpath-ng expression; every other path always runs through jsonpath-ng. A probe at
first use checks the fast rules against the installed jsonpath-ng and turns them off if
they disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema
import yaml
from jsonpath_ng import jsonpath as _jp
from jsonpath_ng import parse as _jp_parse

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

# Step kinds of a simple path.
_KEY, _INDEX, _ALL = "key", "index", "all"

# `[*]` parses to Wildcard since jsonpath-ng 1.8 or so; before, to a Slice with other rules.
_Wildcard = getattr(_jp, "Wildcard", None)


def _absolute(path: str) -> str:
    # The spec writes source paths relative to the event (".attributes.mid[0]").
    return "$" + path if path[:1] in (".", "[") else path


def _steps_of(node: _jp.JSONPath) -> list[tuple[str, Any]] | None:
    """The path as a list of simple steps, or None when it is not a simple path.

    Read from jsonpath-ng's own parse tree, so quoting and escaping are its business."""
    if isinstance(node, _jp.Root):
        return []
    if isinstance(node, _jp.Child):
        left = _steps_of(node.left)
        right = None if left is None else _steps_of_leaf(node.right)
        return None if right is None else left + [right]
    leaf = _steps_of_leaf(node)
    # A path that does not begin at $ (e.g. "a.b") starts at the event as $ does.
    return None if leaf is None else [leaf]


def _steps_of_leaf(node: _jp.JSONPath) -> tuple[str, Any] | None:
    if type(node) is _jp.Fields:
        # "*" as a name was a wildcard in older jsonpath-ng: leave it to jsonpath-ng.
        if len(node.fields) == 1 and node.fields[0] != "*":
            return (_KEY, node.fields[0])
        return None
    if type(node) is _jp.Index:
        if len(node.indices) == 1 and type(node.indices[0]) is int:
            return (_INDEX, node.indices[0])
        return None
    if _Wildcard is not None and type(node) is _Wildcard:
        return (_ALL, None)
    return None


def _is_singular(node: _jp.JSONPath) -> bool:
    """True when the path can match at most one node, so its value is that node's."""
    if isinstance(node, (_jp.Root, _jp.This)):
        return True
    if type(node) is _jp.Child:
        return _is_singular(node.left) and _is_singular(node.right)
    if type(node) is _jp.Fields:
        return len(node.fields) == 1 and not getattr(node, "_deprecated_wildcard_use", False)
    if type(node) is _jp.Index:
        return len(node.indices) == 1
    return False


def _reference_getter(expr: _jp.JSONPath, singular: bool) -> Callable[[Any], Any]:
    """The value by jsonpath-ng itself: the reference the fast accessors must equal."""
    find = expr.find
    if singular:
        def get(event: Any) -> Any:
            matches = find(event)
            return matches[0].value if matches else ABSENT
    else:
        def get(event: Any) -> Any:
            matches = find(event)
            return [m.value for m in matches] if matches else ABSENT
    return get


class _Fallback(Exception):
    """Raised inside a fast accessor when a value needs jsonpath-ng's own handling."""


def _key_chain(keys: tuple[str, ...]) -> Callable[[Any], Any]:
    """Value at a chain of keys, ABSENT when any is missing.

    jsonpath-ng's Fields calls ``value.get(key, NOT_SET)`` and treats TypeError and
    AttributeError as no match; calling the same method the same way keeps that exact
    for every type (lists, strings, numbers and None have no ``get``)."""
    if len(keys) == 1:
        (k1,) = keys

        def chain(v: Any) -> Any:
            try:
                return v.get(k1, ABSENT)
            except (TypeError, AttributeError):
                return ABSENT

    elif len(keys) == 2:
        k1, k2 = keys

        def chain(v: Any) -> Any:
            try:
                v = v.get(k1, ABSENT)
                return ABSENT if v is ABSENT else v.get(k2, ABSENT)
            except (TypeError, AttributeError):
                return ABSENT

    else:

        def chain(v: Any) -> Any:
            try:
                for k in keys:
                    v = v.get(k, ABSENT)
                    if v is ABSENT:
                        return ABSENT
                return v
            except (TypeError, AttributeError):
                return ABSENT

    return chain


def _index_of(v: Any, i: int) -> Any:
    # jsonpath-ng's Index, step for step: only a list or tuple, only an index in range
    # (a string, or a dict keyed by ints, yields nothing).
    if isinstance(v, (list, tuple)):
        return v[i] if v and -len(v) <= i < len(v) else ABSENT
    return ABSENT


_SCALARS = (str, int, float, bool, type(None))


def _all_of(v: Any) -> list:
    # jsonpath-ng's Wildcard: every element of a list or tuple, every value of a dict,
    # nothing from a scalar (a string included).
    if type(v) is list:
        return list(v)
    if isinstance(v, (list, tuple)):
        return [x for x in v]
    if type(v) is dict:
        return list(v.values())
    if isinstance(v, dict):
        return [x for _, x in v.items()]
    if type(v) in _SCALARS:
        return []
    raise _Fallback  # another object: jsonpath-ng asks it for keys(); let it


Steps = tuple[tuple[str, Any], ...]
# A compiled accessor: (value to start from, whole event) -> value or ABSENT. The event
# is there for the fallback, which reruns the whole path with jsonpath-ng.
Tail = Callable[[Any, Any], Any]


def _step_runner(steps: Steps, singular: bool) -> Callable[[Any], Any]:
    """A general executor of simple steps, for paths no specialised shape fits.

    Keeps every match in order, as jsonpath-ng's Child does (left matches, then each
    one's right matches)."""

    def run(start: Any) -> Any:
        current = [start]
        for kind, arg in steps:
            found = []
            for v in current:
                if kind is _KEY:
                    try:
                        r = v.get(arg, ABSENT)
                    except (TypeError, AttributeError):
                        continue
                    if r is not ABSENT:
                        found.append(r)
                elif kind is _INDEX:
                    r = _index_of(v, arg)
                    if r is not ABSENT:
                        found.append(r)
                else:
                    found.extend(_all_of(v))
            if not found:
                return ABSENT
            current = found
        return current[0] if singular else current

    return run


def _tail(steps: Steps, singular: bool, slow: Callable[[Any], Any]) -> Tail:
    """A fast accessor for simple steps, specialised for the common shapes: a key chain,
    a key chain then one index, a key chain then [*]. A value the fast code cannot judge
    with certainty sends the whole event to ``slow`` (jsonpath-ng)."""
    n_keys = 0
    while n_keys < len(steps) and steps[n_keys][0] is _KEY:
        n_keys += 1
    keys = tuple(arg for _, arg in steps[:n_keys])
    rest = steps[n_keys:]
    chain = _key_chain(keys) if keys else (lambda v: v)

    if not rest and keys:

        def get_keys(start: Any, event: Any) -> Any:
            return chain(start)

        return get_keys

    if len(rest) == 1 and rest[0][0] is _INDEX:
        i = rest[0][1]

        def get_index(start: Any, event: Any) -> Any:
            v = chain(start)
            if type(v) is list:
                # For a real list, v[i] succeeds exactly when -len <= i < len.
                try:
                    return v[i]
                except IndexError:
                    return ABSENT
            return _index_of(v, i)

        return get_index

    if len(rest) == 1 and rest[0][0] is _ALL:

        def get_all(start: Any, event: Any) -> Any:
            v = chain(start)
            if type(v) is list:
                return list(v) if v else ABSENT
            if v is ABSENT:
                return ABSENT
            try:
                return _all_of(v) or ABSENT
            except _Fallback:
                return slow(event)

        return get_all

    run = _step_runner(steps, singular)

    def get_general(start: Any, event: Any) -> Any:
        try:
            return run(start)
        except _Fallback:
            return slow(event)

    return get_general


@dataclass(frozen=True)
class Field:
    """One mapped field: its name, its path as written, and its compiled forms."""

    name: str
    path: str
    expression: _jp.JSONPath = dc_field(repr=False, compare=False)
    # True when the path can match at most one node (its value is not a list).
    singular: bool = True
    # The simple steps the fast accessor runs; None when jsonpath-ng runs the path.
    steps: Steps | None = dc_field(default=None, repr=False, compare=False)
    # The field's value from an event (ABSENT when the path matches nothing).
    get: Callable[[Any], Any] = dc_field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    # The same by jsonpath-ng alone: the reference semantics, for tests and fallbacks.
    reference: Callable[[Any], Any] = dc_field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def fast(self) -> bool:
        return self.steps is not None


def compile_path(path: str, name: str = "") -> Field:
    """Compile one source path (relative ``.x`` or absolute ``$.x``) into a Field.

    Raises whatever jsonpath-ng raises on a path it cannot parse."""
    return _compile(path, name, _fast_semantics_hold())


def _compile(path: str, name: str, fast: bool) -> Field:
    expression = _jp_parse(_absolute(path))
    singular = _is_singular(expression)
    reference = _reference_getter(expression, singular)
    steps = _steps_of(expression) if fast else None
    if steps:
        tail = _tail(tuple(steps), singular, reference)

        def get(event: Any) -> Any:
            return tail(event, event)

        return Field(name, path, expression, singular, tuple(steps), get, reference)
    # Not a simple path ("$" alone included): jsonpath-ng decides.
    return Field(name, path, expression, singular, None, reference, reference)


# Shapes on which jsonpath-ng's releases have differed (Index on a string, [*] on a dict
# or a scalar, negative indices): the fast accessors copy the installed version's rules,
# and this probe proves it once per process, so an upgrade that changes them turns the
# fast paths off instead of changing results.
_PROBE_PATHS = ("$.a", "$.a.b", "$.a[0]", "$.a[-1]", "$.a[2]", "$.a[*]", "$.a[*].b", "$[0]", "$[*]")
_PROBE_DOCS = (
    None, True, 0, 1.5, "ab", [], [1, "x"], (2, 3), {}, {"a": 1}, {"a": None}, {"a": "xyz"},
    {"a": []}, {"a": [5, 6, 7]}, {"a": (7,)}, {"a": {"b": 2}}, {"a": {"0": 1, 1: 2}},
    {"a": [{"b": 1}, {"c": 2}, 3, {"b": [4]}]}, {"a": {"x": {"b": 1}, "y": [{"b": 2}]}},
)


def _fast_semantics_hold() -> bool:
    global _FAST_OK
    if _FAST_OK is None:
        fields = tuple(_compile(p, p, True) for p in _PROBE_PATHS)
        mapper, _ = _generate(fields)
        _FAST_OK = all(
            repr(f.get(doc)) == repr(f.reference(doc)) for f in fields for doc in _PROBE_DOCS
        ) and all(repr(mapper(doc)) == repr(_reference_map(fields, doc)) for doc in _PROBE_DOCS)
    return _FAST_OK


_FAST_OK: bool | None = None


def _reference_map(fields: tuple[Field, ...], event: Any) -> dict[str, Any]:
    """A mapping's result by jsonpath-ng alone."""
    out = {}
    for f in fields:
        value = f.reference(event)
        if value is not ABSENT:
            out[f.name] = value
    return out


# Member operations of a plan.
_OP_KEY, _OP_KEY_INDEX, _OP_KEY_ALL, _OP_TAIL, _OP_SAME = range(5)


def _plan(fields: tuple[Field, ...]) -> list[tuple[str | None, list[tuple]]]:
    """The mapping as groups of fields for code generation: runs of consecutive fields
    that start with the same key share one lookup of it (every tracking field starts
    with ``attributes``).

    Each group is (first key or None, members); each member is (name, op, key, arg,
    tail): ``tail(start, event)`` always gives the value from the group's start value;
    ``op``, ``key`` and ``arg`` say how to do the same inline when the start is a plain
    dict. ``_OP_SAME`` marks a field whose path equals the previous field's (Document ID
    and Message ID): its value is the one just computed."""
    groups: list[tuple[str | None, list[tuple]]] = []
    previous: Field | None = None
    for f in fields:
        if f.steps is None:
            group, rest = None, None
        elif len(f.steps) >= 2 and f.steps[0][0] is _KEY:
            group, rest = f.steps[0][1], f.steps[1:]
        else:
            group, rest = None, f.steps
        same_group = bool(groups) and groups[-1][0] == group
        if same_group and previous is not None and previous.expression == f.expression:
            member = (f.name, _OP_SAME, None, None, groups[-1][1][-1][4])
        elif rest is None:
            ref = f.reference
            member = (f.name, _OP_TAIL, None, None, lambda start, event, ref=ref: ref(event))
        else:
            tail = _tail(rest, f.singular, f.reference)
            kinds = tuple(k for k, _ in rest)
            if kinds == (_KEY,):
                member = (f.name, _OP_KEY, rest[0][1], None, tail)
            elif kinds == (_KEY, _INDEX):
                member = (f.name, _OP_KEY_INDEX, rest[0][1], rest[1][1], tail)
            elif kinds == (_KEY, _ALL):
                member = (f.name, _OP_KEY_ALL, rest[0][1], None, tail)
            else:
                member = (f.name, _OP_TAIL, None, None, tail)
        if same_group:
            groups[-1][1].append(member)
        else:
            groups.append((group, [member]))
        previous = f
    return groups


def _generate(fields: tuple[Field, ...]) -> tuple[Callable[[Any], dict], str]:
    """Compile a mapping into one Python function, as a hand-written mapper would be, and
    return it with its source.

    Why generated code: a loop that dispatches on each field's shape costs about as much
    as the lookups themselves; straight-line code does only the lookups. Only string
    keys, int indices and field names go into the source, each as its repr(), so the
    source is a pure function of the validated mapping. The inline code covers a start
    value that is a plain dict (every real event); any other start value goes through
    the same per-field accessors as Field.get, which fall back to jsonpath-ng."""
    namespace: dict[str, Any] = {"ABSENT": ABSENT}
    lines = ["def map_event(event):", "    out = {}"]

    def emit(indent: int, text: str) -> None:
        lines.append("    " * indent + text)

    def store(indent: int, names: list[str]) -> None:
        emit(indent, "if value is not ABSENT:")
        for name in names:
            emit(indent + 1, f"out[{name!r}] = value")

    for g, (group, members) in enumerate(_plan(fields)):
        # A field with the previous field's path takes the value just computed.
        ops: list[tuple[list[str], int, Any, Any, str]] = []
        for m, (name, op, key, arg, tail) in enumerate(members):
            if op == _OP_SAME:
                ops[-1][0].append(name)
                continue
            tname = f"t{g}_{m}"
            namespace[tname] = tail
            ops.append(([name], op, key, arg, tname))
        if group is None:
            emit(1, "start = event")
            base = 1
        else:
            emit(1, "try:")
            emit(2, f"start = event.get({group!r}, ABSENT)")
            emit(1, "except (TypeError, AttributeError):  # jsonpath-ng's Fields: no match")
            emit(2, "start = ABSENT")
            emit(1, "if start is not ABSENT:")
            base = 2
        emit(base, "if type(start) is dict:")
        emit(base + 1, "get = start.get")
        i = base + 1
        for names, op, key, arg, tname in ops:
            if op == _OP_KEY:
                emit(i, f"value = get({key!r}, ABSENT)")
            elif op in (_OP_KEY_INDEX, _OP_KEY_ALL):
                emit(i, f"value = get({key!r}, ABSENT)")
                emit(i, "if type(value) is list:")
                if op == _OP_KEY_ALL:
                    emit(i + 1, "value = value[:] if value else ABSENT")
                else:
                    # In range exactly when jsonpath-ng's -len <= index < len holds.
                    bound = f"len(value) > {arg}" if arg >= 0 else f"len(value) >= {-arg}"
                    emit(i + 1, f"value = value[{arg}] if {bound} else ABSENT")
                emit(i, "elif value is not ABSENT:")
                emit(i + 1, f"value = {tname}(start, event)")
            else:
                emit(i, f"value = {tname}(start, event)")
            store(i, names)
        emit(base, "else:")
        for names, _op, _key, _arg, tname in ops:
            emit(base + 1, f"value = {tname}(start, event)")
            store(base + 1, names)
    emit(1, "return out")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<cisco_esa.fetch.mapping generated>", "exec"), namespace)
    return namespace["map_event"], source


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
    search_path: Field = dc_field(repr=False)
    search_value: str = ""
    fields: tuple[Field, ...] = ()

    def __post_init__(self) -> None:
        mapper, source = _generate(self.fields)
        object.__setattr__(self, "_mapper", mapper)
        object.__setattr__(self, "generated_source", source)

    def matches(self, event: Any) -> bool:
        """True when the search string selects ``event``."""
        path = self.search_path
        value = path.get(event) if _jp.auto_id_field is None else path.reference(event)
        if type(value) is str:  # the usual case: sourceType is a string
            return value == self.search_value
        if value is ABSENT:
            return False
        candidates = (value,) if self.search_path.singular else value
        return any(_scalar_text(v) == self.search_value for v in candidates)

    def map(self, event: Any) -> dict[str, Any]:
        """``{field name: value}`` for the fields whose path matches in ``event``."""
        if _jp.auto_id_field is not None:
            # A set auto-id field changes what jsonpath-ng's Fields return; the fast
            # accessors do not model it, so jsonpath-ng maps the event alone.
            return _reference_map(self.fields, event)
        return self._mapper(event)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MappingEngine:
    """All event sources of a field_mappings directory, compiled."""

    mappings: tuple[Mapping, ...]
    main_event_path: str
    main_path: Field = dc_field(repr=False)

    def __post_init__(self) -> None:
        # When every search string reads the same one-key path (the spec's
        # {$.sourceType}=...), one get of that key picks the source from a table.
        first = self.mappings[0].search_path
        dispatch, key = None, None
        if (
            all(m.search_path.path == first.path for m in self.mappings)
            and first.steps is not None
            and len(first.steps) == 1
            and first.steps[0][0] is _KEY
        ):
            key = first.steps[0][1]
            dispatch = {}
            for m in self.mappings:
                dispatch.setdefault(m.search_value, m)  # the first file wins, as in the scan
        object.__setattr__(self, "_dispatch", dispatch)
        object.__setattr__(self, "_dispatch_key", key)

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
        if self._dispatch_key is not None and _jp.auto_id_field is None:  # type: ignore[attr-defined]
            # event is a dict, so get() is exactly jsonpath-ng's own lookup of the key.
            value = event.get(self._dispatch_key, ABSENT)  # type: ignore[attr-defined]
            if type(value) is not str:
                value = _scalar_text(value)
            return self._dispatch.get(value)  # type: ignore[attr-defined]
        for m in self.mappings:
            if m.matches(event):
                return m
        return None

    def map_event(self, event: Any) -> dict[str, Any]:
        """The mapped fields of one raw event; UnmappableEventError if no source fits."""
        mapping = self.source_for(event)
        if mapping is None:
            if not isinstance(event, dict):
                kind = "null" if event is None else f"a {type(event).__name__}"  # never "a NoneType"
                raise UnmappableEventError(f"event is {kind}, not an object")
            raise UnmappableEventError(
                "no event source selects this event ("
                + ", ".join(m.search_string for m in self.mappings)
                + ")"
            )
        if _jp.auto_id_field is None:
            return mapping._mapper(event)  # type: ignore[attr-defined]
        return mapping.map(event)

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


def _schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _field_label(doc: Any, error_path: list) -> str | None:
    """The field an error is about: its name when the document gives one."""
    if len(error_path) >= 2 and error_path[0] == "fields" and isinstance(error_path[1], int):
        try:
            name = doc["fields"][error_path[1]].get("name")
        except (AttributeError, IndexError, KeyError, TypeError):
            name = None
        return name if isinstance(name, str) else f"fields[{error_path[1]}]"
    return str(error_path[0]) if error_path else None


def _where(error_path: list) -> str:
    out = ""
    for p in error_path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(document)"


def _load_one(path: Path, validator: Any) -> Mapping:
    file = str(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingConfigError(f"{file}: cannot read the mapping: {exc}", file) from exc

    # All schema errors in one message, in document order, each naming its field.
    errors = sorted(
        validator.iter_errors(doc),
        key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path],
    )
    if errors:
        labels = [_field_label(doc, list(e.absolute_path)) for e in errors]
        lines = [
            f"  {_where(list(e.absolute_path))}" + (f" (field {label!r})" if label else "") + f": {e.message}"
            for e, label in zip(errors, labels)
        ]
        raise MappingConfigError(
            f"{file}: invalid field mapping:\n" + "\n".join(lines), file, labels[0]
        )

    problems: list[tuple[str, str]] = []  # (field, message)
    fields: list[Field] = []
    seen: set[str] = set()
    for item in doc["fields"]:
        name, source_path = item["name"], item["path"]
        if name in seen:
            problems.append((name, f"field {name!r} is defined twice"))
            continue
        seen.add(name)
        try:
            fields.append(compile_path(source_path, name))
        except Exception as exc:  # jsonpath-ng raises assorted types on bad input
            problems.append((name, f"field {name!r}: bad path {source_path!r}: {exc}"))

    match = _SEARCH_RE.match(doc["search_string"])
    search = None
    if match is None:  # the schema's pattern makes this unreachable; kept for safety
        problems.append(("search_string", f"search_string {doc['search_string']!r} is not {{jsonpath}}=value"))
    else:
        try:
            search = compile_path(match["path"], "search_string")
        except Exception as exc:
            problems.append(("search_string", f"search_string: bad path {match['path']!r}: {exc}"))
    try:
        compile_path(doc["main_event_path"], "main_event_path")  # validated here, applied by main_events
    except Exception as exc:
        problems.append(("main_event_path", f"main_event_path: bad path {doc['main_event_path']!r}: {exc}"))

    if problems:
        raise MappingConfigError(
            f"{file}: " + "; ".join(msg for _, msg in problems), file, problems[0][0]
        )

    mapping = Mapping(
        source=doc["source"],
        display_name=doc["display_name"],
        file=path,
        main_event_path=doc["main_event_path"],
        search_string=doc["search_string"],
        search_path=search,  # type: ignore[arg-type]
        search_value=match["value"],  # type: ignore[index]
        fields=tuple(fields),
    )
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
    validator = _schema_validator()
    mappings = tuple(_load_one(p, validator) for p in files)

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
    main = compile_path(main_event_path, "main_event_path")
    return MappingEngine(mappings, main_event_path, main)
