"""The HTTP transport for the AsyncOS API: one requests.Session with JWT (JwtAuth) or Basic
auth over the bounded adapter (whole-request deadline, size cap, reads only retried), bodies
decoded and masked, and every failure turned into a typed CommandError through the one error
table, with advice on the common set-up mistakes. It knows nothing of commands or envelopes."""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import ssl
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.hooks import default_hooks
from requests.utils import should_bypass_proxies
from urllib3.exceptions import InsecureRequestWarning

from cisco_esa.asyncos.auth import JwtAuth, usable_token
from cisco_esa.asyncos.clock import ApplianceClock
from cisco_esa.asyncos.body import NOT_JSON, decode_body
from cisco_esa.asyncos.detect import detect_appliance
from cisco_esa.asyncos.wire import MAX_ANSWER, READ_METHODS, BoundedAdapter, ReadRetry
from cisco_esa.core.outcome import (
    RETRY_READ_STATUSES,
    InputError,
    UnexpectedResponse,
    http_error,
    transport_error,
)
from cisco_esa.core.redaction import Secrets, escape_controls

log = logging.getLogger("cisco_esa.asyncos")

__all__ = ["Connection", "ReadRetry", "Response", "Transport", "READ_METHODS"]

# nginx's words (the appliance's web server) for a plain HTTP request on its HTTPS port.
_PLAIN_ON_HTTPS = b"plain http request was sent to https port"
_API_PATH = re.compile(r"/(esa|sma)/api(/|$)", re.I)


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
    use_system_proxy: bool = False

    def __repr__(self) -> str:  # never print the password, even by accident
        return f"Connection(server_url={self.server_url!r}, username={self.username!r}, appliance={self.appliance!r}, auth={self.auth!r})"


@dataclass
class Response:
    status: int
    body: Any
    headers: dict
    plain_on_https: bool = False  # the web server said a plain HTTP request reached its HTTPS port


