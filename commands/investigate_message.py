"""Investigate Message: one call for what an analyst otherwise runs by hand. It reads the message's
tracking details, then its AMP, DLP and URL details only where the details' showAMP / showDLP /
showURL flags say there is something (ext §15.4), decodes every rewritten link (§17), looks the
message up in the PVO and spam quarantines, and sums it up: malicious or not, why, where the message
is now, and which commands apply next. A failed look-up fails only its own item (Partially
Successful); only a message that cannot be read at all fails the whole."""

from __future__ import annotations

from datetime import timedelta

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import pvo, quarantine, rewritten_urls, tracking
from cisco_esa.asyncos.transport import Response
from cisco_esa.core.outcome import Result, bodies
from cisco_esa.core.timefmt import floor_minute, minute_param, parse_appliance_time

# A quarantined copy is received when the message is, or a little later; look a day ahead at most.
LOOKUP_BEFORE, LOOKUP_AFTER = timedelta(minutes=5), timedelta(days=1)
LOOKUP_CAP = 1000
MALICIOUS_URL_REPUTATION = -6.0  # the URL-reputation "malicious" band starts here (asyncos-api §4)


def run(params, ctx):
    serial, mid, icid = params["appliance_serial_number"], params["message_id"], params.get("injection_connection_id")
    first = ctx.for_each(["message_details"], lambda _: ctx.api.message_details(serial, mid, icid),
                         lambda body, _: tracking.message_details(body, mid, serial))
    details = first[0].data if first[0].ok else None
    if details is None:
        return Result(data={"mid": mid, "serial_number": serial}, raw_data=bodies(first), items=first)
    steps = {}
    if details.get("has_amp_details"):
        steps["amp_details"] = (lambda: ctx.api.amp_details(serial, mid, icid),
                                lambda body: tracking.amp_details(body, mid, serial))
    if details.get("has_dlp_details"):
        steps["dlp_details"] = (lambda: ctx.api.dlp_details(serial, mid, icid),
                                lambda body: tracking.dlp_details(body, mid, serial))
    if details.get("has_url_details"):
        steps["url_details"] = (lambda: ctx.api.url_details(serial, mid, icid),
                                lambda body: tracking.url_details(body, mid, serial))
    window = _window(details, ctx.now())
    if window:
        steps["pvo_quarantines"] = (lambda: _pvo_lookup(ctx, details, window), lambda body: _pvo_matches(body, mid))
        steps["spam_quarantine"] = (lambda: _spam_lookup(ctx, details, window), lambda body: _spam_matches(body, mid))
    rest = ctx.for_each(list(steps), lambda name: steps[name][0](), lambda body, name: steps[name][1](body))
    found = {i.id: i.data for i in rest if i.ok}
    urls = [{**u, "decoded_url": rewritten_urls.decoded_or_none(u["url"])}
            for u in (found.get("url_details") or {}).get("urls", [])]
    data = {"mid": mid, "serial_number": serial, "message": details,
            "amp": found.get("amp_details"), "dlp": found.get("dlp_details"), "urls": urls,
            "pvo_quarantines": found.get("pvo_quarantines"), "spam_quarantine": found.get("spam_quarantine"),
            "checked": {"amp_details": "amp_details" in steps, "dlp_details": "dlp_details" in steps,
                        "url_details": "url_details" in steps, "quarantines": window is not None},
            "verdict": verdict(details, found, urls, serial)}
    items = first + rest
    return Result(data=data, raw_data=bodies(items), items=items)


def _window(details: dict, now) -> tuple[str, str] | None:
    when = parse_appliance_time(details.get("timestamp"))
    if when is None:
        return None
    start = floor_minute(when - LOOKUP_BEFORE)
    end = max(start + timedelta(minutes=1), floor_minute(min(when + LOOKUP_AFTER, now + timedelta(minutes=1))))
    return minute_param(start), minute_param(end)


def _pvo_lookup(ctx, details, window) -> Response:
    filters = {}
    if details.get("sender"):
        op_key, value_key = api.PVO_FILTERS["envelope_sender"]
        filters = {op_key: api.PVO_OPERATORS["Matches_Exactly"], value_key: details["sender"]}
    pages = ctx.api.pvo_search(*window, list(api.PVO_SYSTEM_QUARANTINES), filters, cap=LOOKUP_CAP)
    return Response(200, {"data": pages.rows}, {})


