"""Message tracking (asyncos-api §2–§4): the search query with its filters, search rows of both
the current and the old response format in one plain shape, and the four details endpoints."""

from __future__ import annotations

import difflib
import re
from typing import Any

from cisco_esa.core.context import Context
from cisco_esa.core.outcome import (
    ApplianceError,
    InputError,
    NotFound,
    Result,
    UnexpectedResponse,
)
from cisco_esa.paging import page_all
from cisco_esa.core.timefmt import appliance_time_iso, endpoint_window

MESSAGES = "message-tracking/messages"
PAGE_SIZE = 100  # the appliance's page cap for tracking (§1.4)
DETAILS_PATHS = {
    "message": "message-tracking/details",
    "amp": "message-tracking/amp-details",
    "dlp": "message-tracking/dlp-details",
    "url": "message-tracking/url-details",
}

# Dedicated parameters -> the appliance's filter pairs. Lower-case f in "filter" is the real
# spelling, capital O/V for attachments (§2.1).
CONTAINS_FILTERS = {
    "subject": ("subjectfilterOperator", "subjectfilterValue"),
    "sender": ("envelopeSenderfilterOperator", "envelopeSenderfilterValue"),
    "recipient": ("envelopeRecipientfilterOperator", "envelopeRecipientfilterValue"),
    "attachment_name": ("attachmentNameOperator", "attachmentNameValue"),
}
# Query keys the command sets itself; additional_filters may not override them.
FIXED_KEYS = {"startDate": "start_time", "endDate": "end_time", "offset": "limit", "limit": "limit",
              "searchOption": None}
DEDICATED_KEYS = {
    **{key: param for param, pair in CONTAINS_FILTERS.items() for key in pair},
    "fileSha256": "file_sha256",
    "messageIdHeader": "internet_message_id",
}
# The other filter names the appliance takes (§2.1); ciscoHost may name one managed ESA on SMA.
KNOWN_FILTERS = (
    "ciscoHost", "senderIp", "ciscoMid", "domainNameOperator", "domainNameValue", "replyToOperator",
    "replyToValue", "deliveryStatus",
    "spamPositive", "quarantinedAsSpam", "suspectSpam", "virusPositive", "containedMaliciousUrls",
    "containedNeutralUrls", "graymail", "message_delivered", "hardBounced", "softBounced",
    "inOutbreakQuarantine", "daneFailure", "safeprintExt",
    "quarantineStatus", "messageDirection", "urlReputation", "dlpViolationsSeverities", "dlpAction",
    "dmarcAction", "advancedMalwareProtection", "advancedMalwareProtectionMailflowDirection",
    "macroFileTypesDetected", "macroMailflowDirection", "contentFiltersName", "contentFiltersDirection",
    "contentFiltersAction", "mailPolicyName", "mailPolicyDirection", "sdrCategories", "sdrThreatLevels",
    "sdrReputation", "ipReputation", "urlCategories", "quarantinedTo", "threatName", "geoLocation",
    "etfSources", "etfIocs", "smime", "appForwarding", "webInteractionTrackingUrls",
    "webInteractionTrackingMailflowDirection",
)
_KNOWN_BY_LOWER = {name.lower(): name for name in KNOWN_FILTERS}


# -- search -----------------------------------------------------------------------------
def search_query(params: dict) -> tuple[dict, dict]:
    """Validated params -> (query of GET message-tracking/messages without offset/limit, data.query)."""
    start, end = params["start_time"], params["end_time"]
    if end < start:
        raise InputError([f"end_time: {_iso(end)} is before start_time {_iso(start)}"])
    extra = parse_additional_filters(params.get("additional_filters"))
    start_param, end_param, info = endpoint_window(start, end, "minute")
    query: dict[str, Any] = {"startDate": start_param, "endDate": end_param,
                             "ciscoHost": "All_Hosts", "searchOption": "messages"}
    filters: dict[str, Any] = {}
    for param, (op_key, value_key) in CONTAINS_FILTERS.items():
        if params.get(param):
            filters[op_key] = "contains"
            filters[value_key] = params[param]
    if params.get("file_sha256"):
        filters["fileSha256"] = params["file_sha256"].lower()  # 64 lower-case hex characters (§2.1)
    if params.get("internet_message_id"):
        # a string, never an int: the old XSOAR client's cast was a bug (§2.1)
        filters["messageIdHeader"] = params["internet_message_id"]
    filters.update(extra)
    query.update(filters)
    info.update({"filters": filters, "limit": params["limit"]})
    return query, info


