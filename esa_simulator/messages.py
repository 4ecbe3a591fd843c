"""How one simulated message comes to be: the name pools, the display zones, and the
generation of a message's attributes from a partial spec, consistent with its category.

Every random choice comes from the `random.Random` passed in, in a fixed order, so the same
seed always gives the same messages."""

from __future__ import annotations

import random
from datetime import datetime, timezone

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


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def epoch_of(value) -> int:
    """Whole seconds since the epoch for an aware datetime or an ISO-8601 string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return int(value.timestamp())
    return int(value)


def hex_string(rng: random.Random, nchars: int) -> str:
    return f"{rng.getrandbits(nchars * 4):0{nchars}x}"


def make_attachment(rng: random.Random, kind: str, name: str | None = None) -> dict:
    fname, mime = rng.choice(ATTACH[kind])
    if name is not None:
        fname = name
    return {"name": fname, "sha256": hex_string(rng, 64), "size": rng.randrange(3000, 600000), "mimeType": mime}


def make_amp_file(rng: random.Random, kind: str, disposition: str, name: str | None = None) -> dict:
    att = make_attachment(rng, kind, name)
    att.update(disposition=disposition,
               malware=rng.choice(MALWARE) if disposition == "MALICIOUS" else "None",
               score=rng.randrange(80, 100) if disposition == "MALICIOUS" else 0)
    return att


def norm_amp(amp, rng):
    if not amp:
        return None
    if amp is True:
        return [make_amp_file(rng, "bad", "MALICIOUS")]
    out = []
    for a in amp:
        if isinstance(a, str):
            a = {"file": a}
        base = make_amp_file(rng, "bad", a.get("disposition", "MALICIOUS"), name=a.get("file") or a.get("name"))
        for key in ("sha256", "size", "mimeType", "malware", "score"):
            if key in a:
                base[key] = a[key]
        out.append(base)
    return out


def make_urls(rng, sdom, malicious=True, path=None) -> list[dict]:
    count = rng.randrange(1, 4)
    out = []
    for i in range(count):
        p = path if (path and i == 0) else rng.choice(["/login", "/verify", "/account/update", "/doc/view",
                                                      "/track?id=" + str(rng.randrange(10**5))])
        rep = round(rng.uniform(-9.5, -6.1), 1) if malicious and i == 0 else round(rng.uniform(-9.5, -3.5), 1)
        out.append({"url": f"http{'s' if rng.random() < 0.5 else ''}://{sdom}{p}", "reputation": rep})
    return out


def norm_urls(urls, sdom):
    if not urls:
        return None
    if urls is True:
        return [{"url": f"http://{sdom}/login", "reputation": -8.2}]
    return [{"url": u, "reputation": -8.0} if isinstance(u, str)
            else {"url": u["url"], "reputation": float(u.get("reputation", -8.0))} for u in urls]


def make_dlp(rng) -> dict:
    policy, classifier, matches = rng.choice(DLP_POLICIES)
    sev = rng.choice(["CRITICAL", "HIGH", "MEDIUM", "LOW"])
    return {"dlpPolicy": policy, "violationSeverity": sev,
            "riskFactor": {"CRITICAL": 91, "HIGH": 72, "MEDIUM": 48, "LOW": 21}[sev] + rng.randrange(0, 8),
            "dlpAction": rng.choice(["delivered", "encrypted", "dropped"]),
            "matches": [{"classifier": classifier, "classifierMatch": list(matches)}]}


def norm_dlp(dlp, rng):
    if not dlp:
        return None
    base = make_dlp(rng)
    if isinstance(dlp, dict):
        base.update(dlp)
    return base


# ---------------------------------------------------------------- one message from a partial spec
def fill_spec(world, spec: dict, rng: random.Random) -> dict:
    """Completes a partial spec (anything given wins) with generated values consistent with
    its category: host, parties, envelope, authentication results, then the verdicts."""
    cat = spec.get("category")
    if cat is None:
        cat = "clean_out" if spec.get("direction") == "outgoing" else "clean_in"
    s = dict(spec)
    s["category"] = cat
    s["serialNumber"] = _host(world, s, rng)["serialNumber"]
    direction = s.setdefault("direction", "outgoing" if cat in OUTGOING else "incoming")
    subject = _subject(cat, s["_ts"], rng)
    nrcpt = rng.choices([1, 2, 3], [75, 18, 7])[0]
    parties = (_incoming_parties if direction == "incoming" else _outgoing_parties)(world, cat, s, nrcpt, rng)
    _envelope(s, parties, subject, rng)
    _authentication(s, cat, rng)
    _verdicts(s, spec, rng)
    return s


def _host(world, s: dict, rng: random.Random) -> dict:
    if "serialNumber" not in s:
        return world.hosts[rng.randrange(len(world.hosts))]
    host = world._host_by_serial.get(s["serialNumber"])
    if host is None:
        raise ValueError(f"unknown serialNumber {s['serialNumber']!r}")
    return host


def _subject(cat: str, ts: int, rng: random.Random) -> str:
    subj_key = {"suspect_spam": "spam", "multi": "amp", "phish": "url"}.get(cat, cat)
    fmt = rng.choice(SUBJECTS.get(subj_key, SUBJECTS["clean_in"]))
    return fmt.format(n=rng.randrange(1000, 99999), k=rng.randrange(2, 9), d=utc(ts).strftime("%Y-%m-%d"))


BAD_CATEGORIES = ("virus", "amp", "url", "multi", "outbreak", "phish")


def _incoming_parties(world, cat: str, s: dict, nrcpt: int, rng: random.Random) -> dict:
    """An outside sender whose domain fits the category, writing to people inside."""
    if cat in ("spam", "suspect_spam"):
        domain = rng.choice(SPAM_DOMAINS)
        local = rng.choice(["promo", "winner", "deals", "offers", "info", "noreply"])
    elif cat == "graymail":
        gtype = rng.choice(list(GRAY_DOMAINS))
        s.setdefault("graymailType", gtype)
        domain = rng.choice(GRAY_DOMAINS[gtype])
        local = rng.choice(["news", "updates", "hello", "notifications"])
    elif cat in BAD_CATEGORIES:
        domain = rng.choice(BAD_DOMAINS)
        local = rng.choice(["it-support", "security", "billing", "admin", "docs"])
    else:
        domain = rng.choice(PARTNER_DOMAINS)
        local = rng.choice(PARTNER_LOCALS)
    rcpts = [a for _, a in rng.sample(world.people, nrcpt)]
    sbrs_val = {"spam": rng.uniform(-9, -1), "suspect_spam": rng.uniform(-3, 1)}.get(
        cat, rng.uniform(-2, 6) if cat in BAD_CATEGORIES else rng.uniform(0, 8))
    sbrs = "None" if rng.random() < 0.05 else f"{sbrs_val:.1f}"
    group = ("ACCEPTLIST" if sbrs == "None" or sbrs_val >= 2
             else "UNKNOWNLIST" if sbrs_val >= -1 else "SUSPECTLIST")
    ip = rng.choice(["192.0.2.", "198.51.100.", "203.0.113."]) + str(rng.randrange(2, 254))
    display = rng.choice([None, local.replace("-", " ").title(), domain.split(".")[0].title()])
    return {"sender": f"{local}@{domain}", "recipient": rcpts, "sbrs": sbrs, "senderGroup": group,
            "senderIp": ip, "display": display}


def _outgoing_parties(world, cat: str, s: dict, nrcpt: int, rng: random.Random) -> dict:
    """Someone inside writing out, relayed."""
    name, sender = rng.choice(world.people)
    display = rng.choice([None, name])
    rcpts = [f"{rng.choice(PARTNER_LOCALS + FIRST)}@{rng.choice(EXTERNAL_RCPT_DOMAINS)}" for _ in range(nrcpt)]
    return {"sender": sender, "recipient": list(dict.fromkeys(rcpts)), "sbrs": "None", "senderGroup": "RELAYLIST",
            "senderIp": f"10.1.1.{rng.randrange(10, 60)}", "display": display}


def _envelope(s: dict, parties: dict, subject: str, rng: random.Random) -> None:
    # setdefault evaluates its default even when the key is given: the random draws stay in step
    s.setdefault("sender", parties["sender"])
    sdom = s["sender"].rpartition("@")[2]
    display = parties["display"]
    s.setdefault("friendlyFrom", f"{display} <{s['sender']}>" if display else s["sender"])
    s.setdefault("headerFrom", s["sender"])
    rc = s.setdefault("recipient", parties["recipient"])
    if isinstance(rc, str):
        s["recipient"] = [rc]
    s.setdefault("subject", subject)
    s.setdefault("senderIp", parties["senderIp"])
    s.setdefault("senderDomain", sdom)
    s.setdefault("senderGroup", parties["senderGroup"])
    s.setdefault("sbrs", parties["sbrs"])
    incoming = s["direction"] == "incoming"
    s.setdefault("reverseDns", f"mail.{sdom}" if incoming else f"exch01.{INTERNAL_DOMAIN}")
    s.setdefault("replyTo", "N/A" if rng.random() < 0.9 else f"reply@{sdom}")
    s.setdefault("messageIdHeader",
                 f"<{utc(s['_ts']).strftime('%Y%m%d%H%M%S')}.{rng.randrange(10**6):06d}@{sdom}>")
    s.setdefault("messageSize", rng.choice([rng.randrange(400, 1024), rng.randrange(2000, 90000),
                                            rng.randrange(90000, 900000)]))


SDR_LEVEL = {"Untrusted": "5", "Questionable": "4", "Neutral": "3", "Trusted": "1"}


def _authentication(s: dict, cat: str, rng: random.Random) -> None:
    """TLS, SPF/DKIM/DMARC and the sender domain reputation (SDR)."""
    s.setdefault("tls", rng.random() < 0.85)
    s.setdefault("spf", "fail" if cat in ("spam", "phish") and rng.random() < 0.4 else "pass")
    s.setdefault("dkim", "fail" if cat in ("spam", "url", "phish") and rng.random() < 0.3 else "pass")
    s.setdefault("dmarc", "fail" if s["spf"] == "fail" and s["dkim"] == "fail" else "pass")
    s.setdefault("spoofed", cat == "phish")
    if s["direction"] != "incoming":
        s.setdefault("sdr", {"age": "N/A", "category": "N/A", "reputation": "N/A", "threatLevels": "N/A"})
        return
    rep = ("Untrusted" if cat in ("phish", "amp", "multi") else
           "Questionable" if cat in ("spam", "url", "virus") else rng.choice(["Neutral", "Trusted"]))
    s.setdefault("sdr", {"age": rng.choice(["30 days (or greater)", "2 days", "5 hours"]),
                         "category": "N/A", "reputation": rep, "threatLevels": SDR_LEVEL[rep]})


# ---------------------------------------------------------------- verdicts, by category
class Verdict:
    """What the engines concluded; each category's function below changes the defaults."""

    def __init__(self):
        self.flags = {k: False for k in FLAG_KEYS}
        self.status, self.delivery, self.chart = "Delivered", "DELIVERED", VERDICTS["clean"]
        self.final_subject = None
        self.quarantine: list[str] = []
        self.amp = self.dlp = self.urls = self.threat = None


