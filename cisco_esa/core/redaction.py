"""Secret hygiene: the set of known secrets in every spelling an appliance may echo them in, the
scrubber of texts and decoded bodies, and the logging filter that masks and de-fangs each record."""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

_MASK = "***"
_AUTH = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:basic|bearer)\s+)[A-Za-z0-9+/=._-]+")
_AUTH_WORD = re.compile(r"(?i)authorization")

# A secret shorter than this (a weak password such as "2026") is masked only where a whole string
# equals it: masked inside longer text it would turn every timestamp holding that year into "***",
# and "never corrupt data that merely looks alike" (contract §3) wins over hiding a guessable value.
SHORT = 8
MIN = 3  # below this a value is not treated as a secret at all

# JSON's short escapes; any other character may also be written \uXXXX by an encoder.
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# What must never reach a log line or a terminal as it is: C0 and C1 controls (a newline forges
# a line, ESC and CSI start escape sequences), the Unicode line separators, and the bidirectional
# overrides and isolates (they make a subject or a sender read backwards). Regex class bodies; a
# JSON encoder escapes C0 itself, so JSON output needs only the rest.
UNSAFE_BEYOND_C0 = r"\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
UNSAFE_CHARACTERS = r"\x00-\x1f" + UNSAFE_BEYOND_C0
_CONTROL = re.compile(f"[{UNSAFE_CHARACTERS}]")


