"""Hypothesis strategies for command input, derived from each command's JSON schema (read through
`cisco_esa.core.registry.manifest()`), never from a hand-kept list of parameters: `valid_params(cid)`
draws input the schema accepts, `hostile_params(cid)` mixes in every kind of bad value."""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from cisco_esa.core.registry import manifest
from cisco_esa.core.params import resolve

UTC = timezone.utc

# Characters that break naive URL building, and text from every corner of Unicode (RTL, NUL,
# combining marks, emoji, a lone surrogate written out as text).
URL_SPECIALS = "&=#%+?/;"
NASTY_TEXTS = [
    "a&b=c", "50% off", "#hash", "a+b", "why?", "a/b", "a b", "x;y",
    "\u202eevil.exe\u202c", "שלום עולם", "مرحبا", "a\x00b", "\\ud83d\\ude00", "😀 emoji 👍🏽",
    "e\u0301\u0301", "\ufeffbom", "名前", "' OR 1=1 --", "<script>alert(1)</script>", "${jndi:x}",
    "%00%2F%20", "\r\nInjected: header",
]


def command_ids() -> list[str]:
    return sorted(manifest().commands)


def schema_of(cid: str):
    """The command's compiled ParamSchema (cisco_esa.core.params)."""
    return manifest().commands[cid].params


# ------------------------------------------------------------------ leaf values
def _stripped(text: str) -> bool:
    # the runtime trims strings; a value that changes when trimmed is not "as typed"
    return text == text.strip() and text != ""


@functools.cache
def safe_text(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    """Printable-or-not text that UTF-8 can carry (no lone surrogates), already trimmed."""
    alphabet = st.characters(blacklist_categories=("Cs",))
    return st.one_of(
        st.text(alphabet, min_size=min_size, max_size=max_size),
        st.sampled_from(NASTY_TEXTS),
        st.text(st.sampled_from(URL_SPECIALS + " aZ9é€"), min_size=min_size, max_size=max_size),
    ).filter(_stripped)


_LOCAL_CHARS = "abcxyz019._-+&=#%?/'!~$*{}|^`" + "éüñ名"
_LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?\Z")
_TLD = st.from_regex(r"\A[a-z][a-z0-9]{1,5}\Z")


@st.composite
def domains(draw) -> str:
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
    name = ".".join(labels + [draw(_TLD)])
    return ("." if draw(st.booleans()) and len(name) < 200 else "") + name


@st.composite
def emails(draw) -> str:
    local = draw(st.text(st.sampled_from(_LOCAL_CHARS), min_size=1, max_size=20))
    host = draw(domains()).lstrip(".")
    return f"{local}@{host}"


@functools.cache
def bracketed_ips() -> st.SearchStrategy[str]:
    return st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(lambda ip: f"[{ip}]")


@functools.cache
def times() -> st.SearchStrategy[Any]:
    """Every form the contract accepts, inside the accepted range (1990..2200)."""
    moments = st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2199, 12, 30),
                           timezones=st.just(UTC))
    return st.one_of(
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
        moments.map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
        moments.map(lambda d: d.astimezone(timezone(timedelta(hours=-6))).isoformat()),
        moments.map(lambda d: int(d.timestamp())),
        st.sampled_from(["now", "-15m", "-2h", "-7d", "-1d", "-90m"]),
    )


def _in_range(n) -> bool:
    # 1990..2200 as epoch seconds, or as epoch milliseconds (12 digits and more, contract §1 and issue 15)
    return 631_152_000 <= n < 7_258_118_400 or 631_152_000_000 <= n < 7_258_118_400_000


@functools.cache
def bad_times() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["1989-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
                         "9999-12-31T23:59:59Z", "-99999999999d", "+999999999h", "last tuesday", "2023-13-45 25:61",
                         "1e300", "NaN", "", "   ", "2023-05-20T18:00:00+25:00", "-15x", "now-", "99999999999999"]),
        st.integers(min_value=-10 ** 20, max_value=10 ** 20).filter(lambda n: not _in_range(n)),
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not _in_range(f)),
    )


@functools.cache
def hat_senders() -> st.SearchStrategy[str]:
    """What a HAT sender group takes: addresses, CIDR blocks, host names and partial host names."""
    return st.one_of(st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str),
                     st.tuples(st.ip_addresses(v=4), st.integers(8, 32)).map(lambda t: f"{t[0]}/{t[1]}"),
                     domains())


@functools.cache
def url_entries() -> st.SearchStrategy[str]:
    paths = st.sampled_from(["", "/", "/*", "/login", "/a/b?c=d", "/verify/*"])
    return st.tuples(st.sampled_from(["", "*.", "http://", "https://"]), domains().map(lambda d: d.lstrip(".")),
                     paths).map(lambda t: "".join(t))


