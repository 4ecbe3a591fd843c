"""Message tracking answers (asyncos-api §2-§4) -> plain fields: search rows in either format,
the four details answers, and the verdicts inside their event descriptions. Pure: no I/O."""

from __future__ import annotations

import re
from typing import Any

from cisco_esa.asyncos.parsers import rewritten_urls
from cisco_esa.asyncos.parsers.values import as_int, as_list, strings
from cisco_esa.core.outcome import NotFound, UnexpectedResponse
from cisco_esa.core.timefmt import appliance_time_iso


def normalize_row(row: Any, index: int = 0) -> dict:
    """One search row `{attributes: {...}}`, current or old format (§2.2), -> plain fields."""
    attrs = row.get("attributes") if isinstance(row, dict) else None
    if not isinstance(attrs, dict):
        raise UnexpectedResponse(f"message tracking row {index} has no attributes.")
    mids = _mids(attrs.get("mid"))
    keys = [str(m) for m in mids]
    by_mid = _per_mid(attrs.get("messageStatus"), keys)
    statuses = list(dict.fromkeys(v for v in by_mid.values() if v))
    header_map = _per_mid(attrs.get("messageID"), keys)
    headers = [header_map[k] for k in keys if header_map.get(k)] + [v for v in header_map.values() if v]
    out = {
        "mids": mids,
        "mid": mids[0] if mids else None,
        "icid": as_int(attrs.get("icid")),
        "serial_number": attrs.get("serialNumber"),
        "host_name": attrs.get("hostName") or None,  # "" on ESA, the managed ESA's name on SMA (§10)
        "sender": attrs.get("sender"),
        "recipients": strings(attrs.get("recipient")),
        "subject": attrs.get("subject"),
        # a per-MID map in the current format, a plain string in the old one (§2.2)
        "message_status": "; ".join(statuses) if statuses else None,
        "message_status_by_mid": by_mid,
        "direction": attrs.get("direction"),
        "sender_ip": attrs.get("senderIp"),
        "sender_domain": attrs.get("senderDomain"),
        "sender_group": attrs.get("senderGroup"),
        "sbrs": attrs.get("sbrs"),
        "mail_policy": strings(attrs.get("mailPolicy")),
        "timestamp": attrs.get("timestamp"),
        "timestamp_iso": appliance_time_iso(attrs.get("timestamp")),
        "message_id_header": headers[0] if headers else None,
    }
    if "dcid" in attrs:  # SMA rows only (§2.2)
        out["dcid"] = [d for d in (as_int(v) for v in as_list(attrs["dcid"])) if d is not None]
    return out


