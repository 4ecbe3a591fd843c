"""Reporting counter groups (reference §9): every group the ESA's Swagger spec names,
each computed from the world's messages (and rejected connections) in the window."""

from __future__ import annotations

from datetime import datetime, timezone

# §9.1, the counter groups defined in the ESA's Swagger spec
GROUP_NAMES = """
advanced_phishing_protection_summary mail_amp_file_analysis_by_filename mail_amp_reputation_update
mail_amp_threat_summary mail_authentication_incoming_domain mail_authentication_incoming_domain_ip
mail_authentication_summary mail_content_filter_incoming mail_content_filter_outgoing mail_content_filter_users
mail_destination_domain_detail mail_dlp_outgoing_policy_detail mail_dlp_outgoing_traffic_summary
mail_dlp_users_policy_detail mail_dmarc_incoming_traffic_summary mail_env_sender_rate_limit mail_env_sender_stats
mail_fed_content_filter_incoming mail_hvm_msg_filter_stats mail_incoming_amp_summary mail_incoming_domain_detail
mail_incoming_domain_ip_detail mail_incoming_hat_connections mail_incoming_ip_hostname_detail
mail_incoming_malware_threat_file_detail mail_incoming_malware_threat_file_detail_by_filename
mail_incoming_malware_threat_file_detail_summary mail_incoming_network_detail mail_incoming_network_domain_detail
mail_incoming_traffic_summary mail_incoming_urlclick_track_details mail_incoming_web_interaction_track_malicious_users
mail_incoming_web_interaction_track_urls mail_mailbox_auto_remediation mail_mar_summary
mail_md_attachment_incoming_file_type mail_md_attachment_outgoing_file_type mail_mor_batch_summary mail_mor_summary
mail_msg_filter_stats mail_outgoing_amp_summary mail_outgoing_malware_threat_file_detail_by_filename
mail_outgoing_malware_threat_file_detail_summary mail_outgoing_traffic_summary mail_outgoing_urlclick_track_details
mail_outgoing_web_interaction_track_malicious_users mail_outgoing_web_interaction_track_urls mail_policy_incoming
mail_policy_outgoing mail_safeprint_details mail_security_summary mail_sender_domain_detail
mail_sender_domain_reputation mail_sender_domain_threat_categories mail_sender_domain_threat_levels
mail_sender_group_detail mail_sender_group_summary mail_sender_ip_hostname_detail mail_subject_stats
mail_system_capacity mail_threatfeeds_indicator_summary mail_threatfeeds_indicator_value_detail
mail_threatfeeds_source_detail mail_url_analysis_summary mail_url_category_summary mail_url_domain_summary
mail_url_reputation_summary mail_users_content_filter_incoming mail_users_content_filter_outgoing mail_users_detail
mail_virus_type_detail mail_vof_specific_threat_summary mail_vof_threat_details mail_vof_threat_summary
mail_vof_threats_by_level mail_vof_threats_by_threat_type mail_vof_threats_by_time_threshold mail_vof_threats_by_type
mail_vof_threats_rewritten_url reporting_system
""".split()

# the 26 counters of the traffic summary, in the order real appliances print them (§9.3 a)
INCOMING_COUNTERS = [
    "failed_dkim", "total_graymail_recipients", "detected_spam", "malicious_url", "total_spoofed_emails",
    "verif_decrypt_success", "detected_virus", "threat_content_filter", "blocked_invalid_recipient",
    "blocked_sdr", "marketing_mail", "ims_spam_increment_over_case", "total_mailbox_auto_remediated_recipients",
    "detected_spam_certain", "detected_spam_suspect", "blocked_dmarc", "total_threat_recipients",
    "total_recipients", "verif_decrypt_fail", "detected_amp", "bulk_mail", "social_mail",
    "total_clean_recipients", "detected_virus_per_msg", "failed_spf", "blocked_reputation",
]
OUTGOING_COUNTERS = [
    "detected_amp", "detected_spam", "detected_virus", "malicious_url", "threat_content_filter",
    "total_clean_recipients", "total_dlp_incidents", "total_hard_bounces", "total_recipients",
    "total_threat_recipients", "delivered_recipients",
]
ENTITY_COUNTERS = ["total_recipients", "total_clean_recipients", "total_threat_recipients",
                   "total_graymail_recipients", "detected_spam", "detected_virus", "detected_amp",
                   "malicious_url", "threat_content_filter"]
