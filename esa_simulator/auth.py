"""Accounts, roles and JWT-style tokens of the simulated appliance (reference §1.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time

USERS = {
    "admin": {"password": "C1sco!Admin#Sim", "role": "Administrator"},
    "operator": {"password": "C1sco!Oper#Sim", "role": "Operator"},
    "helpdesk": {"password": "C1sco!Help#Sim", "role": "HelpDeskUser"},
    "readonly": {"password": "C1sco!Read#Sim", "role": "ReadOnlyOperator"},
}

TRACKING_APIS = ["e_message_tracking_messages", "e_message_tracking_detail", "e_message_tracking_amp_details",
                 "e_message_tracking_dlp_details", "e_message_tracking_url_details",
                 "e_message_tracking_connection_details"]
READ_APIS = ["e_quarantine_messages_search", "e_quarantine_messages_details", "e_quarantine_safelist_view",
             "e_quarantine_blocklist_view", "e_reporting", "e_health"]
WRITE_APIS = ["e_quarantine_messages_release", "e_quarantine_messages_delete", "e_quarantine_safelist_modify",
              "e_quarantine_blocklist_modify"]
PRIVILEGES = {
    "Administrator": TRACKING_APIS + READ_APIS + WRITE_APIS,
    "Operator": TRACKING_APIS + READ_APIS + WRITE_APIS,
    "HelpDeskUser": list(TRACKING_APIS),
    "ReadOnlyOperator": TRACKING_APIS + READ_APIS,
}

MSG_BAD_CREDENTIALS = "Invalid username or passphrase."
MSG_EXPIRED = "ExpiredSignatureError."
MSG_INVALID = "InvalidTokenError."
MSG_NO_CREDENTIALS = "Authentication required: send HTTP Basic credentials or a jwtToken header."
MSG_FORBIDDEN = "User does not have privileges to access this resource."


class AuthError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def allowed(role: str, method: str, area: str) -> bool:
    """area: 'tracking', 'privileges', 'quarantine', 'lists', 'reporting', 'health'."""
    if role in ("Administrator", "Operator"):
        return True
    if role == "HelpDeskUser":
        return area in ("tracking", "privileges")
    if role == "ReadOnlyOperator":
        return method == "GET"
    return False


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenStore:
    """Issues HMAC-signed tokens; remembers each one so that it can be expired on demand."""

    def __init__(self, lifetime: float = 1800, refresh_window: float = 300, clock=time.time):
        self.lifetime = lifetime
        self.refresh_window = refresh_window
        self.clock = clock
        self._secret = os.urandom(32)
        self._lock = threading.Lock()
        self._tokens: dict[str, dict] = {}
        self._refreshed: dict[str, str] = {}
        self._serial = 0

    def issue(self, user: str) -> str:
        with self._lock:
            self._serial += 1
            now = self.clock()
            header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
            payload = _b64url(json.dumps({"userName": user, "iat": int(now), "exp": int(now + self.lifetime),
                                          "jti": self._serial}, separators=(",", ":")).encode())
            sig = _b64url(hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            token = f"{header}.{payload}.{sig}"
            self._tokens[token] = {"user": user, "exp": now + self.lifetime}
            return token

    def check(self, token: str) -> tuple[str, str | None]:
        """Returns (user, refreshed token or None); raises AuthError."""
        parts = token.strip().split(".")
        if len(parts) != 3:
            raise AuthError(MSG_INVALID)
        expect = _b64url(hmac.new(self._secret, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expect, parts[2]):
            raise AuthError(MSG_INVALID)
        with self._lock:
            info = self._tokens.get(token.strip())
        if info is None:
            raise AuthError(MSG_INVALID)
        remaining = info["exp"] - self.clock()
        if remaining <= 0:
            raise AuthError(MSG_EXPIRED)
        fresh = None
        if remaining <= self.refresh_window:
            # near expiry the appliance hands out a new token in a jwtToken header (§1.2 B.4)
            with self._lock:
                fresh = self._refreshed.get(token)
            if fresh is None:
                fresh = self.issue(info["user"])
                with self._lock:
                    self._refreshed[token] = fresh
        return info["user"], fresh

    def expire_all(self) -> None:
        with self._lock:
            for info in self._tokens.values():
                info["exp"] = 0
            self._refreshed.clear()

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._refreshed.clear()
            self._secret = os.urandom(32)


def check_basic(header_value: str) -> str:
    """Returns the user name for a valid `Basic` header; raises AuthError."""
    try:
        raw = base64.b64decode(header_value.split(None, 1)[1].strip(), validate=True).decode("utf-8")
        user, _, password = raw.partition(":")
    except Exception:
        raise AuthError(MSG_BAD_CREDENTIALS) from None
    if check_password(user, password):
        return user
    raise AuthError(MSG_BAD_CREDENTIALS)


def check_password(user: str, password: str) -> bool:
    info = USERS.get(user)
    return info is not None and hmac.compare_digest(info["password"].encode(), password.encode())
