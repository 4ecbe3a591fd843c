"""Command input: coerce what a CLI or a platform sends, fill defaults, validate against the
command's JSON schema, and report every problem in one message that names each parameter."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from datetime import datetime
from urllib.parse import urlsplit
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from cisco_esa.core import resources, validcache
from cisco_esa.core.outcome import InputError
from cisco_esa.core.timefmt import iso, parse_input_time

DEFINITIONS_ID = "urn:cisco-esa:definitions"

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$")
_DOMAIN = re.compile(r"^\.?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$")

FORMATS = FormatChecker(formats=())


@FORMATS.checks("esa-email", raises=ValueError)
def is_email(value) -> bool:
    if not isinstance(value, str):
        return True
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return True


def _is_bracketed_ip(value: str) -> bool:
    if not (value.startswith("[") and value.endswith("]")):
        return False
    try:
        ipaddress.ip_address(value[1:-1])
    except ValueError:
        return False
    return True


@FORMATS.checks("esa-domain", raises=ValueError)
def is_domain(value) -> bool:
    """A domain (`example.com`, partial `.example.com`, `server.domain`) or `[IP]` (the blocklist forms)."""
    if not isinstance(value, str):
        return True
    if len(value) > 253 or not (_DOMAIN.match(value) or _is_bracketed_ip(value)):
        raise ValueError(f"{value!r} is not a domain (example.com, .example.com or [192.0.2.1])")
    return True


@FORMATS.checks("esa-sender", raises=ValueError)
def is_sender(value) -> bool:
    """What a safelist/blocklist sender entry may be: an address, a domain or `[IP]`."""
    if not isinstance(value, str):
        return True
    if "@" in value:
        return is_email(value)
    if len(value) > 253 or not (_DOMAIN.match(value) or _is_bracketed_ip(value)):
        raise ValueError(f"{value!r} is not an e-mail address, a domain or [IP]")
    return True


_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_HOST = re.compile(rf"^\.?(?:{_HOST_LABEL}\.)*{_HOST_LABEL}\.?$")
# 192.0.2.10-20 and partial 192.0.2. : the HAT's own address forms
_IP_RANGE = re.compile(r"^(\d{1,3}\.){3}\d{1,3}-\d{1,3}$|^(\d{1,3}\.){1,3}$")


@FORMATS.checks("esa-hat-sender", raises=ValueError)
def is_hat_sender(value) -> bool:
    """A HAT sender group entry: an IP address, a CIDR block, a range or a partial address, a host
    name or a partial host name (`.example.com`)."""
    if not isinstance(value, str):
        return True
    try:
        ipaddress.ip_network(value, strict=False)
        return True
    except ValueError:
        pass
    if _IP_RANGE.match(value) and all(int(p) <= 255 for p in re.split(r"[.-]", value) if p):
        return True
    if len(value) <= 253 and _HOST.match(value) and not re.fullmatch(r"[\d.]+", value):
        return True
    raise ValueError(f"{value!r} is not an IP address, CIDR block, IP range, host name or partial host name (.example.com)")


_URL_ENTRY = re.compile(r"^(?:https?://)?(?:\*\.)?(?:" + _HOST_LABEL + r"\.)*" + _HOST_LABEL + r"(?::\d{1,5})?(?:/\S*)?$")


@FORMATS.checks("esa-url-entry", raises=ValueError)
def is_url_entry(value) -> bool:
    """A URL list entry: a host with an optional leading `*.` wildcard, an optional port and path
    (a path may hold `*`): `bad.example`, `*.phish.example/*`, `https://x.example/login`."""
    if not isinstance(value, str):
        return True
    if len(value) > 2048 or not _URL_ENTRY.match(value):
        raise ValueError(f"{value!r} is not a URL list entry (host, *.host, host/path, host/*)")
    return True


@FORMATS.checks("esa-file-hash", raises=ValueError)
def is_file_hash(value) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"[0-9A-Fa-f]{64}|[0-9A-Fa-f]{32}", value):
        raise ValueError(f"{value!r} is not a SHA-256 (64 hex digits) or MD5 (32 hex digits) hash")
    return True


def dictionary_word(value: str) -> tuple[str, int | None, bool]:
    """`term`, `term:weight` or `*smart:weight:prefix` -> (term, weight or None, prefix); ValueError if not."""
    parts = value.split(":")
    prefix = len(parts) > 1 and parts[-1] == "prefix"
    if prefix:
        parts = parts[:-1]
    weight = None
    if len(parts) > 1 and re.fullmatch(r"[+-]?\d+", parts[-1]):
        weight = int(parts.pop())
        if not 0 <= weight <= 10:
            raise ValueError(f"{value!r}: the weight must be 0 to 10")
    term = ":".join(parts)
    if not term.strip():
        raise ValueError(f"{value!r} has no term")
    if prefix and not term.startswith("*"):
        raise ValueError(f"{value!r}: prefix is only for smart identifiers, whose names start with *")
    if prefix and weight is None:
        raise ValueError(f"{value!r}: a prefix entry needs a weight (*name:weight:prefix)")
    return term, weight, prefix


@FORMATS.checks("esa-dictionary-word", raises=ValueError)
def is_dictionary_word(value) -> bool:
    if isinstance(value, str):
        dictionary_word(value)
    return True


_POLICY_USER = re.compile(
    r"^(?:[^@\s\[\]]+@|[^@\s\[\]]*@(?:\.?(?:" + _HOST_LABEL + r"\.)+[A-Za-z][A-Za-z0-9-]*|\[[^\]\s]+\]))$")


@FORMATS.checks("esa-policy-user", raises=ValueError)
def is_policy_user(value) -> bool:
    """A mail policy user entry: `user@example.com`, `user@`, `@example.com`, `@.example.com`
    (sub-domains), `user@[192.0.2.1]`, `@[ipv6:2001:db8::1]`, or ANY (alone in its list)."""
    if not isinstance(value, str) or value == "ANY":
        return True
    if len(value) <= 254 and _POLICY_USER.match(value):
        inside = value[value.index("@") + 1:]
        if not inside.startswith("["):
            return True
        address = inside[1:-1]
        address = address[5:] if address.lower().startswith("ipv6:") else address
        try:
            ipaddress.ip_address(address)
            return True
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a policy user entry (user@example.com, user@, @example.com, "
                     "@.example.com, @[192.0.2.1] or ANY)")


@FORMATS.checks("esa-server-url", raises=ValueError)
def is_server_url(value) -> bool:
    """The appliance's base URL: scheme, host and port; no credentials, which would travel into logs."""
    if not isinstance(value, str):
        return True
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError("give scheme, host and port, e.g. https://esa.example:6443")
    if "@" in urlsplit(value).netloc:
        raise ValueError("must not carry credentials; put them in username and password")
    return True


