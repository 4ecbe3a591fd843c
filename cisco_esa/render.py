"""`--output text`: one renderer for every command's envelope, read by a person (contract §4).
What each command shows is declared under `render:` in integration.yaml, never coded here."""

from __future__ import annotations

import json
import re
from typing import Any

from cisco_esa.core import jsoncodec
from cisco_esa.core.redaction import UNSAFE_BEYOND_C0, UNSAFE_CHARACTERS

CELL_WIDTH = 40      # a table cell longer than this is cut, so that a row stays on a screen
FIELD_WIDTH = 100    # the same for a single field's value
MAX_ROWS = 20        # rows of one table; the JSON output always has them all
ELLIPSIS = "…"

_COLOURS = {"Successful": "32", "Partially Successful": "33", "Failed": "31"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def declaration(command_id: str) -> dict:
    """The `render:` declaration of a command; the one place that reads it from the manifest."""
    from cisco_esa.core.registry import manifest

    command = manifest().find(command_id)
    return command.render if command else {}


# ---------------------------------------------------------------- paths into data
class _Missing:
    pass


MISSING = _Missing()


def resolve(data: Any, path: str) -> Any:
    """`a.b.c` walks objects; `a[*].b` walks every element of list `a` and flattens what it
    finds one level, so `messages[*].verdicts` is every verdict of every message."""
    found = list(_walk(data, path.split(".")))
    if "[*]" in path:
        return [x for v in found for x in (v if isinstance(v, list) else [v])]
    return found[0] if found else MISSING


def _walk(value: Any, parts: list[str]):
    if not parts:
        yield value
        return
    many = parts[0].endswith("[*]")
    key = parts[0][:-3] if many else parts[0]
    if not isinstance(value, dict) or key not in value:
        return
    inner = value[key]
    elements = inner if many and isinstance(inner, list) else [inner]
    for element in elements:
        yield from _walk(element, parts[1:])


# ---------------------------------------------------------------- cells
def cell(value: Any, width: int = CELL_WIDTH) -> str:
    return shorten(plain(value), width)


def plain(value: Any) -> str:
    if value is None or value is MISSING:
        return "-"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value) or "-"
    return terminal_safe(str(value))


_UNSAFE = re.compile(f"[{UNSAFE_CHARACTERS}]+")


def terminal_safe(text: str) -> str:
    """Text from the appliance as it may reach a person's terminal: every run of characters that
    could move the cursor, recolour or reorder the screen becomes one space."""
    return _UNSAFE.sub(" ", text)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS


def _column(spec) -> tuple[str, str, int]:
    if isinstance(spec, str):
        return spec, spec, CELL_WIDTH
    return spec["path"], spec.get("label", spec["path"]), spec.get("width", CELL_WIDTH)


def table(title: str, header: list[str], rows: list[list[str]], limit: int = MAX_ROWS,
          count: str | None = None, more: str = "use --output json", total: int | None = None) -> list[str]:
    """`rows` may hold only the first `limit` rows of `total` (a fetch of 25,000 events is not
    formatted to show 20)."""
    total = len(rows) if total is None else total
    if not total:
        return [f"{title} (0)"]
    shown = rows[:limit]
    widths = [max([len(h)] + [len(r[i]) for r in shown]) for i, h in enumerate(header)]

    def line(cells):
        return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [f"{title} ({count or total})", line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in shown]
    if total > limit:
        hidden = total - limit
        out.append(f"  {ELLIPSIS} {hidden} more {'row' if hidden == 1 else 'rows'}, {more}")
    return out


def _table_lines(spec: dict, data: dict, limit: int | None, more: str) -> list[str]:
    declared = spec.get("max_rows", MAX_ROWS)
    limit = min(limit, declared) if limit else declared
    if "pairs" in spec:
        mapping = resolve(data, spec["pairs"])
        if not isinstance(mapping, dict):
            return []
        width = spec.get("width", FIELD_WIDTH)
        header = spec.get("columns", ["name", "value"])
        rows = [[cell(k), cell(v, width)] for k, v in mapping.items()]
        return table(spec["title"], header, rows, limit, more=more)
    rows = resolve(data, spec["rows"])
    if rows is MISSING:
        return []
    rows = [r for r in (rows if isinstance(rows, list) else [rows])]
    columns = [_column(c) for c in spec["columns"]]
    # A column no row has (the other variant of a command, say) is left out, not shown empty.
    columns = [c for c in columns if any(resolve(r, c[0]) is not MISSING for r in rows)] or columns[:1]
    cells = [[cell(resolve(r, path), width) for path, _label, width in columns] for r in rows[:limit]]
    return table(spec["title"], [label for _p, label, _w in columns], cells, limit, more=more, total=len(rows))


def fill(template: str, data: dict) -> str | None:
    """`{path}` placeholders filled from data; None when one is absent (the line is skipped)."""
    missing = False

    def value(match):
        nonlocal missing
        found = resolve(data, match.group(1))
        if found is MISSING:
            missing = True
        return shorten(plain(found), FIELD_WIDTH)

    text = _PLACEHOLDER.sub(value, template)
    return None if missing else text


# ---------------------------------------------------------------- caps
def cap_notice(envelope: dict) -> str | None:
    """One line saying the result was capped and how to go on, or None (the first declared cap
    whose `when` holds, e.g. `data.truncated` of a search or `data.more` of a fetch)."""
    data = envelope.get("data")
    if not isinstance(data, dict):
        return None
    for cap in declaration(envelope.get("command", "")).get("caps", []):
        if resolve(data, cap["when"]) in (MISSING, None, False, 0, "", []):
            continue
        count = resolve(data, cap["count"])
        text = fill(cap["hint"], data) or cap["hint"]
        return f"{envelope['display_name']}: capped at {plain(count)} {_noun(cap['noun'], count)}; {text}"
    return None


