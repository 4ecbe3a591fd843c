"""The simulated appliance's state: a seeded, deterministic world of tracked messages,
spam-quarantine messages, safelist/blocklist entries and rejected-connection counts.

Same appliance + seed + `now` + counts => an identical world (`World.snapshot()` equal).
All randomness comes from one `random.Random` seeded by a string; nothing global.

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

from .pvo import PvoQuarantines
from .tracking_extras import TrackingExtras

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HOUR = 3600
DAY = 86400


class Zone:
    """A fixed-offset display zone with one of the appliance's label styles (§1.3)."""

    __slots__ = ("offset", "label", "style")

    def __init__(self, offset_minutes: int, style: str):
        self.offset = offset_minutes * 60
        self.style = style
        if style == "gmt":
            self.label = "(GMT)"
        else:
            sign = "+" if offset_minutes >= 0 else "-"
            hh, mm = divmod(abs(offset_minutes), 60)
            sep = " " if style == "spaced" else ""
            self.label = f"(GMT{sep}{sign}{hh:02d}:{mm:02d})"

    def display(self, epoch: int, seconds: bool = True) -> str:
        t = datetime.fromtimestamp(epoch + self.offset, timezone.utc)
        text = f"{t.day:02d} {MONTHS[t.month - 1]} {t.year} {t.hour:02d}:{t.minute:02d}"
        if seconds:
            text += f":{t.second:02d}"
        return f"{text} {self.label}"


# ---------------------------------------------------------------- name pools
FIRST = ["alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy",
         "mallory", "nina", "oscar", "peggy", "quentin", "rita", "sam", "trent", "ursula",
         "victor", "wendy", "xavier", "yara", "zoe", "liam", "maya", "noah", "olga"]
LAST = ["nguyen", "smith", "garcia", "kowalski", "okafor", "tanaka", "muller", "rossi",
        "haddad", "larsen", "dubois", "silva", "novak", "chen", "patel", "brennan"]
INTERNAL_DOMAIN = "corp.example"
POLICIES_IN = ["DEFAULT"] * 7 + ["Executives", "Finance", "IT-Staff"]
PARTNER_DOMAINS = ["partner.example", "vendor.example", "supplier.example", "bank.example",
                   "travel.example", "payroll.example", "logistics.example", "lawfirm.example",
                   "saas.example", "consulting.example"]
PARTNER_LOCALS = ["billing", "accounts", "info", "support", "noreply", "orders", "hr", "events",
                  "j.doe", "m.jones", "sales", "ops"]
GRAY_DOMAINS = {"marketing": ["promo.example", "deals-weekly.example", "retail.example"],
                "social": ["social.example", "connect.example"],
                "bulk": ["newsletter.example", "digest.example"]}
SPAM_DOMAINS = ["spammy.example", "prize-desk.example", "cheap-meds.example", "crypto-win.example",
                "lottery-intl.example", "dating-now.example"]
BAD_DOMAINS = ["micros0ft-support.example", "secure-login.example", "account-verify.example",
               "invoice-docs.example", "parcel-track.example"]
EXTERNAL_RCPT_DOMAINS = ["partner.example", "customer.example", "mailbox.example", "other.example",
                         "vendor.example", "freemail.example"]