@FORMATS.checks("esa-time", raises=ValueError)
def is_time(value) -> bool:
    # The real conversion (with the clock) happens after validation; here only the form.
    if isinstance(value, str):
        parse_input_time(value, datetime.now().astimezone())
    return True


@lru_cache(maxsize=1)
def registry() -> Registry:
    definitions = json.loads((resources.SCHEMAS / "_definitions.json").read_text())
    return Registry().with_resource(DEFINITIONS_ID, Resource.from_contents(definitions))


def resolve(schema: dict) -> dict:
    """A property schema with its `$ref` (to the shared definitions) merged in."""
    ref = schema.get("$ref")
    if not ref:
        return schema
    target = registry().resolver().lookup(ref).contents
    merged = {**resolve(target), **{k: v for k, v in schema.items() if k != "$ref"}}
    return merged


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip()).lower()


def _coerce_scalar(value: Any, schema: dict) -> Any:
    kind = schema.get("type")
    if "enum" in schema and isinstance(value, str):
        # Enum values are the spec's display values, matched case-insensitively (contract §1).
        for choice in schema["enum"]:
            if isinstance(choice, str) and _norm(choice) == _norm(value):
                return choice
        return value
    if kind == "integer" and isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "number" and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value  # inf and nan are no timeout
    if kind == "boolean" and isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if kind == "string" and isinstance(value, str) and not schema.get("x-keep-whitespace"):
        return value.strip()
    return value


def _coerce(value: Any, schema: dict) -> Any:
    schema = resolve(schema)
    if schema.get("type") == "array":
        if isinstance(value, str):
            text = value.strip()
            parsed = None
            if text.startswith("["):
                try:
                    parsed = json.loads(text)
                except ValueError:
                    pass  # "[192.0.2.1]" is a bracketed IP (a blocklist form), not JSON
            if isinstance(parsed, list):
                value = parsed
            elif text == "":
                value = []
            else:
                value = [part.strip() for part in text.split(",") if part.strip() != ""]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list):
            items = resolve(schema.get("items", {}))
            if _is_id_list(items):
                value = _flatten_once(value)
            return [_coerce_scalar(v, items) for v in value]
        return value
    return _coerce_scalar(value, schema)


