"""The HTTP transport for the AsyncOS API: one requests.Session with JWT (JwtAuth) or Basic
auth, bounded retries for reads only, bodies decoded and masked, and every failure turned into
a typed CommandError through the one error table. It knows nothing of commands or envelopes."""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning, MaxRetryError
from urllib3.util.retry import Retry

from cisco_esa.asyncos.clock import ApplianceClock
from cisco_esa.asyncos.auth import JwtAuth
from cisco_esa.asyncos.body import NOT_JSON, decode_body
from cisco_esa.asyncos.detect import detect_appliance
from cisco_esa.core.outcome import (
    RETRY_READ_STATUSES,
    UnexpectedResponse,
    http_error,
    transport_error,
)
from cisco_esa.core.redaction import Secrets

log = logging.getLogger("cisco_esa.asyncos")

READ_METHODS = frozenset({"GET"})


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
        self._detect_lock = threading.Lock()
        self.login_info: dict | None = None
        self.clock = ApplianceClock()  # the appliance's time, from the Date of its answers
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
        self._jwt: JwtAuth | None = None
        if conn.auth == "jwt":
            self._jwt = JwtAuth(self._log_in, cookies=self.session.cookies, on_token=self.secrets.add)
            self.session.auth = self._jwt
        elif conn.auth == "basic":
            self.session.auth = (conn.username, conn.password)

    @property
    def logins(self) -> int:
        """How many times this transport logged in (JWT)."""
        return self._jwt.logins if self._jwt else 0

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
        resp = self._send(method, path, params, body)
        if resp.status >= 400:
            raise http_error(resp.status, resp.body)
        if resp.body is NOT_JSON:
            raise UnexpectedResponse(f"{method} {path} answered HTTP {resp.status} with a body that is not JSON.", resp.status)
        return resp

    def ensure_login(self) -> dict | None:
        """Log in now (JWT) and return what the appliance said about the account."""
        self._detect_appliance()
        if self._jwt:
            self._jwt.current()
        return self.login_info

    # -- auth --------------------------------------------------------------------------
    def _log_in(self) -> str:
        """POST login with base64 user name and passphrase (asyncos-api §1.2 B); JwtAuth calls
        it under its lock and owns the token it returns."""
        body = {"data": {
            "userName": base64.b64encode(self.conn.username.encode()).decode(),
            "passphrase": base64.b64encode(self.conn.password.encode()).decode(),
        }}
        # A login changes nothing on the appliance: a broken one is a plain failure, never
        # "outcome unknown" (it may be the re-login inside a write refused with 401).
        resp = self._send("POST", "login", None, body, auth=_NoAuth(), changes=False)
        if resp.status >= 400:
            raise http_error(resp.status, resp.body)
        data = resp.body.get("data") if isinstance(resp.body, dict) else None
        token = data.get("jwtToken") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedResponse("the login answer carries no jwtToken.", resp.status)
        self.login_info = {k: v for k, v in data.items() if k != "jwtToken"}
        log.debug("logged in as %s (role %s)", self.conn.username, data.get("role"))
        return token

    # -- appliance detection -----------------------------------------------------------
    def _detect_appliance(self) -> None:
        if self.appliance != "auto":
            return
        with self._detect_lock:
            if self.appliance == "auto":
                self.appliance = detect_appliance(self._probe, self.conn.server_url, self.conn.api_version)
                log.debug("detected appliance type %s", self.appliance)

    def _probe(self, candidate: str) -> int:
        # Never followed: a redirect would carry the request (Basic credentials included) elsewhere.
        jwt = self._jwt is not None
        with self._translated("GET", "login/privileges"):
            resp = self.session.get(self.url("login/privileges", appliance=candidate), timeout=self.conn.timeout,
                                    headers={"jwtToken": "probe"} if jwt else None,
                                    auth=_NoAuth() if jwt else None, allow_redirects=False)
        resp.close()
        return resp.status_code

    # -- the wire ----------------------------------------------------------------------
    def _send(self, method, path, params, body, *, auth=None, changes=None) -> Response:
        url = self.url(path, params)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        started = time.monotonic()
        with self._translated(method, path, changes):
            r = self.session.request(method, url, headers=headers, json=body, timeout=self.conn.timeout,
                                     auth=auth, allow_redirects=False)
        log.debug("%s %s -> %s (%.3f s)", method, url, r.status_code, time.monotonic() - started)
        self.clock.note(r.headers.get("Date"))
        return Response(r.status_code, decode_body(r.content, r.encoding, r.status_code, self.secrets), r.headers)

    @contextlib.contextmanager
    def _translated(self, method: str, path: str, changes: bool | None = None) -> Iterator[None]:
        """Run one HTTP exchange; a failure without an HTTP answer becomes the error table's
        TransportError (OutcomeUnknown for a write that may have been applied)."""
        try:
            with warnings.catch_warnings():
                # We warn once, our way, when verification is off (see Integration).
                warnings.simplefilter("ignore", InsecureRequestWarning)
                yield
        except requests.RequestException as exc:
            write = method.upper() not in READ_METHODS if changes is None else changes
            raise transport_error(
                exc, write=write, host=urlsplit(self.conn.server_url).netloc or self.conn.server_url,
                method=method, path=path, timeout=self.conn.timeout, server_url=self.conn.server_url,
            ) from None


def _segment(value) -> str:
    text = quote(str(value), safe="")
    # URL normalisation would resolve a "." or ".." segment away (RFC 3986 §5.2.4): encode its dots
    return text.replace(".", "%2E") if text in (".", "..") else text


class _NoAuth(requests.auth.AuthBase):
    def __call__(self, r):
        r.headers.pop("Authorization", None)
        return r
