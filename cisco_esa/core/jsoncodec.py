"""Compact JSON text written at orjson's speed, as the json module writes it.

Printing a large fetch's result is mostly encoding JSON: orjson writes it about twenty times faster
than `json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))`, whose text and
errors this keeps. Where orjson might not agree, json does the work:

- orjson refuses integers beyond 64 bits, keys that are not text, cycles, nesting past 254, lone
  surrogates, and (by the options below) dataclasses, datetimes and subclasses of the JSON types:
  json writes those, or raises what it always raised.
- The one thing orjson writes without refusing is NaN or an infinity, as null: so when its text holds
  `null`, the value is looked through for such a float (a walk of its containers, not an encoding), and
  one found makes json write it, which raises ValueError there, as the callers expect. A result's items
  (`"error":null` each) are so written by orjson too.

Text, escapes and key order come out byte for byte as json's; a float comes out as the same number,
spelled the shortest way in exponent form (`1e-7` where json writes `1e-07`). Values JSON has no
type for are never in what we print; of those, orjson would write a UUID or an Enum where json
refuses.

Reading stays with json: orjson reads an integer beyond 64 bits as a float, silently, and sizes a
large object's table for growth (a third more memory for a kept tracking row); guarding against the
one and compacting the other cost what its faster reading saves.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

# One encoder, made once: json builds a new one per call once given an option.
_WRITER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_REFUSED_TYPES = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def write(value: Any) -> str:
    """`value` as compact JSON text, json's (see above); ValueError for NaN or an infinity."""
    try:
        data = orjson.dumps(value, option=_REFUSED_TYPES)
    except orjson.JSONEncodeError:
        return _WRITER.encode(value)
    if b"null" in data and _holds_nonfinite(value):  # a NaN or an infinity written as null
        return _WRITER.encode(value)
    return data.decode("utf-8")


def _holds_nonfinite(value: Any) -> bool:
    """Does `value` (one orjson has just written) hold a float NaN or infinity? Its containers are
    walked with a stack of their own, never recursively; orjson refused subclasses and cycles."""
    if type(value) is float:
        return not math.isfinite(value)
    todo = [value] if type(value) in (dict, list, tuple) else []
    while todo:
        node = todo.pop()
        for item in (node.values() if type(node) is dict else node):
            kind = type(item)
            if kind is float:
                if not math.isfinite(item):
                    return True
            elif kind is dict or kind is list or kind is tuple:
                todo.append(item)
    return False
