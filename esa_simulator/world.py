"""The simulated appliance's state: a seeded, deterministic world of tracked messages,
spam-quarantine messages, safelist/blocklist entries and rejected-connection counts.

Same appliance + seed + `now` + counts => an identical world (`World.snapshot()` equal).
All randomness comes from one `random.Random` seeded by a string; nothing global. Each
message's attributes come from messages.py; searches page in O(limit) (`search_tracking`).

Helpers meant for test assertions (all thread-safe):

- ``world.tracking``: tracking records, oldest first (see "Tracking record" below).
- ``world.quarantine``: spam-quarantine records, oldest first (``mid`` int, ``date``
  aware datetime on the minute, ``envelopeRecipient``, ``toAddress``, ``fromAddress``,
  ``subject``, ``size`` (bytes), ``messageBody``, ``attachments``).
- ``world.hosts``: the ESAs whose mail is tracked, ``[{"serialNumber", "hostName",
  "ip", "zone"}]`` (one on ESA, three on SMA).
- ``world.serial_numbers()`` -> list[str]; ``world.serial_number()`` -> the first.
- ``world.quarantine_mids()`` -> set[int] of mids currently in the spam quarantine.
- ``world.quarantine_record(mid)`` -> record or None.
- ``world.list_entries("safelist" | "blocklist")`` -> {recipient: set(senders)} (a copy).
- ``world.find_tracking(serial, mid)`` -> the record holding that mid, or None.
- ``world.pick_tracking(**criteria)`` -> newest record matching every criterion:
  ``amp``/``dlp``/``url``/``splintered`` (bool), ``direction``, ``category``,
  ``status``, ``serial``, ``within`` (seconds before now), ``subject_contains``.
- ``world.pick_amp_message()``, ``pick_dlp_message()``, ``pick_url_message()``,
  ``pick_phishing_message()`` (subject contains "Password Reset", in the last hour,
  AMP + URL details), ``pick_splintered_message()``, ``pick_clean_message()``.
- ``world.pick_quarantine_mid(recent=False)`` -> a mid in the spam quarantine (recent:
  dated in the last hour).
- ``world.snapshot()`` -> JSON-able dump of the whole state.
- ``world.release_or_delete(mids)``, ``world.change_list(kind, view_by, action, keys,
  values)``, ``world.delete_list_entries(kind, view_by, items)``: the state changes the
  API makes, callable directly. ``world.dirty`` turns true on any change made through
  these or ``add_*``; ``Simulator.reset()`` rebuilds only a dirty (or wall-clock) world,
  so change state through these methods, not by editing records in place.

Tracking record (a dict; keys follow the appliance's field names): ``mid`` [int],
``icid``, ``allIcid``, ``dcid`` [int] (one per mid), ``serialNumber``, ``hostName``
(the ESA's host name), ``timestamp`` (aware UTC datetime, whole seconds), ``sender``,
``friendlyFrom``, ``headerFrom``, ``recipient`` [str], ``recipientMap`` {mid: [str]},
``mailPolicy`` [str], ``subject``, ``finalSubject``, ``messageIdHeader``, ``senderIp``,
``senderDomain``, ``senderGroup``, ``reverseDns``, ``direction``, ``sbrs``, ``replyTo``,
``messageStatus``, ``deliveryStatus`` (DELIVERED/DROPPED/ABORTED/BOUNCED or None while
quarantined), ``verdictChart``, ``messageSize`` (bytes), ``attachments``
[{name, sha256, size, mimeType}], ``amp`` (None or [{file, sha256, size, mimeType,
disposition, malware, score}]), ``dlp`` (None or {dlpPolicy, violationSeverity,
riskFactor, dlpAction, matches}), ``urls`` (None or [{url, reputation}]),
``advancedMalwareProtection``, ``urlReputation``, ``threatName``, ``category``, the
boolean search flags (``spamPositive``, ``suspectSpam``, ``quarantinedAsSpam``,
``virusPositive``, ``graymail``, ``graymailType``, ``containedMaliciousUrls``,
``containedNeutralUrls``, ``hardBounced``, ``softBounced``, ``inOutbreakQuarantine``,
``message_delivered``, ``contentFilterThreat``), ``quarantineStatus`` [str],
``sdr`` {age, category, reputation, threatLevels}, ``tls``, ``spf``, ``dkim``,
``dmarc`` ("pass"/"fail"), ``spoofed``. Keys starting with ``_`` are internal.
"""