def parse_additional_filters(text: str | None) -> dict[str, str]:
    """`senderIp=192.0.2.10 & deliveryStatus=DELIVERED` -> {"senderIp": ..., "deliveryStatus": ...}.
    Keys are checked against the appliance's filter names (§2.1); values pass as typed (the client
    encodes them) and may contain `=`. Every problem is reported at once."""
    if not text or not text.strip():
        return {}
    out: dict[str, str] = {}
    problems = []
    for part in text.split("&"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            problems.append(f"additional_filters: {part[:60]!r} is not key=value")
            continue
        problem = _filter_key_problem(key)
        if problem:
            problems.append(problem)
            continue
        name = _KNOWN_BY_LOWER[key.lower()]
        if not value:
            problems.append(f"additional_filters: {name} has no value")
        elif name in out:
            problems.append(f"additional_filters: {name} is given twice (join several values with commas)")
        else:
            out[name] = value
    if problems:
        raise InputError(problems)
    return out


def _filter_key_problem(key: str) -> str | None:
    for reserved, param in {**FIXED_KEYS, **DEDICATED_KEYS}.items():
        if key.lower() == reserved.lower():
            if param in ("start_time", "end_time", "limit"):
                return f"additional_filters: {reserved} is set by the command (use the {param} parameter)"
            if param:
                return f"additional_filters: {reserved} is set by the {param} parameter (use that instead)"
            return f"additional_filters: {reserved} is set by the command and cannot be changed"
    if key.lower() in _KNOWN_BY_LOWER:
        return None
    candidates = list(KNOWN_FILTERS) + list(DEDICATED_KEYS)
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6) or \
        difflib.get_close_matches(key.lower(), [c.lower() for c in candidates], n=1, cutoff=0.6)
    hint = ""
    if close:
        name = next(c for c in candidates if c.lower() == close[0].lower())
        hint = f" (did you mean '{name}'?)" if name in KNOWN_FILTERS else \
            f" (did you mean the {DEDICATED_KEYS[name]} parameter?)"
    shown = key if re.fullmatch(r"[\w.-]{1,60}", key) else repr(key[:60])
    return f"additional_filters: {shown} is not a message tracking filter{hint}"


def search(params: dict, ctx: Context) -> Result:
    query, info = search_query(params)
    progress = (lambda n: ctx.progress(n, None)) if ctx.progress else None
    pages = page_all(ctx.client, MESSAGES, query, page_size=PAGE_SIZE, cap=params["limit"], on_page=progress)
    messages = [normalize_row(row, i) for i, row in enumerate(pages.rows)]
    data = {"messages": messages, "total": len(messages), "truncated": pages.truncated,
            "pages": pages.requests, "query": info}
    return Result(data=data, raw_data={"data": pages.rows})


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
        "icid": _int(attrs.get("icid")),
        "serial_number": attrs.get("serialNumber"),
        "host_name": attrs.get("hostName") or None,  # "" on ESA, the managed ESA's name on SMA (§10)
        "sender": attrs.get("sender"),
        "recipients": _strings(attrs.get("recipient")),
        "subject": attrs.get("subject"),
        # a per-MID map in the current format, a plain string in the old one (§2.2)
        "message_status": "; ".join(statuses) if statuses else None,
        "message_status_by_mid": by_mid,
        "direction": attrs.get("direction"),
        "sender_ip": attrs.get("senderIp"),
        "sender_domain": attrs.get("senderDomain"),
        "sender_group": attrs.get("senderGroup"),
        "sbrs": attrs.get("sbrs"),
        "mail_policy": _strings(attrs.get("mailPolicy")),
        "timestamp": attrs.get("timestamp"),
        "timestamp_iso": appliance_time_iso(attrs.get("timestamp")),
        "message_id_header": headers[0] if headers else None,
    }
    if "dcid" in attrs:  # SMA rows only (§2.2)
        out["dcid"] = [d for d in (_int(v) for v in _list(attrs["dcid"])) if d is not None]
    return out


