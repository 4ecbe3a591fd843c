"""The result envelope of contract §3: the only place one is made."""

from __future__ import annotations

import json

from cisco_esa.core.outcome import CommandError, Result, derive_status
from cisco_esa.core.redaction import Secrets
from cisco_esa.core.registry import Command


def build_envelope(command: Command | None, name: str, result: Result | None, exc: CommandError | None,
                   secrets: Secrets | None = None) -> dict:
    """The only place an envelope is made."""
    display = command.display_name if command else str(name)
    indicator = command.failure_indicator if command else f"{display} failed."
    items = result.items if result else None
    status, error = derive_status(items, exc, indicator)
    envelope = {
        "command": command.id if command else str(name),
        "display_name": display,
        "status": status,
        "data": result.data if result is not None and result.data is not None else {},
        "raw_data": result.raw_data if result is not None and result.raw_data is not None else {},
        "error": error,
        "items": [
            # one test of the error per item: a large fetch builds ten thousands of these
            {"id": i.id, "status": "Successful", "error": None} if i.error is None
            else {"id": i.id, "status": "Failed", "error": i.error.triplet(indicator)}
            for i in (items or [])
        ],
    }
    if secrets:
        # Where a secret could enter an envelope: response bodies (masked by the client before
        # any handler reads them), connection values (server_url may not carry credentials, see
        # parse_connection), and messages the runtime writes (errors, per-item errors: scanned
        # here). So data and raw_data, which can hold megabytes of a large fetch, are not walked.
        # Of an item only its id and its error are text from outside (the rest is ours): those are
        # what is looked through, a plain list, at a fraction of encoding ten thousands of dicts.
        if _may_hold_secret(envelope["error"], secrets):
            envelope["error"] = secrets.scrub_obj(envelope["error"])
        items = envelope["items"]
        errors = [i["error"] for i in items if i["error"] is not None]
        if secrets.in_any([str(i["id"]) for i in items]) or (errors and _may_hold_secret(errors, secrets)):
            for item in items:
                item["id"], item["error"] = secrets.scrub_obj(item["id"]), secrets.scrub_obj(item["error"])
    return envelope


def _may_hold_secret(value, secrets: Secrets) -> bool:
    text = json.dumps(value, ensure_ascii=False, default=str)
    # json escapes some characters; a secret containing them is looked for string by string.
    return secrets.found_in(text) or secrets.has_escapable