@functools.cache
def file_hashes() -> st.SearchStrategy[str]:
    return st.one_of(st.from_regex(r"\A[0-9a-fA-F]{64}\Z"), st.from_regex(r"\A[0-9a-f]{32}\Z"))


@functools.cache
def dictionary_words() -> st.SearchStrategy[str]:
    term = st.text(st.sampled_from("abcxyz 019éß-"), min_size=1, max_size=20).filter(_stripped)
    return st.one_of(term, st.tuples(term, st.integers(0, 10)).map(lambda t: f"{t[0]}:{t[1]}"),
                     st.tuples(st.from_regex(r"\A\*[a-z]{1,8}\Z"), st.integers(0, 10)).map(lambda t: f"{t[0]}:{t[1]}:prefix"))


@functools.cache
def policy_users() -> st.SearchStrategy[str]:
    return st.one_of(emails(), domains().map(lambda d: "@" + d), st.just("ANY"),
                     st.text(st.sampled_from("abcxyz019._-"), min_size=1, max_size=10).map(lambda u: u + "@"),
                     st.ip_addresses(v=4).map(lambda ip: f"@[{ip}]"))


CONFIG_VALUES = {"esa-hat-sender": hat_senders, "esa-url-entry": url_entries, "esa-file-hash": file_hashes,
                 "esa-dictionary-word": dictionary_words, "esa-policy-user": policy_users}


# ------------------------------------------------------------------ by schema
def valid_value(prop: dict) -> st.SearchStrategy[Any]:
    """A value one resolved property schema accepts, in one of the forms a platform or CLI sends.
    Built once per distinct schema: a strategy is an immutable description, and building one per
    draw (with its filters' introspection) cost most of a fuzzing run."""
    return _valid_value(json.dumps(prop, sort_keys=True))


@functools.cache
def _valid_value(prop_json: str) -> st.SearchStrategy[Any]:
    prop = resolve(json.loads(prop_json))
    if "enum" in prop:
        choices = prop["enum"]
        # enum values are matched case- and separator-insensitively (contract §1)
        return st.sampled_from(choices).flatmap(lambda c: st.sampled_from(
            [c, c.lower(), c.upper(), c.replace(" ", "_"), c.replace("_", " ").lower()]))
    kind = prop.get("type")
    if kind == "array":
        items = valid_value(prop.get("items", {}))
        lo = prop.get("minItems", 0)
        hi = min(prop.get("maxItems", 4), max(lo, 4))
        lists = st.lists(items, min_size=lo, max_size=hi)
        return st.one_of(lists, lists.map(json.dumps))
    if kind == "integer":
        lo = prop.get("minimum", -(10 ** 6))
        hi = prop.get("maximum", 10 ** 6)
        ints = st.integers(min_value=lo, max_value=hi)
        return st.one_of(ints, ints.map(str))  # numbers as strings are coerced
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(["true", "false", "True", "0", "1", "yes", "no"]))
    if kind == "string":
        fmt = prop.get("format")
        if fmt in CONFIG_VALUES:
            return CONFIG_VALUES[fmt]()
        if fmt == "esa-time":
            return times()
        if fmt == "esa-email":
            return emails()
        if fmt == "esa-domain":
            return st.one_of(domains(), bracketed_ips())
        if fmt == "esa-sender":
            return st.one_of(emails(), domains(), bracketed_ips())
        if "pattern" in prop:
            return st.from_regex(prop["pattern"].replace("^", r"\A").replace("$", r"\Z"))
        hi = min(prop.get("maxLength", 60), 60)
        return safe_text(max(1, prop.get("minLength", 1)), hi)
    raise AssertionError(f"no strategy for property schema {prop}")


def _rules(schema: dict) -> list[tuple[dict, dict]]:
    """The schema's conditional rules as (when, then) pairs: `when` maps a property to its const
    (or to None for "given at all")."""
    out = []
    for rule in schema.get("allOf", []):
        cond = rule["if"]
        when = {k: v["const"] for k, v in cond.get("properties", {}).items() if "const" in v}
        for key in cond.get("required", []):
            when.setdefault(key, None)
        out.append((when, rule["then"]))
    for key, deps in schema.get("dependentRequired", {}).items():
        out.append(({key: None}, {"required": deps}))
    return out


def _applies(when: dict, chosen: dict) -> bool:
    return all(k in chosen and (v is None or chosen[k] == v) for k, v in when.items())


