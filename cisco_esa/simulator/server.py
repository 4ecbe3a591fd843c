"""HTTP front of the simulator: routing, validation and auth of the AsyncOS API v2.0,
fault injection, the `/_simulator/` control path, and the `Simulator` / `serve` entry points."""

from __future__ import annotations

import base64
import binascii
import calendar
import json
import os
import re
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from . import auth, render, reports
from .pvo import Refused, content_disposition, quarantine_list
from .faults import FaultBook
from .world import World

RESPONSES = BaseHTTPRequestHandler.responses
MISSING_DATES = "Missing attribute - startDate or endDate."
_API = re.compile(r"^/(esa|sma)/api/(v[0-9.]+)(?:/(.*))?$")
_TRACKING_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):00\.000Z$")
# whole hours; Splunk 3.x's "+00:00" form also works (§1.3), and "+" may arrive decoded as a space
_REPORT_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):00(?::00\.000Z|[+ ]00:00)$")
TRACKING_OPERATORS = ("is", "begins_with", "contains")
QUARANTINE_OPERATORS = ("contains", "is", "begins_with", "ends_with", "does_not_contain")
BOOLEAN_FILTERS = ("spamPositive", "quarantinedAsSpam", "suspectSpam", "virusPositive", "containedMaliciousUrls",
                   "containedNeutralUrls", "graymail", "message_delivered", "hardBounced", "softBounced",
                   "inOutbreakQuarantine", "daneFailure", "safeprintExt")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(status: int, message: str) -> dict:
    # explanation is "<code> = <http.server long description>." (§1.5)
    long = RESPONSES.get(status, ("", "Unknown error"))[1]
    return {"error": {"message": message, "code": str(status), "explanation": f"{status} = {long}."}}


