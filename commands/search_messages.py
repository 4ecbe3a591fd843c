"""Search Messages: every page of GET message-tracking/messages over the window, up to `limit`, rows
of either response format (asyncos-api §2.2) in one plain shape. The dedicated parameters become
the appliance's filter pairs ("contains"); `additional_filters` passes any filter of §2.1, refused only
where it contradicts a dedicated parameter that was given."""

from __future__ import annotations

import difflib
import re
from typing import Any

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import tracking
from cisco_esa.core.outcome import InputError, Result
from cisco_esa.core.timefmt import endpoint_window

# Query keys the command sets itself, and the parameter that sets each: additional_filters may not.
FIXED_KEYS = {"startDate": "start_time", "endDate": "end_time", "offset": "limit", "limit": "limit",
              "searchOption": None}
DEDICATED_KEYS = {
    **{key: param for param, pair in api.TRACKING_CONTAINS.items() for key in pair},
    api.TRACKING_SHA256: "file_sha256",
    api.TRACKING_MESSAGE_ID: "internet_message_id",
}
KNOWN_FILTERS = api.TRACKING_FILTERS
_KNOWN_BY_LOWER = {name.lower(): name for name in (*KNOWN_FILTERS, *DEDICATED_KEYS)}


def run(params, ctx):
    start, end, info = endpoint_window(params["start_time"], params["end_time"], "minute")
    filters = search_filters(params)
    info.update({"filters": filters, "limit": params["limit"]})
    pages = ctx.api.tracking_search(start, end, filters, cap=params["limit"], on_page=ctx.rows_read)
    messages = [tracking.normalize_row(row, i) for i, row in enumerate(pages.rows)]
    data = {"messages": messages, "total": len(messages), "truncated": pages.truncated,
            "pages": pages.requests, "query": info}
    return Result(data=data, raw_data={"data": pages.rows})


def search_filters(params: dict) -> dict:
    """The validated params -> the appliance's filter keys and values."""
    filters = dedicated_filters(params)
    filters.update(parse_additional_filters(params.get("additional_filters"), filters))
    return filters


def dedicated_filters(params: dict) -> dict:
    """The filter keys and values that the dedicated parameters given send."""
    filters: dict[str, Any] = {}
    for param, (op_key, value_key) in api.TRACKING_CONTAINS.items():
        if params.get(param):
            filters[op_key] = "contains"
            filters[value_key] = params[param]
    if params.get("file_sha256"):
        filters[api.TRACKING_SHA256] = params["file_sha256"].lower()  # 64 lower-case hex characters (§2.1)
    if params.get("internet_message_id"):
        # a string, never an int: the old XSOAR client's cast was a bug (§2.1)
        filters[api.TRACKING_MESSAGE_ID] = params["internet_message_id"]
    return filters


def parse_additional_filters(text: str | None, dedicated: dict | None = None) -> dict[str, str]:
    """`senderIp=192.0.2.10 & deliveryStatus=DELIVERED` -> {"senderIp": ..., "deliveryStatus": ...}.
    Keys are checked against the appliance's filter names (§2.1); values pass as typed (the client
    encodes them) and may contain `=`. A key of a dedicated parameter is refused only when that
    parameter was given (`dedicated`: the filters it sends) with another value. Every problem is
    reported at once."""
    dedicated = dedicated or {}
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
        elif name in dedicated:
            if not _same(name, dedicated[name], value):
                # both given and they disagree: a real conflict, the one case refused
                problems.append(f"additional_filters: {name} is set by the {DEDICATED_KEYS[name]} parameter "
                                f"to another value (give it once)")
            # the same filter with the same value: no conflict, sent once
        elif name in out:
            problems.append(f"additional_filters: {name} is given twice (join several values with commas)")
        else:
            out[name] = value
    if problems:
        raise InputError(problems)
    return out


def _same(name: str, sent: str, typed: str) -> bool:
    # operators and hex digests mean the same in any case (§2.1); other values are compared as typed
    if name.endswith("Operator") or name == api.TRACKING_SHA256:
        return sent.lower() == typed.lower()
    return sent == typed


def _filter_key_problem(key: str) -> str | None:
    for reserved, param in FIXED_KEYS.items():
        # the command always sends these: any value here would be a conflict
        if key.lower() == reserved.lower():
            if param:
                return f"additional_filters: {reserved} is set by the command (use the {param} parameter)"
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
