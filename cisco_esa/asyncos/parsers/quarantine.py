"""Spam quarantine answers (asyncos-api §5-§7) -> plain fields: search rows, details, and the
totalCount of a release or delete. Pure: no I/O."""

from __future__ import annotations

import re
from email.utils import getaddresses
from typing import Any

from cisco_esa.asyncos.parsers.values import strings
from cisco_esa.core.outcome import NotFound, UnexpectedResponse
from cisco_esa.core.timefmt import appliance_time_iso


def normalize_row(row: Any) -> dict:
    """One search row `{mid: int, attributes: {...}}` (§5.2) -> plain fields."""
    if not isinstance(row, dict) or not isinstance(row.get("attributes"), dict):
        raise UnexpectedResponse("a spam quarantine row has no attributes.")
    return {"mid": _mid(row.get("mid")), **_attributes(row["attributes"]),
            "size": row["attributes"].get("size"), "size_bytes": size_bytes(row["attributes"].get("size"))}


def _attributes(attrs: dict) -> dict:
    to, frm = strings(attrs.get("toAddress")), strings(attrs.get("fromAddress"))
    return {
        "envelope_recipients": strings(attrs.get("envelopeRecipient")),
        "to": to, "to_addresses": bare_addresses(to),
        "from": frm, "from_addresses": bare_addresses(frm),
        "subject": attrs.get("subject"),
        "date": attrs.get("date"), "date_iso": appliance_time_iso(attrs.get("date")),
    }


def bare_addresses(display: list[str]) -> list[str]:
    """`["A <a@x>, b@y"]` -> `["a@x", "b@y"]`: one element may hold several comma-joined addresses (§5.2)."""
    out = []
    for _, addr in _getaddresses(display):
        if addr and addr not in out:
            out.append(addr)
    return out


def _getaddresses(display: list[str]) -> list[tuple[str, str]]:
    # The appliance writes `a@x <a@x>` (an unquoted @ in the display name, §5.2). Python 3.13 (and the
    # 3.11/3.12 security releases) parse strictly by default and return nothing for it; the lenient
    # parse is what every earlier Python did.
    try:
        return getaddresses(display, strict=False)
    except TypeError:  # a Python from before the `strict` parameter: lenient already
        return getaddresses(display)


_SIZE = re.compile(r"^\s*([\d.]+)\s*([KMG]?)B?\s*$", re.I)


def size_bytes(text: Any) -> int | None:
    """`"448.90K"` (§5.2) -> 459674; None when it is not a size."""
    m = _SIZE.match(text) if isinstance(text, str) else None
    if not m:
        return None
    try:
        return round(float(m.group(1)) * 1024 ** " KMG".index(m.group(2).upper() or " "))
    except ValueError:
        return None


def details(body: Any, mid: int) -> dict:
    """`{data: {mid, attributes: {..., messageBody, attachments}}}` (§6) -> plain fields; NotFound
    when the answer does not hold the message asked for."""
    data = body.get("data") if isinstance(body, dict) else None
    if data in (None, {}, []):
        raise NotFound(not_found(mid), raw=body)
    if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
        raise UnexpectedResponse(f"the details of quarantine message {mid} have no attributes.", raw=body)
    got = data.get("mid")
    if got in (None, "N/A", ["N/A"]) or _same_mid(got, mid) is False:
        raise NotFound(not_found(mid), raw=body)
    attrs = data["attributes"]
    return {"mid": _mid(got), **_attributes(attrs), "message_body": attrs.get("messageBody"),
            "attachments": strings(attrs.get("attachments"))}


def not_found(mid) -> str:
    return f"Message ID {mid} not found."


def action_count(body: Any, mid: int) -> int:
    """`{data: {action, totalCount}}` (§7): 1 = done, 0 = the id is not in the quarantine."""
    data = body.get("data") if isinstance(body, dict) else None
    count = data.get("totalCount") if isinstance(data, dict) else None
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool):
        raise UnexpectedResponse(f"the answer for message ID {mid} has no totalCount.", raw=body)
    if count < 1:
        raise NotFound(not_found(mid), raw=body)
    return count


def _mid(value):
    # a plain int beside attributes here, unlike tracking's [int] (§5.2)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _same_mid(got, mid) -> bool | None:
    got = _mid(got)
    return got == mid if isinstance(got, int) else None
