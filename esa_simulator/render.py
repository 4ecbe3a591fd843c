"""Turns world records into the JSON shapes the appliance answers with (reference §2–§6)."""

from __future__ import annotations


def _size_kb(nbytes: int) -> str:
    # details print small messages in bytes, larger ones in KB with two decimals (§3.2)
    if nbytes < 1024:
        return f"{nbytes} (Bytes)"
    return f"{nbytes / 1024:.2f} (KB)"


def quarantine_size(nbytes: int) -> str:
    return f"{nbytes / 1024:.2f}K"


def tracking_row(rec: dict, sma: bool, old: bool) -> dict:
    cache = rec.setdefault("_rows", {})
    key = (sma, old)
    row = cache.get(key)
    if row is None:
        row = {"attributes": _old_row(rec, sma) if old else _new_row(rec, sma)}
        cache[key] = row
    return row


def _new_row(rec: dict, sma: bool) -> dict:
    keys = [str(m) for m in rec["mid"]]
    attrs = {
        "hostName": rec["hostName"] if sma else "",
        "friendly_from": [rec["friendlyFrom"]],
        "isCompleteData": "N/A",
        "messageStatus": {k: rec["messageStatus"] for k in keys},
        "recipientMap": {str(m): list(r) for m, r in rec["recipientMap"].items()},
        "senderIp": rec["senderIp"],
        "mailPolicy": list(rec["mailPolicy"]),
        "senderGroup": rec["senderGroup"],
        "subject": rec["subject"],
    }
    if sma:
        attrs["dcid"] = list(rec["dcid"])
    attrs.update({
        "mid": list(rec["mid"]),
        "senderDomain": rec["senderDomain"],
        "finalSubject": {k: rec["finalSubject"] for k in keys},
        "direction": rec["direction"],
        "icid": rec["icid"],
        "morDetails": {},
        "replyTo": rec["replyTo"],
        "timestamp": rec["_disp"],
        # only the first splinter carries the Message-ID header in captures (§2.3 b)
        "messageID": {keys[0]: rec["messageIdHeader"]},
        "verdictChart": {k: rec["verdictChart"] for k in keys},
        "recipient": list(rec["recipient"]),
        "sender": rec["sender"],
        "serialNumber": rec["serialNumber"],
        "allIcid": list(rec["allIcid"]),
        "sbrs": rec["sbrs"],
    })
    return attrs


def _old_row(rec: dict, sma: bool) -> dict:
    # the <=13.0 shape: plain strings for status/verdict, boolean isCompleteData (§2.3 d)
    attrs = {
        "direction": rec["direction"], "icid": rec["icid"], "senderGroup": rec["senderGroup"],
        "sender": rec["sender"], "replyTo": rec["replyTo"], "timestamp": rec["_disp"],
        "hostName": rec["hostName"] if sma else "", "subject": rec["subject"], "mid": list(rec["mid"]),
        "isCompleteData": True, "messageStatus": rec["messageStatus"], "mailPolicy": list(rec["mailPolicy"]),
        "senderIp": rec["senderIp"], "verdictChart": rec["verdictChart"], "senderDomain": rec["senderDomain"],
        "recipient": list(rec["recipient"]), "sbrs": rec["sbrs"], "serialNumber": rec["serialNumber"],
    }
    if sma:
        attrs["dcid"] = list(rec["dcid"])
    return attrs


