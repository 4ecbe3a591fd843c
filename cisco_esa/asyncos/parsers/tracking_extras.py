"""Message-tracking extras (asyncos-api-extension §15) and health (§18.1) -> plain fields: rejected
connections, connection details, remediation details. Both details answers come with or without a
`data` wrapper (§15.2, §15.3): either is read. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cisco_esa.asyncos.parsers.values import as_int, as_list, strings
from cisco_esa.core.outcome import NotFound, UnexpectedResponse
from cisco_esa.core.timefmt import appliance_time_iso, iso


def unwrap(body: Any, key: str) -> dict:
    """The object holding `key`: the body itself, or its `data` when the answer is wrapped."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict) and key not in body:
        return body["data"]
    if isinstance(body, dict):
        return body
    raise UnexpectedResponse("the answer is not a JSON object.", raw=body)


def rejected_row(row: Any, index: int = 0) -> dict:
    """`{attributes: {hostName, icid, senderIp, sbrs, senderGroup, messageStatus, rejected, ...}}` (§15.1)."""
    a = row.get("attributes") if isinstance(row, dict) else None
    if not isinstance(a, dict):
        raise UnexpectedResponse(f"rejected connection row {index} has no attributes.")
    return {"icid": as_int(a.get("icid")), "sender_ip": a.get("senderIp"), "sbrs": a.get("sbrs"),
            "sender_group": a.get("senderGroup"), "message_status": a.get("messageStatus"),
            "rejected": a.get("rejected"), "host_name": a.get("hostName") or None,
            "serial_number": a.get("serialNumber"), "timestamp": a.get("timestamp"),
            "timestamp_iso": appliance_time_iso(a.get("timestamp"))}


def connection_details(body: Any, icid: int, serial: str) -> dict:
    """`{messages: {summary: [...]}, sbrs, senderGroup}` (§15.2); NotFound when it holds no event."""
    d = unwrap(body, "messages")
    messages = d.get("messages") if isinstance(d.get("messages"), dict) else {}
    events = [{"timestamp": e.get("timestamp"), "timestamp_iso": appliance_time_iso(e.get("timestamp")),
               "description": e.get("description"), "last_event": bool(e.get("lastEvent", False))}
              for e in as_list(messages.get("summary")) if isinstance(e, dict)]
    if not events and d.get("senderGroup") in (None, "", "N/A"):
        raise NotFound(f"Connection ICID {icid} not found on appliance {serial}.", raw=body)
    return {"icid": icid, "serial_number": serial, "sender_group": d.get("senderGroup"), "sbrs": d.get("sbrs"),
            "events": events}


def _epoch_iso(value: Any) -> str | None:
    seconds = as_int(value)
    if seconds is None:
        return None
    try:
        return iso(datetime.fromtimestamp(seconds, timezone.utc))
    except (OverflowError, OSError, ValueError):
        return None


def remediation_details(body: Any, mid: int, serial: str) -> dict:
    """`{batch_details: {...}, message_details: [...]}` (§15.3), one row per recipient mailbox;
    NotFound when neither says anything (no remediation touched the message)."""
    d = unwrap(body, "message_details")
    batch = d.get("batch_details") if isinstance(d.get("batch_details"), dict) else {}
    rows = [m for m in as_list(d.get("message_details")) if isinstance(m, dict)]
    if not batch and not rows:
        raise NotFound(f"No remediation found for message ID {mid} on appliance {serial}.", raw=body)
    mailboxes = [{"mid": as_int(m.get("mid")), "from": m.get("from_email"), "recipient": m.get("recipient_email"),
                  "status": m.get("mor_status"),
                  # "0" / "1" / "N/A" (§15.3)
                  "read": {"0": False, "1": True}.get(str(m.get("msg_read"))),
                  "delivered_at": as_int(m.get("delivered_at")), "delivered_at_iso": _epoch_iso(m.get("delivered_at"))}
                 for m in rows]
    desc = batch.get("batch_desc")
    return {"mid": mid, "serial_number": serial,
            "batch": {"name": batch.get("batch_name"), "description": None if desc == "N/A" else desc,
                      "action": batch.get("mor_action"), "initiated_by": batch.get("b_init_username"),
                      "source": batch.get("b_init_source"), "initiated_at": as_int(batch.get("b_init_time")),
                      "initiated_at_iso": _epoch_iso(batch.get("b_init_time"))} if batch else None,
            "mailboxes": mailboxes,
            "counts": {"mailboxes": len(mailboxes),
                       "succeeded": sum(1 for m in mailboxes if (m["status"] or "").lower() == "success"),
                       "failed": sum(1 for m in mailboxes if (m["status"] or "").lower() == "failed")},
            "recipients": strings([m["recipient"] for m in mailboxes])}


HEALTH_KEYS = ("percentage_cpu_load", "percentage_ram_utilization", "percentage_swap_utilization",
               "percentage_queue_utilization", "percentage_diskio", "resource_conservation",
               "messages_in_workqueue", "messages_in_pvo_quarantines")


def health(body: Any) -> dict:
    """`{data: {percentage_cpu_load: n, ...}}` (§18.1): the known figures by name, others kept apart."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise UnexpectedResponse("the health answer has no data object.", raw=body)
    known = {k: data[k] for k in HEALTH_KEYS if k in data}
    return {**known, "other": {k: v for k, v in data.items() if k not in HEALTH_KEYS}}
