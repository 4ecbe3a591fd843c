"""A hostile appliance of our own (stdlib, loopback): each test gives it a function that answers
every request as it likes, down to the bytes: bodies cut off, dripped, endless, repeated pages,
skewed clocks. It shares nothing with the client, nor with the simulator."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str            # after /esa/api/v2.0/ (or /sma/api/v2.0/)
    query: dict
    body: object
    headers: dict


@dataclass
class Answer:
    status: int = 200
    body: object = None                    # JSON-encoded unless bytes / an iterable of bytes
    headers: dict = field(default_factory=dict)
    length: int | None = None              # a Content-Length to announce (a lie, to cut a body off)


def json_answer(body, status=200, **headers) -> Answer:
    return Answer(status, body, headers)


LOGIN = {"data": {"userName": "admin", "role": "Administrator", "jwtToken": "hostile.jwt.token"}}


class HostileAppliance:
    """`with HostileAppliance(answer) as h:` serves on h.url; h.requests lists what came in.
    `answer(request) -> Answer`; the login is answered for it unless it handles `login` itself."""

    def __init__(self, answer: Callable[[Request], Answer]):
        self.answer = answer
        self.requests: list[Request] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self):
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                path = split.path.split("/api/v2.0/", 1)[-1]
                req = Request(self.command, path, {k: v[0] for k, v in parse_qs(split.query).items()}, body,
                              dict(self.headers))
                outer.requests.append(req)
                answer = outer.answer(req)
                if answer is None and path == "login":
                    answer = json_answer(LOGIN)
                self._write(answer)

            def _write(self, answer: Answer):
                payload = answer.body
                chunks: Iterable[bytes]
                if isinstance(payload, bytes):
                    chunks = [payload]
                elif isinstance(payload, (list, tuple)) and payload and all(isinstance(c, bytes) for c in payload):
                    chunks = payload
                elif payload is None:
                    chunks = []
                elif hasattr(payload, "__next__"):
                    chunks = payload
                else:
                    chunks = [json.dumps(payload).encode()]
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                chunked = hasattr(payload, "__next__") and answer.length is None
                if chunked:
                    headers["Transfer-Encoding"] = "chunked"
                elif answer.length is not None:
                    headers["Content-Length"] = str(answer.length)
                else:
                    chunks = list(chunks)
                    headers["Content-Length"] = str(sum(len(c) for c in chunks))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    for chunk in chunks:
                        if chunked:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        else:
                            self.wfile.write(chunk)
                        self.wfile.flush()
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if answer.length is not None:
                    self.close_connection = True

            do_GET = do_POST = do_DELETE = do_PUT = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def connection(self, **overrides) -> dict:
        return {"server_url": self.url, "username": "admin", "password": "hostile-Passw0rd", "timeout": 5,
                **overrides}

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def calls(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]