def _common(rec: dict, sma: bool, with_host_summary: bool) -> dict:
    host = rec["_host"]
    atts = [a["name"] for a in rec["attachments"]]
    out = {
        "sdrAge": rec["sdr"]["age"],
        # SMA captures show "" where ESA shows [] for no attachments (captures README note 3)
        "attachments": atts if (atts or not sma) else "",
        "hostName": (f"{host['hostName']} ({host['ip']})" if sma
                     else f"(Name unresolved,  SN:{rec['serialNumber']})"),
        "direction": rec["direction"],
        "messageStatus": rec["messageStatus"],
        "senderGroup": rec["senderGroup"],
        "subject": rec["subject"],
        "sdrCategory": rec["sdr"]["category"],
        "mid": list(rec["mid"]),
        "sendingHostSummary": ({"reverseDnsHostname": f"{rec['reverseDns']} (verified)",
                                "ipAddress": rec["senderIp"],
                                "sbrsScore": rec["sbrs"] if rec["direction"] == "incoming" else "not enabled"}
                               if with_host_summary else {}),
        "ampTgCategories": [],
        "smtpAuthId": "",
        "midHeader": rec["messageIdHeader"],
        "timestamp": rec["_disp"],
        "messageSize": _size_kb(rec["messageSize"]),
        "sdrThreatLevels": rec["sdr"]["threatLevels"],
        "sdrReputation": rec["sdr"]["reputation"],
        "recipient": list(rec["recipient"]),
        "sender": rec["sender"],
        "allIcid": list(rec["allIcid"]),
        "headerFrom": rec["headerFrom"],
    }
    return out


def not_found_details() -> dict:
    # unknown mid/serial is a 200 whose mid is ["N/A"] (§1.5, §3.3 c)
    return {"data": {"messages": {"mid": ["N/A"], "subject": "N/A", "sender": "N/A", "recipient": [],
                                  "summary": []}}}


def message_details(rec: dict, sma: bool) -> dict:
    m = _common(rec, sma, with_host_summary=True)
    m["isCompleteData"] = True
    m["mailPolicy"] = list(rec["mailPolicy"])
    m["showSummaryTimeBox"] = True
    m["showDLP"] = bool(rec["dlp"])
    m["showURL"] = bool(rec["urls"])
    m["showAMP"] = bool(rec["amp"])
    m["summary"] = summary(rec)
    return {"data": {"messages": m}}


def amp_details(rec: dict, sma: bool) -> dict:
    m = _common(rec, sma, with_host_summary=False)
    zone = rec["_host"]["zone"]
    events = []
    t = rec["_ts"]
    mid = rec["mid"][0]
    for a in rec["amp"] or []:
        events.append({"timestamp": zone.display(t + 2), "description":
                       f"File reputation query initiating. File Name = {a['name']}, MID = {mid}, "
                       f"File Size = {a['size']} bytes, File Type = {a['mimeType']}"})
        events.append({"timestamp": zone.display(t + 3), "description":
                       f"Response received for file reputation query from Cloud. File Name = {a['name']}, "
                       f"MID = {mid}, Disposition = {a['disposition']}, Malware = {a['malware']}, "
                       f"Analysis Score = {a['score']}, sha256 = {a['sha256']}, upload_action = "
                       f"{'0' if a['disposition'] == 'MALICIOUS' else 'Recommended to send the file for analysis'}, "
                       f"verdict_source = AMP, Suspected Malware Categories = "
                       f"{'Trojan' if a['disposition'] == 'MALICIOUS' else 'None'}"})
        if a["disposition"] == "MALICIOUS":
            last = f"Message {mid} quarantined by Advanced Malware Protection"
        else:
            last = (f"File not uploaded for analysis. MID = {mid} File SHA256[{a['sha256']}] file mime"
                    f"[{a['mimeType']}] Reason: The file type is not configured for analysis")
        events.append({"timestamp": zone.display(t + 3), "description": last})
    if events:
        # only the final element carries lastEvent in captures (§4)
        events[-1]["lastEvent"] = True
    m["ampDetails"] = events
    m["showAMPDetails"] = bool(events)
    return {"data": {"messages": m}}