REJECTION_COUNTERS = ("blocked_reputation", "blocked_invalid_recipient", "blocked_sdr", "blocked_dmarc")


def incoming_contrib(rec: dict) -> dict:
    n = len(rec["recipient"])
    c = {"total_recipients": n}
    threat = None
    if rec["spamPositive"]:
        threat = "detected_spam"
        c["detected_spam_certain"] = n
    elif rec["suspectSpam"]:
        threat = "detected_spam"
        c["detected_spam_suspect"] = n
    elif rec["virusPositive"] or rec["inOutbreakQuarantine"]:
        threat = "detected_virus"
        c["detected_virus_per_msg"] = 1
    elif rec["advancedMalwareProtection"] == "amp_malicious":
        threat = "detected_amp"
    elif rec["containedMaliciousUrls"]:
        threat = "malicious_url"
    elif rec["contentFilterThreat"]:
        threat = "threat_content_filter"
    if threat:
        c[threat] = n
        c["total_threat_recipients"] = n
    elif rec["graymail"]:
        c["total_graymail_recipients"] = n
        c[f"{rec.get('graymailType') or 'marketing'}_mail"] = n
    else:
        c["total_clean_recipients"] = n
    if rec.get("spf") == "fail":
        c["failed_spf"] = 1
    if rec.get("dkim") == "fail":
        c["failed_dkim"] = 1
    if rec.get("spoofed"):
        c["total_spoofed_emails"] = 1
    return c


def outgoing_contrib(rec: dict) -> dict:
    n = len(rec["recipient"])
    c = {"total_recipients": n}
    threat = None
    if rec["virusPositive"]:
        threat = "detected_virus"
    elif rec["advancedMalwareProtection"] == "amp_malicious":
        threat = "detected_amp"
    elif rec["spamPositive"]:
        threat = "detected_spam"
    elif rec["containedMaliciousUrls"]:
        threat = "malicious_url"
    elif rec["contentFilterThreat"]:
        threat = "threat_content_filter"
    if threat:
        c[threat] = n
        c["total_threat_recipients"] = n
    else:
        c["total_clean_recipients"] = n
    if rec["dlp"]:
        c["total_dlp_incidents"] = 1
    if rec["hardBounced"]:
        c["total_hard_bounces"] = n
    if rec["deliveryStatus"] == "DELIVERED":
        c["delivered_recipients"] = n
    return c


def _amp_files(direction):
    def contrib(rec):
        if rec["direction"] != direction:
            return {}
        out = {}
        for a in rec["amp"] or []:
            key = {"MALICIOUS": "malicious", "CLEAN": "clean", "FILE UNKNOWN": "unknown"}.get(a["disposition"],
                                                                                             "unscannable")
            out[key] = out.get(key, 0) + 1
        return out
    return contrib


def _by_direction(direction, fn):
    return lambda rec: fn(rec) if rec["direction"] == direction else {}


def _simple(**counters):
    """A contribution function from counter -> predicate(rec) (counts messages)."""
    def contrib(rec):
        return {k: 1 for k, pred in counters.items() if pred(rec)}
    return contrib


def _messages(direction=None):
    def contrib(rec):
        if direction and rec["direction"] != direction:
            return {}
        return {"total_messages": 1, "total_recipients": len(rec["recipient"])}
    return contrib


