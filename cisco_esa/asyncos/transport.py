"""The HTTP client for the AsyncOS API: one requests.Session, JWT or Basic auth, bounded
retries for reads only, and every failure turned into a typed CommandError. It knows nothing
of commands, envelopes or the platform."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning, MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from cisco_esa.core.outcome import (
    RETRY_READ_STATUSES,
    OutcomeUnknown,
    TransportError,
    UnexpectedResponse,
    http_error,
)
from cisco_esa.core.redaction import Secrets

log = logging.getLogger("cisco_esa.asyncos")

READ_METHODS = frozenset({"GET"})
# 401 messages after which one fresh login is worth trying (asyncos-api §1.2, point 5).
TOKEN_ERRORS = ("ExpiredSignatureError.", "InvalidTokenError.")


@dataclass(frozen=True)
class Connection:
    server_url: str
    username: str
    password: str
    api_version: str = "v2.0"
    appliance: str = "esa"
    auth: str = "jwt"
    verify_tls: bool = True
    ca_bundle: str | None = None
    timeout: float = 60
    proxy: str | None = None

    def __repr__(self) -> str:  # never print the password, even by accident
        return f"Connection(server_url={self.server_url!r}, username={self.username!r}, appliance={self.appliance!r}, auth={self.auth!r})"


class ReadRetry(Retry):
    """urllib3's Retry, with two rules of ours: a write (POST/DELETE) is sent at most once,
    even after a connect error, and a Retry-After longer than we may wait is not waited on."""

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


@dataclass
class Response:
    status: int
    body: Any
    headers: dict


class Transport:
    """Thread-safe: one login is shared by every thread of the same Transport."""

    def __init__(self, conn: Connection, secrets: Secrets | None = None):
        self.conn = conn
        self.secrets = secrets or Secrets()
        self.secrets.add_basic(conn.username, conn.password)
        if conn.proxy:
            self.secrets.add(conn.proxy)
        self.appliance = conn.appliance
        self._lock = threading.Lock()
        self._token: str | None = None
        self._generation = 0
        self.login_info: dict | None = None
        self.logins = 0
        self.session = requests.Session()
        retry = ReadRetry(
            total=2, connect=2, read=2, status=2, other=0,
            allowed_methods=READ_METHODS, status_forcelist=RETRY_READ_STATUSES,
            backoff_factor=0.5, backoff_max=5, respect_retry_after_header=True,
            raise_on_status=False, raise_on_redirect=False,
            max_retry_after=min(30.0, float(conn.timeout)),
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "cisco-esa-soar/0.1"})
        self.session.verify = conn.ca_bundle if (conn.verify_tls and conn.ca_bundle) else conn.verify_tls
        self.session.trust_env = False
        if conn.proxy:
            self.session.proxies = {"http": conn.proxy, "https": conn.proxy}
        if conn.auth == "basic":
            self.session.auth = (conn.username, conn.password)

    # -- paths -------------------------------------------------------------------------
    def base_url(self, appliance: str | None = None) -> str:
        return f"{self.conn.server_url.rstrip('/')}/{appliance or self.appliance}/api/{self.conn.api_version}"

    @staticmethod
    def path(*segments: str) -> str:
        """A path whose segments come from input: each one percent-encoded, `/` included."""
        return "/".join(_segment(s) for s in segments)

    def url(self, path: str, params: dict | None = None, appliance: str | None = None) -> str:
        url = f"{self.base_url(appliance)}/{path.lstrip('/')}"
        if params:
            pairs = [(k, v) for k, v in params.items() if v is not None]
            # %20 for spaces, never '+': some appliance versions read '+' literally (asyncos-api §1.1).
            url += "?" + urlencode(pairs, doseq=True, quote_via=quote, safe="")
        return url

    # -- public verbs ------------------------------------------------------------------
    def get(self, path: str, params: dict | None = None) -> Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict, params: dict | None = None) -> Response:
        return self.request("POST", path, params=params, body=body)

    def delete(self, path: str, body: dict | None = None, params: dict | None = None) -> Response:
        return self.request("DELETE", path, params=params, body=body)

    def request(self, method: str, path: str, *, params: dict | None = None, body: Any = None) -> Response:
        self._detect_appliance()
        token, generation = self._current_token()
        resp = self._send(method, path, params, body, token)
        if resp.status == 401 and self.conn.auth == "jwt" and _error_message(resp.body) in TOKEN_ERRORS:
            # Exactly one re-login, shared by every thread that saw the same stale token.
            token, generation = self._relogin(generation)
            resp = self._send(method, path, params, body, token)
        self._adopt_refreshed_token(resp, token, generation)
        if resp.status >= 400:
            raise http_error(resp.status, resp.body)
        if resp.body is _NOT_JSON:
            raise UnexpectedResponse(f"{method} {path} answered HTTP {resp.status} with a body that is not JSON.", resp.status)
        return resp

    # -- auth --------------------------------------------------------------------------
    def _current_token(self) -> tuple[str | None, int]:
        if self.conn.auth != "jwt":
            return None, 0
        with self._lock:
            if self._token is None:
                self._login()
            return self._token, self._generation

    def _relogin(self, stale_generation: int) -> tuple[str, int]:
        with self._lock:
            if self._generation == stale_generation or self._token is None:
                self._token = None
                self._login()
            return self._token, self._generation

    def _login(self) -> None:
        """POST login with base64 user name and passphrase (asyncos-api §1.2 B). Caller holds the lock."""
        # Stale session cookies have confused re-authentication elsewhere (asyncos-api §1.2, point 6).
        self.session.cookies.clear()
        body = {"data": {
            "userName": base64.b64encode(self.conn.username.encode()).decode(),
            "passphrase": base64.b64encode(self.conn.password.encode()).decode(),
        }}
        resp = self._send("POST", "login", None, body, None, auth=False)
        if resp.status >= 400:
            raise http_error(resp.status, resp.body)
        data = resp.body.get("data") if isinstance(resp.body, dict) else None
        token = data.get("jwtToken") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedResponse("the login answer carries no jwtToken.", resp.status)
        self.secrets.add(token)
        self._token = token
        self._generation += 1
        self.logins += 1
        self.login_info = {k: v for k, v in data.items() if k != "jwtToken"}
        log.debug("logged in as %s (role %s)", self.conn.username, data.get("role"))

    def _adopt_refreshed_token(self, resp: Response, used: str | None, generation: int) -> None:
        # Near expiry the appliance hands out a fresh token in a response header (asyncos-api §1.2, point 4).
        fresh = resp.headers.get("jwtToken") if self.conn.auth == "jwt" else None
        if fresh and fresh != used:
            self.secrets.add(fresh)
            with self._lock:
                if self._generation == generation:
                    # A new generation, so that a thread still holding the old token re-uses
                    # this one on a 401 instead of logging in again.
                    self._token = fresh
                    self._generation += 1
                    log.debug("adopted the refreshed token from the appliance")

    def ensure_login(self) -> dict | None:
        """Log in now (JWT) and return what the appliance said about the account."""
        self._detect_appliance()
        self._current_token()
        return self.login_info

    # -- appliance detection -----------------------------------------------------------
    def _detect_appliance(self) -> None:
        if self.appliance != "auto":
            return
        with self._lock:
            if self.appliance != "auto":
                return
            for candidate in ("esa", "sma"):
                try:
                    resp = self.session.get(self.url("login/privileges", appliance=candidate), timeout=self.conn.timeout,
                                            headers={"jwtToken": "probe"} if self.conn.auth == "jwt" else None)
                except requests.RequestException as exc:
                    raise self._transport_error("GET", "login/privileges", exc) from None
                # Any answer but 404 means this prefix exists (401 without a valid token is expected).
                if resp.status_code != 404:
                    self.appliance = candidate
                    log.debug("detected appliance type %s", candidate)
                    return
            raise TransportError(
                f"Neither /esa/api/{self.conn.api_version} nor /sma/api/{self.conn.api_version} answers at "
                f"{self.conn.server_url}: check server_url and api_version, or set appliance to esa or sma."
            )

    # -- the wire ----------------------------------------------------------------------
    def _send(self, method, path, params, body, token, auth=True) -> Response:
        url = self.url(path, params)
        headers = {}
        if token is not None:
            headers["jwtToken"] = token
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            with warnings.catch_warnings():
                # We warn once, our way, when verification is off (see Integration).
                warnings.simplefilter("ignore", InsecureRequestWarning)
                r = self.session.request(
                    method, url, headers=headers, json=body, timeout=self.conn.timeout,
                    auth=None if auth else _NoAuth(), allow_redirects=False,
                )
        except requests.RequestException as exc:
            raise self._transport_error(method, path, exc) from None
        log.debug("%s %s -> %s (%.3f s)", method, url, r.status_code, time.monotonic() - started)
        # JSON is UTF-8 (RFC 8259); r.text would guess the charset of megabytes byte by byte.
        text = r.content.decode(r.encoding or "utf-8", errors="replace") if r.content else ""
        if text and self.secrets.found_in(text):
            # An appliance that echoes a credential back: mask it before anything reads the body,
            # so no envelope, data or raw_data built from it can carry it.
            text = self.secrets.scrub(text)
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = _NOT_JSON
        if parsed is _NOT_JSON and r.status_code >= 400:
            parsed = None
        return Response(r.status_code, parsed, r.headers)

    def _transport_error(self, method: str, path: str, exc: Exception) -> TransportError:
        host = urlsplit(self.conn.server_url).netloc or self.conn.server_url
        write = method.upper() not in READ_METHODS
        if isinstance(exc, requests.exceptions.SSLError):
            return TransportError(
                f"TLS verification of {host} failed: {_root_cause(exc)}. Pass the appliance's CA with --ca-bundle "
                "(connection ca_bundle), or turn verification off with --no-verify-tls (verify_tls: false) if you accept the risk."
            )
        if isinstance(exc, requests.exceptions.ProxyError):
            return TransportError(f"Could not reach {host} through the proxy: check the proxy setting.")
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return TransportError(f"Timed out connecting to {host} after {self.conn.timeout:g} s: check server_url, the port and any firewall in between.")
        # After the retries are spent, requests reports a read timeout as a ConnectionError
        # wrapping MaxRetryError(ReadTimeoutError): still a timeout, not a refused connection.
        if isinstance(exc, requests.exceptions.ReadTimeout) or _caused_by(exc, ReadTimeoutError):
            if write:
                return OutcomeUnknown(
                    f"No answer from {host} within {self.conn.timeout:g} s to {method} {path}; the change may or may not have been applied: check the appliance before trying again."
                )
            return TransportError(f"No answer from {host} within {self.conn.timeout:g} s: check that the appliance is responsive, or raise timeout.")
        if isinstance(exc, requests.exceptions.ConnectionError):
            reason = _root_cause(exc)
            if write and not _never_sent(exc):
                return OutcomeUnknown(
                    f"The connection to {host} broke during {method} {path} ({reason}); the change may or may not have been applied: check the appliance before trying again."
                )
            if reason == "the appliance closed the connection without answering":
                # we did connect: server_url is right, the appliance (or a proxy) hung up on us
                return TransportError(
                    f"The connection to {host} broke before an answer came ({reason}): check that the appliance is up and responsive, then try again."
                )
            return TransportError(
                f"Could not connect to {host} ({reason}): check server_url (scheme, host and port) and that the AsyncOS API is enabled on that interface."
            )
        if isinstance(exc, requests.exceptions.InvalidURL) or isinstance(exc, requests.exceptions.MissingSchema):
            return TransportError(f"server_url {self.conn.server_url!r} is not a usable URL: give scheme, host and port, e.g. https://esa.example:6443.")
        return TransportError(f"The request to {host} failed: {_root_cause(exc)}.")


def _segment(value) -> str:
    text = quote(str(value), safe="")
    # URL normalisation would resolve a "." or ".." segment away (RFC 3986 §5.2.4): encode its dots
    return text.replace(".", "%2E") if text in (".", "..") else text


class _NoAuth(requests.auth.AuthBase):
    def __call__(self, r):
        r.headers.pop("Authorization", None)
        return r


_NOT_JSON = object()


def _error_message(body) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("message")
    return None


def _caused_by(exc: BaseException, kind: type) -> bool:
    """True when `kind` is anywhere in the chain of reasons, causes and contexts of `exc`."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or isinstance(cur, str) or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, kind):
            return True
        todo += [getattr(cur, "reason", None), cur.__cause__, cur.__context__]
        todo += [a for a in getattr(cur, "args", ()) if isinstance(a, BaseException)]
    return False


def _root_cause(exc: BaseException) -> str:
    seen = exc
    while True:
        nxt = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if nxt is None or nxt is seen or isinstance(nxt, str):
            break
        if isinstance(seen, MaxRetryError) and seen.reason is None:
            break
        seen = nxt
    text = str(seen)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "certificate verify failed (" + text.split("certificate verify failed:")[-1].strip(" )'\"") + ")" if "certificate verify failed:" in text else "certificate verify failed"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "host name not found"
    if "RemoteDisconnected" in text or "Connection aborted" in text or "without response" in text:
        return "the appliance closed the connection without answering"
    if "Connection reset" in text:
        return "connection reset"
    return text[:200]


def _never_sent(exc: BaseException) -> bool:
    """True when the request provably never left: refused connection, unknown host."""
    reason = _root_cause(exc)
    return reason in ("connection refused", "host name not found")