def dlp_details(rec: dict, sma: bool) -> dict:
    m = _common(rec, sma, with_host_summary=False)
    # outgoing DLP captures carry no sdr* fields (captures: *_message_dlp_details_get.json)
    for key in ("sdrAge", "sdrCategory", "sdrReputation", "sdrThreatLevels"):
        del m[key]
    d = rec["dlp"]
    if d:
        mid = rec["mid"][0]
        m["dlpDetails"] = {
            "violationSeverity": d["violationSeverity"],
            "dlpMatchedContent": [{"messagePartMatch": [{"classifier": x["classifier"],
                                                         "classifierMatch": list(x["classifierMatch"])}
                                                        for x in d["matches"]],
                                   "messagePart": "Message"}],
            # dlpDetails.mid is a string on ESA but an int on SMA (captures README note 3)
            "mid": mid if sma else str(mid),
            "riskFactor": d["riskFactor"],
            "dlpPolicy": d["dlpPolicy"],
        }
    else:
        m["dlpDetails"] = {}
    m["showDLPDetails"] = bool(d)
    return {"data": {"messages": m}}


def url_details(rec: dict, sma: bool) -> dict:
    m = _common(rec, sma, with_host_summary=False)
    zone = rec["_host"]["zone"]
    mid = rec["mid"][0]
    stamp = zone.display(rec["_ts"] + 2)
    events = [{"timestamp": stamp, "description": f"Message {mid} URL: {u['url']}, URL reputation: "
               f"{u['reputation']}, Condition: URL Reputation Rule."} for u in rec["urls"] or []]
    if rec["urls"] and rec["deliveryStatus"] == "DELIVERED":
        events += [{"timestamp": stamp, "description": f"Message {mid} rewritten URL u'{u['url']}'."}
                   for u in rec["urls"]]
    m["urlDetails"] = events
    m["showURLDetails"] = bool(events)
    return {"data": {"messages": m}}