from __future__ import annotations

import bisect
import copy
import random
import threading
import time
from datetime import datetime, timezone

from .filters import QUARANTINE_ORDERS
from .messages import (BAD_DOMAINS, CATEGORY_WEIGHTS, DAY, FIRST, HOUR, INTERNAL_DOMAIN, LAST, PARTNER_DOMAINS,
                       PARTNER_LOCALS, POLICIES_IN, SPAM_DOMAINS, Zone, epoch_of, fill_spec, hex_string, utc)
from .pvo import PvoQuarantines
from .tracking_extras import TrackingExtras

PAGE_CACHE_SIZE = 16  # searches whose filtered window is kept between pages

# pick_tracking's criteria: name -> test(world, record, wanted)
PICK_CRITERIA = {
    "amp": lambda w, r, v: bool(r["amp"]) == v,
    "dlp": lambda w, r, v: bool(r["dlp"]) == v,
    "url": lambda w, r, v: bool(r["urls"]) == v,
    "splintered": lambda w, r, v: (len(r["mid"]) > 1) == v,
    "direction": lambda w, r, v: r["direction"] == v,
    "category": lambda w, r, v: r["category"] == v,
    "status": lambda w, r, v: r["messageStatus"] == v,
    "serial": lambda w, r, v: r["serialNumber"] == v,
    "within": lambda w, r, v: r["_ts"] >= w.now_epoch - v,  # seconds before now
    "subject_contains": lambda w, r, v: v.lower() in r["subject"].lower(),
}