def _canonical(value: Any, prop: dict) -> Any:
    """The enum display value a drawn spelling stands for (to evaluate the schema's `const` rules)."""
    prop = resolve(prop)
    if "enum" in prop and isinstance(value, str):
        norm = lambda s: " ".join(s.replace("_", " ").split()).lower()  # noqa: E731
        for c in prop["enum"]:
            if norm(c) == norm(value):
                return c
    return value


@st.composite
def valid_params(draw, cid: str) -> dict:
    """Input the command's schema accepts: every required parameter, optional ones at random,
    and each conditional rule of the schema (`required when`, bounds by source) honoured."""
    schema = schema_of(cid)
    props = schema.properties
    rules = _rules(schema.schema)
    conditional = {k for when, _ in rules for k, v in when.items() if v is not None}
    chosen: dict[str, Any] = {}
    canonical: dict[str, Any] = {}
    # the properties rules depend on are drawn first, so the rules can be evaluated
    wanted = set(schema.schema.get("required", []))
    for key in props:
        if key in conditional and (key in wanted or draw(st.booleans())):
            chosen[key] = draw(valid_value(props[key]))
            canonical[key] = _canonical(chosen[key], props[key])
    # a key a rule depends on is drawn above or not at all: drawn later, its rules would go unseen
    optional = [k for k in props if k not in chosen and k not in wanted and k not in conditional]
    wanted |= set(draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))) if optional else set()
    # close over the rules: a rule that fires may require more keys, which may fire more rules
    for _ in range(len(rules) + 1):
        for when, then in rules:
            if _applies(when, {**canonical, **{k: None for k in wanted if k not in canonical}}):
                wanted |= set(then.get("required", []))
    for key in sorted(wanted - set(chosen)):
        prop = dict(resolve(props[key]))
        for when, then in rules:
            bound = then.get("properties", {}).get(key)
            if bound and _applies(when, canonical):
                prop.update(bound)
        chosen[key] = draw(valid_value(prop))
    return _ordered_times(chosen, schema)


def _ordered_times(params: dict, schema) -> dict:
    """Most runs should reach the appliance, so start/end are swapped when drawn backwards
    (an end before the start is still drawn by hostile_params)."""
    from cisco_esa.core.timefmt import parse_input_time

    if "start_time" in params and "end_time" in params:
        now = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
        try:
            if parse_input_time(params["start_time"], now) > parse_input_time(params["end_time"], now):
                params["start_time"], params["end_time"] = params["end_time"], params["start_time"]
        except ValueError:
            pass
    return params


# ------------------------------------------------------------------ hostile
# Huge values cost the validator up to a second each, so each example gets at most one.
HUGE_VALUES = [[1] * 10_000, ["a@b.example"] * 10_000, "x" * 100_000, "é" * 100_000, ["x" * 100_000]]


@functools.cache
def junk_values() -> st.SearchStrategy[Any]:
    """Values of the wrong type or size for any parameter."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
        st.text(st.characters(), max_size=10),  # lone surrogates included: what json.loads can hand us
        st.sampled_from(NASTY_TEXTS),
        st.integers(min_value=-(10 ** 6), max_value=10 ** 6).map(str), st.just("1e3"), st.just("0x10"),
        st.just(""), st.just("   "), st.just("[]"), st.just("[1,"), st.just("{}"), st.just(","),
    )
    return st.one_of(
        scalars,
        st.just([]),
        st.lists(scalars, max_size=4),
        st.dictionaries(st.text(max_size=5), scalars, max_size=3),
        st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                     max_leaves=8),
        bad_times(),
    )


@st.composite
def hostile_params(draw, cid: str) -> Any:
    """Mostly-valid input with some parameters broken, dropped or added, or no object at all."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.one_of(st.none(), st.lists(st.integers(), max_size=3), st.text(max_size=10), st.integers()))
    params = dict(draw(valid_params(cid)))
    props = list(schema_of(cid).properties)
    for key in draw(st.lists(st.sampled_from(props), unique=True, max_size=len(props))) if props else []:
        params[key] = draw(junk_values())
    if props and draw(st.integers(0, 9)) == 0:
        params[draw(st.sampled_from(props))] = draw(st.sampled_from(HUGE_VALUES))
    if params and draw(st.booleans()):
        params.pop(draw(st.sampled_from(sorted(params))))
    if draw(st.integers(0, 3)) == 0:
        unknown = draw(st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(["Start_Time", "limit ", "__proto__"])))
        if unknown not in props:
            params[unknown] = draw(junk_values())
    if "start_time" in params and "end_time" in params and draw(st.integers(0, 4)) == 0:
        params["start_time"], params["end_time"] = params["end_time"], params["start_time"]
    return params
