"""A GET whose answer is a file, not JSON (the PVO attachment download, asyncos-api-extension §14.5):
the transport's session, login and error table, with the body kept as bytes and bounded while it
is read. The transport answers JSON only; this is the one place that reads anything else."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import requests

from cisco_esa.asyncos.transport import TOKEN_ERRORS, Transport
from cisco_esa.core.outcome import CommandError, UnexpectedResponse, http_error

MAX_FILE_BYTES = 64 * 1024 * 1024  # the answer bound of contract §3a
CHUNK = 64 * 1024


@dataclass
class FileAnswer:
    status: int
    content: bytes
    headers: dict  # case-insensitive, as requests gives them

    @property
    def body(self):
        # what a raw_data would carry: never the file's bytes
        return None


def get_file(transport: Transport, path: str, params: dict, max_bytes: int = MAX_FILE_BYTES) -> FileAnswer:
    transport.ensure_login()
    token, generation = transport._current_token()
    answer = _send(transport, path, params, token, max_bytes)
    if answer.status == 401 and transport.conn.auth == "jwt" and _message(answer) in TOKEN_ERRORS:
        token, _ = transport._relogin(generation)  # the one re-login of asyncos-api §1.2 point 5
        answer = _send(transport, path, params, token, max_bytes)
    if answer.status >= 400:
        raise http_error(answer.status, _json(transport, answer))
    if answer.status >= 300:
        raise UnexpectedResponse(f"GET {path} was redirected (HTTP {answer.status}); nothing was downloaded.",
                                 answer.status)
    return answer


def _send(transport: Transport, path: str, params: dict, token: str | None, max_bytes: int) -> FileAnswer:
    headers = {"Accept": "*/*"}  # the body is not JSON on success (§14.5)
    if token is not None:
        headers["jwtToken"] = token
    timeout = transport.conn.timeout
    deadline = time.monotonic() + timeout
    try:
        with transport.session.get(transport.url(path, params), headers=headers, timeout=timeout,
                                   allow_redirects=False, stream=True) as r:
            chunks, size = [], 0
            for chunk in r.iter_content(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise CommandError(f"The file is larger than {max_bytes // (1024 * 1024)} MiB; "
                                       "it was not downloaded.", r.status_code)
                if time.monotonic() > deadline:
                    raise CommandError(f"The download took longer than the timeout of {timeout:g} s; "
                                       "it was stopped.", None)
                chunks.append(chunk)
            return FileAnswer(r.status_code, b"".join(chunks), r.headers)
    except requests.RequestException as exc:
        raise transport._transport_error("GET", path, exc) from None


def _json(transport: Transport, answer: FileAnswer):
    text = answer.content.decode("utf-8", errors="replace")
    if transport.secrets.found_in(text):
        text = transport.secrets.scrub(text)
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _message(answer: FileAnswer) -> str | None:
    try:
        body = json.loads(answer.content.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("message") if isinstance(error, dict) else None