SUBJECTS = {
    "clean_in": ["Invoice {n}", "Meeting notes {d}", "Quarterly update", "Purchase order #{n}",
                 "Shipping confirmation {n}", "Contract draft v{k}", "Re: project timeline",
                 "Your statement is ready", "Travel itinerary {n}", "Agenda for {d}",
                 "Fw: budget review", "Payroll schedule {d}"],
    "clean_out": ["Re: Invoice {n}", "Proposal for {d}", "Fw: meeting notes", "Order confirmation {n}",
                  "Re: contract draft v{k}", "Follow-up on our call", "Updated price list",
                  "Re: support ticket {n}"],
    "graymail": ["Weekly digest #{k}", "Your monthly newsletter", "New connection request",
                 "Flash sale: {k}0% off", "Someone viewed your profile", "Top stories for {d}"],
    "spam": ["You won a prize!", "Cheap meds, no prescription", "Make ${n} from home",
             "Hot singles near you", "Claim your crypto bonus", "URGENT: lottery notification",
             "Lose 10 kg in {k} days", "Exclusive offer just for you"],
    "virus": ["Scanned document {n}", "Invoice_{n}", "Payment advice", "Fax message {n}"],
    "amp": ["Report {d}", "Remittance advice {n}", "Updated contract", "Shared file: Q{k} results"],
    "url": ["Verify your account", "Your mailbox is almost full", "Unusual sign-in activity",
            "Document shared with you", "Delivery failed: reschedule"],
    "content_filter": ["Confidential: salary list", "Wire transfer request", "Gift card request"],
    "dlp": ["Fw: customer list", "card data", "Employee records {d}", "Patient summary {n}"],
    "bounce": ["Re: Invoice {n}", "Follow-up", "Meeting request {d}"],
    "outbreak": ["Urgent invoice {n}", "Delivery notice", "Payment confirmation {n}"],
}
ATTACH = {
    "clean": [("invoice.pdf", "application/pdf"), ("notes.docx",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
              ("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              ("photo.jpg", "image/jpeg"), ("agenda.pdf", "application/pdf")],
    "bad": [("report.docm", "application/vnd.ms-word.document.macroEnabled.12"),
            ("remittance.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"),
            ("invoice.zip", "application/zip"), ("document.html", "text/html"),
            ("setup.exe", "application/x-dosexec")],
}
MALWARE = ["W32.Example.Trojan", "Doc.Downloader.Emotet", "Xls.Dropper.Agent", "Win.Ransomware.Locky",
           "Html.Phishing.Generic"]
VIRUSES = ["Eicar-Test-Signature", "Troj/DocDl-ABC", "Mal/Phish-Z", "W97M/Downloader"]
DLP_POLICIES = [("PCI-DSS (Low Threshold)", "Credit Card Numbers", ["4111-1111-1111-1111", "5500-0000-0000-0004"]),
                ("US HIPAA and HITECH (Low Threshold)", "Personal Information (US)", ["SSN 078-05-1120", "DOB 01/02/1980"]),
                ("Privacy Protection", "Proper Names (US)", ["John Example", "Jane Sample"]),
                ("Confidential Documents", "Confidential Markers", ["INTERNAL USE ONLY"])]
VERDICTS = {"clean": "11131210", "spam": "16140210", "suspect": "15140210", "gray": "11151210",
            "virus": "11132410", "amp": "11133510", "url": "11131610", "cf": "11131216",
            "dlp": "11131217", "out": "11131200", "bounce": "11131290", "outbreak": "11131218"}

CATEGORY_WEIGHTS = [("clean_in", 36), ("clean_out", 17), ("graymail", 9), ("spam", 12),
                    ("suspect_spam", 3), ("virus", 2), ("outbreak", 1), ("amp", 3), ("url", 5),
                    ("content_filter", 2), ("dlp", 5), ("bounce", 3), ("multi", 2)]
OUTGOING = {"clean_out", "dlp", "bounce"}

FLAG_KEYS = ("spamPositive", "suspectSpam", "quarantinedAsSpam", "virusPositive", "graymail",
             "containedMaliciousUrls", "containedNeutralUrls", "hardBounced", "softBounced",
             "inOutbreakQuarantine", "message_delivered", "contentFilterThreat", "daneFailure",
             "safeprintExt")


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _epoch(value) -> int:
    """Whole seconds since the epoch for an aware datetime or an ISO-8601 string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return int(value.timestamp())
    return int(value)


def _hex(rng: random.Random, nchars: int) -> str:
    return f"{rng.getrandbits(nchars * 4):0{nchars}x}"


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
            return f"{_hex(rng, 20)}-{_hex(rng, 12)}".upper()

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
    def _fill_spec(self, spec: dict, rng: random.Random) -> dict:
        """Complete a partial spec with generated values consistent with its category."""
        cat = spec.get("category")
        if cat is None:
            cat = "clean_out" if spec.get("direction") == "outgoing" else "clean_in"
        s = dict(spec)
        s["category"] = cat
        ts = s["_ts"]
        if "serialNumber" in s:
            host = self._host_by_serial.get(s["serialNumber"])
            if host is None:
                raise ValueError(f"unknown serialNumber {s['serialNumber']!r}")
        else:
            host = self.hosts[rng.randrange(len(self.hosts))]
        s["serialNumber"] = host["serialNumber"]
        direction = s.setdefault("direction", "outgoing" if cat in OUTGOING else "incoming")
        subj_key = {"suspect_spam": "spam", "multi": "amp", "phish": "url"}.get(cat, cat)
        fmt = rng.choice(SUBJECTS.get(subj_key, SUBJECTS["clean_in"]))
        subject = fmt.format(n=rng.randrange(1000, 99999), k=rng.randrange(2, 9),
                             d=_utc(ts).strftime("%Y-%m-%d"))
        nrcpt = rng.choices([1, 2, 3], [75, 18, 7])[0]
        if direction == "incoming":
            if cat in ("spam", "suspect_spam"):
                domain = rng.choice(SPAM_DOMAINS)
                local = rng.choice(["promo", "winner", "deals", "offers", "info", "noreply"])
            elif cat == "graymail":
                gtype = rng.choice(list(GRAY_DOMAINS))
                s.setdefault("graymailType", gtype)
                domain = rng.choice(GRAY_DOMAINS[gtype])
                local = rng.choice(["news", "updates", "hello", "notifications"])
            elif cat in ("virus", "amp", "url", "multi", "outbreak", "phish"):
                domain = rng.choice(BAD_DOMAINS)
                local = rng.choice(["it-support", "security", "billing", "admin", "docs"])
            else:
                domain = rng.choice(PARTNER_DOMAINS)
                local = rng.choice(PARTNER_LOCALS)
            sender = f"{local}@{domain}"
            rcpts = [a for _, a in rng.sample(self.people, nrcpt)]
            sbrs_val = {"spam": rng.uniform(-9, -1), "suspect_spam": rng.uniform(-3, 1)}.get(
                cat, rng.uniform(-2, 6) if cat in ("virus", "amp", "url", "multi", "outbreak", "phish")
                else rng.uniform(0, 8))
            sbrs = "None" if rng.random() < 0.05 else f"{sbrs_val:.1f}"
            group = ("ACCEPTLIST" if sbrs == "None" or sbrs_val >= 2
                     else "UNKNOWNLIST" if sbrs_val >= -1 else "SUSPECTLIST")
            ip = rng.choice(["192.0.2.", "198.51.100.", "203.0.113."]) + str(rng.randrange(2, 254))
            display = rng.choice([None, local.replace("-", " ").title(), domain.split(".")[0].title()])
        else:
            name, sender = rng.choice(self.people)
            display = rng.choice([None, name])
            rcpts = [f"{rng.choice(PARTNER_LOCALS + FIRST)}@{rng.choice(EXTERNAL_RCPT_DOMAINS)}"
                     for _ in range(nrcpt)]
            rcpts = list(dict.fromkeys(rcpts))
            sbrs = "None"
            group = "RELAYLIST"
            ip = f"10.1.1.{rng.randrange(10, 60)}"
        s.setdefault("sender", sender)
        sdom = s["sender"].rpartition("@")[2]
        s.setdefault("friendlyFrom", f"{display} <{s['sender']}>" if display else s["sender"])
        s.setdefault("headerFrom", s["sender"])
        rc = s.setdefault("recipient", rcpts)
        if isinstance(rc, str):
            s["recipient"] = [rc]
        s.setdefault("subject", subject)
        s.setdefault("senderIp", ip)
        s.setdefault("senderDomain", sdom)
        s.setdefault("senderGroup", group)
        s.setdefault("sbrs", sbrs)
        s.setdefault("reverseDns", f"mail.{sdom}" if direction == "incoming" else f"exch01.{INTERNAL_DOMAIN}")
        s.setdefault("replyTo", "N/A" if rng.random() < 0.9 else f"reply@{sdom}")
        s.setdefault("messageIdHeader",
                     f"<{_utc(ts).strftime('%Y%m%d%H%M%S')}.{rng.randrange(10**6):06d}@{sdom}>")
        s.setdefault("messageSize", rng.choice([rng.randrange(400, 1024), rng.randrange(2000, 90000),
                                                rng.randrange(90000, 900000)]))
        s.setdefault("tls", rng.random() < 0.85)
        s.setdefault("spf", "fail" if cat in ("spam", "phish") and rng.random() < 0.4 else "pass")
        s.setdefault("dkim", "fail" if cat in ("spam", "url", "phish") and rng.random() < 0.3 else "pass")
        s.setdefault("dmarc", "fail" if s["spf"] == "fail" and s["dkim"] == "fail" else "pass")
        s.setdefault("spoofed", cat == "phish")
        if direction == "incoming":
            rep = ("Untrusted" if cat in ("phish", "amp", "multi") else
                   "Questionable" if cat in ("spam", "url", "virus") else rng.choice(["Neutral", "Trusted"]))
            lvl = {"Untrusted": "5", "Questionable": "4", "Neutral": "3", "Trusted": "1"}[rep]
            s.setdefault("sdr", {"age": rng.choice(["30 days (or greater)", "2 days", "5 hours"]),
                                 "category": "N/A", "reputation": rep, "threatLevels": lvl})
        else:
            s.setdefault("sdr", {"age": "N/A", "category": "N/A", "reputation": "N/A", "threatLevels": "N/A"})

        # verdicts by category; anything given explicitly wins
        flags = {k: False for k in FLAG_KEYS}
        status, delivery, verdict, fsubj = "Delivered", "DELIVERED", VERDICTS["clean"], None
        qstatus: list[str] = []
        amp = dlp = urls = None
        threat = None
        if cat == "clean_in" and rng.random() < 0.25:
            amp = [self._amp_file(rng, "clean", rng.choice(["CLEAN", "FILE UNKNOWN"]))]
        elif cat == "clean_out":
            verdict = VERDICTS["out"]
            if rng.random() < 0.15:
                amp = [self._amp_file(rng, "clean", "CLEAN")]
        elif cat == "graymail":
            flags["graymail"] = True
            verdict = VERDICTS["gray"]
        elif cat == "spam":
            flags.update(spamPositive=True, quarantinedAsSpam=True)
            status, delivery, verdict = "Quarantined by Anti-Spam/Graymail", None, VERDICTS["spam"]
            fsubj = f"[SPAM] {s['subject']}"
        elif cat == "suspect_spam":
            flags["suspectSpam"] = True
            verdict = VERDICTS["suspect"]
            fsubj = f"[SUSPECTED SPAM] {s['subject']}"
        elif cat == "virus":
            flags["virusPositive"] = True
            status, delivery, verdict = "Dropped by Anti-Virus", "DROPPED", VERDICTS["virus"]
            threat = rng.choice(VIRUSES)
            s.setdefault("attachments", [self._attachment(rng, "bad")])
        elif cat == "outbreak":
            flags["inOutbreakQuarantine"] = True
            status, delivery, verdict = "Quarantined by Outbreak Filters", None, VERDICTS["outbreak"]
            qstatus = ["OUTBREAK"]
            threat = "Phish.Outbreak.Generic"
        elif cat == "amp":
            amp = [self._amp_file(rng, "bad", "MALICIOUS")]
            status, delivery, verdict = "Quarantined by Advanced Malware Protection", None, VERDICTS["amp"]
            qstatus = ["AMP"]
        elif cat == "url":
            urls = self._urls(rng, sdom, malicious=True)
            if rng.random() < 0.5:
                status, delivery = "Quarantined by Content Filters", None
                qstatus = ["POLICY"]
            verdict = VERDICTS["url"]
        elif cat == "multi":
            amp = [self._amp_file(rng, "bad", "MALICIOUS")]
            urls = self._urls(rng, sdom, malicious=True)
            status, delivery, verdict = "Quarantined by Multiple Engines", None, VERDICTS["amp"]
            qstatus = ["AMP", "POLICY"]
        elif cat == "content_filter":
            flags["contentFilterThreat"] = True
            status, delivery, verdict = "Quarantined by Content Filters", None, VERDICTS["cf"]
            qstatus = ["POLICY"]
        elif cat == "dlp":
            dlp = self._dlp(rng)
            verdict = VERDICTS["dlp"]
            if dlp["dlpAction"] == "dropped":
                status, delivery = "Dropped by DLP", "DROPPED"
            elif dlp["dlpAction"] == "encrypted":
                status = "Delivered (Encrypted)"
            qstatus = ["DLP"] if dlp["dlpAction"] == "dropped" else []
        elif cat == "bounce":
            flags["hardBounced"] = True
            status, delivery, verdict = "Hard Bounced", "BOUNCED", VERDICTS["bounce"]
        elif cat == "phish":
            k = spec.get("_phish", 0)
            if "subject" not in spec:
                s["subject"] = ["Password Reset Required - Action Needed",
                                "RE: Password Reset confirmation for your mailbox"][k % 2]
            amp = [self._amp_file(rng, "bad", "MALICIOUS" if k % 2 == 0 else "FILE UNKNOWN",
                                  name="Password_Reset_Form.html" if k % 2 == 0 else "reset_instructions.pdf")]
            urls = self._urls(rng, sdom, malicious=True, path="/password-reset/login")
            if k % 2 == 0:
                status, delivery, qstatus = "Quarantined by Multiple Engines", None, ["AMP", "POLICY"]
            verdict = VERDICTS["url"]
        # explicit data from the caller (add_tracking_message) overrides generated verdicts
        amp = self._norm_amp(s.get("amp", amp), rng)
        urls = self._norm_urls(s.get("urls", urls), sdom)
        dlp = self._norm_dlp(s.get("dlp", dlp), rng)
        s["amp"], s["urls"], s["dlp"] = amp, urls, dlp
        if "attachments" not in s:
            s["attachments"] = ([{k2: a[k2] for k2 in ("name", "sha256", "size", "mimeType")} for a in amp]
                                if amp else [])
        else:
            s["attachments"] = [a if isinstance(a, dict) else self._attachment(rng, "clean", name=a)
                                for a in s["attachments"]]
        if amp:
            worst = ("amp_malicious" if any(a["disposition"] == "MALICIOUS" for a in amp) else
                     "amp_unknown" if any(a["disposition"] == "FILE UNKNOWN" for a in amp) else "amp_clean")
        else:
            worst = None
        s.setdefault("advancedMalwareProtection", worst)
        if urls:
            minrep = min(u["reputation"] for u in urls)
            s.setdefault("urlReputation", "Malicious" if minrep <= -6 else "Suspicious" if minrep < -3 else None)
            if minrep <= -6:
                flags["containedMaliciousUrls"] = True
            else:
                flags["containedNeutralUrls"] = True
        else:
            s.setdefault("urlReputation", None)
        s.setdefault("messageStatus", status)
        s.setdefault("deliveryStatus", delivery)
        flags["message_delivered"] = s["deliveryStatus"] == "DELIVERED"
        for key, val in flags.items():
            s.setdefault(key, val)
        s.setdefault("graymailType", None)
        s.setdefault("verdictChart", verdict)
        s.setdefault("finalSubject", fsubj or s["subject"])
        s.setdefault("quarantineStatus", qstatus)
        s.setdefault("threatName", threat)
        return s

    def _attachment(self, rng: random.Random, kind: str, name: str | None = None) -> dict:
        fname, mime = rng.choice(ATTACH[kind])
        if name is not None:
            fname = name
        return {"name": fname, "sha256": _hex(rng, 64), "size": rng.randrange(3000, 600000), "mimeType": mime}

    def _amp_file(self, rng: random.Random, kind: str, disposition: str, name: str | None = None) -> dict:
        att = self._attachment(rng, kind, name)
        att.update(disposition=disposition,
                   malware=rng.choice(MALWARE) if disposition == "MALICIOUS" else "None",
                   score=rng.randrange(80, 100) if disposition == "MALICIOUS" else 0)
        return att

    def _norm_amp(self, amp, rng):
        if not amp:
            return None
        if amp is True:
            return [self._amp_file(rng, "bad", "MALICIOUS")]
        out = []
        for a in amp:
            if isinstance(a, str):
                a = {"file": a}
            base = self._amp_file(rng, "bad", a.get("disposition", "MALICIOUS"), name=a.get("file") or a.get("name"))
            for key in ("sha256", "size", "mimeType", "malware", "score"):
                if key in a:
                    base[key] = a[key]
            out.append(base)
        return out

    def _urls(self, rng, sdom, malicious=True, path=None) -> list[dict]:
        count = rng.randrange(1, 4)
        out = []
        for i in range(count):
            p = path if (path and i == 0) else rng.choice(["/login", "/verify", "/account/update", "/doc/view",
                                                          "/track?id=" + str(rng.randrange(10**5))])
            rep = round(rng.uniform(-9.5, -6.1), 1) if malicious and i == 0 else round(rng.uniform(-9.5, -3.5), 1)
            out.append({"url": f"http{'s' if rng.random() < 0.5 else ''}://{sdom}{p}", "reputation": rep})
        return out

    def _norm_urls(self, urls, sdom):
        if not urls:
            return None
        if urls is True:
            return [{"url": f"http://{sdom}/login", "reputation": -8.2}]
        return [{"url": u, "reputation": -8.0} if isinstance(u, str)
                else {"url": u["url"], "reputation": float(u.get("reputation", -8.0))} for u in urls]

    def _dlp(self, rng) -> dict:
        policy, classifier, matches = rng.choice(DLP_POLICIES)
        sev = rng.choice(["CRITICAL", "HIGH", "MEDIUM", "LOW"])
        return {"dlpPolicy": policy, "violationSeverity": sev,
                "riskFactor": {"CRITICAL": 91, "HIGH": 72, "MEDIUM": 48, "LOW": 21}[sev] + rng.randrange(0, 8),
                "dlpAction": rng.choice(["delivered", "encrypted", "dropped"]),
                "matches": [{"classifier": classifier, "classifierMatch": list(matches)}]}

    def _norm_dlp(self, dlp, rng):
        if not dlp:
            return None
        base = self._dlp(rng)
        if isinstance(dlp, dict):
            base.update(dlp)
        return base

    def _materialize(self, spec: dict, rng: random.Random) -> dict:
        s = self._fill_spec(spec, rng)
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
            "timestamp": _utc(s["_ts"]), "mailPolicy": pols, "recipientMap": rmap,
        }
        for key, val in s.items():
            if not key.startswith("_") and key not in rec:
                rec[key] = val
        rec["_ts"] = s["_ts"]
        rec["_host"] = host
        rec["_disp"] = host["zone"].display(s["_ts"])
        return rec

    def _store_tracking(self, rec: dict) -> None:
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
            spec = self._fill_spec({"category": "spam", "_ts": ts, "serialNumber": self.hosts[0]["serialNumber"]}, rng)
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
            received = _utc(ts).strftime("%d %b %Y %H:%M:%S +0000")
            text = rng.choice(["Dear customer,<br />\nYou have been selected for an exclusive reward.",
                               "Limited time offer!!! Click the link below to claim.",
                               "Hello,<br />\nI have a business proposal for you. Reply for details.",
                               "Best prices on the internet. Unsubscribe anytime."])
            body = (f"Received: from mail.{sender.rpartition('@')[2]} ([{sender_ip}])\r\n by {host} with ESMTP; "
                    f"{received}<br />\nFrom: {frm[0]}<br />\nTo: {', '.join(envelope)}<br />\n"
                    f"Subject: {subject}<br />\n<br />\n{text}")
        return {"mid": int(mid), "date": _utc(ts), "envelopeRecipient": list(envelope), "toAddress": list(to),
                "fromAddress": list(frm), "subject": subject, "size": int(size), "messageBody": body,
                "attachments": list(attachments), "_ts": ts,
                "_disp": self.quarantine_zone.display(ts, seconds=False)}

    def _store_quarantine(self, q: dict) -> None:
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

    def search_tracking(self, start: int, end: int, predicate, offset: int, limit: int) -> list[dict]:
        with self._lock:
            lo = bisect.bisect_left(self._tkeys, (start,))
            hi = bisect.bisect_left(self._tkeys, (end,))
            out = []
            skip = offset
            for i in range(hi - 1, lo - 1, -1):
                rec = self.tracking[i]
                if predicate is not None and not predicate(rec):
                    continue
                if skip:
                    skip -= 1
                    continue
                out.append(rec)
                if len(out) >= limit:
                    break
            return out

    def quarantine_window(self, start: int, end: int) -> list[dict]:
        """Quarantine records with start <= date < end, newest first."""
        with self._lock:
            lo = bisect.bisect_left(self._qkeys, (start,))
            hi = bisect.bisect_left(self._qkeys, (end,))
            return self.quarantine[lo:hi][::-1]

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
            spec["_ts"] = _epoch(ts) if ts is not None else self._current() - 1
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
            ts = _epoch(date) if date is not None else self._current() - 60
            mid = attrs.pop("mid", None)
            if mid is None:
                mid = max(self._highest_qmid, self._max_tracking_mid()) + 1
            spec = self._fill_spec({"category": "spam", "_ts": ts, "serialNumber": self.hosts[0]["serialNumber"],
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

    def pick_tracking(self, amp=None, dlp=None, url=None, splintered=None, direction=None, category=None,
                      status=None, serial=None, within=None, subject_contains=None) -> dict | None:
        with self._lock:
            for rec in reversed(self.tracking):
                if amp is not None and bool(rec["amp"]) != amp:
                    continue
                if dlp is not None and bool(rec["dlp"]) != dlp:
                    continue
                if url is not None and bool(rec["urls"]) != url:
                    continue
                if splintered is not None and (len(rec["mid"]) > 1) != splintered:
                    continue
                if direction is not None and rec["direction"] != direction:
                    continue
                if category is not None and rec["category"] != category:
                    continue
                if status is not None and rec["messageStatus"] != status:
                    continue
                if serial is not None and rec["serialNumber"] != serial:
                    continue
                if within is not None and rec["_ts"] < self.now_epoch - within:
                    continue
                if subject_contains is not None and subject_contains.lower() not in rec["subject"].lower():
                    continue
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
