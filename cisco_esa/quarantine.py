"""Spam quarantine (asyncos-api §5–§7): the search query, rows and details in plain form, and
release/delete as one request per id, so that each id gets its own outcome."""

from __future__ import annotations

import re
from email.utils import getaddresses
from typing import Any

from cisco_esa.core.context import Context
from cisco_esa.core.outcome import (
    ApplianceError,
    CommandError,
    InputError,
    NotFound,
    OutcomeUnknown,
    Result,
    UnexpectedResponse,
)
from cisco_esa.paging import page_all
from cisco_esa.core.timefmt import appliance_time_iso, endpoint_window

MESSAGES = "quarantine/messages"
DETAILS = "quarantine/messages/details"
PAGE_SIZE = 100  # the appliance's documented cap is 250; 100 keeps each answer small (§1.4)

# The spec's display values (schema enums) -> what the appliance takes, lower case (§5.1).
FILTER_BY = {"From_Address": "from_address", "To_Address": "to_address", "Subject": "subject"}
OPERATORS = {"Contains": "contains", "Is": "is", "Begins_With": "begins_with", "Ends_With": "ends_with",
             "Does_Not_Contain": "does_not_contain"}


# -- search -----------------------------------------------------------------------------
def search_query(params: dict) -> tuple[dict, dict]:
    """Validated params -> (query of GET quarantine/messages without offset/limit, data.query)."""
    start, end = params["start_time"], params["end_time"]
    if end < start:
        raise InputError([f"end_time: {_iso(end)} is before start_time {_iso(start)}"])
    start_param, end_param, info = endpoint_window(start, end, "minute")
    query = {"quarantineType": "spam", "startDate": start_param, "endDate": end_param,
             "orderBy": "date", "orderDir": "desc"}
    recipient = params.get("recipient")
    if recipient:
        # capital F here, unlike the lower-case f of tracking (§5.1)
        query["envelopeRecipientFilterOperator"] = "contains"
        query["envelopeRecipientFilterValue"] = recipient
    value = params.get("filter_value")
    if value:
        # filterBy/filterOperator mean nothing without a value; their defaults are not sent alone
        query["filterBy"] = FILTER_BY[params["filter_by"]]
        query["filterOperator"] = OPERATORS[params["filter_operator"]]
        query["filterValue"] = value
    info.update({
        "recipient": recipient,
        "filter_by": params["filter_by"] if value else None,
        "filter_operator": params["filter_operator"] if value else None,
        "filter_value": value,
        "limit": params["limit"],
    })
    return query, info


def search(params: dict, ctx: Context) -> Result:
    query, info = search_query(params)
    progress = (lambda n: ctx.progress(n, None)) if ctx.progress else None
    pages = page_all(ctx.client, MESSAGES, query, page_size=PAGE_SIZE, cap=params["limit"], on_page=progress)
    messages = [normalize_row(row) for row in pages.rows]
    data = {"messages": messages, "total": len(messages), "truncated": pages.truncated,
            "pages": pages.requests, "query": info}
    return Result(data=data, raw_data={"data": pages.rows})


def normalize_row(row: Any) -> dict:
    """One search row `{mid: int, attributes: {...}}` (§5.2) -> plain fields."""
    if not isinstance(row, dict) or not isinstance(row.get("attributes"), dict):
        raise UnexpectedResponse("a spam quarantine row has no attributes.")
    return {"mid": _mid(row.get("mid")), **_attributes(row["attributes"]),
            "size": row["attributes"].get("size"), "size_bytes": size_bytes(row["attributes"].get("size"))}


def _attributes(attrs: dict) -> dict:
    to, frm = _strings(attrs.get("toAddress")), _strings(attrs.get("fromAddress"))
    return {
        "envelope_recipients": _strings(attrs.get("envelopeRecipient")),
        "to": to, "to_addresses": bare_addresses(to),
        "from": frm, "from_addresses": bare_addresses(frm),
        "subject": attrs.get("subject"),
        "date": attrs.get("date"), "date_iso": appliance_time_iso(attrs.get("date")),
    }


