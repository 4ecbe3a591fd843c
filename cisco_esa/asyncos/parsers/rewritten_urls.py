"""Links rewritten by the gateway (`https://secure-web.cisco.com/<token>/<original URL, percent-encoded>`,
asyncos-api-extension §17) -> the original URL. Pure and offline: the token cannot be decoded, and
no request is ever made."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

REWRITE_HOST = "secure-web.cisco.com"
# a link forwarded through two gateways is rewritten twice; past this it is more likely a loop
MAX_ROUNDS = 5
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SOFT_BREAK = re.compile(r"=\r?\n")


class NotDecodable(ValueError):
    """The reason a link cannot be decoded, in words for the analyst."""


def is_rewritten(url) -> bool:
    if not isinstance(url, str):
        return False
    text = url.strip()
    try:
        host = urlsplit(text if _SCHEME.match(text) else "https://" + text).hostname
    except ValueError:
        return False
    return (host or "").lower() == REWRITE_HOST


def _once(text: str) -> tuple[str, str]:
    """(decoded URL, token) of one rewrite."""
    try:
        parts = urlsplit(text if _SCHEME.match(text) else "https://" + text)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise NotDecodable(f"not a URL ({exc})") from None
    if host != REWRITE_HOST:
        raise NotDecodable(f"not a Cisco-rewritten link (the host is {host or 'missing'}, not {REWRITE_HOST})")
    # the path still holds the encoded original: drop the empty head and the one token segment (§17.3)
    segments = parts.path.split("/")[1:]
    if len(segments) < 2 or not segments[0] or not "/".join(segments[1:]):
        raise NotDecodable("nothing follows the token: the link holds no original URL")
    encoded = "/".join(segments[1:])
    # a literal query string or fragment belongs to the original URL (the §17.1 edge case)
    if parts.query:
        encoded += "?" + parts.query
    if parts.fragment:
        encoded += "#" + parts.fragment
    decoded = unquote(encoded)  # once, and '+' stays '+' (not unquote_plus)
    if not re.match(r"^https?://", decoded, re.I):
        raise NotDecodable(f"the part after the token does not decode to an http(s) URL ({decoded[:80]!r})")
    return decoded, segments[0]


def decode(url) -> dict:
    """`{url, decoded_url, token, rounds}`; NotDecodable with the reason otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise NotDecodable("empty link")
    # links copied from a quoted-printable body carry soft line breaks (§17.1)
    text = _SOFT_BREAK.sub("", url.strip())
    decoded, token = _once(text)
    rounds = 1
    while is_rewritten(decoded):
        if rounds >= MAX_ROUNDS:
            raise NotDecodable(f"rewritten more than {MAX_ROUNDS} times over")
        decoded, _ = _once(decoded)
        rounds += 1
    return {"url": url, "decoded_url": decoded, "token": token, "rounds": rounds}


def decoded_or_none(url) -> str | None:
    """The original of a rewritten link, None when it is not one (or cannot be decoded)."""
    if not is_rewritten(url):
        return None
    try:
        return decode(url)["decoded_url"]
    except NotDecodable:
        return None
