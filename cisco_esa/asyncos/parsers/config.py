"""Configuration API answers (asyncos-api-extension §16) -> plain rows, and the confirmation of a
configuration write. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from cisco_esa.asyncos.parsers.values import as_int, strings
from cisco_esa.core.outcome import CommandError, UnexpectedResponse


def confirmation(status: int, body: Any, what: str) -> dict:
    """A write is done only on HTTP 200 with `data.message`; `meta.warning` rides along (§16.1)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        raise CommandError(str(body["error"].get("message") or f"The appliance refused {what}."), status, raw=body)
    data = body.get("data") if isinstance(body, dict) else None
    message = data.get("message") if isinstance(data, dict) else None
    if status != 200 or not isinstance(message, str) or not message.strip():
        raise UnexpectedResponse(f"{what} answered HTTP {status} without a confirmation (data.message); "
                                 "the change may or may not have been applied.", status, raw=body)
    meta = body.get("meta")
    warning = meta.get("warning") if isinstance(meta, dict) else None
    return {"message": message, "warning": warning if isinstance(warning, str) and warning else None}


def _data(body: Any, what: str) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise UnexpectedResponse(f"the answer to {what} has no data.")
    return body["data"]


def one(body: Any, what: str) -> dict:
    """A single object, whether the appliance sends it bare or as a one-element array (§16.2, §16.6)."""
    data = _data(body, what)
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise UnexpectedResponse(f"the answer to {what} is not one object.")
    return data


def many(body: Any, what: str) -> list[dict]:
    data = _data(body, what)
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise UnexpectedResponse(f"the answer to {what} is not a list of objects.")
    return data


def _flag(value: Any) -> bool:
    # the appliance writes booleans as "true"/"false" strings, dictionary flags as 0/1 (§16.2, §16.6)
    return value in (True, 1, "1", "true", "True")


def _used_by(value: Any) -> list[str]:
    # a string on URL lists, an array on file-hash lists (§16.3, §16.4)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return strings(value)


# -- sender groups (§16.8) ------------------------------------------------------------
def sender_names(group: dict) -> list[str]:
    senders = group.get("senders") if isinstance(group.get("senders"), dict) else {}
    return [r["sender_name"] for r in senders.get("ip_address_list") or []
            if isinstance(r, dict) and isinstance(r.get("sender_name"), str)]


def sender_group(group: dict) -> dict:
    senders = group.get("senders") if isinstance(group.get("senders"), dict) else {}
    return {"name": group.get("name"), "order": as_int(group.get("order")), "flow_profile": group.get("flow_profile"),
            "description": group.get("description") or "",
            "senders": [{"sender": r.get("sender_name"), "description": r.get("description") or ""}
                        for r in senders.get("ip_address_list") or [] if isinstance(r, dict)],
            "geo": [r.get("sender_name") for r in senders.get("geo_list") or [] if isinstance(r, dict)],
            "sbrs": group.get("sbrs") or []}


def sender_groups(body: Any, what: str) -> list[dict]:
    data = _data(body, what)
    groups = data.get("sender_groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise UnexpectedResponse(f"the answer to {what} has no sender_groups list.")
    rows = [sender_group(g) for g in groups if isinstance(g, dict)]
    return sorted(rows, key=lambda g: (g["order"] if g["order"] is not None else 1 << 30, str(g["name"])))


def found_senders(body: Any, what: str) -> list[dict]:
    # some answers carry keys with spaces ("sender group"): read them as underscores (§16.8)
    rows = [{str(k).replace(" ", "_"): v for k, v in r.items()} for r in many(body, what)]
    return [{"sender": r.get("sender_name"), "description": r.get("description") or "",
             "sender_group": r.get("sender_group"), "listener": r.get("listener")} for r in rows]


# -- dictionaries (§16.2) -------------------------------------------------------------
def word(entry: Any) -> dict:
    entry = entry if isinstance(entry, list) else [entry]
    term = str(entry[0]) if entry else ""
    weight = as_int(entry[1]) if len(entry) > 1 else 1
    return {"term": term, "weight": 1 if weight is None else weight, "prefix": len(entry) > 2 and entry[2] == "prefix"}


def dictionary(row: dict) -> dict:
    words = [word(w) for w in row.get("words") or []]
    return {"name": row.get("name"), "encoding": row.get("encoding"), "ignore_case": _flag(row.get("ignorecase")),
            "whole_words": _flag(row.get("wholewords")), "words": words,
            "term_count": sum(1 for w in words if not w["term"].startswith("*")),
            "smart_identifier_count": sum(1 for w in words if w["term"].startswith("*"))}


def word_entry(term: str, weight: int | None, prefix: bool) -> list:
    """Our parsed word -> the appliance's array: [term], [term, weight] or [*name, weight, "prefix"]."""
    if prefix:
        return [term, weight, "prefix"]
    return [term] if weight is None else [term, weight]


# -- URL and file-hash lists (§16.3, §16.4) ------------------------------------------
def url_list(row: dict) -> dict:
    urls = strings(row.get("urls"))
    return {"name": row.get("name"), "urls": urls, "urls_count": len(urls), "used_by": _used_by(row.get("used_by"))}


def file_hash_list(row: dict) -> dict:
    hashes = strings(row.get("filehashes"))
    return {"name": row.get("name"), "description": row.get("description") or "", "list_type": row.get("list_type"),
            "hashes": hashes, "hashes_count": len(hashes), "used_by": _used_by(row.get("used_by"))}


# -- incoming mail policy users (§16.5) -----------------------------------------------
def _entries(node: Any) -> list[str]:
    return strings(node.get("domain_entries")) if isinstance(node, dict) else []


def policy_entry(entry: dict) -> dict:
    sender = entry.get("sender_config") if isinstance(entry.get("sender_config"), dict) else {}
    receiver = entry.get("receiver_config") if isinstance(entry.get("receiver_config"), dict) else {}
    return {"senders": _entries(sender.get("sender")), "senders_not": _entries(sender.get("sender_not")),
            "recipients": _entries(receiver.get("receiver")), "recipients_not": _entries(receiver.get("receiver_not")),
            "operation": receiver.get("operation")}


def policy_body(entry: dict) -> dict:
    """Our plain entry -> the appliance's shape: one of sender / sender_not; receiver_not only when given."""
    sender_key, values = ("sender", entry["senders"]) if entry["senders"] else ("sender_not", entry["senders_not"])
    out = {"sender_config": {sender_key: {"domain_entries": values}},
           "receiver_config": {"operation": entry["operation"], "receiver": {"domain_entries": entry["recipients"]}}}
    if entry.get("recipients_not"):
        out["receiver_config"]["receiver_not"] = {"domain_entries": entry["recipients_not"]}
    return out


# -- message filters (§16.6) ----------------------------------------------------------
def message_filter(row: dict) -> dict:
    return {"name": row.get("name"), "active": _flag(row.get("active")), "valid": _flag(row.get("valid")),
            "order": as_int(row.get("order")), "invalid_reason": row.get("invalid_reason"),
            "rules_and_actions": row.get("rules_and_actions")}