SUMMARY = {
    "mail_incoming_traffic_summary": (INCOMING_COUNTERS, _by_direction("incoming", incoming_contrib), True),
    "mail_outgoing_traffic_summary": (OUTGOING_COUNTERS, _by_direction("outgoing", outgoing_contrib), False),
    "mail_amp_threat_summary": (["incoming_malicious", "outgoing_malicious"], _simple(
        incoming_malicious=lambda r: r["direction"] == "incoming" and r["advancedMalwareProtection"] == "amp_malicious",
        outgoing_malicious=lambda r: r["direction"] == "outgoing" and r["advancedMalwareProtection"] == "amp_malicious"),
        False),
    "mail_vof_threat_summary": (["threat_detected"], _simple(threat_detected=lambda r: r["inOutbreakQuarantine"]),
                                False),
    "mail_vof_specific_threat_summary": (["threat_detected_virus_or_malware"], _simple(
        threat_detected_virus_or_malware=lambda r: r["inOutbreakQuarantine"]), False),
    "mail_incoming_amp_summary": (["malicious", "clean", "unknown", "unscannable"], _amp_files("incoming"), False),
    "mail_outgoing_amp_summary": (["malicious", "clean", "unknown", "unscannable"], _amp_files("outgoing"), False),
    "mail_security_summary": (["received_encrypted_tls", "received_unencrypted", "sent_encrypted_tls",
                               "sent_unencrypted"], _simple(
        received_encrypted_tls=lambda r: r["direction"] == "incoming" and r["tls"],
        received_unencrypted=lambda r: r["direction"] == "incoming" and not r["tls"],
        sent_encrypted_tls=lambda r: r["direction"] == "outgoing" and r["tls"],
        sent_unencrypted=lambda r: r["direction"] == "outgoing" and not r["tls"]), False),
    "mail_authentication_summary": (["spf_pass", "spf_fail", "dkim_pass", "dkim_fail", "dmarc_pass", "dmarc_fail"],
                                    _by_direction("incoming", _simple(
                                        spf_pass=lambda r: r["spf"] == "pass", spf_fail=lambda r: r["spf"] == "fail",
                                        dkim_pass=lambda r: r["dkim"] == "pass", dkim_fail=lambda r: r["dkim"] == "fail",
                                        dmarc_pass=lambda r: r["dmarc"] == "pass",
                                        dmarc_fail=lambda r: r["dmarc"] == "fail")), False),
    "mail_dmarc_incoming_traffic_summary": (["total_messages", "dmarc_pass", "dmarc_fail"], _by_direction(
        "incoming", _simple(total_messages=lambda r: True, dmarc_pass=lambda r: r["dmarc"] == "pass",
                            dmarc_fail=lambda r: r["dmarc"] == "fail")), False),
    "mail_dlp_outgoing_traffic_summary": (["total_dlp_incidents", "dlp_incidents_critical", "dlp_incidents_high",
                                           "dlp_incidents_medium", "dlp_incidents_low"], _simple(
        total_dlp_incidents=lambda r: bool(r["dlp"]),
        dlp_incidents_critical=lambda r: bool(r["dlp"]) and r["dlp"]["violationSeverity"] == "CRITICAL",
        dlp_incidents_high=lambda r: bool(r["dlp"]) and r["dlp"]["violationSeverity"] == "HIGH",
        dlp_incidents_medium=lambda r: bool(r["dlp"]) and r["dlp"]["violationSeverity"] == "MEDIUM",
        dlp_incidents_low=lambda r: bool(r["dlp"]) and r["dlp"]["violationSeverity"] == "LOW"), False),
    "mail_system_capacity": (["incoming_messages", "outgoing_messages"], _simple(
        incoming_messages=lambda r: r["direction"] == "incoming",
        outgoing_messages=lambda r: r["direction"] == "outgoing"), False),
    "mail_url_reputation_summary": (["malicious", "suspicious"], _simple(
        malicious=lambda r: r["urlReputation"] == "Malicious", suspicious=lambda r: r["urlReputation"] == "Suspicious"),
        False),
}


def _ent_domain(rec):
    return [rec["senderDomain"]]


def _ent_ip(rec):
    return [rec["senderIp"]]


def _ent_rcpt_domain(rec):
    return sorted({r.rpartition("@")[2] for r in rec["recipient"]})


def _ent_group(rec):
    return [rec["senderGroup"]]


def _ent_subject(rec):
    return [rec["subject"]]


def _ent_threat(rec):
    return [rec["threatName"]] if rec.get("threatName") else []


def _ent_file(rec):
    return [a["name"] for a in rec["amp"] or [] if a["disposition"] == "MALICIOUS"]


def _ent_dlp_policy(rec):
    return [rec["dlp"]["dlpPolicy"]] if rec["dlp"] else []


def _ent_url(rec):
    return [u["url"] for u in rec["urls"] or []]


def _ent_user(rec):
    return list(rec["recipient"]) if rec["direction"] == "incoming" else [rec["sender"]]


def _in_counters(rec):
    return incoming_contrib(rec) if rec["direction"] == "incoming" else {}


def _policy_rows(rec):
    # recipients_matched counts each splinter's recipients under its own policy (§9.1)
    return [(pol, {"recipients_matched": len(rec["recipientMap"].get(mid, []))})
            for mid, pol in zip(rec["mid"], rec["mailPolicy"])]


