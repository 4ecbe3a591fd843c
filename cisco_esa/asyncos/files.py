"""A GET whose answer is a file, not JSON (the PVO attachment download, asyncos-api-extension §14.5):
the transport's session (its auth and re-login, its read retries) and its error table, with the
body kept as bytes and bounded while it is read. The transport answers JSON only; this is the one
place that reads anything else."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cisco_esa.asyncos.body import decode_body
from cisco_esa.asyncos.transport import Transport
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
    timeout = transport.conn.timeout
    deadline = time.monotonic() + timeout
    # the body is not JSON on success (§14.5); a read error half way is translated like any other
    with transport._translated("GET", path):
        with transport.session.get(transport.url(path, params), headers={"Accept": "*/*"}, timeout=timeout,
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
            answer = FileAnswer(r.status_code, b"".join(chunks), r.headers)
    if answer.status >= 400:
        raise http_error(answer.status, decode_body(answer.content, None, answer.status, transport.secrets))
    if answer.status >= 300:
        raise UnexpectedResponse(f"GET {path} was redirected (HTTP {answer.status}); nothing was downloaded.",
                                 answer.status)
    return answer
