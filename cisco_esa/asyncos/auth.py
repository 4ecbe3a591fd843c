"""The AsyncOS JWT state as a requests auth: one login shared by every thread, the appliance's
refreshed token adopted, and exactly one re-login when the token is refused."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from http.cookiejar import CookieJar
from typing import Callable

import requests

log = logging.getLogger("cisco_esa.asyncos")

# 401 messages after which one fresh login is worth trying (asyncos-api §1.2, point 5).
TOKEN_ERRORS = ("ExpiredSignatureError.", "InvalidTokenError.")
_HEADER_SAFE = re.compile(r"[!-~]+")  # visible ASCII: what a token sent as a header value may hold


def usable_token(token) -> bool:
    """Can `token` go in a header as is? A token with a space or a control character would make
    requests raise an error quoting it; such a token is refused, never sent nor printed."""
    return isinstance(token, str) and _HEADER_SAFE.fullmatch(token) is not None


class JwtAuth(requests.auth.AuthBase):
    """Puts the `jwtToken` header on every request, logging in first when there is no token.

    A response hook does the rest, as requests' own digest auth does:
    - a `jwtToken` response header (the appliance's refresh near expiry, asyncos-api §1.2
      point 4) replaces the token for the next requests;
    - a 401 `ExpiredSignatureError.` / `InvalidTokenError.` triggers exactly one re-login,
      and the request is sent once more with the new token. This holds for writes too: the
      appliance refused that request before doing anything, so sending it again cannot apply
      a change twice (contract §3a). The second answer is final, whatever it is.

    Every token change bumps a generation: a thread whose request was refused with a token
    that another thread has already replaced re-uses the new token instead of logging in
    again, so N threads with one stale token make one login, not N.

    `login` performs the login request and returns the token (raising the caller's error when
    it fails); `cookies` is the session's jar, cleared before each login because stale session
    cookies confuse re-authentication (asyncos-api §1.2, point 6); `on_token` sees every
    token this auth takes on (the transport masks them)."""

    def __init__(self, login: Callable[[], str], cookies: CookieJar | None = None,
                 on_token: Callable[[str], None] = lambda token: None):
        self._login = login
        self._cookies = cookies
        self._on_token = on_token
        self._lock = threading.Lock()
        self._token: str | None = None
        self._generation = 0
        self.logins = 0

    # -- the token state ---------------------------------------------------------------
    def current(self) -> tuple[str, int]:
        """The token to use and its generation, logging in when there is none yet."""
        token, generation, _ = self._take()
        return token, generation

    def _take(self) -> tuple[str, int, bool]:
        with self._lock:
            logged_in = self._token is None
            if logged_in:
                self._log_in()
            return self._token, self._generation, logged_in

    def relogin(self, stale_generation: int) -> tuple[str, int]:
        """A fresh token after `stale_generation`'s was refused: a new login, unless another
        thread has already replaced that token."""
        with self._lock:
            if self._generation == stale_generation or self._token is None:
                self._token = None
                self._log_in()
            return self._token, self._generation

    def adopt(self, fresh: str, used: str, generation: int) -> None:
        """Take on a token the appliance handed out in an answer to a request sent with `used`."""
        if not fresh or fresh == used:
            return
        self._on_token(fresh)
        if not usable_token(fresh):
            log.debug("ignored a refreshed token that no header may carry")
            return
        with self._lock:
            # Only over the token that request used: a later login must not be undone by an
            # answer that was already on its way.
            if self._generation == generation:
                self._token = fresh
                self._generation += 1
                log.debug("adopted the refreshed token from the appliance")

    def _log_in(self) -> None:  # the caller holds the lock
        if self._cookies is not None:
            self._cookies.clear()
        token = self._login()
        self._on_token(token)
        self._token = token
        self._generation += 1
        self.logins += 1

    # -- requests' auth protocol -------------------------------------------------------
    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token, generation, logged_in = self._take()
        r.headers["jwtToken"] = token
        if logged_in:
            self._recook(r)
        r.register_hook("response", functools.partial(self._on_response, generation=generation))
        return r

    def _on_response(self, resp: requests.Response, *, generation: int, **send_kwargs) -> requests.Response:
        used = resp.request.headers.get("jwtToken")
        if resp.status_code == 401 and _error_message(resp.content) in TOKEN_ERRORS:
            token, generation = self.relogin(generation)
            resp.close()
            again = resp.request.copy()
            again.headers["jwtToken"] = token
            self._recook(again)
            # Sent by the adapter, not the session: this hook does not run on the second answer.
            retried = resp.connection.send(again, **send_kwargs)
            retried.history.append(resp)
            retried.request = again
            resp, used = retried, token
        self.adopt(resp.headers.get("jwtToken"), used, generation)
        return resp

    def _recook(self, r: requests.PreparedRequest) -> None:
        """After a login the request carries the cookies the login cleared: take the jar's."""
        if self._cookies is not None:
            r.headers.pop("Cookie", None)
            r.prepare_cookies(self._cookies)


def _error_message(content: bytes) -> str | None:
    try:
        body = json.loads(content) if content else None
    except (ValueError, RecursionError):
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("message")
    return None