def _noun(plural: str, count) -> str:
    if count != 1:
        return plural
    return plural[:-3] + "y" if plural.endswith("ies") else plural.removesuffix("s")


# ---------------------------------------------------------------- the whole envelope
def render(envelope: dict, colour: bool = False) -> str:
    """The status line, then the body."""
    status = envelope.get("status", "Failed")
    head = f"{envelope.get('display_name')}: {status}"
    if colour and status in _COLOURS:
        head = f"\x1b[{_COLOURS[status]}m{head}\x1b[0m"
    return "\n".join([head, *body(envelope)]) + "\n"


def body(envelope: dict, max_rows: int | None = None, more: str = "use --output json") -> list[str]:
    """The error triplet, the items that failed, and the command's declared summary, fields and
    tables, each block after a blank line; `max_rows` bounds the tables further (the demo)."""
    lines: list[str] = []
    error = envelope.get("error")
    if error:
        lines += ["", *_pairs([("failure indicator", error.get("failure_indicator")),
                               ("status code", error.get("status_code")),
                               ("message", error.get("message"))], width=1000)]
    failed = [i for i in envelope.get("items") or [] if i.get("status") == "Failed"]
    if failed:
        rows = [[cell(i.get("id")), cell((i.get("error") or {}).get("status_code")),
                 cell((i.get("error") or {}).get("message"), FIELD_WIDTH)] for i in failed]
        lines += [""] + table("Failed items", ["id", "status code", "message"], rows, max_rows or MAX_ROWS,
                              count=f"{len(failed)} of {len(envelope['items'])}", more=more)
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    spec = declaration(envelope.get("command", ""))
    if data:
        summary = [text for text in (fill(t, data) for t in spec.get("summary", [])) if text]
        notice = cap_notice(envelope)
        fields = []
        for f in spec.get("fields", []):
            path, label = (f, f) if isinstance(f, str) else (f["path"], f.get("label", f["path"]))
            value = resolve(data, path)
            # An empty field (nothing failed, no time rounded) is noise to a reader; false is not.
            if value is not MISSING and value not in (None, [], {}, ""):
                fields.append((label, value))
        if summary or notice:
            lines += ["", *summary, *([notice] if notice else [])]
        if fields:
            lines += ["", *_pairs(fields)]
        for t in spec.get("tables", []):
            block = _table_lines(t, data, max_rows, more)
            if block:
                lines += ["", *block]
    return lines


def _pairs(pairs: list[tuple[str, Any]], width: int = FIELD_WIDTH) -> list[str]:
    pad = max(len(label) for label, _ in pairs)
    return [f"{(label + ':').ljust(pad + 1)} {shorten(plain(value), width)}" for label, value in pairs]


def to_json(envelope: dict, pretty: bool = False) -> tuple[str, dict]:
    """Strict RFC 8259 JSON and the envelope it holds: a NaN or an infinity that slipped in has
    no JSON form, so the answer becomes a Failed envelope naming the problem, never invalid JSON."""
    try:
        return dumps(envelope, pretty), envelope
    except ValueError:
        from cisco_esa.core.envelope import build_envelope
        from cisco_esa.core.registry import manifest
        from cisco_esa.core.outcome import CommandError

        name = str(envelope.get("command"))
        failed = build_envelope(manifest().find(name), name, None, CommandError(
            "The result held a number JSON cannot carry (NaN or Infinity), so it was not printed.", None))
        return dumps(failed, pretty), failed


# json.dumps with any argument builds a new encoder per call: made once (the CLI encodes a large
# fetch event by event). The cycle check stays: a value that holds itself is then a ValueError,
# caught where a NaN is, never a RecursionError's traceback. Compact text is written by jsoncodec
# (orjson's speed, json's text).
_PRETTY = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=2)


def dumps(value, pretty: bool = False) -> str:
    """Compact (or indented) strict JSON; ValueError on NaN or infinity."""
    text = _PRETTY.encode(value) if pretty else jsoncodec.write(value)
    # json escapes C0 controls but writes DEL, C1 (CSI) and the bidi controls as they are: escaped
    # here too (they occur only inside strings, so the value read back is the same). Most output is
    # ASCII, where only DEL can occur: two C-speed scans instead of a regex pass. Other text is
    # looked through as UTF-8 for the bytes those characters begin with, a few C-speed scans too.
    if text.isascii():
        return text.replace("\x7f", "\\u007f") if "\x7f" in text else text
    data = text.encode("utf-8", "surrogatepass")
    if not any(lead in data for lead in _UNSAFE_LEADS):
        return text
    return _UNSAFE_IN_JSON.sub(lambda m: "".join(f"\\u{ord(c):04x}" for c in m.group()), text)


# C0 never occurs raw inside a JSON string, and outside one it is the indentation's own newlines
_UNSAFE_IN_JSON = re.compile(f"[{UNSAFE_BEYOND_C0}]+")
# What those characters begin with in UTF-8: DEL itself, C2 for C1 (U+0080-U+009F, along with the
# harmless U+00A0-U+00BF), E2 80 for U+2028-U+202E and E2 81 for U+2066-U+2069.
_UNSAFE_LEADS = (b"\x7f", b"\xc2", b"\xe2\x80", b"\xe2\x81")
