"""An answer's body as the transport hands it on: decoded, credentials masked, parsed as JSON."""

from __future__ import annotations

import json
from typing import Any

from cisco_esa.core.redaction import Secrets

NOT_JSON = object()  # a body that is there but is not JSON


def decode_body(content: bytes, encoding: str | None, status: int, secrets: Secrets) -> Any:
    """The parsed JSON of `content`; None when empty, or when an error status came with a body
    that is not JSON (an HTML error page: the status alone explains it); else NOT_JSON."""
    # JSON is UTF-8 (RFC 8259); requests' r.text would guess the charset of megabytes byte by byte.
    text = content.decode(encoding or "utf-8", errors="replace") if content else ""
    if text and secrets.found_in(text):
        # An appliance that echoes a credential back: masked before anything reads the body,
        # so no envelope, data or raw_data built from it can carry it.
        text = secrets.scrub(text)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None if status >= 400 else NOT_JSON