def _per_mid(value: Any, keys: list[str]) -> dict[str, str]:
    """A `{mid: value}` map (current format) or one value for the whole message (old format)."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if isinstance(v, str)}  # anything else is unreadable
    if isinstance(value, str) and value:
        return {k: value for k in keys}
    return {}


# -- details ----------------------------------------------------------------------------
def details(params: dict, ctx: Context, kind: str) -> Result:
    """One GET per message id, concurrently, order kept; an id the appliance reports unknown
    fails only its own item (§1.5)."""
    serial = params["appliance_serial_number"]
    icid = params.get("injection_connection_id")
    ids = params["message_ids"]
    raw: dict[int, Any] = {}

    def one(mid: int) -> dict:
        try:
            resp = ctx.client.get(DETAILS_PATHS[kind], {"serialNumber": serial, "mid": mid, "icid": icid})
        except ApplianceError as exc:
            raw[mid] = exc.raw
            raise
        raw[mid] = resp.body
        return normalize_details(resp.body, kind, mid, serial)

    items = ctx.for_each(ids, one)
    data = {"messages": [i.data for i in items if i.ok]}
    raw_data = {str(mid): raw[mid] for mid in dict.fromkeys(ids) if mid in raw}
    return Result(data=data, raw_data=raw_data, items=items)


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


def normalize_details(body: Any, kind: str, mid: Any = None, serial: str | None = None) -> dict:
    """A details answer of `kind` (message, amp, dlp, url) -> plain fields (§3, §4)."""
    m = details_message(body, mid, serial)
    out = _common_details(m, serial)
    if kind == "message":
        out.update({
            "mail_policy": _strings(m.get("mailPolicy")),
            "is_complete_data": m.get("isCompleteData"),
            "has_amp_details": m.get("showAMP"),
            "has_dlp_details": m.get("showDLP"),
            "has_url_details": m.get("showURL"),
            "summary": _events(m.get("summary")),
        })
    elif kind == "amp":
        events = _events(m.get("ampDetails"))
        verdicts = amp_verdicts(events)
        out.update({
            "has_amp_details": m.get("showAMPDetails"),
            "amp_details": events,
            "verdicts": verdicts,
            "malicious": any((v.get("disposition") or "").upper() == "MALICIOUS" for v in verdicts),
        })
    elif kind == "dlp":
        out.update({"has_dlp_details": m.get("showDLPDetails"), **dlp_summary(m.get("dlpDetails"))})
    elif kind == "url":
        events = _events(m.get("urlDetails"))
        out.update({"has_url_details": m.get("showURLDetails"), "url_details": events,
                    "urls": url_verdicts(events)})
    return out


def _common_details(m: dict, serial: str | None) -> dict:
    mids = _mids(m.get("mid"))
    host = m.get("sendingHostSummary") if isinstance(m.get("sendingHostSummary"), dict) else {}
    sdr = {"age": m.get("sdrAge"), "category": m.get("sdrCategory"), "reputation": m.get("sdrReputation"),
           "threat_levels": m.get("sdrThreatLevels")}
    return {
        "mids": mids,
        "mid": mids[0] if mids else None,
        "serial_number": serial,
        "all_icid": [i for i in (_int(v) for v in _list(m.get("allIcid"))) if i is not None],
        "subject": m.get("subject"),
        "sender": m.get("sender"),
        "header_from": m.get("headerFrom"),
        "recipients": _strings(m.get("recipient")),
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
        "attachments": [a for a in _strings(m.get("attachments")) if a],
        "sending_host": {"reverse_dns_hostname": host.get("reverseDnsHostname"),
                         "ip_address": host.get("ipAddress"), "sbrs_score": host.get("sbrsScore")} if host else None,
        "sdr": sdr if any(v is not None for v in sdr.values()) else None,
    }


def _events(value: Any) -> list[dict]:
    """`[{timestamp, description, lastEvent?}]` -> the same with an ISO twin; lastEvent only on the last in captures (§4)."""
    out = []
    for e in _list(value):
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
        v["mid"] = _int(v["mid"])
        v["analysis_score"] = _int(v["analysis_score"])
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
    for part in _list(d.get("dlpMatchedContent")):
        if not isinstance(part, dict):
            continue
        for match in _list(part.get("messagePartMatch")):
            if isinstance(match, dict):
                matched.append({"message_part": part.get("messagePart"), "classifier": match.get("classifier"),
                                "matches": _strings(match.get("classifierMatch"))})
    return {
        "violation_severity": d.get("violationSeverity"),
        "risk_factor": _int(d.get("riskFactor")),
        "dlp_policy": d.get("dlpPolicy"),
        "dlp_mid": _int(d.get("mid")),
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
    return [{**u, "rewritten": u["url"] in rewritten} for u in urls.values()]


# -- helpers ----------------------------------------------------------------------------
def _mids(value: Any) -> list[int]:
    # an array of int here, a plain int elsewhere (§2.2, §5.2)
    return [m for m in (_int(v) for v in _list(value)) if m is not None]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _list(value: Any) -> list:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> list[str]:
    return [v if isinstance(v, str) else str(v) for v in _list(value) if v is not None]


def _iso(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