def _pvo_matches(body, mid) -> list[dict]:
    # on SMA the quarantine numbers messages itself; esaMid is the MID tracking shows (ext §14.8)
    rows = [pvo.normalize_row(r) for r in body["data"]]
    return [r for r in rows if r["esa_mid"] == mid or (r["esa_mid"] is None and r["mid"] == mid)]


def _spam_lookup(ctx, details, window) -> Response:
    recipients = details.get("recipients") or []
    filters = {"envelopeRecipientFilterOperator": "contains", "envelopeRecipientFilterValue": recipients[0]} \
        if recipients else {}
    pages = ctx.api.spam_search(*window, filters, cap=LOOKUP_CAP)
    return Response(200, {"data": pages.rows}, {})


def _spam_matches(body, mid) -> list[dict]:
    # a spam-quarantined message keeps the MID tracking shows for it (asyncos-api §5.2)
    return [r for r in (quarantine.normalize_row(row) for row in body["data"]) if r["mid"] == mid]


def verdict(details: dict, found: dict, urls: list[dict], serial: str) -> dict:
    """Malicious or not, why, where the message is now, and the commands that apply next."""
    reasons, malicious = [], False
    amp = found.get("amp_details") or {}
    for v in amp.get("verdicts", []):
        if (v.get("disposition") or "").upper() == "MALICIOUS":
            malicious = True
            reasons.append(f"AMP: {v.get('file_name')} is MALICIOUS ({v.get('malware') or 'malware'}, score "
                           f"{v.get('analysis_score')})")
    for u in urls:
        if isinstance(u.get("reputation"), float) and u["reputation"] <= MALICIOUS_URL_REPUTATION:
            malicious = True
            reasons.append(f"URL {u.get('decoded_url') or u['url']} has reputation {u['reputation']}")
    dlp = found.get("dlp_details") or {}
    if dlp.get("violation_severity"):
        reasons.append(f"DLP: policy {dlp.get('dlp_policy')} matched, severity {dlp['violation_severity']}")
    held = found.get("pvo_quarantines") or []
    names = list(dict.fromkeys(n for r in held for n in r["quarantines"]))
    for r in held:
        reasons += [f"{n}: {reason}" for n, rs in r["reasons_by_quarantine"].items() for reason in rs]
    if {"Virus", "Outbreak"} & set(names):
        malicious = True
    spam = found.get("spam_quarantine") or []
    if spam:
        reasons.append("held in the spam quarantine")
    status = details.get("message_status") or ""
    steps = []
    if held:
        pmid = held[0]["mid"]
        if details.get("attachments"):
            steps.append(_step("download_pvo_quarantine_attachments", "inspect the attachments (SHA-256 shown)",
                               quarantine_message_id=pmid))
        steps.append(_step("delete_pvo_quarantine_messages" if malicious else "release_pvo_quarantine_messages",
                           "malicious: remove it from every quarantine" if malicious else "no threat found: deliver it",
                           quarantine_message_ids=[h["mid"] for h in held]))
    if spam:
        steps.append(_step("delete_spam_quarantine_messages" if malicious else "release_spam_quarantine_messages",
                           "malicious" if malicious else "a false positive: deliver it",
                           quarantine_message_ids=[s["mid"] for s in spam]))
    if malicious and details.get("sender"):
        steps.append(_step("block_email_addresses", "keep the sender away from these recipients",
                           senders=[details["sender"]], recipients=details.get("recipients") or []))
    if malicious and "deliver" in status.lower():
        steps.append(_step("get_remediation_details", "it was delivered: check the mailbox remediation",
                           appliance_serial_number=serial, message_ids=[details["mid"]]))
    return {"malicious": malicious, "reasons": reasons,
            "where": {"message_status": details.get("message_status"), "pvo_quarantines": names,
                      "pvo_quarantine_mids": [h["mid"] for h in held], "spam_quarantine": bool(spam)},
            "next_steps": steps, "next_commands": [s["command"] for s in steps]}


def _step(command: str, why: str, **params) -> dict:
    return {"command": command, "why": why, "params": params}