def _per_mid(value: Any, keys: list[str]) -> dict[str, str]:
    """A `{mid: value}` map (current format) or one value for the whole message (old format)."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if isinstance(v, str)}  # anything else is unreadable
    if isinstance(value, str) and value:
        return {k: value for k in keys}
    return {}


def details_message(body: Any, mid: Any = None, serial: str | None = None) -> dict:
    """`{data: {messages: {...}}}` (§3.2) -> the messages object; NotFound when `mid` is missing
    or holds "N/A", which is how the appliance answers an unknown mid/serial with a 200 (§1.5)."""
    data = body.get("data") if isinstance(body, dict) else None
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, dict):
        raise UnexpectedResponse(f"the details of message ID {mid} have no data.messages object.", raw=body)
    mids = messages.get("mid")
    if mids in (None, "", [], "N/A") or (isinstance(mids, list) and "N/A" in mids):
        raise NotFound(f"Message ID {mid} not found on appliance {serial}.", raw=body)
    return messages


def message_details(body: Any, mid: Any = None, serial: str | None = None) -> dict:
    """GET message-tracking/details (§3) -> plain fields."""
    m = details_message(body, mid, serial)
    return {**_common_details(m, serial),
            "mail_policy": strings(m.get("mailPolicy")),
            "is_complete_data": m.get("isCompleteData"),
            "has_amp_details": m.get("showAMP"),
            "has_dlp_details": m.get("showDLP"),
            "has_url_details": m.get("showURL"),
            "summary": _events(m.get("summary"))}


def amp_details(body: Any, mid: Any = None, serial: str | None = None) -> dict:
    """GET message-tracking/amp-details (§4) -> plain fields and one verdict per file answer."""
    m = details_message(body, mid, serial)
    events = _events(m.get("ampDetails"))
    verdicts = amp_verdicts(events)
    return {**_common_details(m, serial),
            "has_amp_details": m.get("showAMPDetails"),
            "amp_details": events,
            "verdicts": verdicts,
            "malicious": any((v.get("disposition") or "").upper() == "MALICIOUS" for v in verdicts)}


def dlp_details(body: Any, mid: Any = None, serial: str | None = None) -> dict:
    """GET message-tracking/dlp-details (§4) -> plain fields."""
    m = details_message(body, mid, serial)
    return {**_common_details(m, serial), "has_dlp_details": m.get("showDLPDetails"), **dlp_summary(m.get("dlpDetails"))}


def url_details(body: Any, mid: Any = None, serial: str | None = None) -> dict:
    """GET message-tracking/url-details (§4) -> plain fields and each URL's verdict."""
    m = details_message(body, mid, serial)
    events = _events(m.get("urlDetails"))
    return {**_common_details(m, serial), "has_url_details": m.get("showURLDetails"), "url_details": events,
            "urls": url_verdicts(events)}


def _common_details(m: dict, serial: str | None) -> dict:
    mids = _mids(m.get("mid"))
    host = m.get("sendingHostSummary") if isinstance(m.get("sendingHostSummary"), dict) else {}
    sdr = {"age": m.get("sdrAge"), "category": m.get("sdrCategory"), "reputation": m.get("sdrReputation"),
           "threat_levels": m.get("sdrThreatLevels")}
    return {
        "mids": mids,
        "mid": mids[0] if mids else None,
        "serial_number": serial,
        "all_icid": [i for i in (as_int(v) for v in as_list(m.get("allIcid"))) if i is not None],
        "subject": m.get("subject"),
        "sender": m.get("sender"),
        "header_from": m.get("headerFrom"),
        "recipients": strings(m.get("recipient")),
        "message_status": m.get("messageStatus"),
        "direction": m.get("direction"),
        "sender_group": m.get("senderGroup"),
        "host_name": m.get("hostName"),
        "message_id_header": m.get("midHeader"),
        "smtp_auth_id": m.get("smtpAuthId") or None,
        "message_size": m.get("messageSize"),
        "timestamp": m.get("timestamp"),
        "timestamp_iso": appliance_time_iso(m.get("timestamp")),
        # "" instead of [] when there are none in an SMA capture (captures README note 3)
        "attachments": [a for a in strings(m.get("attachments")) if a],
        "sending_host": {"reverse_dns_hostname": host.get("reverseDnsHostname"),
                         "ip_address": host.get("ipAddress"), "sbrs_score": host.get("sbrsScore")} if host else None,
        "sdr": sdr if any(v is not None for v in sdr.values()) else None,
    }


def _events(value: Any) -> list[dict]:
    """`[{timestamp, description, lastEvent?}]` -> the same with an ISO twin; lastEvent only on the last in captures (§4)."""
    out = []
    for e in as_list(value):
        if not isinstance(e, dict):
            continue
        out.append({"timestamp": e.get("timestamp"), "timestamp_iso": appliance_time_iso(e.get("timestamp")),
                    "description": e.get("description"), "last_event": bool(e.get("lastEvent", False))})
    return out


# "File Name = a.docm, MID = 5120, Disposition = MALICIOUS, ..." (§4): each key starts after
# the sentence or after ", ".
_KV = re.compile(r"(?:^|[.,]\s+)([A-Za-z][A-Za-z0-9_ ]*?)\s+=\s+")