def bare_addresses(display: list[str]) -> list[str]:
    """`["A <a@x>, b@y"]` -> `["a@x", "b@y"]`: one element may hold several comma-joined addresses (§5.2)."""
    out = []
    for _, addr in getaddresses(display):
        if addr and addr not in out:
            out.append(addr)
    return out


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


# -- details ----------------------------------------------------------------------------
def details(params: dict, ctx: Context) -> Result:
    ids = params["quarantine_message_ids"]
    raw = _RawLog()

    def one(mid: int) -> dict:
        try:
            resp = ctx.client.get(DETAILS, {"mid": mid, "quarantineType": "spam"})
        except ApplianceError as exc:
            raw.add(mid, exc.status_code, exc.raw)
            if exc.status_code == 404:
                # how an unknown mid is answered is not documented (§6); a 404 is read as "not found"
                raise NotFound(not_found(mid), raw=exc.raw) from None
            raise
        raw.add(mid, resp.status, resp.body)
        return normalize_details(resp.body, mid)

    items = ctx.for_each(ids, one)
    found = [i.data for i in items if i.ok]
    missing = [i.id for i in items if not i.ok and i.error.status_code == 404]
    data = {"messages": found, "found": [i.id for i in items if i.ok], "not_found": missing,
            "failed": [i.id for i in items if not i.ok and i.id not in missing],
            "counts": {"requested": len(ids), "found": len(found), "not_found": len(missing),
                       "failed": len(items) - len(found) - len(missing)}}
    return Result(data=data, raw_data=raw.dump(ids), items=items)


def normalize_details(body: Any, mid: int) -> dict:
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
            "attachments": _strings(attrs.get("attachments"))}


def not_found(mid) -> str:
    return f"Message ID {mid} not found."


# -- release / delete -------------------------------------------------------------------
def release_or_delete(params: dict, ctx: Context, action: str) -> Result:
    """One request per id, sequential, never resent: the appliance answers only a total (§7)."""
    ids = params["quarantine_message_ids"]
    raw = _RawLog()

    def one(mid: int) -> dict:
        try:
            if action == "release":
                resp = ctx.client.post(MESSAGES, {"action": "release", "quarantineType": "spam", "mids": [mid]})
            else:
                # delete is a DELETE with a body and no action key (§7)
                resp = ctx.client.delete(MESSAGES, {"quarantineType": "spam", "mids": [mid]})
        except CommandError as exc:
            raw.add(mid, exc.status_code, exc.raw)
            raise
        raw.add(mid, resp.status, resp.body)
        return {"mid": mid, "total_count": action_count(resp.body, mid)}

    items = ctx.for_each(ids, one, parallel=1)
    done_key = "released" if action == "release" else "deleted"
    done = [i.id for i in items if i.ok]
    missing = [i.id for i in items if isinstance(i.error, NotFound)]
    unknown = [i.id for i in items if isinstance(i.error, OutcomeUnknown)]
    failed = [i.id for i in items if not i.ok and i.id not in missing and i.id not in unknown]
    data = {"action": action, done_key: done, "not_found": missing, "failed": failed, "outcome_unknown": unknown,
            "counts": {"requested": len(ids), done_key: len(done), "not_found": len(missing),
                       "failed": len(failed), "outcome_unknown": len(unknown)}}
    return Result(data=data, raw_data=raw.dump(ids), items=items)


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


# -- helpers ----------------------------------------------------------------------------
class _RawLog:
    """What the appliance answered for each request, in the order the ids were given."""

    def __init__(self):
        self._entries: list[dict] = []

    def add(self, mid, status, body) -> None:
        self._entries.append({"mid": mid, "status": status, "body": body})

    def dump(self, ids) -> dict:
        order = {m: i for i, m in reversed(list(enumerate(ids)))}
        return {"responses": sorted(self._entries, key=lambda e: order.get(e["mid"], len(order)))}


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


def _strings(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _iso(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
