"""An answer's body as the transport hands it on: decoded, parsed as strict JSON, credentials
masked. Whatever the bytes (a bogus charset, deep nesting, NaN), the result is a value or a
clear UnexpectedResponse, never an exception from deep inside a decoder."""

from __future__ import annotations

import codecs
import json
from typing import Any

from cisco_esa.core.outcome import UnexpectedResponse
from cisco_esa.core.redaction import Secrets

NOT_JSON = object()  # a body that is there but is not JSON

# No AsyncOS answer nests more than a handful of levels; past this a body is refused before
# anything (our own walks, the JSON printer, JSONPath) could run out of stack on it.
MAX_DEPTH = 64
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
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
    except (UnicodeError, TypeError, ValueError, LookupError) as exc:  # LookupError: a codec of no text (rot13)
        raise UnexpectedResponse(f"the answer cannot be decoded as charset {name[:40]!r} ({type(exc).__name__}).",
                                 status) from None


def _deeper_than(text: str, limit: int) -> bool:
    """Is the JSON in `text` nested deeper than `limit`? Read at C speed, over bytes (UTF-8 never
    puts an ASCII byte inside a multi-byte character): the escaped backslashes and quotes taken
    out (a run of backslashes pairs from the left), so that every quote left opens or closes a
    string; then brackets (of one kind) and quotes alone kept, and what lies between a string's
    quotes dropped: what is left is the structure, whose innermost pairs go one level per pass
    (a few short passes for a real body).
    A text whose quotes or brackets do not pair up is no JSON: not deep, the parser will say."""
    data = text.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = data.translate(_ONE_KIND, _NOT_STRUCTURE)
    if kept.count(b"[") <= limit:  # fewer openings than levels, strings' own included
        return False
    # Two quotes side by side close one string and open the next (or enclose nothing): dropping
    # them pairs the others as before, and merges two strings' insides. When every quote goes so
    # (counted, as replace would drop them), no string holds a bracket: drop the quotes alone.
    if 2 * kept.count(b'""') == kept.count(b'"'):
        structure = kept.translate(None, b'"')
    else:  # strings that hold brackets: drop what lies between their quotes
        parts = kept.replace(b'""', b"").split(b'"')
        if len(parts) % 2 == 0:
            return False
        structure = b"".join(parts[::2])
    for _ in range(limit):
        if not structure:
            return False
        shorter = structure.replace(b"[]", b"")
        if shorter == structure:
            return False
        structure = shorter
    return b"[]" in structure
