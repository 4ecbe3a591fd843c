"""Appliance detection for `appliance: auto`: which of /esa/api and /sma/api answers."""

from __future__ import annotations

from typing import Callable

from cisco_esa.core.outcome import TransportError

CANDIDATES = ("esa", "sma")


def detect_appliance(status_of: Callable[[str], int], server_url: str, api_version: str) -> str:
    """The first candidate prefix whose `login/privileges` probe (`status_of`, sent without
    following redirects) answers anything but 404 or a redirect. Without a valid token a
    401 is the expected answer; a redirect proves nothing, since the API never sends one
    (a web portal or the UI may)."""
    for candidate in CANDIDATES:
        status = status_of(candidate)
        if status != 404 and not 300 <= status < 400:
            return candidate
    raise TransportError(
        f"Neither /esa/api/{api_version} nor /sma/api/{api_version} answers at {server_url}: check server_url "
        "and api_version, or set appliance to esa or sma."
    )