def _v_clean_in(v, s, spec, sdom, rng):
    if rng.random() < 0.25:
        v.amp = [make_amp_file(rng, "clean", rng.choice(["CLEAN", "FILE UNKNOWN"]))]


def _v_clean_out(v, s, spec, sdom, rng):
    v.chart = VERDICTS["out"]
    if rng.random() < 0.15:
        v.amp = [make_amp_file(rng, "clean", "CLEAN")]


def _v_graymail(v, s, spec, sdom, rng):
    v.flags["graymail"] = True
    v.chart = VERDICTS["gray"]


def _v_spam(v, s, spec, sdom, rng):
    v.flags.update(spamPositive=True, quarantinedAsSpam=True)
    v.status, v.delivery, v.chart = "Quarantined by Anti-Spam/Graymail", None, VERDICTS["spam"]
    v.final_subject = f"[SPAM] {s['subject']}"


def _v_suspect_spam(v, s, spec, sdom, rng):
    v.flags["suspectSpam"] = True
    v.chart = VERDICTS["suspect"]
    v.final_subject = f"[SUSPECTED SPAM] {s['subject']}"


def _v_virus(v, s, spec, sdom, rng):
    v.flags["virusPositive"] = True
    v.status, v.delivery, v.chart = "Dropped by Anti-Virus", "DROPPED", VERDICTS["virus"]
    v.threat = rng.choice(VIRUSES)
    s.setdefault("attachments", [make_attachment(rng, "bad")])