def _is_id_list(items: dict) -> bool:
    return items.get("type") == "integer"


def _flatten_once(values: list) -> list:
    """`[[7255], [6827]]` -> `[7255, 6827]`: what `$.data[*].attributes.mid` of the raw data yields
    (mid is an array there, asyncos-api §2.2), so a playbook may pass it on. Deeper lists stay, for the
    validator to refuse."""
    out: list = []
    for value in values:
        out.extend(value if isinstance(value, list) else [value])
    return out


# What jsonschema's check_schema does: the draft's meta-schema, with its format checker (a `pattern`
# must be a regex). The name of that check in the record of schemas already found valid.
META_CHECK = f"{Draft202012Validator.META_SCHEMA['$id']} with formats"


@lru_cache(maxsize=1)
def meta_validator() -> Draft202012Validator:
    return Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


class ParamSchema:
    """One compiled input schema: a command's, or the connection's (label "connection ", so that each
    problem names it). `x-secret` properties never show their value in a problem; `x-blank-is-absent`
    ones read an empty string as "not given" (as those with a default do). `checked`: the caller has
    already meta-validated the schema (the registry, listing every problem); otherwise it is done here."""

    def __init__(self, name: str, schema: dict, label: str = "", checked: bool = False):
        if not checked:
            blob = json.dumps(schema, sort_keys=True, default=repr).encode()
            if not validcache.known_valid(META_CHECK, blob):
                Draft202012Validator.check_schema(schema)  # SchemaError on the first problem
                validcache.remember_valid(META_CHECK, blob)
        self.name = name
        self.label = label
        self.schema = schema
        self.properties: dict[str, dict] = schema.get("properties", {})
        self.validator = Draft202012Validator(schema, registry=registry(), format_checker=FORMATS)

    def property(self, pid: str) -> dict:
        return resolve(self.properties[pid])

    def time_params(self) -> list[str]:
        return [p for p in self.properties if self.property(p).get("format") == "esa-time"]

    def validate(self, params: dict | None, now: datetime) -> dict:
        """Coerce, default, validate; return typed params or raise InputError listing every problem."""
        problems: list[str] = []
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise InputError(["parameters must be an object of parameter id to value"])
        values: dict[str, Any] = {}
        for key, value in params.items():
            if key not in self.properties:
                problems.append(self.label + unknown_name(key, self.properties))
                continue
            prop = self.property(key)
            if value is None or (isinstance(value, str) and value.strip() == ""
                                 and ("default" in prop or prop.get("x-blank-is-absent"))):
                continue  # an empty optional field of a platform form means "not given"
            bad = _lone_surrogate(value, [key])
            if bad is not None:
                # json.loads turns "\ud800" into a str that no URL or UTF-8 output can carry
                problems.append(f"{_where(bad)}: holds a lone surrogate (such as \\ud800), which is not text")
                continue
            values[key] = _coerce(value, self.properties[key])
            most = self.property(key).get("maxItems")
            if isinstance(values[key], list) and most is not None and len(values[key]) > most:
                # one problem for the size; checking 10,000 values one by one would take seconds
                problems.append(f"{key}: takes at most {most} values")
                values[key] = values[key][:most]
        for key in self.properties:
            prop = self.property(key)
            if key not in values and "default" in prop:
                values[key] = prop["default"]
        for error in sorted(self.validator.iter_errors(values), key=lambda e: [str(p) for p in e.path]):
            problems.append(self.label + self._describe(error))
        if problems:
            raise InputError(_bounded(list(dict.fromkeys(problems))))
        for key in self.time_params():
            if key in values:
                values[key] = parse_input_time(values[key], now)
        start, end = values.get("start_time"), values.get("end_time")
        if start is not None and end is not None and end < start:
            # every windowed command: the one home of this rule
            raise InputError([f"end_time: {iso(end)} is before start_time {iso(start)}"])
        return values

    def _describe(self, error) -> str:
        path = list(error.path)
        where = _where(path)
        if path and self.properties.get(path[0], {}).get("x-secret") and error.validator != "required":
            return f"{where}: *** is not valid ({error.validator})"  # never the value of a secret
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
            when = _condition(self.schema, list(error.schema_path))
            return f"{_where(path + [missing])}: required{when}"
        if error.validator == "dependentRequired":
            m = re.match(r"'(.+)' is a dependency of '(.+)'", error.message)
            missing, given = m.groups() if m else ("a parameter", "another parameter")
            return f"{_where(path + [missing])}: required when {given} is given"
        if error.validator == "format":
            text = f"{where}: {error.cause or error.message}" if error.cause else f"{where}: {error.message}"
            return text + _list_hint(path, error.instance)
        if error.validator == "enum":
            choices = ", ".join(str(c) for c in error.validator_value)
            return f"{where}: {_short(error.instance)} is not one of {choices}"
        if error.validator == "type":
            return f"{where}: {_short(error.instance)} is not of type {error.validator_value}{_list_hint(path, error.instance)}"
        if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            word = {"minimum": "less than the minimum of", "maximum": "greater than the maximum of",
                    "exclusiveMinimum": "not greater than", "exclusiveMaximum": "not less than"}[error.validator]
            return f"{where}: {_short(error.instance)} is {word} {error.validator_value}"
        if error.validator == "minItems":
            return f"{where}: needs at least {error.validator_value} value(s)"
        if error.validator == "maxItems":
            return f"{where}: takes at most {error.validator_value} values"
        if error.validator in ("minLength", "maxLength", "pattern"):
            detail = {"minLength": "is empty" if error.validator_value == 1 else f"is shorter than {error.validator_value} characters",
                      "maxLength": f"is longer than {error.validator_value} characters",
                      "pattern": "is not in the expected form"}[error.validator]
            hint = resolve(self.properties.get(path[0], {})).get("x-hint") if path else None
            return f"{where}: {_short(error.instance)} {detail}" + (f" ({hint})" if hint else "")
        return f"{where}: {error.message}"


