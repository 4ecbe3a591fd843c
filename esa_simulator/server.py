"""HTTP plumbing of the simulator: the threaded server, TLS, reading requests, dispatching them
to the routes (faults first, then auth and the role check) and writing answers."""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
from datetime import datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from . import auth, control, faults, routes
from .request import ApiError, Request, error_body

CONTROL_PREFIX = "/_simulator"
TLS_EXTRA_HINT = "pip install 'cisco-esa-soar[tls]'"


class StartError(RuntimeError):
    """The simulator cannot start (address in use, TLS support missing); the message says why."""


def _json_default(obj):
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


_API = re.compile(r"^/(esa|sma)/api/(v[0-9.]+)(?:/(.*))?$")


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

    def date_time_string(self, timestamp=None):
        # the Date header reads the appliance's own clock (frozen with a frozen world, skewed on request)
        return formatdate(self.server.sim.clock().timestamp(), usegmt=True)

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr access log
        pass

    def do_GET(self):
        self._dispatch()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_GET

    # ------------------------------------------------------------------ reading and writing
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

    def _log_entry(self, status):
        entry, self._entry = self._entry, None
        if entry is not None:
            entry["status"] = status
            self.server.sim._record(entry, self._generation)

    # ------------------------------------------------------------------ dispatch
    def _dispatch(self):
        self._mangle = False
        self._entry = None
        sim = self.server.sim
        raw_path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, error_body(400, "Unreadable request body."))
            return
        if raw_path.startswith(CONTROL_PREFIX + "/") or raw_path == CONTROL_PREFIX:
            self._control(sim, raw_path, body)
            return
        self._generation = sim.log_generation  # the log this request arrived in
        self._entry = {"method": self.command, "path": raw_path, "query": query,
                       "headers": dict(self.headers.items()), "body": body.decode("utf-8", "replace"),
                       "status": None}
        try:
            self._api(sim, raw_path, query, body)
        except ApiError as exc:
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

    def _control(self, sim, raw_path: str, body: bytes):
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
            status, payload = control.handle(sim, raw_path[len(CONTROL_PREFIX) + 1:].strip("/"), self.command, data)
        except Exception as exc:  # control errors are the caller's, report them plainly
            status, payload = 400, {"error": {"message": f"{type(exc).__name__}: {exc}", "code": "400"}}
        self._send(status, payload)

    def _api(self, sim, raw_path: str, query: str, body: bytes):
        m = _API.match(raw_path)
        if not m:
            raise ApiError(404, "Resource not found.")
        prefix, version, raw_sub = m.group(1), m.group(2), (m.group(3) or "").strip("/")
        sub = unquote(raw_sub)
        # Segments are decoded one by one, so an encoded '/' stays inside its segment.
        segments = [unquote(part) for part in raw_sub.split("/")] if raw_sub else []
        fault = sim.faults.take(sub, self.command)
        if fault is not None and self._apply_fault(fault):
            return
        if prefix != sim.appliance or version != "v2.0":
            raise ApiError(404, "Resource not found.")
        route, handler = routes.resolve(sub, segments, self.command, sim.appliance)
        req = Request(sim, self.command, sub, segments, parse_qs(query, keep_blank_values=True), body)
        extra = {}
        try:
            if not route.public:
                user, extra = self._authenticate(sim)
                req.role = auth.USERS[user]["role"]
                if not auth.allowed(req.role, self.command, route.area):
                    raise ApiError(403, auth.MSG_FORBIDDEN)
            status, payload, *file = handler(req)
        except ApiError as exc:
            exc.headers = {**extra, **exc.headers}  # a refreshed token rides on errors too
            raise
        if file:  # a file, not JSON: its own headers and content type
            headers, content_type = file[0]
            self._send(status, payload, {**extra, **headers}, content_type=content_type)
            return
        self._send(status, payload, extra)

    def _apply_fault(self, fault) -> bool:
        """Applies an injected fault; True when it answered (or dropped) the request."""
        what, detail = faults.effect(fault)
        if what == "delay":
            time.sleep(detail)
            return False
        if what == "mangle":
            self._mangle = True
            return False
        if what == "drop":
            # no status line at all: the client sees the connection close
            self.close_connection = True
            self._log_entry(None)
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        status, payload, headers, content_type = detail
        self._send(status, payload, headers, content_type=content_type)
        return True

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


class Server(ThreadingHTTPServer):
    """The listening socket; keeps its connections so that stop() can end keep-alive ones."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sim):
        self.sim = sim
        self._conns: set = set()
        self._conns_lock = threading.Lock()
        self.accepted = 0
        try:
            super().__init__(address, _Handler)
        except OSError as exc:
            host, port = address
            where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            if exc.errno == errno.EADDRINUSE:
                raise StartError(f"{where} is already in use: choose another --port, or --port 0 "
                                 f"for a free one") from None
            raise StartError(f"cannot listen on {where}: {exc.strerror or exc}") from None

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


def wrap_tls(server: Server, host: str) -> tuple[str, str]:
    """Serves HTTPS with a throw-away CA (trustme, the `tls` extra); returns (tmpdir, CA file)."""
    try:
        import trustme
    except ImportError:
        raise StartError(f"TLS needs the trustme package: {TLS_EXTRA_HINT}") from None
    ca = trustme.CA()
    names = ["127.0.0.1", "localhost", "::1"]
    if host not in names and host not in ("0.0.0.0", "::", ""):
        names.append(host)
    cert = ca.issue_cert(*names)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    tmpdir = tempfile.mkdtemp(prefix="cisco-esa-sim-")
    ca_file = os.path.join(tmpdir, "ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    # the handshake runs in the connection's own thread, not in the accept loop
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return tmpdir, ca_file
