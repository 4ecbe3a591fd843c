"""JSON read and written at orjson's speed, meaning what the json module means by it.

The two hot paths of a large fetch are reading the appliance's pages and printing the result:
orjson does both several times faster than the json module (reading about twice, writing about
twenty times). It does not always agree with json, so where it might not, json does the work and
the answer is json's, exactly:

- Reading. orjson refuses NaN and the infinities (json reads them; we read them as null, which
  keeps what we print strict JSON), numbers beyond a float's range (json gives an infinity), lone
  surrogate escapes, a byte order mark and nesting past 1,024: refused, json reads the text. The
  one thing orjson reads differently without refusing is an integer beyond 64 bits, which becomes
  a float and loses digits; so a text holding a run of 19 digits or more anywhere (in a string
  too: that only costs the speed) is read by json.
- Writing, compact: what `json.JSONEncoder(ensure_ascii=False, allow_nan=False,
  separators=(",", ":"))` writes. orjson refuses integers beyond 64 bits, keys that are not text,
  cycles, nesting past 254, lone surrogates, and (by the options below) dataclasses, datetimes and
  subclasses of the JSON types: json writes those, or raises what it always raised. The one thing
  orjson writes without refusing is NaN or an infinity, as null: so any text holding `null` is
  written by json again, which raises ValueError there as the callers expect. Text, escapes and
  key order come out byte for byte as json's; a float comes out as the same number, spelled the
  shortest way in exponent form (`1e-7` where json writes `1e-07`). Values JSON has no type for
  are never in what we print; of those, orjson would write a UUID or an Enum where json refuses.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# NaN and Infinity are not JSON (RFC 8259): read as null, so that what we print stays strict JSON.
# One decoder and one encoder: json builds a new one per call once given an option.
_READER = json.JSONDecoder(parse_constant=lambda name: None)
_WRITER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_REFUSED_TYPES = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
# Digits as "0", everything else as " ": a run of 19 zeros is a run of 19 digits. The longest
# 64-bit integer, 18446744073709551615, has 20; -9223372036854775809, just past, has 19.
_DIGITS = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
_LONG_RUN = b"0" * 19


def read(text: str) -> Any:
    """The value of the JSON `text` as json reads it (NaN and the infinities as null); the
    ValueError (or RecursionError) json raises when it is no JSON."""
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate makes it no UTF-8: orjson refuses
    if _LONG_RUN not in data.translate(_DIGITS):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return _READER.decode(text)


def write(value: Any) -> str:
    """`value` as compact JSON text, json's (see above); ValueError for NaN or an infinity."""
    try:
        data = orjson.dumps(value, option=_REFUSED_TYPES)
    except orjson.JSONEncodeError:
        return _WRITER.encode(value)
    if b"null" in data:  # a None, a NaN or an infinity: only json tells them apart
        return _WRITER.encode(value)
    return data.decode("utf-8")
