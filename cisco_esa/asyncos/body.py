"""An answer's body as the transport hands it on: decoded, parsed as strict JSON, credentials
masked. Whatever the bytes (a bogus charset, deep nesting, NaN), the result is a value or a
clear UnexpectedResponse, never an exception from deep inside a decoder."""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from cisco_esa.core.outcome import UnexpectedResponse
from cisco_esa.core.redaction import Secrets

NOT_JSON = object()  # a body that is there but is not JSON

# No AsyncOS answer nests more than a handful of levels; past this a body is refused before
# anything (our own walks, the JSON printer, JSONPath) could run out of stack on it.
MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NOT_BRACKET_BYTES = bytes(b for b in range(256) if b not in b"[]{}")
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_PAIR = re.compile(r"\[\]|\{\}")  # one pass removes the innermost pairs only: one level
# NaN and Infinity are not JSON (RFC 8259): read as null, so that what we print stays strict JSON.
# One decoder for every answer: json.loads builds a new one per call once given an option.
_DECODER = json.JSONDecoder(parse_constant=lambda name: None)


def decode_body(content: bytes, encoding: str | None, status: int, secrets: Secrets | None = None) -> Any:
    """The parsed JSON of `content`; None when empty, or when an error status came with a body
    that is not JSON (an HTML error page: the status alone explains it); else NOT_JSON.
    With `secrets`, every secret the body carries, in any spelling, is masked."""
    text = decode_text(content, encoding, status)
    if not text:
        return None
    if _deeper_than(text, MAX_DEPTH):
        raise UnexpectedResponse(f"the answer nests deeper than {MAX_DEPTH} levels, which no AsyncOS answer does.",
                                 status)
    try:
        body = _DECODER.decode(text)
    except RecursionError:  # the depth check above makes this unlikely; never a traceback
        raise UnexpectedResponse("the answer nests too deep to be read.", status) from None
    except ValueError:
        return None if status >= 400 else NOT_JSON
    return secrets.scrub_body(text, body) if secrets is not None else body


def decode_text(content: bytes, encoding: str | None, status: int) -> str:
    """`content` as text in its declared charset (UTF-8 when none, as RFC 8259 wants); requests'
    r.text would guess the charset of megabytes byte by byte."""
    if not content:
        return ""
    name = encoding or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        raise UnexpectedResponse(f"the answer declares charset {name[:40]!r}, which is no known encoding.",
                                 status) from None
    try:
        return content.decode(name, errors="replace")
    except (UnicodeError, TypeError, ValueError) as exc:  # a codec that is not a text encoding
        raise UnexpectedResponse(f"the answer cannot be decoded as charset {name[:40]!r} ({type(exc).__name__}).",
                                 status) from None


def _deeper_than(text: str, limit: int) -> bool:
    """Is the JSON in `text` nested deeper than `limit`? Brackets alone kept, then innermost pairs
    removed, one level per pass: C-speed passes, a few for a real body. Brackets inside strings are
    taken out only when the quick count says deep."""
    if text.count("[") + text.count("{") <= limit:
        return False
    if _shallow(text.encode("utf-8", "surrogatepass").translate(_ONE_KIND, _NOT_BRACKET_BYTES), limit - 1):
        return False
    return _levels(_NOT_BRACKET.sub("", text), limit) and _levels(_NOT_BRACKET.sub("", _STRING.sub("", text)), limit)


def _shallow(brackets: bytes, depth: int) -> bool:
    """Do `brackets` (one kind, `[` and `]`) all pair up within `depth` levels? The quick answer for
    a real page, bytes.translate and bytes.replace at C speed, where a regex builds a match per
    run of text. Not telling the kinds apart pairs up at least what _levels does, so a yes here
    means _levels would find the text no deeper than `depth` + 1 either; UTF-8 never puts an ASCII
    byte inside a multi-byte character."""
    for _ in range(depth):
        if not brackets:
            return True
        shorter = brackets.replace(b"[]", b"")
        if shorter == brackets:
            return False
        brackets = shorter
    return not brackets


def _levels(brackets: str, limit: int) -> bool:
    for _ in range(limit):
        shorter = _PAIR.sub("", brackets)
        if not shorter or shorter == brackets:
            return False  # all paired up within the limit, or not JSON at all (the parser will say)
        brackets = shorter
    return True
