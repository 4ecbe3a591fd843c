"""An answer's body: the nesting check that runs before any parse (asyncos/body.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from cisco_esa.asyncos import body

# Text that looks like structure: brackets, quotes and backslashes inside strings (and keys).
TRICKY = st.text(st.sampled_from('[]{}"\\,:ab é\u2028'), max_size=6)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=40,
)


def nested(depth: int, kinds: str = "[{") -> str:
    """A JSON text `depth` levels deep, alternating arrays and objects."""
    text = "0"
    for level in range(depth):
        text = f"[{text}]" if kinds[level % len(kinds)] == "[" else f'{{"k":{text}}}'
    return text


def depth_of(text: str) -> int:
    """The deepest nesting of a JSON text, read character by character: the reference."""
    deepest = level = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            level += 1
            deepest = max(deepest, level)
        elif c in "]}":
            level -= 1
    return deepest


@settings(max_examples=300, deadline=None)
@given(VALUES, st.integers(0, 8), st.integers(1, 6), st.booleans())
def test_body_deeper_than_says_what_the_reference_reads(value, wrap, limit, ascii_only):
    # wrapped in more levels, so that the answer is sometimes yes
    for level in range(wrap):
        value = [value] if level % 2 else {"k": value}
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert body._deeper_than(text, limit) == (depth_of(text) > limit)


def test_body_deeper_than_at_the_limit_exactly():
    assert not body._deeper_than(nested(64), 64)
    assert body._deeper_than(nested(65), 64)
    assert body._deeper_than(nested(65, "["), 64) and body._deeper_than(nested(65, "{"), 64)


def test_body_deeper_than_brackets_in_strings_do_not_count():
    # 100 openings, all inside one string: no nesting at all
    assert not body._deeper_than(json.dumps({"subject": "[{" * 100}), 64)
    assert body._deeper_than(json.dumps({"subject": "[{" * 100, "deep": json.loads(nested(70))}), 64)


def test_body_deep_answer_refused_naming_the_limit():
    with pytest.raises(body.UnexpectedResponse, match="nests deeper than 64 levels"):
        body.decode_body(nested(65).encode(), None, 200)
    assert body.decode_body(nested(64).encode(), None, 200) is not None


def test_body_deeper_than_closing_brackets_in_strings_hide_no_level():
    # Every level holds the string "]" before the next level and "[" after it: read with the
    # structure, those brackets pair up one level deep (the check before this one was fooled so).
    text = "0"
    for _ in range(70):
        text = f'["]",{text},"["]'
    assert depth_of(text) == 70
    assert body._deeper_than(text, 64)
    assert not body._deeper_than(text, 70)


def test_body_deeper_than_escaped_quotes_and_backslashes_read_as_string_insides():
    # a string ending in an escaped backslash, one holding an escaped quote and a bracket
    text = json.dumps([["\\", '"]', "\\\\\"["]])
    assert depth_of(text) == 2 and not body._deeper_than(text, 2) and body._deeper_than(text, 1)
    deep = "0"
    for _ in range(65):
        deep = f'["\\\\",{deep},"\\"]"]'
    assert depth_of(deep) == 65 and body._deeper_than(deep, 64) and not body._deeper_than(deep, 65)


def test_body_quotes_that_do_not_pair_up_are_no_json_not_deep():
    # 70 openings and a string never closed: no JSON, which the parser says (not "deep")
    assert not body._deeper_than('[' * 70 + '"', 64)
    assert body.decode_body(('[' * 70 + '"').encode(), None, 200) is body.NOT_JSON


def test_body_brackets_that_do_not_pair_up_are_no_json_not_deep():
    assert not body._deeper_than("[" * 70, 64) and not body._deeper_than("[" * 70 + "}" * 3, 64)
    assert body.decode_body(b"[" * 70, None, 200) is body.NOT_JSON
    assert body.decode_body(b"[" * 70, None, 500) is None  # an error's body that is no JSON: the status says it


@pytest.mark.parametrize("charset,reason", [
    ("bogus-42", "the answer declares charset 'bogus-42', which is no known encoding."),
    # a codec that is no text encoding: bytes.decode raises LookupError for it
    ("rot13", "the answer cannot be decoded as charset 'rot13' (LookupError)."),
    ("base64", "the answer cannot be decoded as charset 'base64' (LookupError)."),
    ("idna", "the answer cannot be decoded as charset 'idna' (UnicodeError)."),
    ("x" * 50, f"the answer declares charset {'x' * 40!r}, which is no known encoding."),
])
def test_body_charset_that_cannot_decode_refused_naming_it(charset, reason):
    with pytest.raises(body.UnexpectedResponse) as caught:
        body.decode_body(b'{"a": "\xff\xfe"}', charset, 200)
    assert str(caught.value) == f"Unexpected response from the appliance: {reason}"


def test_body_declared_charset_read_and_empty_body_none():
    assert body.decode_body('{"a": "é"}'.encode("latin-1"), "latin-1", 200) == {"a": "é"}
    assert body.decode_body('{"a": "é"}'.encode("utf-16"), "utf-16", 200) == {"a": "é"}
    assert body.decode_body(b"", None, 200) is None and body.decode_text(b"", "bogus", 200) == ""


def test_body_long_charset_name_cut_at_40_in_the_message():
    # a name past 40 characters that still names a codec (punctuation runs read as one "_"): rot_13
    name = "rot" + "-" * 40 + "13"
    with pytest.raises(body.UnexpectedResponse) as caught:
        body.decode_body(b"{}", name, 200)
    assert str(caught.value) == ("Unexpected response from the appliance: the answer cannot be decoded as charset "
                                 f"{name[:40]!r} (LookupError).")


def test_body_reader_out_of_stack_refused_as_too_deep(monkeypatch):
    # the nesting check makes it unlikely; were the reader to run out of stack, never a traceback
    class Deep:
        def decode(self, text):
            raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(body, "_DECODER", Deep())
    with pytest.raises(body.UnexpectedResponse) as caught:
        body.decode_body(b"[[1]]", None, 200)
    assert str(caught.value) == "Unexpected response from the appliance: the answer nests too deep to be read."
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
