"""The simulated PVO quarantines (asyncos-api-extension §14): messages held in one or several of the
Policy, Virus, Outbreak, File Analysis, Unclassified and custom quarantines, with their parts and
attachment bytes, and the search, details, actions and attachment download that serve them.

Where the sources leave a choice open this follows the stricter reading (ext §19): `quarantines` is
required, spam-only parameters are refused, pages hold at most 100 rows, `quarantineName` names one
quarantine, and an action counts only the MIDs that were in the quarantine it names.

World helpers for tests: ``world.pvo.messages`` (mid -> record), ``world.pvo.record(mid)``,
``world.pvo.pick(quarantine=None, attachments=None)``, ``world.pvo.add(**attrs)`` and
``world.pvo.copies`` (every send-copy made)."""

from __future__ import annotations

import base64
import hashlib
import random
from urllib.parse import quote

from .request import ApiError, first, required_int

SYSTEM = ("Outbreak", "Virus", "File Analysis", "Unclassified", "Policy")
CUSTOM = ("HR Review", "Macro Hold")
# days a message stays before its scheduled exit, per quarantine (simulator's choice)
RETENTION_DAYS = {"Outbreak": 2, "Virus": 30, "File Analysis": 1, "Unclassified": 30, "Policy": 14,
                  "HR Review": 14, "Macro Hold": 7}
OPERATORS = ("contains", "starts_with", "ends_with", "matches_exactly", "does_not_contain",
             "does_not_start_with", "does_not_end_with", "does_not_match")
ORDER_BY = ("received", "sender", "subject", "scheduledExit", "size")
SPAM_ONLY = ("filterBy", "filterOperator", "filterValue", "envelopeRecipientFilterOperator")
SIZE_FILTERS = ("range", "less_than", "more_than")
PAGE_MAX = 100
BODY_PART = "[message body]"
DAY = 86400


def _kb(size: int) -> str:
    return f"{size / 1024:.2f}K"


def _payload(name: str, mid: int, rng: random.Random) -> bytes:
    """Deterministic attachment bytes: text that says what it is, padded to a plausible size."""
    head = f"Simulated attachment {name} of quarantined message {mid}.\n".encode()
    return head + bytes(rng.randrange(32, 127) for _ in range(rng.randrange(600, 4000)))