def _user_counters(rec):
    n = len(rec["recipient"])
    if rec["direction"] == "incoming":
        c = incoming_contrib(rec)
        return {"incoming_total": 1, "incoming_clean": int("total_clean_recipients" in c),
                "incoming_spam": int("detected_spam" in c), "incoming_threat": int("total_threat_recipients" in c),
                "incoming_graymail": int("total_graymail_recipients" in c)}
    return {"outgoing_total": n, "outgoing_dlp": int(bool(rec["dlp"]))}


# name -> (counters, entity fn, counter fn) ; counter fn gets the record
DETAIL = {
    "mail_incoming_domain_detail": (ENTITY_COUNTERS, _ent_domain, _in_counters),
    "mail_incoming_ip_hostname_detail": (ENTITY_COUNTERS, _ent_ip, _in_counters),
    "mail_incoming_domain_ip_detail": (ENTITY_COUNTERS, _ent_ip, _in_counters),
    "mail_incoming_network_detail": (ENTITY_COUNTERS, _ent_ip, _in_counters),
    "mail_incoming_network_domain_detail": (ENTITY_COUNTERS, _ent_domain, _in_counters),
    "mail_sender_domain_detail": (ENTITY_COUNTERS, _ent_domain, _in_counters),
    "mail_sender_ip_hostname_detail": (ENTITY_COUNTERS, _ent_ip, _in_counters),
    "mail_destination_domain_detail": (["total_recipients", "total_clean_recipients", "total_threat_recipients",
                                        "total_dlp_incidents", "total_hard_bounces"], _ent_rcpt_domain,
                                       lambda r: outgoing_contrib(r) if r["direction"] == "outgoing" else {}),
    "mail_sender_group_detail": (["total_recipients"], _ent_group,
                                 lambda r: {"total_recipients": len(r["recipient"])}),
    "mail_subject_stats": (["total_messages"], _ent_subject, lambda r: {"total_messages": 1}),
    "mail_virus_type_detail": (["incoming_total_recipients", "outgoing_total_recipients"], _ent_threat,
                               lambda r: {f"{r['direction']}_total_recipients": len(r["recipient"])}),
    "mail_dlp_outgoing_policy_detail": (["total_dlp_incidents"], _ent_dlp_policy,
                                        lambda r: {"total_dlp_incidents": 1}),
    "mail_users_detail": (["incoming_total", "incoming_clean", "incoming_spam", "incoming_threat",
                           "incoming_graymail", "outgoing_total", "outgoing_dlp"], _ent_user, _user_counters),
    "mail_amp_file_analysis_by_filename": (["detected_amp"], _ent_file, lambda r: {"detected_amp": 1}),
    "mail_incoming_malware_threat_file_detail_by_filename": (["detected_amp"], _ent_file,
                                                             lambda r: {"detected_amp": 1}
                                                             if r["direction"] == "incoming" else {}),
    "mail_outgoing_malware_threat_file_detail_by_filename": (["detected_amp"], _ent_file,
                                                             lambda r: {"detected_amp": 1}
                                                             if r["direction"] == "outgoing" else {}),
    "mail_incoming_web_interaction_track_urls": (["total_urls"], _ent_url, lambda r: {"total_urls": 1}),
}
POLICY_GROUPS = {"mail_policy_incoming": "incoming", "mail_policy_outgoing": "outgoing"}


class ReportError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def kind_of(group: str) -> str:
    if group == "reporting_system":
        return "system"
    if group in SUMMARY:
        return "summary"
    if group in DETAIL or group in POLICY_GROUPS:
        return "detail"
    return "detail" if ("detail" in group or "by_" in group) else "summary"


