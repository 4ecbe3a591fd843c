"""The session's HTTP adapter: every answer is read to its end here, under one deadline for the
whole request and a cap on its decompressed size, before any hook or caller sees it; a read whose
body was cut off is sent again like a dropped read. Reads only are retried (ReadRetry)."""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util import Timeout
from urllib3.util.retry import Retry

from cisco_esa.core.outcome import AnswerTooLarge, DeadlineExceeded

READ_METHODS = frozenset({"GET"})
MAX_ANSWER = 64 * 1024 * 1024  # counted after decompression (contract §3a)
CHUNK = 64 * 1024


class ReadRetry(Retry):
    """urllib3's Retry, with two rules of ours: a write (POST/DELETE) is sent at most once,
    even after a connect error, and a Retry-After longer than we may wait is not waited on.
    It also notes when the try after a wait began: that try's deadline starts there."""

    attempt_started: float | None = None

    def __init__(self, *args, max_retry_after: float = 30, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw):
        fresh = super().new(**kw)
        fresh.max_retry_after = self.max_retry_after
        return fresh

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if method is not None and method.upper() not in READ_METHODS:
            raise MaxRetryError(_pool, url, error) from error
        if response is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_retry_after:
                raise MaxRetryError(_pool, url, None)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response=None):
        super().sleep(response)
        self.attempt_started = time.monotonic()


class BoundedAdapter(HTTPAdapter):
    """An HTTPAdapter whose answers are complete, bounded and in memory when send() returns.

    - `timeout` is a deadline for the whole request: urllib3's total timeout bounds connecting
      and waiting for the headers, and a watchdog shuts the socket when the deadline passes
      while the body is still coming (a per-read timeout alone lets a body dripped one byte
      every few seconds run for ever). An answer not complete in time is DeadlineExceeded.
    - The body is read chunk by chunk, decompressed, and refused (AnswerTooLarge) once it
      passes `max_answer` bytes, so neither an endless body nor a gzip bomb is ever held.
    - A GET whose body was cut off (the connection closed before the announced length) is sent
      again within the same read retry budget as a dropped read; anything else is sent once.
    The body is stored where requests keeps a body it has read (Response._content), so hooks
    (JwtAuth's) and callers read it as usual."""

    def __init__(self, *args, max_answer: int = MAX_ANSWER, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_answer = max_answer

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        seconds = timeout if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None
        retry = self.max_retries
        while True:
            begun = time.monotonic()
            resp = super().send(request, stream=True, timeout=Timeout(total=seconds) if seconds else timeout,
                                verify=verify, cert=cert, proxies=proxies)
            begun = getattr(getattr(resp.raw, "retries", None), "attempt_started", None) or begun
            try:
                self._read(resp, begun + seconds if seconds else None)
                return resp
            except requests.exceptions.ChunkedEncodingError as exc:
                if (request.method or "").upper() not in READ_METHODS:
                    raise
                try:
                    retry = retry.increment(request.method, request.url, error=ProtocolError(str(exc)))
                except MaxRetryError:
                    raise exc from None
                retry.sleep()

    def _read(self, resp: requests.Response, deadline: float | None) -> None:
        watchdog = _Watchdog(resp, deadline) if deadline is not None else None
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in resp.iter_content(CHUNK):
                size += len(chunk)
                if size > self.max_answer:
                    raise AnswerTooLarge(f"the answer is larger than {self.max_answer} bytes", response=resp)
                parts.append(chunk)
        except requests.RequestException:
            resp.close()
            if watchdog and watchdog.stop():
                raise DeadlineExceeded("the whole request outlived its timeout", response=resp) from None
            raise
        if watchdog and watchdog.stop():
            # the socket was shut mid-body: what came may look complete (a body read to the close)
            resp.close()
            raise DeadlineExceeded("the whole request outlived its timeout", response=resp)
        resp._content = b"".join(parts)
        resp._content_consumed = True


class _Watchdog:
    """Shuts the answer's socket down at `deadline`, unless stopped first: a read blocked on it
    returns at once, however the bytes trickle in. Watched by the one shared _Deadlines thread."""

    __slots__ = ("_lock", "_stopped", "fired", "_sock", "deadline")

    def __init__(self, resp: requests.Response, deadline: float):
        self._lock = threading.Lock()
        self._stopped = False
        self.fired = False
        connection = getattr(resp.raw, "connection", None)  # None under test adapters
        self._sock = getattr(connection, "sock", None)
        self.deadline = deadline
        _DEADLINES.watch(self)

    def fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.fired = True
            sock = self._sock
            if isinstance(sock, socket.socket):
                try:
                    # the plain socket's shutdown, also under TLS: the reader sees the end of the stream
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> bool:
        """Stop watching; True when the deadline had already passed."""
        with self._lock:
            self._stopped = True
            self._sock = None
            return self.fired


class _Deadlines:
    """One long-lived daemon thread for every watchdog of the process, over a heap of deadlines: a
    thread started per answer cost more CPU than reading a page. A stopped watchdog stays in the heap
    until it comes to the top, where it is dropped without waiting; so the thread wakes about once
    per deadline still running, not once per answer."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._count = itertools.count()
        self._thread: threading.Thread | None = None

    def forked(self) -> None:
        # a forked child has none of the parent's threads, and its copy of the lock may be held
        self.__init__()

    def watch(self, dog: _Watchdog) -> None:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="cisco-esa-deadlines", daemon=True)
                self._thread.start()
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (dog.deadline, next(self._count), dog))
            if earliest is None or dog.deadline < earliest:
                self._cond.notify()  # the thread sleeps until a later deadline (or none): wake it

    def _run(self) -> None:
        heap = self._heap
        while True:
            due = []
            with self._cond:
                while heap and heap[0][2].stopped:
                    heapq.heappop(heap)
                if not heap:
                    self._cond.wait()
                    continue
                wait = heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                while heap and heap[0][0] <= time.monotonic():
                    due.append(heapq.heappop(heap)[2])
            for dog in due:  # outside the heap's lock: a shutdown may take a moment
                dog.fire()


_DEADLINES = _Deadlines()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_DEADLINES.forked)