def escape_controls(text: str) -> str:
    """Control characters written as escapes, so that text from an appliance can never start a
    new line (or rewrite one) in a log or on a terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def spellings(value: str) -> set[str]:
    """Every form of `value` an appliance is known to echo: as written, URL-encoded, base64
    (standard and URL-safe, padded or not, and the stable core of the base64 of any text that
    holds it), JSON-escaped, Python-escaped (as in an exception's repr); a JWT also by each part."""
    forms = {value}
    for encoded in (quote(value, safe=""), quote(value), quote_plus(value, safe="")):
        forms |= {encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)}
    raw = value.encode()
    urlsafe = str.maketrans("+/", "-_")
    whole = base64.b64encode(raw).decode()
    forms |= {whole, whole.rstrip("="), whole.translate(urlsafe), whole.translate(urlsafe).rstrip("=")}
    for shift in range(3):
        # Inside a longer base64 text the secret's bytes start at offset 0, 1 or 2 of a 3-byte
        # group; the characters whose 6 bits all come from the secret are the same whatever
        # surrounds it: from ceil(8*shift/6) to floor(8*(shift+n)/6).
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        core = encoded[-(-4 * shift // 3):4 * (shift + len(raw)) // 3]
        forms |= {core, core.translate(urlsafe)}
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    forms.add(value.encode("unicode_escape").decode("ascii"))
    forms.add(repr(value)[1:-1])
    parts = value.split(".")
    if len(parts) == 3 and all(parts):  # a JWT: header, payload, signature
        forms |= set(parts)
    return {f for f in forms if len(f) >= MIN}


class Secrets:
    """A thread-safe set of secret strings; every known secret is masked wherever it appears, in
    every spelling of spellings(). Secrets shorter than SHORT only where a whole string is one."""

    def __init__(self):
        self._lock = threading.Lock()
        self._added: set[str] = set()
        self._forms: set[str] = set()           # every long form, masked as substrings
        self._long: tuple[str, ...] = ()        # the fewest of them whose search finds all
        self._short: frozenset[str] = frozenset()  # matched as whole strings only
        self._pattern: re.Pattern | None = None
        self._quoted_short: tuple[str, ...] = ()
        self._escapes: re.Pattern | None = None
        # True when a secret holds a character JSON escapes, so a serialized search could miss it.
        self.has_escapable = False

    def add(self, value) -> None:
        if not isinstance(value, str) or len(value) < MIN:
            return
        with self._lock:
            if value in self._added:
                return
            self._added.add(value)
            long_forms, short_forms = self._forms, set(self._short)
            if len(value) < SHORT:
                short_forms |= spellings(value)
            else:
                long_forms |= {f for f in spellings(value) if len(f) >= SHORT}
            self._long = _minimal(long_forms)
            self._short = frozenset(short_forms)
            self._pattern = None  # compiled when first needed: most runs never find a secret to mask
            self._quoted_short = tuple(f'"{json.dumps(v)[1:-1]}"' for v in short_forms)
            self.has_escapable = any(c in _JSON_SHORT or ord(c) < 32 for v in self._added for c in v)
            # a base64 form's '/' too
            self._escapes = _escapes_hiding(frozenset(c for v in self._added | long_forms | short_forms for c in v))

    def _masker(self) -> re.Pattern | None:
        """One alternation of every long form, longest first (a form inside another), compiled on the
        first text that holds one: a login's token adds a few dozen forms, a regex a run rarely needs."""
        pattern = self._pattern
        if pattern is None and self._forms:
            with self._lock:
                if self._pattern is None:
                    ordered = sorted(self._forms, key=len, reverse=True)
                    self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
                pattern = self._pattern
        return pattern

    def add_basic(self, username: str, password: str) -> None:
        self.add(password)
        self.add(base64.b64encode(f"{username}:{password}".encode()).decode())

    def found_in(self, text: str) -> bool:
        """Does any known secret, or an Authorization header, occur in text? Plain substring
        searches over the fewest forms that cover all: on a 4 MB body they take 5 ms where one
        regex alternation of the same forms takes 35 ms (benchmarks/redaction.py)."""
        if any(value in text for value in self._long):
            return True
        return ("uthorization" in text or "UTHORIZATION" in text) and bool(_AUTH.search(text))

    def in_any(self, texts: list[str]) -> bool:
        """Does any of `texts` hold a known secret: a long form inside it, or a short one as the whole?"""
        return not self._short.isdisjoint(texts) or self.found_in("\n".join(texts))

    def may_hide_in_json(self, text: str) -> bool:
        """Could the JSON `text` carry a secret once parsed: a form of one as is, a short one as a
        whole string, or an escape (\\u0041, \\/) that spells a character some secret holds?"""
        if self.found_in(text) or any(q in text for q in self._quoted_short):
            return True
        escapes = self._escapes
        # every such escape begins with a backslash: a text without one (the usual page) needs no regex
        return bool(escapes and "\\" in text and escapes.search(text))

    def scrub(self, text):
        if not isinstance(text, str):
            return text
        if text in self._short:
            return _MASK
        if self._long and any(value in text for value in self._long):  # the substring test first: faster
            text = self._masker().sub(_MASK, text)
        # Belt and braces: header values we never want to see, whoever put them in the text.
        return _AUTH.sub(r"\1" + _MASK, text) if _AUTH_WORD.search(text) else text

    def scrub_obj(self, obj):
        """Scrub every string inside a JSON-like object (keys too). Iterative: an answer nested
        deep must not end in a RecursionError here."""
        if not isinstance(obj, (dict, list)):
            return self.scrub(obj)
        root: list = [obj]
        todo = [(root, 0, obj)]
        while todo:
            parent, key, node = todo.pop()
            if isinstance(node, dict):
                copy: Any = {}
                for k, v in node.items():
                    copy[self.scrub(k) if isinstance(k, str) else k] = v
                parent[key] = copy
                todo += [(copy, k, v) for k, v in copy.items() if isinstance(v, (dict, list, str))]
            elif isinstance(node, list):
                copy = list(node)
                parent[key] = copy
                todo += [(copy, i, v) for i, v in enumerate(copy) if isinstance(v, (dict, list, str))]
            else:
                parent[key] = self.scrub(node)
        return root[0]

    def scrub_body(self, text: str, body: Any) -> Any:
        """`body`, parsed from the JSON `text`, with every secret masked. The text is searched once;
        the parsed body is walked only when that search says a secret may be inside, so the
        megabytes of a large fetch are not walked on every page."""
        return self.scrub_obj(body) if self.may_hide_in_json(text) else body


def _minimal(forms: set[str]) -> tuple[str, ...]:
    """The forms not containing another: finding those finds every form."""
    ordered = sorted(forms, key=len)
    kept: list[str] = []
    for form in ordered:
        if not any(k in form for k in kept):
            kept.append(form)
    return tuple(kept)


@functools.lru_cache(maxsize=64)
def _escapes_hiding(chars: frozenset[str]) -> re.Pattern | None:
    """The JSON escapes that could spell a character of some secret (`chars`): \\uXXXX of each (a
    surrogate for those beyond the BMP) and the short escapes of \\ " / and controls. Cached: every
    token of a run spells with the same base64 alphabet."""
    alternatives = set()
    for c in chars:
        code = ord(c)
        high = code if code <= 0xFFFF else 0xD800 + ((code - 0x10000) >> 10)
        alternatives.add("\\\\u" + "".join(f"[{h.lower()}{h.upper()}]" if h.isalpha() else h for h in f"{high:04x}"))
        if c in _JSON_SHORT:
            alternatives.add(re.escape(_JSON_SHORT[c]))
    return re.compile("|".join(sorted(alternatives))) if alternatives else None


class RedactingFilter(logging.Filter):
    """Masks every secret in a record and escapes the control characters of its message, so that
    text an appliance sent can neither leak a secret nor forge a log line."""

    def __init__(self, secrets: Secrets):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = escape_controls(self.secrets.scrub(message))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.secrets.scrub(record.exc_text)
        return True