def build(world, group: str, counter: str | None, start: int, end: int, params: dict) -> dict:
    if group not in GROUP_NAMES:
        raise ReportError(404, f"Counter group '{group}' not found.")
    records = world.tracking_window(start, end)
    serials = None
    device = params.get("device_name")
    if world.appliance == "sma" and device:
        serials = {h["serialNumber"] for h in world.hosts
                   if device.lower() in (h["hostName"].lower(), h["hostName"].split(".")[0].lower(),
                                         h["serialNumber"].lower())}
        records = [r for r in records if r["serialNumber"] in serials]
    kind = kind_of(group)
    if kind == "system":
        counters = ["begin_time", "end_time", "heartbeat", "centralized_reporting_enabled",
                    "centralized_reporting_expired"]
        iso = lambda e: datetime.fromtimestamp(e, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
        values = {"begin_time": iso(start), "end_time": iso(end), "heartbeat": world.now_epoch,
                  "centralized_reporting_enabled": 1 if world.appliance == "sma" else 0,
                  "centralized_reporting_expired": 0}
        return _summary_result(group, counters, values, counter)
    if kind == "summary":
        if group in SUMMARY:
            counters, fn, rejections = SUMMARY[group]
        else:
            direction = "outgoing" if "outgoing" in group else "incoming" if "incoming" in group else None
            counters, fn, rejections = ["total_messages", "total_recipients"], _messages(direction), False
        values = dict.fromkeys(counters, 0)
        for rec in records:
            for k, v in fn(rec).items():
                if k in values:
                    values[k] += v
        if rejections:
            for hour, per_serial in world.rejections.items():
                if start <= hour < end:
                    for serial, counts in per_serial.items():
                        if serials is None or serial in serials:
                            for k in REJECTION_COUNTERS:
                                values[k] += counts[k]
                                values["total_threat_recipients"] += counts[k]
                                values["total_recipients"] += counts[k]
        return _summary_result(group, counters, values, counter)
    # detail groups: {counter: [{entity: value}, ...]} (§9.2; element shape inferred)
    if group in POLICY_GROUPS:
        direction = POLICY_GROUPS[group]
        counters = ["recipients_matched"]
        rows = []
        for rec in records:
            if rec["direction"] == direction:
                rows.extend(_policy_rows(rec))
    else:
        if group in DETAIL:
            counters, ent_fn, cnt_fn = DETAIL[group]
        else:
            direction = "outgoing" if "outgoing" in group else "incoming"
            counters, ent_fn, cnt_fn = ["total_recipients"], _ent_domain, (
                lambda r, d=direction: {"total_recipients": len(r["recipient"])} if r["direction"] == d else {})
        rows = []
        for rec in records:
            vals = cnt_fn(rec)
            if vals:
                for ent in ent_fn(rec):
                    rows.append((ent, vals))
    table: dict[str, dict[str, int]] = {}
    for ent, vals in rows:
        slot = table.setdefault(ent, {})
        for k, v in vals.items():
            slot[k] = slot.get(k, 0) + v
    if counter is not None:
        if counter not in counters:
            raise ReportError(404, f"Counter '{counter}' not found in counter group '{group}'.")
        counters = [counter]
    fval = params.get("filterValue")
    if fval:
        op = params.get("filterOperator", "begins_with")
        if op not in ("begins_with", "is"):
            raise ReportError(400, f"Invalid filterOperator '{op}'. Use begins_with or is.")
        low = fval.lower()
        table = {e: v for e, v in table.items()
                 if (e.lower().startswith(low) if op == "begins_with" else e.lower() == low)}
    order_by = params.get("orderBy")
    desc = params.get("orderDir", "desc").lower() != "asc"
    top = _int(params.get("top"), "top")
    offset = _int(params.get("offset"), "offset") or 0
    limit = _int(params.get("limit"), "limit")
    result = {}
    for c in counters:
        key_counter = order_by if order_by in table_counters(table) else c
        ents = [e for e in table if table[e].get(c, 0)]
        ents.sort(key=lambda e: e)
        ents.sort(key=lambda e: table[e].get(key_counter, 0), reverse=desc)
        if top:
            ents = sorted(ents, key=lambda e: (-table[e].get(c, 0), e))[:top]
            ents.sort(key=lambda e: table[e].get(key_counter, 0), reverse=desc)
        ents = ents[offset:offset + limit] if limit is not None else ents[offset:]
        result[c] = [{e: table[e][c]} for e in ents]
    return {"meta": {"totalCount": -1}, "data": {"type": group, "resultSet": result}}


def table_counters(table: dict) -> set:
    out = set()
    for vals in table.values():
        out.update(vals)
    return out


def _int(value, name):
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except ValueError:
        raise ReportError(400, f"Invalid value for {name}: {value!r} is not an integer.") from None
    if n < 0:
        raise ReportError(400, f"Invalid value for {name}: must not be negative.")
    return n


def _summary_result(group, counters, values, counter):
    # summary groups: an array of one-key objects; one counter: an object keyed by it (§9.2)
    if counter is not None:
        if counter not in counters:
            raise ReportError(404, f"Counter '{counter}' not found in counter group '{group}'.")
        result = {counter: values[counter]}
    else:
        result = [{c: values[c]} for c in counters]
    return {"meta": {"totalCount": -1}, "data": {"type": group, "resultSet": result}}