def _list_hint(path: list, instance: Any) -> str:
    """A value of a list that holds `;`: the user most likely separated the values with semicolons."""
    if len(path) >= 2 and isinstance(path[-1], int) and isinstance(instance, str) and ";" in instance:
        return " (separate the values with commas, or give a JSON array)"
    return ""


MAX_PROBLEMS_PER_PARAMETER = 5
MAX_PROBLEM_CHARS = 300


def _bounded(problems: list[str]) -> list[str]:
    """At most a few problems per parameter, each of bounded length: a 10,000-value list or a
    100 KB string must not come back as a megabyte of error message."""
    shown: list[str] = []
    hidden: dict[str, int] = {}
    for problem in problems:
        name = re.split(r"[\[.:]", problem, maxsplit=1)[0]
        if sum(1 for p in shown if re.split(r"[\[.:]", p, maxsplit=1)[0] == name) >= MAX_PROBLEMS_PER_PARAMETER:
            hidden[name] = hidden.get(name, 0) + 1
            continue
        shown.append(problem if len(problem) <= MAX_PROBLEM_CHARS else problem[:MAX_PROBLEM_CHARS - 3] + "...")
    return shown + [f"{name}: and {count} more problems" for name, count in hidden.items()]


def _lone_surrogate(value: Any, path: list) -> list | None:
    """The path of the first string inside `value` that UTF-8 cannot encode, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, list):
        return next((p for i, v in enumerate(value) if (p := _lone_surrogate(v, path + [i]))), None)
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := _lone_surrogate(k, path) or _lone_surrogate(v, path + [k]))), None)
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if _lone_surrogate(text, []) is not None:
        text = json.dumps(value, default=str)  # \ud800 escaped, so the message itself stays printable
    return text if len(text) <= 60 else text[:57] + "..."


def _where(path: list) -> str:
    if not path:
        return "parameters"
    out = str(path[0])
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _condition(schema: dict, schema_path: list) -> str:
    """For a `required` inside an if/then, the `x-when` text of that rule (e.g. ' when view_by is Sender')."""
    node: Any = schema
    when = ""
    for part in schema_path:
        if isinstance(node, dict) and "x-when" in node:
            when = f" when {node['x-when']}"
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return when


def unknown_name(key: str, known: dict) -> str:
    """`key: unknown parameter`, with the closest known name as a hint."""
    import difflib  # here: only a misspelt name needs it, not the start

    close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    shown = key if isinstance(key, str) and re.fullmatch(r"[\w .-]{1,60}", key) else _short(key)
    return f"{shown}: unknown parameter{hint}"