class World:
    def __init__(self, appliance: str = "esa", seed: int = 1, now: datetime | None = None,
                 tracking_count: int = 3000, quarantine_count: int = 300):
        if appliance not in ("esa", "sma"):
            raise ValueError("appliance must be 'esa' or 'sma'")
        # a world built on the wall clock keeps adding live messages at the wall clock
        self.live = now is None
        if now is None:
            now = datetime.now(timezone.utc)
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.appliance = appliance
        self.seed = seed
        self.now = now.astimezone(timezone.utc)
        self.now_epoch = int(self.now.timestamp())
        self.tracking_count = tracking_count
        self.quarantine_count = quarantine_count
        self._lock = threading.RLock()
        self.tracking: list[dict] = []
        self._tkeys: list[tuple] = []
        self._by_mid: dict[tuple[str, int], dict] = {}
        self.quarantine: list[dict] = []
        self._qkeys: list[tuple] = []
        self._qby_mid: dict[int, dict] = {}
        self._highest_qmid = 0  # never reused: a real appliance does not hand out a released MID again
        self.lists: dict[str, dict[str, set]] = {"safelist": {}, "blocklist": {}}
        # hour start (epoch) -> serial -> rejected-connection counter -> count
        self.rejections: dict[int, dict[str, dict[str, int]]] = {}
        self._added = 0
        self._pages: dict[tuple, list] = {}  # see _cached
        self._build()
        # set by every change made through the simulator; reset() rebuilds only a dirty world
        self.dirty = False

    # ------------------------------------------------------------ construction
    def _build(self) -> None:
        rng = random.Random(f"cisco-esa-simulator:{self.appliance}:{self.seed}")
        self._rng = rng
        self._make_hosts(rng)
        self._make_people(rng)
        specs = self._tracking_specs(rng)
        for spec in specs:
            rec = self._materialize(spec, rng)
            self._store_tracking(rec)
        self._make_quarantine(rng)
        self._make_lists(rng)
        self._make_rejections(rng)
        # the PVO quarantines and the tracking extras keep their own state (pvo.py, tracking_extras.py)
        self.pvo = PvoQuarantines(self)
        self.extras = TrackingExtras(self)

    def _make_hosts(self, rng: random.Random) -> None:
        def serial() -> str:
            return f"{hex_string(rng, 20)}-{hex_string(rng, 12)}".upper()

        if self.appliance == "esa":
            zones = [Zone(0, "spaced")]
        else:
            # SMA centralises several ESAs; each displays in its own zone and label style (§1.3)
            zones = [Zone(0, "gmt"), Zone(-300, "spaced"), Zone(-360, "compact")]
        self.hosts = []
        for i, zone in enumerate(zones):
            self.hosts.append({
                "serialNumber": serial(),
                "hostName": f"esa{i + 1}.{INTERNAL_DOMAIN}",
                "ip": f"10.0.0.{5 + i}",
                "zone": zone,
                # disjoint MID ranges keep (serial, mid) and bare mid lookups unambiguous
                "_next_mid": 1000 + i * 400000 + rng.randrange(1, 500),
                "_next_icid": 20000 + i * 900000 + rng.randrange(1, 900),
                "_next_dcid": 4000 + i * 700000 + rng.randrange(1, 700),
            })
        self._host_by_serial = {h["serialNumber"]: h for h in self.hosts}
        # the SMA's own quarantine displays in the (GMT) style seen in SMA captures (§5.3 b)
        self.quarantine_zone = Zone(0, "spaced") if self.appliance == "esa" else Zone(0, "gmt")

    def _make_people(self, rng: random.Random) -> None:
        names = [(f, l) for f in FIRST for l in LAST]
        rng.shuffle(names)
        self.people = []
        self.policy_of: dict[str, str] = {}
        for first, last in names[:40]:
            addr = f"{first}.{last}@{INTERNAL_DOMAIN}"
            self.people.append((f"{first.title()} {last.title()}", addr))
            self.policy_of[addr] = rng.choice(POLICIES_IN)

    def _tracking_specs(self, rng: random.Random) -> list[dict]:
        n = self.tracking_count
        now = self.now_epoch
        cats = [c for c, _ in CATEGORY_WEIGHTS]
        weights = [w for _, w in CATEGORY_WEIGHTS]
        specs = []
        phishing = []
        if n >= 2:
            phishing = [now - 17 * 60 - rng.randrange(0, 50), now - 42 * 60 - rng.randrange(0, 50)]
        recent = (n - len(phishing)) * 15 // 100
        for i in range(n - len(phishing)):
            if i < recent:
                ts = now - rng.randrange(1, HOUR)
            else:
                ts = now - rng.randrange(HOUR, 3 * DAY)
            specs.append({"category": rng.choices(cats, weights)[0], "_ts": ts})
        # bursts: several messages inside the same minute, as a busy gateway shows
        for i in range(0, len(specs) // 40):
            a, b = rng.randrange(len(specs)), rng.randrange(len(specs))
            specs[b]["_ts"] = specs[a]["_ts"] - specs[a]["_ts"] % 60 + rng.randrange(0, 60)
            specs[b]["_ts"] = min(specs[b]["_ts"], now - 1)
        for k, ts in enumerate(phishing):
            specs.append({"category": "phish", "_ts": ts, "_phish": k})
        specs.sort(key=lambda s: s["_ts"])
        return specs

    # ------------------------------------------------------------ one message
    def _materialize(self, spec: dict, rng: random.Random) -> dict:
        s = fill_spec(self, spec, rng)
        host = self._host_by_serial[s["serialNumber"]]
        # ESA splinters a message per matching mail policy: one MID per policy (§2.2)
        groups: dict[str, list[str]] = {}
        for r in s["recipient"]:
            pol = self.policy_of.get(r.lower(), "DEFAULT") if s["direction"] == "incoming" else "DEFAULT"
            groups.setdefault(pol, []).append(r)
        if "mailPolicy" in s:
            pols = list(s["mailPolicy"])
        else:
            pols = list(groups)
        given_mids = s.get("mid")
        if isinstance(given_mids, int):
            given_mids = [given_mids]
        if given_mids:
            mids = [int(m) for m in given_mids]
            host["_next_mid"] = max(host["_next_mid"], max(mids) + 1)
        else:
            mids = list(range(host["_next_mid"], host["_next_mid"] + max(1, len(pols))))
            host["_next_mid"] += len(mids) + rng.randrange(0, 3)
        if len(pols) == len(mids) and set(pols) == set(groups):
            rmap = {m: groups[p] for m, p in zip(mids, pols)}
        else:
            rmap = {m: [] for m in mids}
            for i, r in enumerate(s["recipient"]):
                rmap[mids[i % len(mids)]].append(r)
        if len(pols) < len(mids):
            pols = pols + [pols[-1] if pols else "DEFAULT"] * (len(mids) - len(pols))
        icid = s.get("icid")
        if icid is None:
            icid = host["_next_icid"]
            host["_next_icid"] += rng.randrange(1, 6)
        dcids = s.get("dcid")
        if dcids is None:
            dcids = list(range(host["_next_dcid"], host["_next_dcid"] + len(mids)))
            host["_next_dcid"] += len(mids) + rng.randrange(0, 2)
        rec = {
            "mid": mids, "icid": int(icid), "allIcid": list(s.get("allIcid") or [int(icid)]),
            "dcid": list(dcids), "serialNumber": host["serialNumber"], "hostName": host["hostName"],
            "timestamp": utc(s["_ts"]), "mailPolicy": pols, "recipientMap": rmap,
        }
        for key, val in s.items():
            if not key.startswith("_") and key not in rec:
                rec[key] = val
        rec["_ts"] = s["_ts"]
        rec["_host"] = host
        rec["_disp"] = host["zone"].display(s["_ts"])
        return rec

    def _store_tracking(self, rec: dict) -> None:
        self._pages.clear()
        key = (rec["_ts"], rec["serialNumber"], rec["mid"][0])
        i = bisect.bisect_right(self._tkeys, key)
        self._tkeys.insert(i, key)
        self.tracking.insert(i, rec)
        for m in rec["mid"]:
            self._by_mid[(rec["serialNumber"], m)] = rec

    # ------------------------------------------------------------ quarantine
    def _make_quarantine(self, rng: random.Random) -> None:
        n = self.quarantine_count
        spam = [r for r in self.tracking if r["quarantinedAsSpam"] and r["category"] == "spam"]
        recent = [r for r in spam if r["_ts"] >= self.now_epoch - HOUR]
        older = [r for r in spam if r["_ts"] < self.now_epoch - HOUR]
        take_recent = recent[-max(0, n // 5):] if n // 5 else []
        rest = n - len(take_recent)
        take_older = rng.sample(older, min(rest, len(older)))
        chosen = sorted(take_recent + take_older, key=lambda r: (r["_ts"], r["mid"][0]))
        for r in chosen:
            # a quarantined message keeps the MID tracking shows for it (§5.3 vs §2.3 captures)
            self._store_quarantine(self._quarantine_from(r, rng))
        missing = n - len(chosen)
        next_mid = 900000 + rng.randrange(1, 5000)
        extra = []
        for i in range(missing):
            ts = (self.now_epoch - rng.randrange(60, HOUR)) if i < missing // 5 + 1 else \
                (self.now_epoch - rng.randrange(HOUR, 3 * DAY))
            extra.append(ts)
        for ts in sorted(extra):
            spec = fill_spec(self, {"category": "spam", "_ts": ts, "serialNumber": self.hosts[0]["serialNumber"]}, rng)
            spec["mid"] = [next_mid]
            next_mid += rng.randrange(1, 4)
            self._store_quarantine(self._quarantine_from(spec, rng))

    def _quarantine_from(self, r: dict, rng: random.Random) -> dict:
        ts = r["_ts"]
        rcpts = list(r["recipient"])
        sender = r["sender"]
        ff = r.get("friendlyFrom", sender)
        if rng.random() < 0.5:
            to = [", ".join(f"{a} <{a}>" for a in rcpts)]
        else:
            to = [", ".join(rcpts)]
        return self._quarantine_record(
            mid=r["mid"][0], ts=ts, envelope=rcpts, to=to, frm=[ff], subject=r["subject"],
            size=r.get("messageSize", 15000), attachments=[a["name"] for a in r.get("attachments") or []],
            sender_ip=r.get("senderIp", "198.51.100.7"), sender=sender, rng=rng)

    def _quarantine_record(self, mid, ts, envelope, to, frm, subject, size, attachments, sender_ip, sender,
                           rng, body=None) -> dict:
        ts = ts - ts % 60  # the quarantine keeps minute precision (§1.3)
        if body is None:
            host = self.hosts[0]["hostName"]
            received = utc(ts).strftime("%d %b %Y %H:%M:%S +0000")
            text = rng.choice(["Dear customer,<br />\nYou have been selected for an exclusive reward.",
                               "Limited time offer!!! Click the link below to claim.",
                               "Hello,<br />\nI have a business proposal for you. Reply for details.",
                               "Best prices on the internet. Unsubscribe anytime."])
            body = (f"Received: from mail.{sender.rpartition('@')[2]} ([{sender_ip}])\r\n by {host} with ESMTP; "
                    f"{received}<br />\nFrom: {frm[0]}<br />\nTo: {', '.join(envelope)}<br />\n"
                    f"Subject: {subject}<br />\n<br />\n{text}")
        return {"mid": int(mid), "date": utc(ts), "envelopeRecipient": list(envelope), "toAddress": list(to),
                "fromAddress": list(frm), "subject": subject, "size": int(size), "messageBody": body,
                "attachments": list(attachments), "_ts": ts,
                "_disp": self.quarantine_zone.display(ts, seconds=False)}

    def _store_quarantine(self, q: dict) -> None:
        self._pages.clear()
        if q["mid"] in self._qby_mid:
            self._remove_quarantine(q["mid"])
        key = (q["_ts"], q["mid"])
        i = bisect.bisect_right(self._qkeys, key)
        self._qkeys.insert(i, key)
        self.quarantine.insert(i, q)
        self._qby_mid[q["mid"]] = q
        self._highest_qmid = max(self._highest_qmid, q["mid"])

    def _remove_quarantine(self, mid: int) -> bool:
        q = self._qby_mid.pop(mid, None)
        if q is None:
            return False
        self._pages.clear()
        i = bisect.bisect_left(self._qkeys, (q["_ts"], q["mid"]))
        del self._qkeys[i]
        del self.quarantine[i]
        return True

    # ------------------------------------------------------------ lists + rejections
    def _make_lists(self, rng: random.Random) -> None:
        for kind, domains in (("safelist", PARTNER_DOMAINS), ("blocklist", SPAM_DOMAINS + BAD_DOMAINS)):
            entries = {}
            for _, rcpt in rng.sample(self.people, 14):
                senders = set()
                for _ in range(rng.randrange(1, 5)):
                    dom = rng.choice(domains)
                    senders.add(dom if rng.random() < 0.35 else f"{rng.choice(PARTNER_LOCALS)}@{dom}")
                entries[rcpt] = senders
            self.lists[kind] = entries

    def _make_rejections(self, rng: random.Random) -> None:
        # Rejected connections never become tracked messages; reports count them per hour (§9.3 a)
        scale = max(self.tracking_count, 1) / 3000 / len(self.hosts)
        first = (self.now_epoch - 3 * DAY) // HOUR * HOUR
        for hour in range(first, self.now_epoch + 1, HOUR):
            self.rejections[hour] = {h["serialNumber"]: {
                "blocked_reputation": round(rng.randrange(5, 40) * scale),
                "blocked_invalid_recipient": round(rng.randrange(0, 4) * scale),
                "blocked_sdr": round(rng.randrange(0, 3) * scale),
                "blocked_dmarc": round(rng.randrange(0, 2) * scale),
            } for h in self.hosts}

    # ------------------------------------------------------------ queries (server side)
    def tracking_window(self, start: int, end: int):
        """Records with start <= time < end, newest first (a list copy)."""
        with self._lock:
            lo = bisect.bisect_left(self._tkeys, (start,))
            hi = bisect.bisect_left(self._tkeys, (end,))
            return self.tracking[lo:hi][::-1]

    def search_tracking(self, start: int, end: int, predicate, offset: int, limit: int, key=None) -> list[dict]:
        """One page of the records with start <= time < end that pass `predicate`, newest first.

        A page costs O(limit): without a predicate it is a slice of the sorted store; with one,
        the filtered window is kept under (key, start, end) for the following pages (key: any
        hashable naming the predicate; None keeps nothing and filters the window each time)."""
        with self._lock:
            lo = bisect.bisect_left(self._tkeys, (start,))
            hi = bisect.bisect_left(self._tkeys, (end,))
            if predicate is None:
                # newest first: the page is the run that ends `offset` rows below the window's top
                top = hi - offset
                return self.tracking[max(lo, top - limit):max(lo, top)][::-1]
            matches = self._cached(("tracking", key, start, end),
                                   lambda: [r for r in reversed(self.tracking[lo:hi]) if predicate(r)],
                                   key is not None)
            return matches[offset:offset + limit]

    def quarantine_window(self, start: int, end: int) -> list[dict]:
        """Quarantine records with start <= date < end, newest first."""
        with self._lock:
            lo = bisect.bisect_left(self._qkeys, (start,))
            hi = bisect.bisect_left(self._qkeys, (end,))
            return self.quarantine[lo:hi][::-1]

    def search_quarantine(self, start: int, end: int, predicate, order_by: str, descending: bool, offset: int,
                          limit: int, key=None) -> list[dict]:
        """One page of the quarantine records dated start <= date < end that pass `predicate`,
        ordered by `order_by` (newest first among equals); cached like search_tracking."""
        with self._lock:
            if predicate is None and order_by == "date":
                lo = bisect.bisect_left(self._qkeys, (start,))
                hi = bisect.bisect_left(self._qkeys, (end,))
                if descending:
                    top = hi - offset
                    return self.quarantine[max(lo, top - limit):max(lo, top)][::-1]
                return self.quarantine[lo + offset:min(hi, lo + offset + limit)]

            def ordered():
                rows = self.quarantine_window(start, end)
                if predicate is not None:
                    rows = [q for q in rows if predicate(q)]
                if order_by == "date":
                    if not descending:
                        rows.reverse()
                else:
                    rows.sort(key=QUARANTINE_ORDERS[order_by], reverse=descending)
                return rows

            rows = self._cached(("quarantine", key, order_by, descending, start, end), ordered,
                                predicate is None or key is not None)
            return rows[offset:offset + limit]

    def _cached(self, key: tuple, compute, keep: bool) -> list:
        # The filtered, ordered window of one search, kept for its next pages; any change to
        # the world (every change goes through _store_* / _remove_*) empties the cache.
        if not keep:
            return compute()
        rows = self._pages.get(key)
        if rows is None:
            rows = compute()
            if len(self._pages) >= PAGE_CACHE_SIZE:
                self._pages.pop(next(iter(self._pages)))
            self._pages[key] = rows
        return rows

    def release_or_delete(self, mids) -> int:
        with self._lock:
            self.dirty = True
            return sum(1 for m in dict.fromkeys(mids) if self._remove_quarantine(m))

    def change_list(self, kind: str, view_by: str, action: str, keys: list[str], values: list[str]) -> None:
        """add/append union into entries, edit replaces them (§8.2); state is recipient -> senders."""
        with self._lock:
            self.dirty = True
            table = self.lists[kind]
            if view_by == "recipient":
                for r in keys:
                    if action == "edit":
                        table[r] = set(values)
                    else:
                        table.setdefault(r, set()).update(values)
                return
            for s in keys:
                if action == "edit":
                    for r in list(table):
                        if r not in values and s in table[r]:
                            table[r].discard(s)
                            if not table[r]:
                                del table[r]
                for r in values:
                    table.setdefault(r, set()).add(s)

    def delete_list_entries(self, kind: str, view_by: str, items: list[str]) -> int:
        """Removes whole recipient entries, or a sender from every entry; returns how many existed."""
        with self._lock:
            self.dirty = True
            table = self.lists[kind]
            count = 0
            if view_by == "recipient":
                for r in items:
                    if table.pop(r, None) is not None:
                        count += 1
                return count
            for s in items:
                hit = False
                for r in list(table):
                    if s in table[r]:
                        table[r].discard(s)
                        hit = True
                        if not table[r]:
                            del table[r]
                count += hit
            return count

    # ------------------------------------------------------------ live additions
    def add_tracking_message(self, **attrs) -> dict:
        with self._lock:
            self.dirty = True
            self._added += 1
            rng = random.Random(f"cisco-esa-simulator:added:{self.appliance}:{self.seed}:{self._added}")
            ts = attrs.pop("timestamp", None)
            spec = dict(attrs)
            spec["_ts"] = epoch_of(ts) if ts is not None else self._current() - 1
            if "recipient" in spec and isinstance(spec["recipient"], str):
                spec["recipient"] = [spec["recipient"]]
            rec = self._materialize(spec, rng)
            self._store_tracking(rec)
            return self.public(rec)

    def add_quarantine_message(self, **attrs) -> dict:
        with self._lock:
            self.dirty = True
            self._added += 1
            rng = random.Random(f"cisco-esa-simulator:addedq:{self.appliance}:{self.seed}:{self._added}")
            date = attrs.pop("date", None)
            ts = epoch_of(date) if date is not None else self._current() - 60
            mid = attrs.pop("mid", None)
            if mid is None:
                mid = max(self._highest_qmid, self._max_tracking_mid()) + 1
            spec = fill_spec(self, {"category": "spam", "_ts": ts, "serialNumber": self.hosts[0]["serialNumber"],
                                    **{k: v for k, v in attrs.items() if k in ("sender", "recipient", "subject")}},
                                   rng)
            rcpts = attrs.get("envelopeRecipient") or spec["recipient"]
            if isinstance(rcpts, str):
                rcpts = [rcpts]
            q = self._quarantine_record(
                mid=int(mid), ts=ts, envelope=rcpts,
                to=attrs.get("toAddress") or [", ".join(rcpts)],
                frm=attrs.get("fromAddress") or [spec["friendlyFrom"]],
                subject=attrs.get("subject", spec["subject"]), size=attrs.get("size", spec["messageSize"]),
                attachments=attrs.get("attachments", []), sender_ip=spec["senderIp"], sender=spec["sender"],
                rng=rng, body=attrs.get("messageBody"))
            if isinstance(q["toAddress"], str):
                q["toAddress"] = [q["toAddress"]]
            if isinstance(q["fromAddress"], str):
                q["fromAddress"] = [q["fromAddress"]]
            self._store_quarantine(q)
            return self.public(q)

    def _current(self) -> int:
        return int(time.time()) if self.live else self.now_epoch

    def _max_tracking_mid(self) -> int:
        return max((m for r in self.tracking for m in r["mid"]), default=0)

    # ------------------------------------------------------------ helpers for tests
    @staticmethod
    def public(rec: dict) -> dict:
        return {k: copy.deepcopy(v) for k, v in rec.items() if not k.startswith("_")}

    def serial_numbers(self) -> list[str]:
        return [h["serialNumber"] for h in self.hosts]

    def serial_number(self) -> str:
        return self.hosts[0]["serialNumber"]

    def quarantine_mids(self) -> set[int]:
        with self._lock:
            return set(self._qby_mid)

    def quarantine_record(self, mid: int) -> dict | None:
        with self._lock:
            return self._qby_mid.get(int(mid))

    def list_entries(self, kind: str) -> dict[str, set]:
        with self._lock:
            return {r: set(s) for r, s in self.lists[kind].items()}

    def find_tracking(self, serial: str, mid: int) -> dict | None:
        with self._lock:
            return self._by_mid.get((serial, int(mid)))

    def pick_tracking(self, **criteria) -> dict | None:
        """The newest record meeting every criterion of PICK_CRITERIA (None values ask nothing)."""
        unknown = set(criteria) - set(PICK_CRITERIA)
        if unknown:
            raise TypeError(f"unknown criteria: {', '.join(sorted(unknown))}")
        tests = [(PICK_CRITERIA[name], value) for name, value in criteria.items() if value is not None]
        with self._lock:
            for rec in reversed(self.tracking):
                if all(test(self, rec, value) for test, value in tests):
                    return rec
            return None

    def pick_amp_message(self):
        return self.pick_tracking(amp=True, category="amp") or self.pick_tracking(amp=True)

    def pick_dlp_message(self):
        return self.pick_tracking(dlp=True)

    def pick_url_message(self):
        return self.pick_tracking(url=True, category="url") or self.pick_tracking(url=True)

    def pick_phishing_message(self):
        return self.pick_tracking(category="phish", within=HOUR, subject_contains="Password Reset")

    def pick_splintered_message(self):
        return self.pick_tracking(splintered=True)

    def pick_clean_message(self):
        return self.pick_tracking(category="clean_in", amp=False)

    def pick_quarantine_mid(self, recent: bool = False) -> int | None:
        with self._lock:
            for q in reversed(self.quarantine):
                if not recent or q["_ts"] >= self.now_epoch - HOUR:
                    return q["mid"]
            return None

    def snapshot(self) -> dict:
        def enc(v):
            if isinstance(v, datetime):
                return v.isoformat()
            if isinstance(v, set):
                return sorted(v)
            if isinstance(v, dict):
                return {str(k): enc(x) for k, x in v.items() if not str(k).startswith("_")}
            if isinstance(v, (list, tuple)):
                return [enc(x) for x in v]
            return v

        with self._lock:
            return {
                "appliance": self.appliance, "now": self.now.isoformat(),
                "hosts": [{k: v for k, v in h.items() if k != "zone" and not k.startswith("_")} | {"zone": h["zone"].label}
                          for h in self.hosts],
                "tracking": [enc(r) for r in self.tracking],
                "quarantine": [enc(q) for q in self.quarantine],
                "lists": enc(self.lists),
                "rejections": {str(k): v for k, v in sorted(self.rejections.items())},
            }