class PvoQuarantines:
    def __init__(self, world):
        self.world = world
        self.messages: dict[int, dict] = {}
        self.copies: list[dict] = []
        self._added = 0
        rng = random.Random(f"cisco-esa-simulator:pvo:{world.appliance}:{world.seed}")
        # on ESA the quarantine MID is the local MID; on SMA the SMA numbers them itself (ext §14.8)
        self._next_sma_mid = 700000 + rng.randrange(1, 900)
        for rec in world.tracking:
            names = self._quarantines_of(rec)
            if names:
                self._store(self._from_tracking(rec, names, rng))

    # ------------------------------------------------------------ construction
    @staticmethod
    def _quarantines_of(rec: dict) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for status in rec.get("quarantineStatus") or []:
            if status == "AMP":
                amp = rec.get("amp") or []
                if any(a["disposition"] == "MALICIOUS" for a in amp):
                    files = ", ".join(a["name"] for a in amp if a["disposition"] == "MALICIOUS")
                    out["Virus"] = [f"AMP: malicious file {files} ({amp[0].get('malware') or 'unknown'})"]
                else:
                    out["File Analysis"] = ["AMP: file sent for analysis"]
            elif status == "POLICY":
                out["Policy"] = ["Content filter: suspicious_links" if rec.get("urls") else "Content filter: policy_hold"]
            elif status == "OUTBREAK":
                out["Outbreak"] = [f"Outbreak filter: {rec.get('threatName') or 'Phish.Outbreak.Generic'}"]
        return out

    def _from_tracking(self, rec: dict, names: dict[str, list[str]], rng: random.Random) -> dict:
        esa_mid = rec["mid"][0]
        if self.world.appliance == "sma":
            mid = self._next_sma_mid
            self._next_sma_mid += rng.randrange(1, 4)
        else:
            mid = esa_mid
        host = rec["_host"]
        parts = [(a["name"], _payload(a["name"], mid, rng)) for a in rec.get("attachments") or []]
        return self._record(mid, esa_mid, host["hostName"], host["ip"], rec["sender"], list(rec["recipient"]),
                            rec["subject"], rec["_ts"], names, parts,
                            f"Hello,\n\nPlease see the attached document.\n\n-- {rec['sender']}\n")

    def _record(self, mid, esa_mid, host_name, host_ip, sender, recipients, subject, ts, names, parts, body):
        ts = ts - ts % 60  # minute precision, as the spam quarantine (ext §14.2: format probably alike)
        headers = (f"Received: from mail.{sender.rpartition('@')[2]} by {host_name} with ESMTP\n"
                   f"From: {sender}\nTo: {', '.join(recipients)}\nSubject: {subject}\n")
        return {"mid": int(mid), "esaMid": int(esa_mid), "esaHostName": host_name, "originatingEsaIp": host_ip,
                "sender": sender, "recipient": list(recipients), "subject": subject, "_ts": ts,
                "quarantines": {n: {"reason": list(r), "exit": ts + RETENTION_DAYS.get(n, 14) * DAY}
                                for n, r in names.items()},
                # the first part is the body pseudo-part (ext §14.3); then the attachments, numbered from 2
                "parts": [(BODY_PART, body.encode())] + list(parts), "headers": headers, "messageBody": body}

    def _store(self, q: dict) -> None:
        self.messages[q["mid"]] = q

    def add(self, **attrs) -> dict:
        """A message of one's own: quarantines {name: [reasons]} (or a list of names), attachments
        [(name, bytes)] or [name], and any of mid, esaMid, sender, recipient, subject, received (epoch)."""
        with self.world._lock:
            self.world.dirty = True
            self._added += 1
            rng = random.Random(f"cisco-esa-simulator:pvo-added:{self.world.seed}:{self._added}")
            host = self.world.hosts[0]
            mid = attrs.get("mid")
            if mid is None:
                mid = max([*self.messages, self.world._max_tracking_mid(), self._next_sma_mid]) + 1
            names = attrs.get("quarantines") or {"Virus": ["Virus: W32.Sim.Trojan detected"]}
            if isinstance(names, (list, tuple)):
                names = {n: [f"Quarantined to {n}"] for n in names}
            parts = []
            for a in attrs.get("attachments", [("invoice.zip", None)]):
                name, data = (a, None) if isinstance(a, str) else a
                if isinstance(data, str):
                    data = data.encode()
                parts.append((name, data if data is not None else _payload(name, int(mid), rng)))
            recipients = attrs.get("recipient") or ["alice.smith@corp.example"]
            q = self._record(int(mid), attrs.get("esaMid", mid), host["hostName"], host["ip"],
                             attrs.get("sender", "billing@invoices.example.net"),
                             [recipients] if isinstance(recipients, str) else recipients,
                             attrs.get("subject", "Overdue invoice"), int(attrs.get("received", self.world._current() - 60)),
                             names, parts, attrs.get("messageBody", "Please find the invoice attached.\n"))
            self._store(q)
            return self.public(q)

    # ------------------------------------------------------------ helpers for tests
    @staticmethod
    def public(q: dict) -> dict:
        return {"mid": q["mid"], "esaMid": q["esaMid"], "sender": q["sender"], "recipient": list(q["recipient"]),
                "subject": q["subject"], "quarantines": sorted(q["quarantines"]),
                "attachments": [{"attachmentId": i + 1, "name": n, "sha256": hashlib.sha256(d).hexdigest(),
                                 "size": len(d)} for i, (n, d) in enumerate(q["parts"]) if i > 0]}

    def record(self, mid: int) -> dict | None:
        with self.world._lock:
            q = self.messages.get(int(mid))
            return self.public(q) if q else None

    def pick(self, quarantine: str | None = None, attachments: bool | None = None, several: bool | None = None):
        """The newest message matching every criterion (public form), or None."""
        with self.world._lock:
            for q in sorted(self.messages.values(), key=lambda m: (m["_ts"], m["mid"]), reverse=True):
                if quarantine is not None and quarantine not in q["quarantines"]:
                    continue
                if attachments is not None and (len(q["parts"]) > 1) != attachments:
                    continue
                if several is not None and (len(q["quarantines"]) > 1) != several:
                    continue
                return self.public(q)
            return None

    def names(self) -> list[str]:
        return list(SYSTEM) + list(CUSTOM)

    # ------------------------------------------------------------ rendering
    def _display(self, epoch: int) -> str:
        return self.world.quarantine_zone.display(epoch, seconds=False)

    def _size(self, q: dict) -> int:
        return len(q["headers"]) + sum(len(d) * 4 // 3 for _, d in q["parts"])

    def row(self, q: dict) -> dict:
        names = list(q["quarantines"])
        reasons = [r for n in names for r in q["quarantines"][n]["reason"]]
        return {"mid": q["mid"], "attributes": {
            "sender": q["sender"], "recipient": list(q["recipient"]), "subject": q["subject"],
            "received": self._display(q["_ts"]), "scheduledExit": self._display(min(v["exit"] for v in q["quarantines"].values())),
            "size": _kb(self._size(q)), "inQuarantines": ", ".join(names), "quarantineForReason": reasons,
            "quarantineForReasonDict": [{"quarantineName": n, "reason": list(q["quarantines"][n]["reason"])} for n in names],
            "esaHostName": q["esaHostName"], "originatingEsaIp": q["originatingEsaIp"], "esaMid": q["esaMid"],
            "fromAddress": [q["sender"]]}}

    def details(self, q: dict) -> dict:
        return {"data": {"mid": q["mid"], "attributes": {
            "quarantineDetails": [{"quarantineName": n, "reason": list(v["reason"]), "received": self._display(q["_ts"]),
                                   "scheduledExit": self._display(v["exit"]), "esaHostName": q["esaHostName"],
                                   "originatingEsaIp": q["originatingEsaIp"]} for n, v in q["quarantines"].items()],
            "messageDetails": {"subject": q["subject"], "sender": q["sender"], "recipient": list(q["recipient"])},
            # the size shown is that of the base64 form (ext §14.3)
            "messagePartDetails": [{"attachmentId": i + 1, "attachmentName": n,
                                    "attachmentSize": _kb(len(base64.b64encode(d)))} for i, (n, d) in enumerate(q["parts"])],
            "matchedContents": [], "headers": q["headers"], "messageBody": q["messageBody"]}}}

    # ------------------------------------------------------------ the API
    def _known(self, name) -> str:
        if not isinstance(name, str) or not name:
            raise ApiError(400, "Missing attribute - quarantineName.")
        if name not in self.names():
            raise ApiError(400, f"Invalid quarantineName '{name}': no such quarantine.")
        return name

    def search(self, qs: dict, start: int, end: int) -> dict:
        for name in SPAM_ONLY:
            if name in qs:
                raise ApiError(400, f"Invalid attribute - {name} is not supported with quarantineType=pvo.")
        raw = first(qs, "quarantines")
        if not raw:
            raise ApiError(400, "Missing attribute - quarantines.")
        # parse_qs decoded '+' and '%20' to a space already (ext §19 point 2)
        wanted = [n.strip() for n in raw.split(",") if n.strip()]
        for n in wanted:
            self._known(n)
        offset = _int(qs, "offset", 0, 0, None)
        limit = _int(qs, "limit", PAGE_MAX, 1, PAGE_MAX)
        order_by = first(qs, "orderBy") or "received"
        if order_by not in ORDER_BY:
            raise ApiError(400, f"Invalid orderBy '{order_by}'. Use one of: {', '.join(ORDER_BY)}.")
        order_dir = first(qs, "orderDir") or "desc"
        if order_dir not in ("asc", "desc"):
            raise ApiError(400, f"Invalid orderDir '{order_dir}'. Use asc or desc.")
        tests = []
        for field, get in (("subject", lambda q: [q["subject"]]), ("envelopeSender", lambda q: [q["sender"]]),
                           ("envelopeRecipient", lambda q: q["recipient"])):
            value = first(qs, f"{field}FilterValue")
            if value:
                tests.append((get, _operator(first(qs, f"{field}FilterBy") or "contains", value, f"{field}FilterBy")))
        ip = first(qs, "originatingEsaIp")
        if ip:
            tests.append((lambda q: [q["originatingEsaIp"]], lambda c: ip in c))
        att = first(qs, "attachmentName")
        if att:
            tests.append((lambda q: [n for n, _ in q["parts"][1:]], lambda c: any(att.lower() in n.lower() for n in c)))
        size_test = _size_filter(qs)
        with self.world._lock:
            rows = [q for q in self.messages.values() if start <= q["_ts"] < end
                    and any(n in q["quarantines"] for n in wanted)
                    and all(test(get(q)) for get, test in tests)
                    and (size_test is None or any(size_test(len(d)) for _, d in q["parts"][1:]))]
            keys = {"received": lambda q: (q["_ts"], q["mid"]), "sender": lambda q: (q["sender"].lower(), q["mid"]),
                    "subject": lambda q: (q["subject"].lower(), q["mid"]), "size": lambda q: (self._size(q), q["mid"]),
                    "scheduledExit": lambda q: (min(v["exit"] for v in q["quarantines"].values()), q["mid"])}
            rows.sort(key=keys[order_by], reverse=order_dir == "desc")
            page = [self.row(q) for q in rows[offset:offset + limit]]
        # the grand total here, unlike tracking (ext §14.2)
        return {"meta": {"totalCount": len(rows)}, "data": page}

    def details_of(self, qs: dict) -> dict:
        mid = _mid(first(qs, "mid"))
        with self.world._lock:
            q = self.messages.get(mid)
            if q is None:
                raise ApiError(404, "Message not found.")
            return self.details(q)

    def act(self, method: str, data: dict) -> dict:
        action = data.get("action")
        if method == "DELETE":
            if action not in (None, "delete"):
                raise ApiError(400, f"Invalid action '{action}' for DELETE.")
            action = "delete"
        elif action not in ("release", "move", "sendCopy", "delay"):
            raise ApiError(400, f"Invalid action '{action}'. Use release, move, sendCopy or delay (delete is a DELETE).")
        name = self._known(data.get("quarantineName"))
        mids = data.get("mids")
        if not isinstance(mids, list) or not mids or any(isinstance(m, bool) or not isinstance(m, int) for m in mids):
            raise ApiError(400, "Missing or invalid attribute - mids (a non-empty array of integer message IDs).")
        extra: dict = {}
        if action == "move":
            dest = data.get("destinationQuarantineName")
            if not isinstance(dest, str) or not dest:
                raise ApiError(400, "Missing attribute - destinationQuarantineName.")
            if dest not in self.names():
                raise ApiError(400, f"Invalid destinationQuarantineName '{dest}': no such quarantine.")
            extra["destinationQuarantineName"] = dest
        if action == "sendCopy":
            rcpts = data.get("recipients")
            if not isinstance(rcpts, list) or not rcpts or not all(isinstance(r, str) and "@" in r for r in rcpts):
                raise ApiError(400, "Missing or invalid attribute - recipients (a non-empty array of addresses).")
        if action == "delay":
            raise ApiError(400, "Invalid attribute - delay: the delay format is not supported by this simulator.")
        count = 0
        with self.world._lock:
            self.world.dirty = True
            for mid in dict.fromkeys(mids):
                q = self.messages.get(mid)
                if q is None or name not in q["quarantines"]:
                    continue  # not an error: only the total says so (ext §14.4)
                count += 1
                if action in ("release", "delete"):
                    del q["quarantines"][name]
                    if not q["quarantines"]:
                        del self.messages[mid]  # released from all quarantines: delivered (or gone)
                elif action == "move":
                    held = q["quarantines"].pop(name)
                    if extra["destinationQuarantineName"] not in q["quarantines"]:
                        dest = extra["destinationQuarantineName"]
                        q["quarantines"][dest] = {"reason": held["reason"],
                                                  "exit": q["_ts"] + RETENTION_DAYS.get(dest, 14) * DAY}
                else:
                    self.copies.append({"mid": mid, "quarantineName": name, "recipients": list(data["recipients"])})
        return {"data": {"action": action, **extra, "totalCount": count}}

    def attachment(self, qs: dict) -> tuple[str, bytes]:
        """(file name, base64 text) of one part; 404 for an unknown mid or attachmentId."""
        mid = _mid(first(qs, "mid"))
        aid = required_int(qs, "attachmentId")
        with self.world._lock:
            q = self.messages.get(mid)
            if q is None:
                raise ApiError(404, "Message not found.")
            if not 1 <= aid <= len(q["parts"]):
                raise ApiError(404, f"Attachment {aid} not found in message {mid}.")
            name, data = q["parts"][aid - 1]
        return name, base64.b64encode(data)


def content_disposition(name: str) -> str:
    """The quoted form, and the RFC 5987 form as well when the name is not plain ASCII."""
    if name.isascii() and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}"'
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def quarantine_list() -> dict:
    # the key names inside data.quarantines are not in any source (ext §14.1.1): invented
    return {"data": {"quarantines": {"system": list(SYSTEM), "custom": list(CUSTOM)}}}