def _v_outbreak(v, s, spec, sdom, rng):
    v.flags["inOutbreakQuarantine"] = True
    v.status, v.delivery, v.chart = "Quarantined by Outbreak Filters", None, VERDICTS["outbreak"]
    v.quarantine = ["OUTBREAK"]
    v.threat = "Phish.Outbreak.Generic"


def _v_amp(v, s, spec, sdom, rng):
    v.amp = [make_amp_file(rng, "bad", "MALICIOUS")]
    v.status, v.delivery, v.chart = "Quarantined by Advanced Malware Protection", None, VERDICTS["amp"]
    v.quarantine = ["AMP"]


def _v_url(v, s, spec, sdom, rng):
    v.urls = make_urls(rng, sdom, malicious=True)
    if rng.random() < 0.5:
        v.status, v.delivery = "Quarantined by Content Filters", None
        v.quarantine = ["POLICY"]
    v.chart = VERDICTS["url"]


def _v_multi(v, s, spec, sdom, rng):
    v.amp = [make_amp_file(rng, "bad", "MALICIOUS")]
    v.urls = make_urls(rng, sdom, malicious=True)
    v.status, v.delivery, v.chart = "Quarantined by Multiple Engines", None, VERDICTS["amp"]
    v.quarantine = ["AMP", "POLICY"]


