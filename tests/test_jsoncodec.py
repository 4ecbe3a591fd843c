"""core/jsoncodec: compact JSON at orjson's speed, json's text. Every property compares with the json module."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections import OrderedDict

import pytest
from hypothesis import given, settings, strategies as st

from cisco_esa.core import jsoncodec

JSON_WRITER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def same(a, b) -> bool:
    """Equal, of the same types all the way down, keys in the same order, -0.0 apart from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def outcome(fn, *args):
    try:
        return "value", fn(*args)
    except (ValueError, TypeError, RecursionError) as exc:
        return "raised", type(exc)


INTEGERS = st.integers() | st.integers(-(2 ** 70), 2 ** 70) | st.sampled_from(
    [2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -(2 ** 63), -(2 ** 63) - 1, 10 ** 18, 10 ** 19, -(10 ** 19)])
FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [0.0, -0.0, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 0.1, 1e22, 123456789.0])
TEXT = st.text() | st.text(st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f\x80\u2028\u202e é😀\ud800\udc00null0123456789'))
LEAVES = st.none() | st.booleans() | INTEGERS | FLOATS | TEXT


def floats_in(value) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(floats_in(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(floats_in(v) for v in value)
    return False


WRITABLE = st.recursive(
    LEAVES | st.sampled_from([math.nan, math.inf, -math.inf]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    | st.dictionaries(st.integers(-5, 5) | st.none() | st.booleans(), inner, max_size=2)
    | st.lists(inner, max_size=3).map(tuple),
    max_leaves=30)


def assert_written_as_json(value) -> None:
    """jsoncodec writes json's text (the same number, where floats are), or raises what json raises."""
    mine, theirs = outcome(jsoncodec.write, value), outcome(JSON_WRITER.encode, value)
    assert mine[0] == theirs[0], (mine, theirs)
    if mine[0] == "raised":
        assert mine[1] is theirs[1]
    elif floats_in(value):
        assert same(json.loads(mine[1]), json.loads(theirs[1]))
    else:
        assert mine[1] == theirs[1]


@settings(max_examples=800, deadline=None)
@given(WRITABLE)
def test_jsoncodec_write_is_json_s_text_or_raises_as_json_does(value):
    assert_written_as_json(value)


class Text(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [
    [math.nan], {"a": [1, {"b": math.inf}]}, [-math.inf], [2 ** 64], [-(2 ** 63) - 1], {1: "a", None: 2, True: 3},
    ["\ud800"], {"k": Text("v")}, Text("x"), OrderedDict(a=1), [datetime.datetime(2026, 12, 1)], [Point(1)],
    {"subject": "null"}, [None], [1e16, 1e-7], [frozenset()],
])
def test_jsoncodec_write_edge_as_json(value):
    assert_written_as_json(value)


def test_jsoncodec_write_goes_through_orjson_and_falls_back_to_json():
    # the one visible difference tells which wrote: orjson spells 1e-07 the shortest way
    assert jsoncodec.write([1e-7, "é"]) == '[1e-7,"é"]'
    assert jsoncodec.write([1e-7, None, {"error": None}]) == '[1e-7,null,{"error":null}]'  # a null alone: orjson's
    # a NaN or an infinity, however deep, is written by json, which refuses it
    for nonfinite in (math.nan, math.inf, -math.inf):
        for value in (nonfinite, [1e-7, None, nonfinite], {"a": ({"b": [None, nonfinite]},)}):
            with pytest.raises(ValueError):
                jsoncodec.write(value)


def test_jsoncodec_write_cycle_raises_value_error_as_json():
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        jsoncodec.write(loop)