def summary(rec: dict) -> list[dict]:
    zone = rec["_host"]["zone"]
    t = rec["_ts"]
    icid = rec["icid"]
    ip = rec["senderIp"]
    host_ip = rec["_host"]["ip"]
    ev: list[tuple[int, str]] = []
    if rec["direction"] == "incoming":
        ev.append((t - 1, f"Incoming connection (ICID {icid}) has sender_group: {rec['senderGroup']}, "
                          f"sender_ip: {ip} and sbrs: {rec['sbrs']}"))
        ev.append((t - 1, f"Protocol SMTP interface Data 1  (IP {host_ip}) on incoming connection (ICID {icid}) "
                          f"from sender IP {ip}. Reverse DNS  {rec['reverseDns']} verified yes."))
    else:
        ev.append((t - 1, f"ICID {icid} sender_group: {rec['senderGroup']} sender_ip: {ip}, sbrs: not enabled"))
    if rec["tls"]:
        ev.append((t - 1, f"Incoming connection (ICID {icid}) successfully accepted TLS protocol TLSv1.2 "
                          f"cipher ECDHE-RSA-AES256-GCM-SHA384."))
    first = rec["mid"][0]
    ev.append((t, f"Start message {first} on incoming connection (ICID {icid})."))
    ev.append((t, f"Message {first} enqueued on incoming connection (ICID {icid}) from {rec['sender']}."))
    for r in rec["recipient"]:
        ev.append((t, f"Message {first} on incoming connection (ICID {icid}) added recipient ({r})."))
    ev.append((t, f"Message {first} contains message ID header '{rec['messageIdHeader']}'."))
    ev.append((t, f"Message {first} original subject on injection: {rec['subject']}"))
    for a in rec["attachments"]:
        ev.append((t, f"Message {first} contains attachment '{a['name']}' (SHA256 {a['sha256']})."))
    direction = "inbound" if rec["direction"] == "incoming" else "outbound"
    for mid, pol in zip(rec["mid"], rec["mailPolicy"]):
        if mid != first:
            ev.append((t + 1, f"Message {first} was split creating message {mid} due to a per-recipient policy "
                              f"{pol} match by the following recipients: {', '.join(rec['recipientMap'][mid])}"))
        ev.append((t + 1, f"Message {mid} matched per-recipient policy {pol} for {direction} mail policies."))
    status = rec["messageStatus"]
    for mid in rec["mid"]:
        if rec["spamPositive"]:
            ev.append((t + 2, f"Message {mid} scanned by Anti-Spam engine: CASE. Interim verdict: Positive"))
        elif rec["suspectSpam"]:
            ev.append((t + 2, f"Message {mid} scanned by Anti-Spam engine: CASE. Interim verdict: Suspect"))
        elif rec["graymail"]:
            ev.append((t + 2, f"Message {mid} scanned by Graymail engine. Verdict: "
                              f"{(rec.get('graymailType') or 'marketing').upper()}"))
        elif rec["direction"] == "incoming":
            ev.append((t + 2, f"Message {mid} scanned by Anti-Spam engine: CASE. Interim verdict: Negative"))
        if rec["virusPositive"]:
            ev.append((t + 2, f"Message {mid} scanned by Anti-Virus engine Sophos. Interim verdict: VIRAL "
                              f"({rec.get('threatName')})"))
        for a in rec["amp"] or []:
            ev.append((t + 3, f"Message {mid} scanned by Advanced Malware Protection engine. Final verdict: "
                              f"{a['disposition']}"))
        for u in rec["urls"] or []:
            ev.append((t + 3, f"Message {mid} URL {u['url']} has reputation {u['reputation']} matched "
                              f"Condition: URL Reputation Rule"))
        if rec["dlp"]:
            d = rec["dlp"]
            ev.append((t + 3, f"Message {mid} DLP violation. Policy {d['dlpPolicy']}, severity "
                              f"{d['violationSeverity']}, risk factor {d['riskFactor']}. Action: {d['dlpAction']}."))
        if rec["inOutbreakQuarantine"]:
            ev.append((t + 3, f"Message {mid} scanned by Outbreak Filters. Verdict: {rec.get('threatName')}"))
    for mid in rec["mid"]:
        rcpts = rec["recipientMap"][mid]
        if rec["deliveryStatus"] == "DELIVERED":
            for r in rcpts:
                ev.append((t + 4, f"Message {mid} to {r} received remote SMTP response "
                                  f"'ok: Message {mid * 7 % 100000} accepted'."))
        elif rec["deliveryStatus"] == "BOUNCED":
            for r in rcpts:
                ev.append((t + 5, f"Message {mid} to {r} bounced by destination server. Reason: 5.1.1 - Bad "
                                  f"destination email address ('550', ['5.1.1 User unknown'])"))
        elif rec["deliveryStatus"] == "DROPPED":
            ev.append((t + 4, f"Message {mid} aborted: {status}"))
            ev.append((t + 4, f"Message {mid} Delivery Status: DROPPED"))
        else:
            ev.append((t + 4, f"Message {mid} {status[0].lower()}{status[1:]}."))
    n = len(ev)
    return [{"timestamp": zone.display(ts), "description": text, "lastEvent": i == n - 1}
            for i, (ts, text) in enumerate(ev)]


def quarantine_row(q: dict) -> dict:
    # here mid is a plain int beside attributes, unlike tracking (§5.2)
    return {"attributes": {"envelopeRecipient": list(q["envelopeRecipient"]), "toAddress": list(q["toAddress"]),
                           "subject": q["subject"], "date": q["_disp"], "fromAddress": list(q["fromAddress"]),
                           "size": quarantine_size(q["size"])},
            "mid": q["mid"]}


def quarantine_details(q: dict) -> dict:
    return {"data": {"attributes": {"envelopeRecipient": list(q["envelopeRecipient"]),
                                    "toAddress": list(q["toAddress"]), "attachments": list(q["attachments"]),
                                    "messageBody": q["messageBody"], "date": q["_disp"],
                                    "fromAddress": list(q["fromAddress"]), "subject": q["subject"]},
                     "mid": q["mid"]}}