def _int(qs, name, default, minimum, maximum):
    raw = first(qs, name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name} '{raw}': expected an integer.") from None
    if value < minimum or (maximum is not None and value > maximum):
        rng = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise ApiError(400, f"Invalid {name} '{raw}': must be in {rng}.")
    return value


def _mid(raw) -> int:
    if not raw:
        raise ApiError(400, "Missing attribute - mid.")
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid mid '{raw}': expected an integer.") from None


def _operator(op: str, value: str, param: str):
    if op not in OPERATORS:
        raise ApiError(400, f"Invalid {param} '{op}'. Use one of: {', '.join(OPERATORS)}.")
    v = value.lower()
    base = {"contains": "contains", "does_not_contain": "contains", "starts_with": "starts_with",
            "does_not_start_with": "starts_with", "ends_with": "ends_with", "does_not_end_with": "ends_with",
            "matches_exactly": "matches_exactly", "does_not_match": "matches_exactly"}[op]
    test = {"contains": lambda s: v in s, "starts_with": lambda s: s.startswith(v),
            "ends_with": lambda s: s.endswith(v), "matches_exactly": lambda s: s == v}[base]
    if op.startswith("does_not_"):
        return lambda cands: not any(test(s.lower()) for s in cands)
    return lambda cands: any(test(s.lower()) for s in cands)


def _size_filter(qs):
    kind = first(qs, "attachmentSizeFilterBy")
    if not kind:
        return None
    if kind not in SIZE_FILTERS:
        raise ApiError(400, f"Invalid attachmentSizeFilterBy '{kind}'. Use one of: {', '.join(SIZE_FILTERS)}.")

    def kb(name):
        raw = first(qs, name)
        if raw in (None, ""):
            raise ApiError(400, f"Missing attribute - {name} (required with attachmentSizeFilterBy={kind}).")
        try:
            return float(raw) * 1024
        except ValueError:
            raise ApiError(400, f"Invalid {name} '{raw}': expected a number of KB.") from None

    # From goes with range and more_than, To with range and less_than (the ESA reading, ext §14.2)
    if kind == "range":
        lo, hi = kb("attachmentSizeFromValue"), kb("attachmentSizeToValue")
        return lambda n: lo <= n <= hi
    if kind == "more_than":
        lo = kb("attachmentSizeFromValue")
        return lambda n: n > lo
    hi = kb("attachmentSizeToValue")
    return lambda n: n < hi