def _v_content_filter(v, s, spec, sdom, rng):
    v.flags["contentFilterThreat"] = True
    v.status, v.delivery, v.chart = "Quarantined by Content Filters", None, VERDICTS["cf"]
    v.quarantine = ["POLICY"]


def _v_dlp(v, s, spec, sdom, rng):
    v.dlp = make_dlp(rng)
    v.chart = VERDICTS["dlp"]
    if v.dlp["dlpAction"] == "dropped":
        v.status, v.delivery = "Dropped by DLP", "DROPPED"
        v.quarantine = ["DLP"]
    elif v.dlp["dlpAction"] == "encrypted":
        v.status = "Delivered (Encrypted)"


def _v_bounce(v, s, spec, sdom, rng):
    v.flags["hardBounced"] = True
    v.status, v.delivery, v.chart = "Hard Bounced", "BOUNCED", VERDICTS["bounce"]


def _v_phish(v, s, spec, sdom, rng):
    # the two planted phishing messages of the demo's investigation; even ones are caught
    k = spec.get("_phish", 0)
    if "subject" not in spec:
        s["subject"] = ["Password Reset Required - Action Needed",
                        "RE: Password Reset confirmation for your mailbox"][k % 2]
    v.amp = [make_amp_file(rng, "bad", "MALICIOUS" if k % 2 == 0 else "FILE UNKNOWN",
                           name="Password_Reset_Form.html" if k % 2 == 0 else "reset_instructions.pdf")]
    v.urls = make_urls(rng, sdom, malicious=True, path="/password-reset/login")
    if k % 2 == 0:
        v.status, v.delivery, v.quarantine = "Quarantined by Multiple Engines", None, ["AMP", "POLICY"]
    v.chart = VERDICTS["url"]


VERDICT_BY_CATEGORY = {
    "clean_in": _v_clean_in, "clean_out": _v_clean_out, "graymail": _v_graymail, "spam": _v_spam,
    "suspect_spam": _v_suspect_spam, "virus": _v_virus, "outbreak": _v_outbreak, "amp": _v_amp, "url": _v_url,
    "multi": _v_multi, "content_filter": _v_content_filter, "dlp": _v_dlp, "bounce": _v_bounce,
    "phish": _v_phish,
}


def _verdicts(s: dict, spec: dict, rng: random.Random) -> None:
    sdom = s["sender"].rpartition("@")[2]
    v = Verdict()
    judge = VERDICT_BY_CATEGORY.get(s["category"])
    if judge is not None:
        judge(v, s, spec, sdom, rng)
    # explicit data from the caller (add_tracking_message) overrides generated verdicts
    amp = s["amp"] = norm_amp(s.get("amp", v.amp), rng)
    urls = s["urls"] = norm_urls(s.get("urls", v.urls), sdom)
    s["dlp"] = norm_dlp(s.get("dlp", v.dlp), rng)
    if "attachments" not in s:
        s["attachments"] = ([{k: a[k] for k in ("name", "sha256", "size", "mimeType")} for a in amp]
                            if amp else [])
    else:
        s["attachments"] = [a if isinstance(a, dict) else make_attachment(rng, "clean", name=a)
                            for a in s["attachments"]]
    s.setdefault("advancedMalwareProtection", _worst_amp(amp))
    if urls:
        minrep = min(u["reputation"] for u in urls)
        s.setdefault("urlReputation", "Malicious" if minrep <= -6 else "Suspicious" if minrep < -3 else None)
        v.flags["containedMaliciousUrls" if minrep <= -6 else "containedNeutralUrls"] = True
    else:
        s.setdefault("urlReputation", None)
    s.setdefault("messageStatus", v.status)
    s.setdefault("deliveryStatus", v.delivery)
    v.flags["message_delivered"] = s["deliveryStatus"] == "DELIVERED"
    for key, val in v.flags.items():
        s.setdefault(key, val)
    s.setdefault("graymailType", None)
    s.setdefault("verdictChart", v.chart)
    s.setdefault("finalSubject", v.final_subject or s["subject"])
    s.setdefault("quarantineStatus", v.quarantine)
    s.setdefault("threatName", v.threat)


def _worst_amp(amp) -> str | None:
    if not amp:
        return None
    dispositions = {a["disposition"] for a in amp}
    return ("amp_malicious" if "MALICIOUS" in dispositions else
            "amp_unknown" if "FILE UNKNOWN" in dispositions else "amp_clean")