def _json_default(obj):
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _parse_when(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


# ======================================================================= request handler
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AsyncOS-API-Simulator"
    # idle keep-alive connections end eventually instead of pinning a thread forever
    timeout = 300

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr access log
        pass

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    # ------------------------------------------------------------------ plumbing
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, payload, headers: dict | None = None, content_type: str = "application/json"):
        if isinstance(payload, (bytes, bytearray)):
            body = bytes(payload)
        else:
            body = json.dumps(payload, default=_json_default).encode("utf-8")
        if self._mangle:
            # the malformed_json fault: a 200 whose JSON body stops half way
            status = 200
            body = body[: max(1, len(body) // 2)]
            content_type = "application/json"
        self._log_entry(status)  # logged before the client can see the answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        # one write for head and body: two small writes meet Nagle + delayed ACK (40 ms each)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()
        return status

    def _log_entry(self, status):
        entry, self._entry = self._entry, None
        if entry is not None:
            entry["status"] = status
            self.server.sim._record(entry)

    def _dispatch(self):
        self._mangle = False
        self._entry = None
        sim: Simulator = self.server.sim
        raw_path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, error_body(400, "Unreadable request body."))
            return
        if raw_path.startswith("/_simulator/") or raw_path == "/_simulator":
            try:
                self._control(sim, raw_path, body)
            except Exception as exc:  # control errors are the caller's, report them plainly
                self._send(400, {"error": {"message": f"{type(exc).__name__}: {exc}", "code": "400"}})
            return
        self._entry = {"method": self.command, "path": raw_path, "query": query,
                       "headers": dict(self.headers.items()), "body": body.decode("utf-8", "replace"),
                       "status": None}
        try:
            self._api(sim, raw_path, query, body)
        except (ApiError, Refused) as exc:
            try:
                self._send(exc.status, error_body(exc.status, exc.message), exc.headers)
            except (ConnectionError, ssl.SSLError, TimeoutError):
                self.close_connection = True
        except (ConnectionError, ssl.SSLError, TimeoutError):
            # the client hung up (e.g. it timed out during a delay fault): not a simulator bug
            self.close_connection = True
        except Exception as exc:  # never let a bug kill the connection without an answer
            sim._note_exception(exc)
            self._send(500, error_body(500, f"Internal error: {type(exc).__name__}."))
        finally:
            self._log_entry(None)  # dropped connections: nothing was answered

    # ------------------------------------------------------------------ API
    def _api(self, sim: Simulator, raw_path: str, query: str, body: bytes):
        method = self.command
        m = _API.match(raw_path)
        if not m:
            raise ApiError(404, "Resource not found.")
        prefix, version, raw_sub = m.group(1), m.group(2), (m.group(3) or "").strip("/")
        sub = unquote(raw_sub)
        # Segments are decoded one by one, so an encoded '/' stays inside its segment.
        self._segments = [unquote(part) for part in raw_sub.split("/")] if raw_sub else []
        fault = sim.faults.take(sub, method)
        if fault is not None:
            answered = self._apply_fault(fault)
            if answered is not None:
                return answered
        if prefix != sim.appliance or version != "v2.0":
            raise ApiError(404, "Resource not found.")
        qs = parse_qs(query, keep_blank_values=True)
        route, area = _route(sub, method, sim.appliance, self._segments)
        if route == "login":
            return self._login(sim, body)
        user, extra = self._authenticate(sim)
        role = auth.USERS[user]["role"]
        try:
            if not auth.allowed(role, method, area):
                raise ApiError(403, auth.MSG_FORBIDDEN)
            handler = getattr(self, f"_r_{route}")
            status, payload, *more = handler(sim, qs, body, sub, role)
        except (ApiError, Refused) as exc:
            exc.headers = {**extra, **exc.headers}  # a refreshed token rides on errors too
            raise
        if more:  # a file: its own headers and content type
            headers, content_type = more[0]
            return self._send(status, payload, {**extra, **headers}, content_type=content_type)
        return self._send(status, payload, extra)

    def _apply_fault(self, fault):
        kind = fault.kind
        if kind == "delay":
            time.sleep(fault.delay or 0)
            return None
        if kind == "malformed_json":
            self._mangle = True
            return None
        if kind == "drop":
            # no status line at all: the client sees the connection close
            self.close_connection = True
            self._log_entry(None)
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return -1  # sentinel: nothing was answered
        if kind == "status":
            code = fault.status
            text = fault.message or f"{RESPONSES.get(code, ('Error',))[0]}."
            return self._send(code, error_body(code, text))
        if kind == "rate_limit":
            retry = "1" if fault.retry_after is None else str(fault.retry_after)
            return self._send(429, error_body(429, fault.message or "Too Many Requests."), {"Retry-After": retry})
        if kind == "html":
            code = fault.status or 502
            phrase = RESPONSES.get(code, ("Error",))[0]
            page = (f"<!DOCTYPE html>\n<html><head><title>{code} {phrase}</title></head>\n<body><h1>{phrase}</h1>\n"
                    f"<p>{fault.message or 'The server encountered a temporary error.'}</p>\n<hr>\n</body></html>\n")
            return self._send(code, page.encode(), content_type="text/html; charset=utf-8")
        if kind == "expired_token":
            return self._send(401, error_body(401, auth.MSG_EXPIRED))
        if kind == "invalid_token":
            return self._send(401, error_body(401, auth.MSG_INVALID))
        return None

    def _authenticate(self, sim) -> tuple[str, dict]:
        token = self.headers.get("jwtToken")
        authz = self.headers.get("Authorization") or ""
        try:
            if token:
                user, fresh = sim.tokens.check(token)
                return user, ({"jwtToken": fresh} if fresh else {})
            if authz.lower().startswith("basic "):
                return auth.check_basic(authz), {}
        except auth.AuthError as exc:
            raise ApiError(401, exc.message) from None
        raise ApiError(401, auth.MSG_NO_CREDENTIALS)

    def _login(self, sim, body: bytes):
        try:
            data = json.loads(body.decode("utf-8"))["data"]
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
        token = sim.tokens.issue(user)
        return self._send(200, {"data": {"userName": user, "is2FactorRedirectRequired": "false",
                                         "role": auth.USERS[user]["role"], "email": [], "jwtToken": token}})

    # ------------------------------------------------------------------ routes
    def _r_privileges(self, sim, qs, body, sub, role):
        return 200, {"data": list(auth.PRIVILEGES[role])}

    def _r_health(self, sim, qs, body, sub, role):
        q = len(sim.world.quarantine)
        return 200, {"data": {"percentage_cpu_load": 7 + sim.world.seed % 11, "percentage_ram_utilization": 41,
                              "percentage_swap_utilization": 0, "percentage_queue_utilization": 0,
                              "resource_conservation": 0, "messages_in_workqueue": 0,
                              "messages_in_pvo_quarantines": q // 25}}

    def _r_tracking_search(self, sim, qs, body, sub, role):
        start, end = _window(qs, _TRACKING_DATE, "YYYY-MM-DDThh:mm:00.000Z")
        offset = _int_param(qs, "offset", 0, minimum=0)
        limit = _int_param(qs, "limit", 100, minimum=1, maximum=100)
        if _first(qs, "searchOption") == "rejected_connections":
            return 200, sim.world.extras.search_rejected(qs, start, end, offset, limit)
        if (_first(qs, "searchOption") or "messages") != "messages":
            return 200, {"meta": {"num_bad_records": 0, "totalCount": 0}, "data": []}
        pred = _tracking_predicate(qs, sim.world)
        recs = sim.world.search_tracking(start, end, pred, offset, limit)
        sma = sim.appliance == "sma"
        old = sim.old_format
        rows = [render.tracking_row(r, sma, old) for r in recs]
        # totalCount counts the rows of this page, not a grand total (§1.4)
        return 200, {"meta": {"num_bad_records": 0, "totalCount": len(rows)}, "data": rows}

    def _details_record(self, sim, qs):
        for name in ("startDate", "endDate"):
            value = _first(qs, name)
            if value is not None and not _TRACKING_DATE.match(value):
                raise ApiError(400, f"Invalid {name} '{value}': expected YYYY-MM-DDThh:mm:00.000Z.")
        serial = _first(qs, "serialNumber")
        mids = [p.strip() for v in qs.get("mid", []) for p in v.split(",") if p.strip()]
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
        rec = sim.world.find_tracking(serial, mid)
        if rec is None:
            return None
        icid = _first(qs, "icid")
        if icid:
            try:
                if int(icid) not in rec["allIcid"] and int(icid) != rec["icid"]:
                    return None
            except ValueError:
                raise ApiError(400, f"Invalid icid '{icid}': expected an integer.") from None
        dcid = _first(qs, "dcid")
        if dcid and sim.appliance == "sma":
            try:
                if int(dcid) not in rec["dcid"]:
                    return None
            except ValueError:
                raise ApiError(400, f"Invalid dcid '{dcid}': expected an integer.") from None
        return rec

    def _r_details(self, sim, qs, body, sub, role):
        kind = sub.rsplit("/", 1)[1]
        rec = self._details_record(sim, qs)
        if rec is None:
            return 200, render.not_found_details()
        sma = sim.appliance == "sma"
        with sim.world._lock:
            if kind == "details":
                return 200, render.message_details(rec, sma)
            if kind == "amp-details":
                return 200, render.amp_details(rec, sma)
            if kind == "dlp-details":
                return 200, render.dlp_details(rec, sma)
            if kind == "url-details":
                return 200, render.url_details(rec, sma)
            events = [e for e in render.summary(rec) if "ICID" in e["description"]]
            return 200, {"data": {"messages": {"summary": events}, "sbrs": rec["sbrs"],
                                  "senderGroup": rec["senderGroup"]}}

    def _r_quarantine_search(self, sim, qs, body, sub, role):
        qtype = _quarantine_type(_first(qs, "quarantineType"))
        start, end = _window(qs, _TRACKING_DATE, "YYYY-MM-DDThh:mm:00.000Z")
        if qtype == "pvo":  # its own filters, order and rows (pvo.py)
            return 200, sim.world.pvo.search(qs, start, end)
        offset = _int_param(qs, "offset", 0, minimum=0)
        limit = _int_param(qs, "limit", 250, minimum=1, maximum=250)
        order_by = _first(qs, "orderBy") or "date"
        key = _Q_ORDER.get(order_by)
        if key is None:
            raise ApiError(400, f"Invalid orderBy '{order_by}'. Use one of: date, from_address, to_address, "
                                f"subject, size.")
        order_dir = (_first(qs, "orderDir") or "desc").lower()
        if order_dir not in ("asc", "desc"):
            raise ApiError(400, f"Invalid orderDir '{order_dir}'. Use asc or desc.")
        checks = []
        fvalue = _first(qs, "filterValue")
        if fvalue:
            fby = _first(qs, "filterBy")
            if not fby:
                raise ApiError(400, "Missing attribute - filterBy (required with filterValue).")
            field = _Q_FILTER.get(fby)
            if field is None:
                raise ApiError(400, f"Invalid filterBy '{fby}'. Use one of: from_address, to_address, subject.")
            op = _string_op(_first(qs, "filterOperator") or "contains", fvalue, "filterOperator",
                            QUARANTINE_OPERATORS)
            checks.append((field, op))
        # capital F is the real spelling here (§5.1); the lower-case variant is accepted too
        for op_name, val_name in (("envelopeRecipientFilterOperator", "envelopeRecipientFilterValue"),
                                  ("envelopeRecipientfilterOperator", "envelopeRecipientfilterValue")):
            rvalue = _first(qs, val_name)
            if rvalue:
                op = _string_op(_first(qs, op_name) or "contains", rvalue, op_name, QUARANTINE_OPERATORS)
                checks.append((_q_recipients, op))
        rows = sim.world.quarantine_window(start, end)
        if checks:
            rows = [q for q in rows if all(op(field(q)) for field, op in checks)]
        if order_by == "date":
            if order_dir == "asc":
                rows.reverse()
        else:
            rows.sort(key=key, reverse=order_dir == "desc")
        page = [render.quarantine_row(q) for q in rows[offset:offset + limit]]
        return 200, {"meta": {"totalCount": len(page)}, "data": page}

    def _r_quarantine_details(self, sim, qs, body, sub, role):
        if _quarantine_type(_first(qs, "quarantineType")) == "pvo":
            return 200, sim.world.pvo.details_of(qs)
        raw = _first(qs, "mid")
        if not raw:
            raise ApiError(400, "Missing attribute - mid.")
        try:
            mid = int(raw)
        except ValueError:
            raise ApiError(400, f"Invalid mid '{raw}': expected an integer.") from None
        with sim.world._lock:
            q = sim.world.quarantine_record(mid)
            if q is None:
                # not-found behaviour is not documented; the reference suggests this (§6)
                raise ApiError(404, "Message not found.")
            return 200, render.quarantine_details(q)

    def _r_quarantine_action(self, sim, qs, body, sub, role):
        data = _json_body(body)
        if _quarantine_type(data.get("quarantineType")) == "pvo":
            return 200, sim.world.pvo.act(self.command, data)
        action = data.get("action")
        if self.command == "POST":
            if action != "release":
                raise ApiError(400, f"Invalid action '{action}'. Use action=release (delete is a DELETE).")
        elif action not in (None, "delete"):
            raise ApiError(400, f"Invalid action '{action}' for DELETE.")
        mids = data.get("mids")
        if not isinstance(mids, list) or not mids:
            raise ApiError(400, "Missing attribute - mids (a non-empty array of message IDs).")
        try:
            if any(isinstance(m, bool) for m in mids):
                raise ValueError
            # FortiSOAR sends MIDs as strings, which works (§7)
            mids = [int(m) for m in mids]
        except (TypeError, ValueError):
            raise ApiError(400, "Invalid mids: expected integers.") from None
        count = sim.world.release_or_delete(mids)
        return 200, {"data": {"action": "release" if self.command == "POST" else "delete", "totalCount": count}}

    def _r_pvo_attachment(self, sim, qs, body, sub, role):
        if _quarantine_type(_first(qs, "quarantineType")) != "pvo":
            raise ApiError(400, "Invalid quarantineType: attachments are downloaded from the pvo quarantines only.")
        name, text = sim.world.pvo.attachment(qs)
        # the file as base64 text, named in Content-Disposition (ext §14.5)
        return 200, text, ({"Content-Disposition": content_disposition(name)}, "text/plain")

    def _r_pvo_list(self, sim, qs, body, sub, role):
        return 200, quarantine_list()

    def _r_connection_details(self, sim, qs, body, sub, role):
        return 200, sim.world.extras.connection_details(qs)

    def _r_remediation_details(self, sim, qs, body, sub, role):
        return 200, sim.world.extras.remediation_details(qs)

    def _r_list_view(self, sim, qs, body, sub, role):
        kind = sub.rsplit("/", 1)[1]
        if _first(qs, "action") != "view":
            raise ApiError(400, "Missing or invalid attribute - action (use action=view).")
        qt = _first(qs, "quarantineType")
        if qt is not None and qt != "spam":
            raise ApiError(400, f"Invalid quarantineType '{qt}'. Use spam.")
        view_by = _choice(qs, "viewBy", ("recipient", "sender"), "recipient")
        order_by = _choice(qs, "orderBy", ("recipient", "sender"), view_by)
        order_dir = _choice(qs, "orderDir", ("asc", "desc"), "asc")
        offset = _int_param(qs, "offset", 0, minimum=0)
        limit = _int_param(qs, "limit", None, minimum=1)
        entries = sim.world.list_entries(kind)
        if view_by == "recipient":
            rows = [(r, sorted(s)) for r, s in entries.items()]
        else:
            inv: dict[str, set] = {}
            for r, senders in entries.items():
                for s in senders:
                    inv.setdefault(s, set()).add(r)
            rows = [(s, sorted(rs)) for s, rs in inv.items()]
        search = _first(qs, "search")
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

    def _r_list_change(self, sim, qs, body, sub, role):
        kind = sub.rsplit("/", 1)[1]
        data = _json_body(body)
        qt = data.get("quarantineType")
        if qt != "spam":
            raise ApiError(400, "Missing or invalid attribute - quarantineType (use spam).")
        view_by = data.get("viewBy")
        if view_by not in ("recipient", "sender"):
            raise ApiError(400, "Missing or invalid attribute - viewBy (use recipient or sender).")
        world = sim.world
        if self.command == "DELETE":
            if data.get("action") not in (None, "delete"):
                raise ApiError(400, f"Invalid action '{data.get('action')}' for DELETE.")
            key = "recipientList" if view_by == "recipient" else "senderList"
            items = _address_list(data, key)
            count = world.delete_list_entries(kind, view_by, items)
            return 200, {"data": {"action": "delete", key: items, "totalCount": count}}
        action = data.get("action")
        if action not in ("add", "edit", "append"):
            raise ApiError(400, f"Missing or invalid attribute - action '{action}' (use add, edit or append).")
        if view_by == "recipient":
            keys = _address_list(data, "recipientAddresses")
            values = _address_list(data, "senderList")
        else:
            keys = _address_list(data, "senderAddresses")
            values = _address_list(data, "recipientList")
        world.change_list(kind, view_by, action, keys, values)
        if view_by == "recipient":
            return 200, {"data": {"action": action, "recipientAddresses": keys, "senderList": values}}
        return 200, {"data": {"action": action, "senderAddresses": keys, "recipientList": values}}

    def _r_report(self, sim, qs, body, sub, role):
        parts = self._segments
        group = parts[1]
        counter = parts[2] if len(parts) > 2 else None
        if group not in reports.GROUP_NAMES:
            raise ApiError(404, f"Counter group '{group}' not found.")
        start, end = _window(qs, _REPORT_DATE, "YYYY-MM-DDThh:00:00.000Z (whole hours)")
        dtype = _first(qs, "device_type")
        if dtype is not None and dtype.lower() != "esa":
            raise ApiError(400, f"Invalid device_type '{dtype}'. Use esa.")
        params = {k: v[0] for k, v in qs.items()}
        try:
            return 200, reports.build(sim.world, group, counter, start, end, params)
        except reports.ReportError as exc:
            raise ApiError(exc.status, exc.message) from None

    # ------------------------------------------------------------------ control path
    def _control(self, sim: Simulator, raw_path: str, body: bytes):
        action = raw_path[len("/_simulator/"):].strip("/")
        method = self.command
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
        if action == "faults" and method == "POST":
            fault = sim.inject(**data)
            return self._send(200, {"data": fault.as_dict()})
        if action == "faults" and method == "DELETE":
            sim.clear_faults()
            return self._send(200, {"data": {"cleared": True}})
        if action == "faults" and method == "GET":
            return self._send(200, {"data": sim.faults.pending()})
        if action == "expire-tokens" and method == "POST":
            sim.expire_tokens()
            return self._send(200, {"data": {"expired": True}})
        if action == "tracking" and method == "POST":
            if "timestamp" in data:
                data["timestamp"] = _parse_when(data["timestamp"])
            return self._send(200, {"data": sim.add_tracking_message(**data)})
        if action == "quarantine" and method == "POST":
            if "date" in data:
                data["date"] = _parse_when(data["date"])
            return self._send(200, {"data": sim.add_quarantine_message(**data)})
        if action == "requests" and method == "GET":
            return self._send(200, {"data": sim.request_log})
        if action == "requests" and method == "DELETE":
            sim.clear_log()
            return self._send(200, {"data": {"cleared": True}})
        if action == "reset" and method == "POST":
            sim.reset()
            return self._send(200, {"data": {"reset": True}})
        if action == "old-format" and method == "POST":
            sim.set_old_format(bool(data.get("enabled", True)))
            return self._send(200, {"data": {"old_format": sim.old_format}})
        return self._send(404, {"error": {"message": f"Unknown control action {method} {action}.", "code": "404"}})


# ======================================================================= helpers
def _route(sub: str, method: str, appliance: str, segments: list[str]) -> tuple[str, str]:
    """Maps (path, method) to (route, permission area); raises 404/405."""
    table = {
        "login": ({"POST"}, "login", "login"),
        "login/privileges": ({"GET"}, "privileges", "privileges"),
        "message-tracking/messages": ({"GET"}, "tracking_search", "tracking"),
        "message-tracking/details": ({"GET"}, "details", "tracking"),
        "message-tracking/amp-details": ({"GET"}, "details", "tracking"),
        "message-tracking/dlp-details": ({"GET"}, "details", "tracking"),
        "message-tracking/url-details": ({"GET"}, "details", "tracking"),
        "message-tracking/connection-details": ({"GET"}, "connection_details", "tracking"),
        "message-tracking/remediation-details": ({"GET"}, "remediation_details", "tracking"),
        "quarantine/messages/attachment": ({"GET"}, "pvo_attachment", "quarantine"),
        "quarantine/messages/details": ({"GET"}, "quarantine_details", "quarantine"),
        "quarantine/safelist": ({"GET", "POST", "DELETE"}, "list", "lists"),
        "quarantine/blocklist": ({"GET", "POST", "DELETE"}, "list", "lists"),
        "quarantine/messages": ({"GET", "POST", "DELETE"}, "quarantine", "quarantine"),
    }
    if appliance == "esa":
        # health exists on ESA only (§10)
        table["health"] = ({"GET"}, "health", "health")
    else:
        # the list of PVO quarantines is seen on SMA only (ext §14.1.1)
        table["config/quarantines"] = ({"GET"}, "pvo_list", "quarantine")
    if segments[:1] == ["reporting"] and 2 <= len(segments) <= 3 and all(segments):
        entry = ({"GET"}, "report", "reporting")
    else:
        entry = table.get(sub)
    if entry is None:
        raise ApiError(404, "Resource not found.")
    methods, route, area = entry
    if method not in methods:
        raise ApiError(405, f"Method {method} is not allowed for this resource.")
    if route == "list":
        route = "list_view" if method == "GET" else "list_change"
    elif route == "quarantine":
        route = "quarantine_search" if method == "GET" else "quarantine_action"
    return route, area


def _first(qs: dict, name: str):
    values = qs.get(name)
    return values[0] if values else None


def _window(qs: dict, pattern: re.Pattern, shape: str) -> tuple[int, int]:
    start_raw, end_raw = _first(qs, "startDate"), _first(qs, "endDate")
    if not start_raw or not end_raw:
        # a 404, not a 400, on the real appliance (§1.5)
        raise ApiError(404, MISSING_DATES)
    bounds = []
    for name, raw in (("startDate", start_raw), ("endDate", end_raw)):
        m = pattern.match(raw)
        if not m:
            raise ApiError(400, f"Invalid {name} '{raw}': expected {shape}.")
        y, mo, d, h = (int(x) for x in m.groups()[:4])
        mi = int(m.group(5)) if pattern is _TRACKING_DATE else 0
        try:
            datetime(y, mo, d, h, mi)
        except ValueError:
            raise ApiError(400, f"Invalid {name} '{raw}': not a calendar date.") from None
        bounds.append(calendar.timegm((y, mo, d, h, mi, 0)))
    if bounds[0] > bounds[1]:
        raise ApiError(400, "Invalid dates: startDate is after endDate.")
    return bounds[0], bounds[1]


def _int_param(qs, name, default, minimum=None, maximum=None):
    raw = _first(qs, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name} '{raw}': expected an integer.") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        rng = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise ApiError(400, f"Invalid {name} '{raw}': must be in {rng}.")
    return value


def _choice(qs, name, allowed, default):
    raw = _first(qs, name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise ApiError(400, f"Invalid {name} '{raw}'. Use one of: {', '.join(allowed)}.")
    return raw


def _quarantine_type(value):
    if value is None:
        raise ApiError(400, "Missing attribute - quarantineType.")
    if value not in ("spam", "pvo"):
        raise ApiError(400, f"Invalid quarantineType '{value}'. Use spam or pvo.")
    return value


def _json_body(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Invalid request body: expected a JSON object.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid request body: expected a JSON object.")
    return data


def _address_list(data: dict, key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ApiError(400, f"Missing or invalid attribute - {key} (a non-empty array of addresses or domains).")
    return [v.strip() for v in value]


def _string_op(op: str, value: str, param: str, allowed):
    if op not in allowed:
        raise ApiError(400, f"Invalid {param} '{op}'. Use one of: {', '.join(allowed)}.")
    v = value.lower()
    if op == "is":
        test = lambda s: s.lower() == v  # noqa: E731
    elif op == "begins_with":
        test = lambda s: s.lower().startswith(v)  # noqa: E731
    elif op == "ends_with":
        test = lambda s: s.lower().endswith(v)  # noqa: E731
    elif op == "contains":
        test = lambda s: v in s.lower()  # noqa: E731
    else:  # does_not_contain: true when no candidate contains it
        return lambda cands: not any(v in s.lower() for s in cands)
    return lambda cands: any(test(s) for s in cands)


def _bare(addr: str) -> str:
    m = re.search(r"<([^>]*)>", addr)
    return m.group(1) if m else addr


def _q_from(q):
    return q["fromAddress"] + [_bare(a) for a in q["fromAddress"]]


def _q_to(q):
    parts = [p.strip() for a in q["toAddress"] for p in a.split(",")]
    return q["toAddress"] + parts + [_bare(p) for p in parts] + q["envelopeRecipient"]


def _q_subject(q):
    return [q["subject"]]


def _q_recipients(q):
    return q["envelopeRecipient"]


_Q_FILTER = {"from_address": _q_from, "fromAddress": _q_from, "to_address": _q_to, "toAddress": _q_to,
             "subject": _q_subject}
_Q_ORDER = {"date": lambda q: (q["_ts"], q["mid"]), "from_address": lambda q: _bare(q["fromAddress"][0]).lower(),
            "fromAddress": lambda q: _bare(q["fromAddress"][0]).lower(),
            "to_address": lambda q: q["envelopeRecipient"][0].lower(),
            "toAddress": lambda q: q["envelopeRecipient"][0].lower(), "subject": lambda q: q["subject"].lower(),
            "size": lambda q: q["size"]}

# tracking string filters; lower-case "f" in "filter" is the real spelling (§2.1)
_T_STRING_FILTERS = (
    ("envelopeSenderfilterOperator", "envelopeSenderfilterValue", lambda r: [r["sender"]]),
    ("envelopeRecipientfilterOperator", "envelopeRecipientfilterValue", lambda r: r["recipient"]),
    ("subjectfilterOperator", "subjectfilterValue", lambda r: [r["subject"], r["finalSubject"]]),
    ("attachmentNameOperator", "attachmentNameValue", lambda r: [a["name"] for a in r["attachments"]]),
    ("domainNameOperator", "domainNameValue", lambda r: [r["senderDomain"]]),
    ("replyToOperator", "replyToValue", lambda r: [r["replyTo"]]),
)


def _csv(value: str) -> set[str]:
    return {p.strip().lower() for p in value.split(",") if p.strip()}


def _tracking_predicate(qs: dict, world):
    checks = []
    for op_name, val_name, field in _T_STRING_FILTERS:
        value = _first(qs, val_name)
        if value:
            op = _string_op(_first(qs, op_name) or "is", value, op_name, TRACKING_OPERATORS)
            checks.append(lambda r, op=op, field=field: op(field(r)))
    sha = _first(qs, "fileSha256")
    if sha:
        sha = sha.lower()
        checks.append(lambda r: any(a["sha256"] == sha for a in r["attachments"]))
    ip = _first(qs, "senderIp")
    if ip:
        checks.append(lambda r: r["senderIp"] == ip)
    mid_hdr = _first(qs, "messageIdHeader")
    if mid_hdr:
        want = mid_hdr.strip().strip("<>").lower()
        checks.append(lambda r: r["messageIdHeader"].strip("<>").lower() == want)
    cmid = _first(qs, "ciscoMid")
    if cmid:
        try:
            cm = int(cmid)
        except ValueError:
            raise ApiError(400, f"Invalid ciscoMid '{cmid}': expected an integer.") from None
        checks.append(lambda r: cm in r["mid"])
    status = _first(qs, "deliveryStatus")
    if status:
        wanted = {s.upper() for s in _csv(status)}
        checks.append(lambda r: (r["deliveryStatus"] or "") in wanted)
    for flag in BOOLEAN_FILTERS:
        value = _first(qs, flag)
        if value is not None and value.lower() == "true":  # only True is meaningful (§2.1)
            checks.append(lambda r, flag=flag: bool(r.get(flag)))
    direction = _first(qs, "messageDirection")
    if direction:
        d = direction.lower()
        checks.append(lambda r: r["direction"] == d)
    amp = _first(qs, "advancedMalwareProtection")
    if amp:
        wanted_amp = _csv(amp)
        checks.append(lambda r: (r["advancedMalwareProtection"] or "") in wanted_amp)
        amp_dir = _first(qs, "advancedMalwareProtectionMailflowDirection")
        if amp_dir:
            checks.append(lambda r: r["direction"] == amp_dir.lower())
    policy = _first(qs, "mailPolicyName")
    if policy:
        wanted_pol = _csv(policy)
        checks.append(lambda r: any(p.lower() in wanted_pol for p in r["mailPolicy"]))
        pol_dir = _first(qs, "mailPolicyDirection")
        if pol_dir:
            pd = {"inbound": "incoming", "outbound": "outgoing"}.get(pol_dir.lower(), pol_dir.lower())
            checks.append(lambda r: r["direction"] == pd)
    qstat = _first(qs, "quarantineStatus")
    if qstat:
        wanted_q = {s.upper() for s in _csv(qstat)}
        checks.append(lambda r: any(s in wanted_q for s in r["quarantineStatus"]))
    urlrep = _first(qs, "urlReputation")
    if urlrep:
        wanted_u = _csv(urlrep)
        checks.append(lambda r: (r["urlReputation"] or "").lower() in wanted_u)
    sev = _first(qs, "dlpViolationsSeverities")
    if sev:
        wanted_s = _csv(sev)
        checks.append(lambda r: bool(r["dlp"]) and r["dlp"]["violationSeverity"].lower() in wanted_s)
    dlp_action = _first(qs, "dlpAction")
    if dlp_action:
        wanted_a = _csv(dlp_action)
        checks.append(lambda r: bool(r["dlp"]) and r["dlp"]["dlpAction"] in wanted_a)
    threat = _first(qs, "threatName")
    if threat:
        t = threat.lower()
        checks.append(lambda r: bool(r.get("threatName")) and t in r["threatName"].lower())
    host = _first(qs, "ciscoHost")
    if host and host != "All_Hosts":
        h = host.lower()
        serials = {x["serialNumber"] for x in world.hosts
                   if h in (x["serialNumber"].lower(), x["hostName"].lower(), x["hostName"].split(".")[0].lower())}
        checks.append(lambda r: r["serialNumber"] in serials)
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda r: all(c(r) for c in checks)


# ======================================================================= server + public API
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sim):
        self.sim = sim
        self._conns: set = set()
        self._conns_lock = threading.Lock()
        self.accepted = 0
        super().__init__(address, _Handler)

    def get_request(self):
        conn, addr = super().get_request()
        with self._conns_lock:
            self._conns.add(conn)
            self.accepted += 1
        return conn, addr

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self):
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        # TLS handshake failures and clients hanging up are routine here; keep stderr clean
        pass


class Simulator:
    """A running ESA or SMA simulator. See the package docstring for the full API."""

    def __init__(self, appliance: str = "esa", seed: int = 1, tls: bool = False, host: str = "127.0.0.1",
                 port: int = 0, now: datetime | None = None, token_lifetime: float = 1800,
                 refresh_window: float = 300, old_format: bool = False, tracking_count: int = 3000,
                 quarantine_count: int = 300):
        if appliance not in ("esa", "sma"):
            raise ValueError("appliance must be 'esa' or 'sma'")
        self.appliance = appliance
        self.seed = seed
        self.tls = tls
        self.host = host
        self.port = port
        self.now = now
        self.old_format = self._initial_old_format = old_format
        self.tracking_count = tracking_count
        self.quarantine_count = quarantine_count
        self.username = "admin"
        self.password = auth.USERS["admin"]["password"]
        self.tokens = auth.TokenStore(token_lifetime, refresh_window)
        self.faults = FaultBook()
        self.world = self._new_world()
        self.ca_file: str | None = None
        self._log: list[dict] = []
        self._log_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None
        self.errors: list[BaseException] = []

    def _new_world(self) -> World:
        return World(self.appliance, self.seed, self.now, self.tracking_count, self.quarantine_count)

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> Simulator:
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), self)
        if self.tls:
            import trustme

            ca = trustme.CA()
            names = ["127.0.0.1", "localhost", "::1"]
            if self.host not in names and self.host not in ("0.0.0.0", "::", ""):
                names.append(self.host)
            cert = ca.issue_cert(*names)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            cert.configure_cert(ctx)
            self._tmpdir = tempfile.mkdtemp(prefix="cisco-esa-sim-")
            self.ca_file = os.path.join(self._tmpdir, "ca.pem")
            ca.cert_pem.write_to_path(self.ca_file)
            # the handshake runs in the connection's own thread, not in the accept loop
            server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"cisco-esa-simulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_all_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---------------------------------------------------------------- facts
    @property
    def url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (keep-alive reuse shows as a small number)."""
        return self._server.accepted if self._server is not None else 0

    @property
    def users(self) -> dict:
        return {name: dict(info) for name, info in auth.USERS.items()}

    def connection(self, user: str = "admin", **overrides) -> dict:
        conn = {"server_url": self.url, "username": user, "password": auth.USERS[user]["password"],
                "appliance": self.appliance, "verify_tls": True, "ca_bundle": self.ca_file}
        conn.update(overrides)
        return conn

    # ---------------------------------------------------------------- control
    def inject(self, path, kind, count=1, status=None, message=None, retry_after=None, delay=None, method=None):
        return self.faults.inject(path, kind, count=count, status=status, message=message,
                                  retry_after=retry_after, delay=delay, method=method)

    def clear_faults(self) -> None:
        self.faults.clear()

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def add_tracking_message(self, **attrs) -> dict:
        return self.world.add_tracking_message(**attrs)

    def add_quarantine_message(self, **attrs) -> dict:
        return self.world.add_quarantine_message(**attrs)

    def set_old_format(self, enabled: bool = True) -> None:
        self.old_format = bool(enabled)

    def reset(self) -> None:
        # an untouched world equals a rebuilt one; skipping the rebuild keeps per-test resets cheap
        if self.world.dirty or self.world.live:
            self.world = self._new_world()
        self.old_format = self._initial_old_format
        self.faults.clear()
        self.tokens.clear()
        self.clear_log()

    @property
    def request_log(self) -> list[dict]:
        with self._log_lock:
            return [dict(e, headers=dict(e["headers"])) for e in self._log]

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _record(self, entry: dict) -> None:
        with self._log_lock:
            self._log.append(entry)

    def _note_exception(self, exc: BaseException) -> None:
        self.errors.append(exc)


def serve(host: str = "127.0.0.1", port: int = 0, tls: bool = False, appliance: str = "esa", seed: int = 1) -> int:
    """Blocking CLI entry: serve until SIGINT/SIGTERM, announcing the connection on stdout."""
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, _on_signal)
        except ValueError:  # not the main thread: rely on KeyboardInterrupt / the caller
            pass
    sim = Simulator(appliance=appliance, seed=seed, tls=tls, host=host, port=port)
    try:
        sim.start()
        line = {"server_url": sim.url, "username": sim.username, "password": sim.password,
                "appliance": sim.appliance, "ca_bundle": sim.ca_file}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        if tls:
            sys.stderr.write(f"CA certificate for --ca-bundle: {sim.ca_file}\n")
            sys.stderr.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler)
            except (ValueError, TypeError):
                pass
    return 0
