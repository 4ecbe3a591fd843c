"""PVO quarantine answers (asyncos-api-extension §14) -> plain fields: the list of quarantines,
search rows, details with their parts, the totalCount of an action, and an attachment's bytes and
file name. Pure: no I/O. Its vocabulary is its own, not the spam quarantine's (§14.6)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import unquote

from cisco_esa.asyncos.parsers.quarantine import size_bytes
from cisco_esa.asyncos.parsers.values import as_int, as_list, strings
from cisco_esa.core.outcome import NotFound, UnexpectedResponse
from cisco_esa.core.timefmt import appliance_time_iso

BODY_PART = "[message body]"  # the pseudo-part of messagePartDetails (§14.3)


def quarantine_names(body: Any) -> list[str]:
    """`{data: {quarantines: {<kind>: [names]}}}` (§14.1.1): every name, in order, once."""
    data = body.get("data") if isinstance(body, dict) else None
    groups = data.get("quarantines") if isinstance(data, dict) else None
    if isinstance(groups, list):  # a flat list would say the same thing
        groups = {"": groups}
    if not isinstance(groups, dict):
        raise UnexpectedResponse("config/quarantines has no data.quarantines.", raw=body)
    names: list[str] = []
    for kind in groups.values():
        for name in strings(kind):
            if name.strip() and name not in names:
                names.append(name)
    return names


def row_quarantines(attrs: dict) -> list[str]:
    """The quarantines one message sits in: quarantineForReasonDict when given (the cleanest), else
    `inQuarantines`, a string that is probably comma-joined for several (§14.2)."""
    names = [d.get("quarantineName") for d in as_list(attrs.get("quarantineForReasonDict")) if isinstance(d, dict)]
    names = [n for n in names if isinstance(n, str) and n.strip()]
    if not names:
        names = [n.strip() for v in strings(attrs.get("inQuarantines")) for n in v.split(",") if n.strip()]
    return list(dict.fromkeys(names))


def normalize_row(row: Any) -> dict:
    """One search row `{mid, attributes}` (§14.2) -> plain fields."""
    if not isinstance(row, dict) or not isinstance(row.get("attributes"), dict):
        raise UnexpectedResponse("a PVO quarantine row has no attributes.")
    a = row["attributes"]
    reasons = {d.get("quarantineName"): strings(d.get("reason")) for d in as_list(a.get("quarantineForReasonDict"))
               if isinstance(d, dict) and isinstance(d.get("quarantineName"), str)}
    return {
        "mid": as_int(row.get("mid")) if as_int(row.get("mid")) is not None else row.get("mid"),
        "esa_mid": as_int(a.get("esaMid")),
        "sender": a.get("sender"),
        "recipients": strings(a.get("recipient")),
        "subject": a.get("subject"),
        "received": a.get("received"), "received_iso": appliance_time_iso(a.get("received")),
        "scheduled_exit": a.get("scheduledExit"), "scheduled_exit_iso": appliance_time_iso(a.get("scheduledExit")),
        "size": a.get("size"), "size_bytes": size_bytes(a.get("size")),
        "quarantines": row_quarantines(a),
        "reasons": strings(a.get("quarantineForReason")),
        "reasons_by_quarantine": reasons,
        "esa_host_name": a.get("esaHostName"),
        "originating_esa_ip": a.get("originatingEsaIp"),
    }


def details(body: Any, mid: int) -> dict:
    """`{data: {mid, attributes: {quarantineDetails[], messageDetails, messagePartDetails[], ...}}}`
    (§14.3) -> plain fields; NotFound when the answer does not hold the message asked for."""
    data = body.get("data") if isinstance(body, dict) else None
    if data in (None, {}, []):
        raise NotFound(f"Message ID {mid} not found.", raw=body)
    if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
        raise UnexpectedResponse(f"the details of PVO message {mid} have no attributes.", raw=body)
    got = as_int(data.get("mid"))
    if data.get("mid") in (None, "N/A") or (got is not None and got != mid):
        raise NotFound(f"Message ID {mid} not found.", raw=body)
    a = data["attributes"]
    held = [q for q in as_list(a.get("quarantineDetails")) if isinstance(q, dict)]
    message = a.get("messageDetails") if isinstance(a.get("messageDetails"), dict) else {}
    parts = [part(p) for p in as_list(a.get("messagePartDetails")) if isinstance(p, dict)]
    return {
        "mid": mid,
        "subject": message.get("subject"),
        "sender": message.get("sender"),
        "recipients": strings(message.get("recipient")),
        "quarantines": [{"name": q.get("quarantineName"), "reasons": strings(q.get("reason")),
                         "received": q.get("received"), "received_iso": appliance_time_iso(q.get("received")),
                         "scheduled_exit": q.get("scheduledExit"),
                         "scheduled_exit_iso": appliance_time_iso(q.get("scheduledExit")),
                         "esa_host_name": q.get("esaHostName"), "originating_esa_ip": q.get("originatingEsaIp")}
                        for q in held],
        "quarantine_names": held_in(body),
        "attachments": [p for p in parts if not p["is_message_body"]],
        "parts": parts,
        "matched_contents": as_list(a.get("matchedContents")),
        "headers": a.get("headers"),
        "message_body": a.get("messageBody"),
    }


def held_in(body: Any) -> list[str]:
    """The names of the quarantines a details answer says the message is in."""
    data = body.get("data") if isinstance(body, dict) else None
    a = data.get("attributes") if isinstance(data, dict) else None
    held = as_list(a.get("quarantineDetails")) if isinstance(a, dict) else []
    names = [q.get("quarantineName") for q in held if isinstance(q, dict)]
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n.strip()))


def part(p: dict) -> dict:
    """One messagePartDetails entry; its size is that of the base64 form (§14.3)."""
    name = p.get("attachmentName")
    return {"attachment_id": as_int(p.get("attachmentId")), "name": name, "size": p.get("attachmentSize"),
            "size_bytes": size_bytes(p.get("attachmentSize")) if isinstance(p.get("attachmentSize"), str)
            else as_int(p.get("attachmentSize")),
            "is_message_body": isinstance(name, str) and name.strip().lower() == BODY_PART}


def action_count(body: Any, mid: int, quarantine: str) -> int:
    """`{data: {action, totalCount}}` (§14.4): 1 = done, 0 = the message is not in that quarantine."""
    data = body.get("data") if isinstance(body, dict) else None
    count = as_int(data.get("totalCount")) if isinstance(data, dict) else None
    if count is None:
        raise UnexpectedResponse(f"the answer for message ID {mid} in {quarantine} has no totalCount.", raw=body)
    if count < 1:
        raise NotFound(f"Message ID {mid} is not in the {quarantine} quarantine.", raw=body)
    return count


def attachment_bytes(content: bytes) -> tuple[bytes, bool]:
    """(the file, whether it came base64-encoded): the body is base64 text (§14.5), and raw bytes
    are taken as they are when it is not."""
    text = content.strip()
    if text and re.fullmatch(rb"[A-Za-z0-9+/=\r\n]+", text):
        try:
            return base64.b64decode(re.sub(rb"\s+", b"", text), validate=True), True
        except (binascii.Error, ValueError):
            pass
    return content, False


_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^;]+)", re.I)
_FILENAME = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))', re.I)


def file_name(disposition: Any) -> str | None:
    """The name in a Content-Disposition header: RFC 5987 `filename*=UTF-8''...` first, then the
    quoted (or bare) `filename=`; None when there is none (§14.5)."""
    if not isinstance(disposition, str):
        return None
    m = _FILENAME_STAR.search(disposition)
    if m:
        value = m.group(1).strip().strip('"')
        charset, sep, rest = value.partition("'")
        if sep:
            _lang, _, encoded = rest.partition("'")
            try:
                name = unquote(encoded, encoding=charset or "utf-8", errors="strict")
            except (LookupError, UnicodeDecodeError):
                name = unquote(encoded, errors="replace")
            if name.strip():
                return name
    m = _FILENAME.search(disposition)
    if m:
        name = m.group(1) if m.group(1) is not None else m.group(2).strip()
        name = re.sub(r"\\(.)", r"\1", name)
        return name if name.strip() else None
    return None
