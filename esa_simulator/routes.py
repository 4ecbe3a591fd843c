"""The AsyncOS API v2.0 endpoints: one function per endpoint and method, and the route table
that maps a path to them with the permission area its role check uses (reference §1-§10)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Callable, NamedTuple

from . import auth, config, pvo, render, reports
from .filters import QUARANTINE_ORDERS, quarantine_predicate, tracking_predicate
from .request import (REPORT_DATE, REPORT_DATE_SHAPE, TRACKING_DATE, TRACKING_DATE_SHAPE, ApiError, Request,
                      address_list, choice, int_param, json_body, required_int, window)


# ---------------------------------------------------------------- login (§1.2)
def login(req: Request):
    try:
        data = json.loads(req.body.decode("utf-8"))["data"]
        user_b64, pass_b64 = data["userName"], data["passphrase"]
    except Exception:
        raise ApiError(400, 'Invalid request body: expected {"data": {"userName": ..., "passphrase": ...}}.') \
            from None
    try:
        # both values travel base64-encoded (§1.2 B.1)
        user = base64.b64decode(str(user_b64), validate=True).decode("utf-8")
        password = base64.b64decode(str(pass_b64), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(401, auth.MSG_BAD_CREDENTIALS) from None
    if not auth.check_password(user, password):
        raise ApiError(401, auth.MSG_BAD_CREDENTIALS)
    token = req.sim.tokens.issue(user)
    return 200, {"data": {"userName": user, "is2FactorRedirectRequired": "false",
                          "role": auth.USERS[user]["role"], "email": [], "jwtToken": token}}


def privileges(req: Request):
    return 200, {"data": list(auth.PRIVILEGES[req.role])}


def health(req: Request):
    world = req.world
    return 200, {"data": {"percentage_cpu_load": 7 + world.seed % 11, "percentage_ram_utilization": 41,
                          "percentage_swap_utilization": 0, "percentage_queue_utilization": 0,
                          "resource_conservation": 0, "messages_in_workqueue": 0,
                          "messages_in_pvo_quarantines": len(world.quarantine) // 25}}


# ---------------------------------------------------------------- message tracking (§2-§4)
def tracking_search(req: Request):
    start, end = window(req.qs, TRACKING_DATE, TRACKING_DATE_SHAPE)
    offset = int_param(req.qs, "offset", 0, minimum=0)
    limit = int_param(req.qs, "limit", 100, minimum=1, maximum=100)
    if req.first("searchOption") == "rejected_connections":
        return 200, req.world.extras.search_rejected(req.qs, start, end, offset, limit)
    if (req.first("searchOption") or "messages") != "messages":
        return 200, {"meta": {"num_bad_records": 0, "totalCount": 0}, "data": []}
    pred = tracking_predicate(req.qs)
    recs = req.world.search_tracking(start, end, pred, offset, limit, key=pred.key if pred else None)
    rows = [render.tracking_row(r, req.sma, req.sim.old_format) for r in recs]
    # totalCount counts the rows of this page, not a grand total (§1.4)
    return 200, {"meta": {"num_bad_records": 0, "totalCount": len(rows)}, "data": rows}


def _details_record(req: Request):
    """The record a details call names, or None when it names none (§3)."""
    for name in ("startDate", "endDate"):
        value = req.first(name)
        if value is not None and not TRACKING_DATE.match(value):
            raise ApiError(400, f"Invalid {name} '{value}': expected {TRACKING_DATE_SHAPE}.")
    serial = req.first("serialNumber")
    mids = [p.strip() for v in req.qs.get("mid", []) for p in v.split(",") if p.strip()]
    if not serial:
        raise ApiError(400, "Missing attribute - serialNumber.")
    if not mids:
        raise ApiError(400, "Missing attribute - mid.")
    try:
        mid = int(mids[0])  # the whole splinter set comes back whichever MID is asked (§3.1)
        for other in mids[1:]:
            int(other)
    except ValueError:
        raise ApiError(400, f"Invalid mid '{mids[0]}': expected an integer.") from None
    rec = req.world.find_tracking(serial, mid)
    if rec is None:
        return None
    icid = req.first("icid")
    if icid:
        try:
            if int(icid) not in rec["allIcid"] and int(icid) != rec["icid"]:
                return None
        except ValueError:
            raise ApiError(400, f"Invalid icid '{icid}': expected an integer.") from None
    dcid = req.first("dcid")
    if dcid and req.sma:
        try:
            if int(dcid) not in rec["dcid"]:
                return None
        except ValueError:
            raise ApiError(400, f"Invalid dcid '{dcid}': expected an integer.") from None
    return rec


def _details(render_record: Callable[[dict, bool], dict]):
    def route(req: Request):
        rec = _details_record(req)
        if rec is None:
            return 200, render.not_found_details()
        with req.world._lock:
            return 200, render_record(rec, req.sma)

    return route


details = _details(render.message_details)
amp_details = _details(render.amp_details)
dlp_details = _details(render.dlp_details)
url_details = _details(render.url_details)


# ---------------------------------------------------------------- spam quarantine (§5-§7)
def _quarantine_type(value):
    if value is None:
        raise ApiError(400, "Missing attribute - quarantineType.")
    if value not in ("spam", "pvo"):
        raise ApiError(400, f"Invalid quarantineType '{value}'. Use spam or pvo.")
    return value


def quarantine_search(req: Request):
    qtype = _quarantine_type(req.first("quarantineType"))
    start, end = window(req.qs, TRACKING_DATE, TRACKING_DATE_SHAPE)
    if qtype == "pvo":  # its own filters, order and rows (pvo.py)
        return 200, req.world.pvo.search(req.qs, start, end)
    offset = int_param(req.qs, "offset", 0, minimum=0)
    limit = int_param(req.qs, "limit", 250, minimum=1, maximum=250)
    order_by = req.first("orderBy") or "date"
    if order_by not in QUARANTINE_ORDERS:
        raise ApiError(400, f"Invalid orderBy '{order_by}'. Use one of: date, from_address, to_address, "
                            f"subject, size.")
    order_dir = (req.first("orderDir") or "desc").lower()
    if order_dir not in ("asc", "desc"):
        raise ApiError(400, f"Invalid orderDir '{order_dir}'. Use asc or desc.")
    pred = quarantine_predicate(req.qs)
    recs = req.world.search_quarantine(start, end, pred, order_by, order_dir == "desc", offset, limit,
                                       key=pred.key if pred else None)
    page = [render.quarantine_row(q) for q in recs]
    return 200, {"meta": {"totalCount": len(page)}, "data": page}


def quarantine_details(req: Request):
    if _quarantine_type(req.first("quarantineType")) == "pvo":
        return 200, req.world.pvo.details_of(req.qs)
    mid = required_int(req.qs, "mid")
    with req.world._lock:
        q = req.world.quarantine_record(mid)
        if q is None:
            # not-found behaviour is not documented; the reference suggests this (§6)
            raise ApiError(404, "Message not found.")
        return 200, render.quarantine_details(q)


def _quarantine_mids(data: dict) -> list[int]:
    mids = data.get("mids")
    if not isinstance(mids, list) or not mids:
        raise ApiError(400, "Missing attribute - mids (a non-empty array of message IDs).")
    try:
        if any(isinstance(m, bool) for m in mids):
            raise ValueError
        # FortiSOAR sends MIDs as strings, which works (§7)
        return [int(m) for m in mids]
    except (TypeError, ValueError):
        raise ApiError(400, "Invalid mids: expected integers.") from None


def quarantine_release(req: Request):
    data = json_body(req.body)
    if _quarantine_type(data.get("quarantineType")) == "pvo":  # release, move, sendCopy (pvo.py)
        return 200, req.world.pvo.act("POST", data)
    action = data.get("action")
    if action != "release":
        raise ApiError(400, f"Invalid action '{action}'. Use action=release (delete is a DELETE).")
    count = req.world.release_or_delete(_quarantine_mids(data))
    return 200, {"data": {"action": "release", "totalCount": count}}


def quarantine_delete(req: Request):
    data = json_body(req.body)
    if _quarantine_type(data.get("quarantineType")) == "pvo":
        return 200, req.world.pvo.act("DELETE", data)
    action = data.get("action")
    if action not in (None, "delete"):
        raise ApiError(400, f"Invalid action '{action}' for DELETE.")
    count = req.world.release_or_delete(_quarantine_mids(data))
    return 200, {"data": {"action": "delete", "totalCount": count}}


# ---------------------------------------------------------------- PVO quarantines (ext §14) and tracking extras (ext §15)
def pvo_attachment(req: Request):
    if _quarantine_type(req.first("quarantineType")) != "pvo":
        raise ApiError(400, "Invalid quarantineType: attachments are downloaded from the pvo quarantines only.")
    name, text = req.world.pvo.attachment(req.qs)
    # the file as base64 text, named in Content-Disposition, not JSON (ext §14.5)
    return 200, text, ({"Content-Disposition": pvo.content_disposition(name)}, "text/plain")


def pvo_list(req: Request):
    return 200, pvo.quarantine_list()


def connection_details(req: Request):
    return 200, req.world.extras.connection_details(req.qs)


def remediation_details(req: Request):
    return 200, req.world.extras.remediation_details(req.qs)


# ---------------------------------------------------------------- safelist / blocklist (§8)
def list_view(req: Request):
    kind = req.segments[-1]
    qs = req.qs
    if req.first("action") != "view":
        raise ApiError(400, "Missing or invalid attribute - action (use action=view).")
    qt = req.first("quarantineType")
    if qt is not None and qt != "spam":
        raise ApiError(400, f"Invalid quarantineType '{qt}'. Use spam.")
    view_by = choice(qs, "viewBy", ("recipient", "sender"), "recipient")
    order_by = choice(qs, "orderBy", ("recipient", "sender"), view_by)
    order_dir = choice(qs, "orderDir", ("asc", "desc"), "asc")
    offset = int_param(qs, "offset", 0, minimum=0)
    limit = int_param(qs, "limit", None, minimum=1)
    entries = req.world.list_entries(kind)
    if view_by == "recipient":
        rows = [(r, sorted(s)) for r, s in entries.items()]
    else:
        inv: dict[str, set] = {}
        for r, senders in entries.items():
            for s in senders:
                inv.setdefault(s, set()).add(r)
        rows = [(s, sorted(rs)) for s, rs in inv.items()]
    search = req.first("search")
    # the trigger for `search` is uncertain: honour it on viewBy or orderBy recipient (§8.1)
    if search and (view_by == "recipient" or order_by == "recipient"):
        low = search.lower()
        rows = [(k, v) for k, v in rows if low in k.lower() or any(low in x.lower() for x in v)]
    if order_by == view_by:
        rows.sort(key=lambda kv: kv[0].lower(), reverse=order_dir == "desc")
    else:
        rows.sort(key=lambda kv: kv[0].lower())
        rows.sort(key=lambda kv: kv[1][0].lower() if kv[1] else "", reverse=order_dir == "desc")
    total = len(rows)
    rows = rows[offset:offset + limit] if limit is not None else rows[offset:]
    if view_by == "recipient":
        data = [{"recipientAddress": k, "senderList": v} for k, v in rows]
    else:
        data = [{"senderAddress": k, "recipientList": v} for k, v in rows]
    # lists report the grand total, pages may hold fewer rows (captures README note 3)
    return 200, {"meta": {"totalCount": total}, "data": data}


def _list_change_body(req: Request) -> tuple[dict, str]:
    data = json_body(req.body)
    if data.get("quarantineType") != "spam":
        raise ApiError(400, "Missing or invalid attribute - quarantineType (use spam).")
    view_by = data.get("viewBy")
    if view_by not in ("recipient", "sender"):
        raise ApiError(400, "Missing or invalid attribute - viewBy (use recipient or sender).")
    return data, view_by


def list_change(req: Request):
    kind = req.segments[-1]
    data, view_by = _list_change_body(req)
    action = data.get("action")
    if action not in ("add", "edit", "append"):
        raise ApiError(400, f"Missing or invalid attribute - action '{action}' (use add, edit or append).")
    key_name, value_name = (("recipientAddresses", "senderList") if view_by == "recipient"
                            else ("senderAddresses", "recipientList"))
    keys = address_list(data, key_name)
    values = address_list(data, value_name)
    req.world.change_list(kind, view_by, action, keys, values)
    return 200, {"data": {"action": action, key_name: keys, value_name: values}}


def list_delete(req: Request):
    kind = req.segments[-1]
    data, view_by = _list_change_body(req)
    if data.get("action") not in (None, "delete"):
        raise ApiError(400, f"Invalid action '{data.get('action')}' for DELETE.")
    key = "recipientList" if view_by == "recipient" else "senderList"
    items = address_list(data, key)
    count = req.world.delete_list_entries(kind, view_by, items)
    return 200, {"data": {"action": "delete", key: items, "totalCount": count}}


# ---------------------------------------------------------------- reporting (§9)
def report(req: Request):
    parts = req.segments
    group = parts[1]
    counter = parts[2] if len(parts) > 2 else None
    if group not in reports.GROUP_NAMES:
        raise ApiError(404, f"Counter group '{group}' not found.")
    start, end = window(req.qs, REPORT_DATE, REPORT_DATE_SHAPE)
    dtype = req.first("device_type")
    if dtype is not None and dtype.lower() != "esa":
        raise ApiError(400, f"Invalid device_type '{dtype}'. Use esa.")
    params = {k: v[0] for k, v in req.qs.items()}
    try:
        return 200, reports.build(req.world, group, counter, start, end, params)
    except reports.ReportError as exc:
        raise ApiError(exc.status, exc.message) from None


# ---------------------------------------------------------------- the table
class Route(NamedTuple):
    area: str  # what auth.allowed() checks the role against
    handlers: dict  # method -> route function
    public: bool = False  # answered without credentials


_LISTS = Route("lists", {"GET": list_view, "POST": list_change, "DELETE": list_delete})
ROUTES = {
    "login": Route("login", {"POST": login}, public=True),
    "login/privileges": Route("privileges", {"GET": privileges}),
    "health": Route("health", {"GET": health}),
    "message-tracking/messages": Route("tracking", {"GET": tracking_search}),
    "message-tracking/details": Route("tracking", {"GET": details}),
    "message-tracking/amp-details": Route("tracking", {"GET": amp_details}),
    "message-tracking/dlp-details": Route("tracking", {"GET": dlp_details}),
    "message-tracking/url-details": Route("tracking", {"GET": url_details}),
    "message-tracking/connection-details": Route("tracking", {"GET": connection_details}),
    "quarantine/messages": Route("quarantine", {"GET": quarantine_search, "POST": quarantine_release,
                                                "DELETE": quarantine_delete}),
    "quarantine/messages/details": Route("quarantine", {"GET": quarantine_details}),
    "quarantine/messages/attachment": Route("quarantine", {"GET": pvo_attachment}),
    "message-tracking/remediation-details": Route("tracking", {"GET": remediation_details}),
    "config/quarantines": Route("quarantine", {"GET": pvo_list}),
    "quarantine/safelist": _LISTS,
    "quarantine/blocklist": _LISTS,
}
ESA_ONLY = frozenset({"health"})  # health exists on ESA only (§10)
SMA_ONLY = frozenset({"config/quarantines"})  # the list of PVO quarantines is seen on SMA only (ext §14.1.1)
# reporting/<counter group>[/<counter>]
REPORT = Route("reporting", {"GET": report})
# config/...: the ESA configuration APIs, all in config.py (extension §16)
CONFIG = Route("config", dict.fromkeys(("GET", "POST", "PUT", "DELETE"), config.route))


def resolve(sub: str, segments: list[str], method: str, appliance: str) -> tuple[Route, Callable]:
    """The route and function for (path, method); raises 404 or 405 like the appliance."""
    if segments[:1] == ["reporting"] and 2 <= len(segments) <= 3 and all(segments):
        route = REPORT
    elif segments[:1] == ["config"] and appliance == "esa":
        route = CONFIG
    else:
        route = ROUTES.get(sub)
        if route is not None and sub in ESA_ONLY and appliance != "esa":
            route = None
        if route is not None and sub in SMA_ONLY and appliance != "sma":
            route = None
    if route is None:
        raise ApiError(404, "Resource not found.")
    handler = route.handlers.get(method)
    if handler is None:
        raise ApiError(405, f"Method {method} is not allowed for this resource.")
    return route, handler
