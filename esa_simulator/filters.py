"""Search filters as tables: which query parameter reads which record field, compared how.

Tracking filters (reference §2.1) compile to one `Predicate`, whose `key` names the filter
so that the world can keep a filtered window between the pages of one search."""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

from .request import ApiError, first

TRACKING_OPERATORS = ("is", "begins_with", "contains")
QUARANTINE_OPERATORS = ("contains", "is", "begins_with", "ends_with", "does_not_contain")
BOOLEAN_FILTERS = ("spamPositive", "quarantinedAsSpam", "suspectSpam", "virusPositive", "containedMaliciousUrls",
                   "containedNeutralUrls", "graymail", "message_delivered", "hardBounced", "softBounced",
                   "inOutbreakQuarantine", "daneFailure", "safeprintExt")


# ---------------------------------------------------------------- string operators
def string_op(op: str, value: str, param: str, allowed) -> Callable[[list], bool]:
    """A test over a record's candidate strings (true when any candidate matches)."""
    if op not in allowed:
        raise ApiError(400, f"Invalid {param} '{op}'. Use one of: {', '.join(allowed)}.")
    v = value.lower()
    if op == "does_not_contain":  # true when no candidate contains it
        return lambda cands: not any(v in s.lower() for s in cands)
    test = _STRING_TESTS[op]
    return lambda cands: any(test(s.lower(), v) for s in cands)


_STRING_TESTS = {
    "is": lambda s, v: s == v,
    "begins_with": str.startswith,
    "ends_with": str.endswith,
    "contains": lambda s, v: v in s,
}


# ---------------------------------------------------------------- comparisons
# Each takes the parameter's value (and its operator, for text filters) and returns a test
# of the field's value, or None when the parameter asks for nothing.
def _csv(value: str) -> set[str]:
    return {p.strip().lower() for p in value.split(",") if p.strip()}


def _text(value, op, param):
    return string_op(op or "is", value, param, TRACKING_OPERATORS)


def _equals(value, op, param):
    return lambda field: field == value


def _equals_lower(value, op, param):
    v = value.lower()
    return lambda field: field == v


def _any_equals_lower(value, op, param):
    v = value.lower()
    return lambda fields: any(f == v for f in fields)


def _message_id(value, op, param):
    want = value.strip().strip("<>").lower()
    return lambda field: field.strip("<>").lower() == want


def _holds_int(value, op, param):
    try:
        wanted = int(value)
    except ValueError:
        raise ApiError(400, f"Invalid {param} '{value}': expected an integer.") from None
    return lambda fields: wanted in fields


def _one_of(value, op, param):
    wanted = _csv(value)
    return lambda field: field in wanted


def _one_of_upper(value, op, param):
    wanted = {s.upper() for s in _csv(value)}
    return lambda field: field in wanted


def _any_of(value, op, param):
    wanted = _csv(value)
    return lambda fields: any(f in wanted for f in fields)


def _any_of_upper(value, op, param):
    wanted = {s.upper() for s in _csv(value)}
    return lambda fields: any(f in wanted for f in fields)


def _is_true(value, op, param):
    # only True is meaningful (§2.1): false asks for nothing
    return (lambda field: bool(field)) if value.lower() == "true" else None


def _contains_lower(value, op, param):
    v = value.lower()
    return lambda field: v in field


def _policy_direction(value, op, param):
    d = {"inbound": "incoming", "outbound": "outgoing"}.get(value.lower(), value.lower())
    return lambda field: field == d


def _host(value, op, param):
    if value == "All_Hosts":
        return None
    h = value.lower()
    return lambda names: h in names


class TrackingFilter(NamedTuple):
    param: str
    field: Callable[[dict], object]
    compare: Callable
    operator: str | None = None  # the parameter naming a text filter's operator
    requires: str | None = None  # applies only when this other filter is given
    always: bool = False  # read even when empty (the boolean flags: only "true" counts)