class Transport:
    """Thread-safe: one login is shared by every thread of the same Transport."""

    def __init__(self, conn: Connection, secrets: Secrets | None = None):
        """Checks what can be checked before any request (server_url's path, the CA bundle):
        InputError (400) naming the connection parameter otherwise."""
        self.conn = conn
        self.secrets = secrets or Secrets()
        self.secrets.add_basic(conn.username, conn.password)
        _check_server_url(conn)
        _check_ca_bundle(conn)
        self.appliance = conn.appliance
        self._detect_lock = threading.Lock()
        self._answered = False  # no HTTP answer yet: a hang-up may be a scheme mismatch
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
        adapter = BoundedAdapter(max_retries=retry, pool_connections=4, pool_maxsize=16)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "cisco-esa-soar/0.1"})
        self.session.verify = conn.ca_bundle if (conn.verify_tls and conn.ca_bundle) else conn.verify_tls
        # Nothing of the environment is read by requests (CA bundle variables, .netrc); proxies
        # from it only with use_system_proxy, read by system_proxy().
        self.session.trust_env = False
        proxy = conn.proxy or (system_proxy(conn.server_url) if conn.use_system_proxy else None)
        if proxy:
            self.secrets.add(proxy)
            self.secrets.add(urlsplit(proxy).password)
            self.session.proxies = {"http": proxy, "https": proxy}
        self._jwt: JwtAuth | None = None
        if conn.auth == "jwt":
            self._jwt = JwtAuth(self._log_in, cookies=self.session.cookies, on_token=self.secrets.add)
            self.session.auth = self._jwt
        elif conn.auth == "basic":
            self.session.auth = (conn.username, conn.password)
        # The session's settings merged once (its headers: no auth, and no cookies, the session having none
        # yet; each request takes both as they are when it is sent): see _prepare. Its URL is a stand-in
        # every request replaces, so that a server_url no request can use fails where requests fail, as a
        # TransportError.
        self._template = self.session.prepare_request(requests.Request("GET", "https://template.invalid/",
                                                                       auth=_NoAuth()))

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
        self._raise_for(resp, method, path)
        if resp.body is NOT_JSON:
            raise UnexpectedResponse(f"{method} {path} answered HTTP {resp.status} with a body that is not JSON.", resp.status)
        return resp

    def _raise_for(self, resp: Response, method: str, path: str) -> None:
        """A redirect (never followed) or an error status -> ApplianceError with the appliance's
        words, then what to change when the answer shows a common set-up mistake."""
        if 300 <= resp.status < 400:
            location = resp.headers.get("Location")
            raise http_error(resp.status, resp.body, location=escape_controls(location)[:300] if location else None)
        if resp.status >= 400:
            raise http_error(resp.status, resp.body, hint=self._advice(resp, method, path))

    def _advice(self, resp: Response, method: str, path: str) -> str | None:
        if resp.status == 400 and resp.plain_on_https:
            return "server_url says http:// but this port speaks HTTPS: use https:// (or the appliance's HTTP port)."
        if resp.status == 403:
            return (f"The account's role may not call {method} {path}: give the user a role that allows it on the "
                    "appliance (login/privileges lists what it may call).")
        # A login answered 404 "not found": nothing lives under this prefix (basic auth has no
        # login, so its first 404 could as well be about the request: no guess there).
        if resp.status == 404 and path == "login" and self.conn.appliance in ("esa", "sma") \
                and _generic_not_found(resp.body):
            other = "sma" if self.conn.appliance == "esa" else "esa"
            return (f"Nothing answers under /{self.conn.appliance}/api/{self.conn.api_version} here: if this "
                    f"appliance is an {other.upper()}, set appliance to {other} (or auto); else check server_url "
                    "and api_version.")
        return None

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
        resp = self._send("POST", "login", None, body, auth=_NoAuth(), changes=False, mask=False)
        # The answer is read unmasked: it holds the token we are about to use, which may be one
        # the appliance issued before (and we mask). Everything else of it is masked below.
        self._raise_for(resp, "POST", "login")
        data = resp.body.get("data") if isinstance(resp.body, dict) else None
        token = data.get("jwtToken") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedResponse("the login answer carries no jwtToken.", resp.status)
        self.secrets.add(token)
        if not usable_token(token):
            raise UnexpectedResponse("the login answer's jwtToken holds characters no HTTP header may carry "
                                     "(spaces or control characters); it was not used.", resp.status)
        self.login_info = self.secrets.scrub_obj({k: v for k, v in data.items() if k != "jwtToken"})
        log.debug("logged in as %s (role %s)", self.conn.username, self.login_info.get("role"))
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
        self._answered = True
        return resp.status_code

    # -- the wire ----------------------------------------------------------------------
    def _send(self, method, path, params, body, *, auth=None, changes=None, mask=True) -> Response:
        url = self.url(path, params)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        started = time.monotonic()
        with self._translated(method, path, changes):
            r = self.session.send(self._prepare(method, url, headers, body, auth), timeout=self.conn.timeout,
                                  allow_redirects=False)
        self._answered = True
        log.debug("%s %s -> %s (%.3f s)", method, url, r.status_code, time.monotonic() - started)
        self.clock.note(r.headers.get("Date"))
        content = r.content
        plain = r.status_code == 400 and _PLAIN_ON_HTTPS in content[:4096].lower()
        decoded = decode_body(content, r.encoding, r.status_code, self.secrets if mask else None)
        return Response(r.status_code, decoded, r.headers, plain_on_https=plain)

    def _prepare(self, method: str, url: str, headers: dict, body: Any, auth) -> requests.PreparedRequest:
        """The request Session.request would send for these arguments, made from the template: a copy
        given its method, URL, headers, the session's cookies, its JSON body and its auth (the request's,
        else the session's), by PreparedRequest's own steps in prepare()'s order, auth last. What it
        saves is Session.prepare_request merging every setting of the session again: in requests 2.34, a
        quarter of the client CPU of a one-row page (1,118 µs against 848 µs for the prepared copy)."""
        p = self._template.copy()
        p.hooks = default_hooks()  # copy() shares the template's hook lists; auth adds its own
        p.prepare_method(method)
        p.prepare_url(url, None)
        p.headers.update(headers)
        p.prepare_cookies(self.session.cookies)
        p.prepare_body(None, None, body)
        p.prepare_auth(auth if auth is not None else self.session.auth, url)
        return p

    @contextlib.contextmanager
    def _translated(self, method: str, path: str, changes: bool | None = None) -> Iterator[None]:
        """Run one HTTP exchange; a failure without a usable HTTP answer becomes the error table's
        TransportError (OutcomeUnknown for a write that may have been applied)."""
        try:
            if self.conn.verify_tls:
                yield  # urllib3 warns only of unverified HTTPS: no filters to swap on every request
            else:
                with warnings.catch_warnings():
                    # We warn once, our way, when verification is off (see Integration).
                    warnings.simplefilter("ignore", InsecureRequestWarning)
                    yield
        except requests.RequestException as exc:
            write = method.upper() not in READ_METHODS if changes is None else changes
            raise transport_error(
                exc, write=write, host=urlsplit(self.conn.server_url).netloc or self.conn.server_url,
                method=method, path=path, timeout=self.conn.timeout, server_url=self.conn.server_url,
                limit=f"{MAX_ANSWER // (1024 * 1024)} MiB", first_contact=not self._answered,
            ) from None