_AMP_KEYS = {"file name": "file_name", "mid": "mid", "disposition": "disposition", "malware": "malware",
             "analysis score": "analysis_score", "sha256": "sha256", "upload_action": "upload_action",
             "verdict_source": "verdict_source", "suspected malware categories": "malware_categories"}


def description_fields(text: Any) -> dict[str, str]:
    """The `Key = value` pairs of an AMP event description, keys lower-cased."""
    if not isinstance(text, str):
        return {}
    marks = list(_KV.finditer(text))
    out = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out[mark.group(1).strip().lower()] = text[mark.end():end].strip()
    return out


def amp_verdicts(events: list[dict]) -> list[dict]:
    """One verdict per file-reputation answer that carries a Disposition (§4)."""
    verdicts = []
    for e in events:
        fields = description_fields(e.get("description"))
        if "disposition" not in fields:
            continue
        v = {name: fields.get(key) for key, name in _AMP_KEYS.items()}
        v["mid"] = as_int(v["mid"])
        v["analysis_score"] = as_int(v["analysis_score"])
        if v["malware"] in ("None", ""):
            v["malware"] = None
        v["timestamp"], v["timestamp_iso"] = e.get("timestamp"), e.get("timestamp_iso")
        verdicts.append(v)
    return verdicts


def dlp_summary(value: Any) -> dict:
    """`dlpDetails` (§4): one object, `{}` when there is none; its `mid` is a string on ESA and
    an int on SMA (captures README note 3)."""
    d = value if isinstance(value, dict) else {}
    matched = []
    for part in as_list(d.get("dlpMatchedContent")):
        if not isinstance(part, dict):
            continue
        for match in as_list(part.get("messagePartMatch")):
            if isinstance(match, dict):
                matched.append({"message_part": part.get("messagePart"), "classifier": match.get("classifier"),
                                "matches": strings(match.get("classifierMatch"))})
    return {
        "violation_severity": d.get("violationSeverity"),
        "risk_factor": as_int(d.get("riskFactor")),
        "dlp_policy": d.get("dlpPolicy"),
        "dlp_mid": as_int(d.get("mid")),
        "matched_content": matched,
    }


# "Message 6001 URL: http://bad.example/login, URL reputation: -8.2, Condition: URL Reputation Rule."
# SMA puts a space before the comma (§4, sma capture).
_URL_EVENT = re.compile(r"^Message (\d+) URL: (.+?)\s*, URL reputation: ([-+]?\d+(?:\.\d+)?)"
                        r"(?:\s*, Condition: (.+?))?\.?\s*$")


_URL_REWRITTEN = re.compile(r"^Message (\d+) rewritten URL u?'(.+)'\.?\s*$")


def url_verdicts(events: list[dict]) -> list[dict]:
    """Each URL once, with its reputation and condition and whether it was rewritten (§4)."""
    urls: dict[str, dict] = {}
    rewritten = set()
    for e in events:
        text = e.get("description")
        text = text.strip() if isinstance(text, str) else ""  # a mutated answer may hold anything here
        m = _URL_EVENT.match(text)
        if m:
            urls.setdefault(m.group(2), {"url": m.group(2), "mid": int(m.group(1)), "reputation": float(m.group(3)),
                                         "condition": m.group(4), "timestamp": e.get("timestamp"),
                                         "timestamp_iso": e.get("timestamp_iso")})
            continue
        m = _URL_REWRITTEN.match(text)
        if m:
            rewritten.add(m.group(2))
    out = []
    for u in urls.values():
        row = {**u, "rewritten": u["url"] in rewritten}
        decoded = rewritten_urls.decoded_or_none(u["url"])
        if decoded is not None:  # a link the gateway had already rewritten: its original beside it (ext §17)
            row["decoded_url"] = decoded
        out.append(row)
    return out


# -- helpers ----------------------------------------------------------------------------
def _mids(value: Any) -> list[int]:
    # an array of int here, a plain int elsewhere (§2.2, §5.2)
    return [m for m in (as_int(v) for v in as_list(value)) if m is not None]