# lower-case "f" in "filterOperator" is the real spelling (§2.1); the order is the order
# in which a bad value is reported
TRACKING_FILTERS = (
    TrackingFilter("envelopeSenderfilterValue", lambda r: [r["sender"]], _text, "envelopeSenderfilterOperator"),
    TrackingFilter("envelopeRecipientfilterValue", lambda r: r["recipient"], _text, "envelopeRecipientfilterOperator"),
    TrackingFilter("subjectfilterValue", lambda r: [r["subject"], r["finalSubject"]], _text, "subjectfilterOperator"),
    TrackingFilter("attachmentNameValue", lambda r: [a["name"] for a in r["attachments"]], _text,
                   "attachmentNameOperator"),
    TrackingFilter("domainNameValue", lambda r: [r["senderDomain"]], _text, "domainNameOperator"),
    TrackingFilter("replyToValue", lambda r: [r["replyTo"]], _text, "replyToOperator"),
    TrackingFilter("fileSha256", lambda r: [a["sha256"] for a in r["attachments"]], _any_equals_lower),
    TrackingFilter("senderIp", lambda r: r["senderIp"], _equals),
    TrackingFilter("messageIdHeader", lambda r: r["messageIdHeader"], _message_id),
    TrackingFilter("ciscoMid", lambda r: r["mid"], _holds_int),
    TrackingFilter("deliveryStatus", lambda r: r["deliveryStatus"] or "", _one_of_upper),
    *(TrackingFilter(flag, lambda r, flag=flag: r.get(flag), _is_true, always=True) for flag in BOOLEAN_FILTERS),
    TrackingFilter("messageDirection", lambda r: r["direction"], _equals_lower),
    TrackingFilter("advancedMalwareProtection", lambda r: r["advancedMalwareProtection"] or "", _one_of),
    TrackingFilter("advancedMalwareProtectionMailflowDirection", lambda r: r["direction"], _equals_lower,
                   requires="advancedMalwareProtection"),
    TrackingFilter("mailPolicyName", lambda r: [p.lower() for p in r["mailPolicy"]], _any_of),
    TrackingFilter("mailPolicyDirection", lambda r: r["direction"], _policy_direction, requires="mailPolicyName"),
    TrackingFilter("quarantineStatus", lambda r: r["quarantineStatus"], _any_of_upper),
    TrackingFilter("urlReputation", lambda r: (r["urlReputation"] or "").lower(), _one_of),
    TrackingFilter("dlpViolationsSeverities", lambda r: r["dlp"]["violationSeverity"].lower() if r["dlp"] else None,
                   _one_of),
    TrackingFilter("dlpAction", lambda r: r["dlp"]["dlpAction"] if r["dlp"] else None, _one_of),
    TrackingFilter("threatName", lambda r: (r.get("threatName") or "").lower(), _contains_lower),
    # a host is named by its serial number, its host name or the first label of it
    TrackingFilter("ciscoHost", lambda r: (r["serialNumber"].lower(), r["hostName"].lower(),
                                           r["hostName"].split(".")[0].lower()), _host),
)


class Predicate:
    """All the given filters at once; `key` identifies them (equal keys, equal predicates)."""

    __slots__ = ("tests", "key")

    def __init__(self, tests: list, key: tuple):
        self.tests = tests
        self.key = key

    def __call__(self, rec: dict) -> bool:
        return all(test(field(rec)) for field, test in self.tests)


def tracking_predicate(qs: dict) -> Predicate | None:
    """The tracking search's filters from its query, or None when it has none."""
    tests, key = [], []
    for f in TRACKING_FILTERS:
        value = first(qs, f.param)
        if value is None or (not value and not f.always):
            continue
        if f.requires is not None and not first(qs, f.requires):
            continue
        op = first(qs, f.operator) if f.operator else None
        test = f.compare(value, op, f.operator or f.param)
        if test is not None:
            tests.append((f.field, test))
            key.append((f.param, value, op))
    return Predicate(tests, tuple(key)) if tests else None


# ---------------------------------------------------------------- spam quarantine (§5.1)
def _bare(addr: str) -> str:
    m = re.search(r"<([^>]*)>", addr)
    return m.group(1) if m else addr


def _q_from(q):
    return q["fromAddress"] + [_bare(a) for a in q["fromAddress"]]


def _q_to(q):
    parts = [p.strip() for a in q["toAddress"] for p in a.split(",")]
    return q["toAddress"] + parts + [_bare(p) for p in parts] + q["envelopeRecipient"]


# filterBy -> the candidate strings of a record
QUARANTINE_FILTER_FIELDS = {"from_address": _q_from, "fromAddress": _q_from, "to_address": _q_to,
                            "toAddress": _q_to, "subject": lambda q: [q["subject"]]}
# orderBy -> the sort key of a record
QUARANTINE_ORDERS = {
    "date": lambda q: (q["_ts"], q["mid"]),
    "from_address": lambda q: _bare(q["fromAddress"][0]).lower(),
    "fromAddress": lambda q: _bare(q["fromAddress"][0]).lower(),
    "to_address": lambda q: q["envelopeRecipient"][0].lower(),
    "toAddress": lambda q: q["envelopeRecipient"][0].lower(),
    "subject": lambda q: q["subject"].lower(),
    "size": lambda q: q["size"],
}
# capital F is the real spelling here (§5.1); the lower-case variant is accepted too
QUARANTINE_RECIPIENT_FILTERS = (("envelopeRecipientFilterOperator", "envelopeRecipientFilterValue"),
                                ("envelopeRecipientfilterOperator", "envelopeRecipientfilterValue"))


def quarantine_predicate(qs: dict) -> Predicate | None:
    tests, key = [], []
    fvalue = first(qs, "filterValue")
    if fvalue:
        fby = first(qs, "filterBy")
        if not fby:
            raise ApiError(400, "Missing attribute - filterBy (required with filterValue).")
        field = QUARANTINE_FILTER_FIELDS.get(fby)
        if field is None:
            raise ApiError(400, f"Invalid filterBy '{fby}'. Use one of: from_address, to_address, subject.")
        op = first(qs, "filterOperator")
        tests.append((field, string_op(op or "contains", fvalue, "filterOperator", QUARANTINE_OPERATORS)))
        key.append((fby, fvalue, op))
    for op_name, val_name in QUARANTINE_RECIPIENT_FILTERS:
        rvalue = first(qs, val_name)
        if rvalue:
            op = first(qs, op_name)
            tests.append((lambda q: q["envelopeRecipient"],
                          string_op(op or "contains", rvalue, op_name, QUARANTINE_OPERATORS)))
            key.append((val_name, rvalue, op))
    return Predicate(tests, tuple(key)) if tests else None