def system_proxy(server_url: str) -> str | None:
    """The proxy the environment names for server_url: HTTPS_PROXY or HTTP_PROXY by its scheme,
    unless NO_PROXY covers its host (lower-case spellings too, as curl reads them)."""
    def env(name: str) -> str | None:
        return os.environ.get(name) or os.environ.get(name.lower()) or None

    scheme = urlsplit(server_url).scheme.lower()
    proxy = env("HTTPS_PROXY") if scheme == "https" else env("HTTP_PROXY")
    if not proxy:
        return None
    no_proxy = env("NO_PROXY")
    if no_proxy and should_bypass_proxies(server_url, no_proxy=no_proxy):
        return None
    return proxy


def _check_server_url(conn: Connection) -> None:
    path = urlsplit(conn.server_url).path
    found = _API_PATH.search(path)
    if found:
        base = conn.server_url[: len(conn.server_url) - len(path) + found.start()]
        raise InputError([f"server_url must not hold the API path ({path}): the client adds /{found.group(1).lower()}"
                          f"/api/{conn.api_version} itself; give scheme, host and port only, e.g. {base}"])


def _check_ca_bundle(conn: Connection) -> None:
    """A CA bundle that cannot be used is said before any request, naming ca_bundle."""
    path = conn.ca_bundle
    if not path or not conn.verify_tls:
        return
    try:
        if os.path.isdir(path):
            ssl.create_default_context(capath=path)
        else:
            ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise InputError([f"ca_bundle {path!r}: no such file"]) from None
    except PermissionError:
        raise InputError([f"ca_bundle {path!r}: the file cannot be read (permission denied)"]) from None
    except ssl.SSLError as exc:
        raise InputError([f"ca_bundle {path!r} holds no usable PEM certificate ({exc.reason or 'not PEM'})"]) from None
    except OSError as exc:
        raise InputError([f"ca_bundle {path!r} cannot be read ({exc.strerror or type(exc).__name__})"]) from None


def _generic_not_found(body: Any) -> bool:
    """A 404 that says nothing but "not found": the path itself is unknown, not an id."""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return not isinstance(message, str) or message.strip().rstrip(".").lower() in ("resource not found", "not found", "")


def _segment(value) -> str:
    text = quote(str(value), safe="")
    # URL normalisation would resolve a "." or ".." segment away (RFC 3986 §5.2.4): encode its dots
    return text.replace(".", "%2E") if text in (".", "..") else text


class _NoAuth(requests.auth.AuthBase):
    def __call__(self, r):
        r.headers.pop("Authorization", None)
        return r
