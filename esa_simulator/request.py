"""What a route receives and how it refuses: the parsed request, the appliance's error
body (§1.5) and the readers that validate query parameters the way the appliance does."""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler

RESPONSES = BaseHTTPRequestHandler.responses
MISSING_DATES = "Missing attribute - startDate or endDate."
TRACKING_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):00\.000Z$")
TRACKING_DATE_SHAPE = "YYYY-MM-DDThh:mm:00.000Z"
# whole hours; Splunk 3.x's "+00:00" form also works (§1.3), and "+" may arrive decoded as a space
REPORT_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):00(?::00\.000Z|[+ ]00:00)$")
REPORT_DATE_SHAPE = "YYYY-MM-DDThh:00:00.000Z (whole hours)"


class ApiError(Exception):
    """An answer other than 200, raised anywhere below the dispatcher."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(status: int, message: str) -> dict:
    # explanation is "<code> = <http.server long description>." (§1.5)
    long = RESPONSES.get(status, ("", "Unknown error"))[1]
    return {"error": {"message": message, "code": str(status), "explanation": f"{status} = {long}."}}


@dataclass
class Request:
    """One authenticated API call as a route sees it."""

    sim: object  # the Simulator: world, appliance, tokens, old_format
    method: str
    sub: str  # the decoded path after /<appliance>/api/v2.0/
    segments: list  # the same path split before decoding, so an encoded "/" stays in its segment
    qs: dict  # parse_qs output: name -> [values]
    body: bytes
    role: str | None = None

    @property
    def world(self):
        return self.sim.world

    @property
    def sma(self) -> bool:
        return self.sim.appliance == "sma"

    def first(self, name: str):
        return first(self.qs, name)


def first(qs: dict, name: str):
    values = qs.get(name)
    return values[0] if values else None


def window(qs: dict, pattern: re.Pattern, shape: str) -> tuple[int, int]:
    """(startDate, endDate) as epoch seconds, validated like the appliance."""
    start_raw, end_raw = first(qs, "startDate"), first(qs, "endDate")
    if not start_raw or not end_raw:
        # a 404, not a 400, on the real appliance (§1.5)
        raise ApiError(404, MISSING_DATES)
    bounds = []
    for name, raw in (("startDate", start_raw), ("endDate", end_raw)):
        m = pattern.match(raw)
        if not m:
            raise ApiError(400, f"Invalid {name} '{raw}': expected {shape}.")
        y, mo, d, h = (int(x) for x in m.groups()[:4])
        mi = int(m.group(5)) if pattern is TRACKING_DATE else 0
        try:
            datetime(y, mo, d, h, mi)
        except ValueError:
            raise ApiError(400, f"Invalid {name} '{raw}': not a calendar date.") from None
        bounds.append(calendar.timegm((y, mo, d, h, mi, 0)))
    if bounds[0] > bounds[1]:
        raise ApiError(400, "Invalid dates: startDate is after endDate.")
    return bounds[0], bounds[1]


def int_param(qs, name, default, minimum=None, maximum=None):
    raw = first(qs, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name} '{raw}': expected an integer.") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        rng = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise ApiError(400, f"Invalid {name} '{raw}': must be in {rng}.")
    return value


def required_int(qs, name):
    """An integer attribute the call cannot go without (mid, attachmentId): 400 when absent or not one."""
    if not first(qs, name):
        raise ApiError(400, f"Missing attribute - {name}.")
    return int_param(qs, name, None)


def choice(qs, name, allowed, default):
    raw = first(qs, name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise ApiError(400, f"Invalid {name} '{raw}'. Use one of: {', '.join(allowed)}.")
    return raw


def json_body(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "Invalid request body: expected a JSON object.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid request body: expected a JSON object.")
    return data


def address_list(data: dict, key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ApiError(400, f"Missing or invalid attribute - {key} (a non-empty array of addresses or domains).")
    return [v.strip() for v in value]
