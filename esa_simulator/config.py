"""The ESA configuration APIs under config/ (extension §16): HAT sender groups, dictionaries, URL
lists, file-hash lists, incoming-policy users and message filters, with state, cluster modes, an
"older AsyncOS" switch per feature and a hook that plays another administrator changing a list.

Where the sources are single or inferred, this follows the stricter reading (§19): `device_type=esa`
is required, `mode` is refused on a standalone appliance, flags and booleans must have the documented
types, an empty URL list or policy-user list is refused, message-filter PUT takes only active/order.
The route table sends every config/ path of an ESA to `route()`; the state lives on the Simulator
(`sim.config`, rebuilt by reset())."""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import threading
from typing import Callable

from .request import ApiError

FEATURES = ("sender_groups", "dictionaries", "url_lists", "file_hash_lists", "incoming_mail_policies",
            "message_filters")
ADDED, UPDATED, DELETED = "Added Successfully", "Updated Successfully", "Deleted Successfully"
_HEX = {"sha256": re.compile(r"^[0-9a-fA-F]{64}$"), "md5": re.compile(r"^[0-9a-fA-F]{32}$")}
_DOMAIN_ENTRY = re.compile(r"^(?:[^@\s]+@|[^@\s]*@(?:\.?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|\[[^\]]+\]))$")


class ConfigError(ApiError):
    """A refusal of the configuration API, answered as the appliance's error body."""


def route(req):
    """Every method on config/... (the route table's one entry for this module)."""
    try:
        body = json.loads(req.body.decode("utf-8")) if req.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(400, "Invalid request body: expected JSON.") from None
    return req.sim.config.handle(req.method, req.segments[1:], req.qs, body)


def _sender_group(name, order, flow, description, senders):
    return {"name": name, "order": str(order), "flow_profile": flow, "description": description,
            "sbrs": [-10.0, -3.0] if name == "BLOCKED_LIST" else [], "sbrs_none": "false", "dns_list": [],
            "senders": {"ip_address_list": [{"sender_name": s, "description": d} for s, d in senders],
                        "geo_list": []},
            "dns_host_verification": {"lookup_not_matched": "false", "record_not_exist": "false",
                                      "lookup_fail": "false", "external_threat_feeds": []}}


def _seed() -> dict:
    return {
        "listeners": {
            "IncomingMail": [
                _sender_group("BLOCKED_LIST", 1, "BLOCKED", "Senders rejected at connection",
                              [("203.0.113.66", "SOC block 2026-11-02"), (".spam-cannon.example", "")]),
                _sender_group("ALLOWED_LIST", 2, "TRUSTED", "Partners", [("198.51.100.0/28", "partner relays")]),
                _sender_group("SUSPECTLIST", 3, "THROTTLED", "Suspicious senders", []),
                _sender_group("UNKNOWNLIST", 4, "ACCEPTED", "Reviewed but undecided", []),
            ],
            "OutgoingMail": [_sender_group("RELAYLIST", 1, "RELAYED", "Internal relays", [("10.0.0.0/24", "")])],
        },
        "dictionaries": {
            "phish_terms": {"name": "phish_terms", "encoding": "utf-8", "ignorecase": 1, "wholewords": 1,
                            "words": [["verify your account", 3], ["password expired", 2], ["*credit", 1, "prefix"]]},
            "hr_confidential": {"name": "hr_confidential", "encoding": "utf-8", "ignorecase": 0, "wholewords": 0,
                                "words": [["salary", 1]]},
        },
        "url_lists": {
            "soc_block_urls": {"name": "soc_block_urls", "urls": ["login-verify.example", "*.phish.example/*"],
                               "used_by": "Incoming Content Filters"},
            "bypass_urls": {"name": "bypass_urls", "urls": ["*.partner.example/*"],
                            "used_by": "Security Services : URL Filtering : URL Allowed List"},
        },
        "file_hash_lists": {
            "ioc_sha256": {"name": "ioc_sha256", "description": "SOC IOCs", "list_type": "sha256",
                           "filehashes": ["2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"],
                           "used_by": ["Incoming Content Filters"]},
            "legacy_md5": {"name": "legacy_md5", "description": "", "list_type": "md5",
                           "filehashes": ["0cc175b9c0f1b6a831c399e269772661"]},
        },
        "policies": {
            "DEFAULT": None,  # the default policy has no user entries of its own
            "strict_inbound": [
                {"sender_config": {"sender": {"domain_entries": ["@lookalike-corp.example"]}},
                 "receiver_config": {"operation": "or", "receiver": {"domain_entries": ["ANY"]}}},
            ],
            "executives": [
                {"sender_config": {"sender_not": {"domain_entries": ["@corp.example"]}},
                 "receiver_config": {"operation": "and", "receiver": {"domain_entries": ["ceo@corp.example"]},
                                     "receiver_not": {"domain_entries": ["intern@corp.example"]}}},
            ],
        },
        "filters": [
            {"name": "soc_quarantine_lookalike", "active": "true", "valid": "true",
             "rules_and_actions": "if (mail-from == 'it@corp-example.net') { quarantine('Policy'); }"},
            {"name": "legacy_route", "active": "false", "valid": "false",
             "invalid_reason": "Listener 'InboundOld' unknown",
             "rules_and_actions": "if (recv-listener == 'InboundOld') { skip-filters(); }"},
            {"name": "drop_exe_attachments", "active": "false", "valid": "true",
             "rules_and_actions": "if (attachment-filename == '(?i)\\\\.exe$') { drop(); }"},
        ],
    }


class ConfigState:
    """The configuration of one simulated ESA. `missing` lists features this "AsyncOS release" lacks
    (404 on their paths); `cluster` is None for a standalone appliance, else its groups and machines."""

    def __init__(self):
        self.lock = threading.RLock()
        self.data = _seed()
        self.missing: set[str] = set()
        self.cluster: dict | None = None
        self._hooks: list[list] = []

    # -------------------------------------------------------------- test controls
    def without(self, *features: str) -> None:
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; use {FEATURES}")
        self.missing |= set(features)

    def clustered(self, groups=("Main_Group",), machines=("esa1.corp.example",)) -> None:
        self.cluster = {"groups": set(groups), "machines": set(machines)}

    def after(self, method: str, path: str, change: Callable[[dict], None], count: int = 1) -> None:
        """Run `change(data)` right after the next `count` requests `method config/<path>` are
        applied: another administrator editing the same object between our calls."""
        self._hooks.append([method.upper(), path.strip("/"), change, count])

    def snapshot(self) -> dict:
        with self.lock:
            return copy.deepcopy(self.data)

    def url_list(self, name):
        return copy.deepcopy(self.data["url_lists"].get(name))

    def hash_list(self, name):
        return copy.deepcopy(self.data["file_hash_lists"].get(name))

    def dictionary(self, name):
        return copy.deepcopy(self.data["dictionaries"].get(name))

    def group(self, listener, name):
        return copy.deepcopy(_find_group(self.data, listener, name))

    def policy_users(self, policy):
        return copy.deepcopy(self.data["policies"].get(policy))

    def message_filter(self, name):
        return copy.deepcopy(next((f for f in self.data["filters"] if f["name"] == name), None))

    # -------------------------------------------------------------- the API
    def handle(self, method: str, segments: list[str], qs: dict, body):
        """`segments`: the path after config/, each decoded. Returns (status, payload)."""
        if not segments or segments[0] not in FEATURES or segments[0] in self.missing:
            raise ConfigError(404, "Resource not found.")
        self._check_query(qs)
        with self.lock:
            status, payload = _ROUTES[segments[0]](self, method, segments[1:], body)
            path = "/".join(segments)
            for hook in list(self._hooks):
                if hook[0] == method and hook[1] == path:
                    hook[2](self.data)
                    hook[3] -= 1
                    if hook[3] <= 0:
                        self._hooks.remove(hook)
        return status, payload

    def _check_query(self, qs: dict) -> None:
        device = _first(qs, "device_type")
        if device is None:
            raise ConfigError(400, "Missing attribute - device_type.")
        if device != "esa":
            raise ConfigError(400, f"Invalid device_type '{device}'. Use esa.")
        mode = _first(qs, "mode")
        if mode is None:
            return
        if self.cluster is None:
            raise ConfigError(400, "This appliance is not part of a cluster: omit mode.")
        if mode not in ("cluster", "group", "machine"):
            raise ConfigError(400, f"Invalid mode '{mode}'. Use cluster, group or machine.")
        if mode == "group" and _first(qs, "group_name") not in self.cluster["groups"]:
            raise ConfigError(400, f"Invalid or missing group_name for mode=group: {_first(qs, 'group_name')}.")
        if mode == "machine" and _first(qs, "host_name") not in self.cluster["machines"]:
            raise ConfigError(400, f"Invalid or missing host_name for mode=machine: {_first(qs, 'host_name')}.")


# ======================================================================= helpers
def _first(qs: dict, name: str):
    values = qs.get(name)
    return values[0] if values else None


def _data(body) -> object:
    if not isinstance(body, dict) or "data" not in body:
        raise ConfigError(400, 'Invalid request body: expected {"data": ...}.')
    return body["data"]


def _written(message: str, warning: str | None = None) -> tuple[int, dict]:
    payload = {"data": {"message": message}}
    if warning:
        payload["meta"] = {"warning": warning}
    return 200, payload


def _strings(value, what: str, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(400, f"Invalid {what}: expected an array of strings.")
    if not value and not allow_empty:
        raise ConfigError(400, f"Invalid {what}: must not be empty.")
    return list(value)


def _find_group(data, listener, name):
    return next((g for g in data["listeners"].get(listener) or [] if g["name"] == name), None)


# -------------------------------------------------------------------- sender groups (§16.8)
def _is_hat_sender(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
        return True
    except ValueError:
        pass
    return bool(re.fullmatch(r"\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*", value)) or \
        bool(re.fullmatch(r"\d{1,3}(\.\d{1,3}){0,3}\.?(-\d{1,3})?", value))


def _sender_groups(state, method, rest, body):
    data = state.data
    if rest[:1] == ["listener"] and len(rest) == 2 and method == "GET":
        groups = data["listeners"].get(rest[1])
        if groups is None:
            raise ConfigError(404, f"Listener '{rest[1]}' does not exist.")
        return 200, {"data": {"sender_groups": copy.deepcopy(groups)}}
    if rest[:1] == ["listener"] and len(rest) == 4 and rest[2] == "sender_group" and method == "GET":
        group = _find_group(data, rest[1], rest[3])
        if group is None:
            raise ConfigError(404, f"Sender group '{rest[3]}' does not exist on listener '{rest[1]}'.")
        return 200, {"data": copy.deepcopy(group)}
    if rest[:1] == ["sender_list"] and len(rest) == 3 and method in ("POST", "DELETE"):
        group = _find_group(data, rest[1], rest[2])
        if group is None:
            raise ConfigError(404, f"Sender group '{rest[2]}' does not exist on listener '{rest[1]}'.")
        senders = _data(body).get("senders") if isinstance(_data(body), dict) else None
        held = group["senders"]["ip_address_list"]
        if method == "POST":
            rows = senders.get("ip_address_list") if isinstance(senders, dict) else None
            if not isinstance(rows, list) or not rows or not all(
                    isinstance(r, dict) and isinstance(r.get("sender_name"), str) for r in rows):
                raise ConfigError(400, "Invalid senders: expected ip_address_list of {sender_name, description}.")
            for row in rows:
                if not _is_hat_sender(row["sender_name"]):
                    raise ConfigError(400, f"Invalid sender '{row['sender_name']}'.")
            names = {r["sender_name"].lower() for r in held}
            for row in rows:
                if row["sender_name"].lower() not in names:
                    held.append({"sender_name": row["sender_name"], "description": str(row.get("description") or "")})
                    names.add(row["sender_name"].lower())
            return _written(ADDED)
        gone = {s.lower() for s in _strings(senders, "senders")}
        group["senders"]["ip_address_list"] = [r for r in held if r["sender_name"].lower() not in gone]
        return _written(DELETED)
    if rest[:1] == ["find_in_all_senders"] and len(rest) == 2 and method == "GET":
        text = rest[1].lower()
        found = [{"sender_name": r["sender_name"], "description": r["description"], "sender_group": g["name"],
                  "listener": listener}
                 for listener, groups in data["listeners"].items() for g in groups
                 for r in g["senders"]["ip_address_list"] if text in r["sender_name"].lower()]
        return 200, {"data": found}
    raise ConfigError(404 if method == "GET" else 405, "Resource not found." if method == "GET"
                      else f"Method {method} is not allowed for this resource.")


def _named(store: dict, rest: list[str]) -> tuple[str, dict | None]:
    """The name a path addresses and its object (None when absent); 404 for a path beyond it."""
    if len(rest) != 1:
        raise ConfigError(404, "Resource not found.")
    return rest[0], store.get(rest[0])


def _existing(current: dict | None, what: str, name: str) -> dict:
    if current is None:
        raise ConfigError(404, f"{what} '{name}' does not exist.")
    return current


# -------------------------------------------------------------------- dictionaries (§16.2)
def _word(entry) -> list:
    if not isinstance(entry, list) or not 1 <= len(entry) <= 3 or not isinstance(entry[0], str) or not entry[0]:
        raise ConfigError(400, f"Invalid word entry {entry!r}: expected [term], [term, weight] or "
                               "[*smart_identifier, weight, \"prefix\"].")
    if len(entry) >= 2 and (isinstance(entry[1], bool) or not isinstance(entry[1], int) or not 0 <= entry[1] <= 10):
        raise ConfigError(400, f"Invalid weight in {entry!r}: an integer from 0 to 10.")
    if len(entry) == 3 and (entry[2] != "prefix" or not entry[0].startswith("*")):
        raise ConfigError(400, f"Invalid word entry {entry!r}: \"prefix\" is only for smart identifiers (*name).")
    return [entry[0], entry[1] if len(entry) >= 2 else 1, *entry[2:]]


def _dictionary_view(d: dict) -> dict:
    out = copy.deepcopy(d)
    smart = sum(1 for w in d["words"] if w[0].startswith("*"))
    out["words_count"] = {"term_count": len(d["words"]) - smart, "smart_identifier_count": smart}
    return out


def _flag(data: dict, key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or value not in (0, 1):
        raise ConfigError(400, f"Invalid {key}: use 0 or 1.")  # integers, not booleans (§16.2)
    return value


def _dictionaries(state, method, rest, body):
    store = state.data["dictionaries"]
    if not rest:
        if method != "GET":
            raise ConfigError(405, f"Method {method} is not allowed for this resource.")
        return 200, {"data": [_dictionary_view(d) for d in store.values()]}
    name = rest[0]
    current = store.get(name)
    if len(rest) == 1:
        if method == "POST":
            if current is not None:
                raise ConfigError(400, f"Dictionary '{name}' already exists.")
            data = _data(body)
            if not isinstance(data, dict) or not isinstance(data.get("words"), list) or not data["words"]:
                raise ConfigError(400, "Invalid dictionary: words must be a non-empty array of word entries.")
            store[name] = {"name": name, "encoding": str(data.get("encoding") or "utf-8"),
                           "ignorecase": _flag(data, "ignorecase", 1), "wholewords": _flag(data, "wholewords", 1),
                           "words": [_word(w) for w in data["words"]]}
            return _written(ADDED)
        _existing(current, "Dictionary", name)
        if method == "GET":
            return 200, {"data": _dictionary_view(current)}
        if method == "DELETE":
            del store[name]
            return _written(DELETED)
        raise ConfigError(405, f"Method {method} is not allowed for this resource.")
    if rest[1:] != ["words"]:
        raise ConfigError(404, "Resource not found.")
    _existing(current, "Dictionary", name)
    data = _data(body)
    words = data.get("words") if isinstance(data, dict) else None
    if method == "POST":
        if not isinstance(words, list) or not words:
            raise ConfigError(400, "Invalid words: a non-empty array of word entries.")
        have = {w[0] for w in current["words"]}
        for entry in (_word(w) for w in words):
            if entry[0] not in have:
                current["words"].append(entry)
                have.add(entry[0])
        return _written(UPDATED)
    if method == "DELETE":
        gone = set(_strings(words, "words"))  # plain strings, no weights (§16.2)
        current["words"] = [w for w in current["words"] if w[0] not in gone]
        return _written(DELETED)
    raise ConfigError(405, f"Method {method} is not allowed for this resource.")


# -------------------------------------------------------------------- URL lists (§16.3)
def _url_view(u: dict) -> dict:
    return {"name": u["name"], "urls": list(u["urls"]), "urls_count": len(u["urls"]), "used_by": u["used_by"]}


def _url_lists(state, method, rest, body):
    store = state.data["url_lists"]
    if not rest:
        if method == "GET":
            return 200, {"data": [_url_view(u) for u in store.values()]}
        if method == "DELETE":
            data = _data(body)
            names = _strings(data.get("url_lists") if isinstance(data, dict) else None, "url_lists")
            unknown = [n for n in names if n not in store]
            if unknown:
                raise ConfigError(404, f"URL list '{unknown[0]}' does not exist.")
            for n in names:
                del store[n]
            return _written(DELETED)
        raise ConfigError(405, f"Method {method} is not allowed for this resource.")
    name, current = _named(store, rest)
    if method == "GET":
        return 200, {"data": _url_view(_existing(current, "URL list", name))}
    if method in ("POST", "PUT"):
        data = _data(body)
        urls = _strings(data.get("urls") if isinstance(data, dict) else None, "urls")
        if method == "POST":
            if current is not None:
                raise ConfigError(400, f"URL list '{name}' already exists.")
            store[name] = {"name": name, "urls": urls, "used_by": ""}
            return _written(ADDED)
        _existing(current, "URL list", name)["urls"] = urls  # PUT replaces the whole set (§16.3, inferred)
        return _written(UPDATED)
    raise ConfigError(405, f"Method {method} is not allowed for this resource.")


# -------------------------------------------------------------------- file-hash lists (§16.4)
def _hash_view(h: dict) -> dict:
    out = {k: copy.deepcopy(v) for k, v in h.items()}
    out["filehashes_count"] = len(h["filehashes"])
    return out


def _check_hashes(hashes: list[str], list_type: str) -> None:
    for value in hashes:
        kinds = ("sha256", "md5") if list_type == "any" else (list_type,)
        if not any(_HEX[k].match(value) for k in kinds):
            raise ConfigError(400, f"Invalid file hash '{value}' for a {list_type} list.")


def _file_hash_lists(state, method, rest, body):
    store = state.data["file_hash_lists"]
    if not rest:
        if method != "GET":
            raise ConfigError(405, f"Method {method} is not allowed for this resource.")
        return 200, {"data": [_hash_view(h) for h in store.values()]}
    name, current = _named(store, rest)
    if method == "GET":
        return 200, {"data": _hash_view(_existing(current, "File hash list", name))}
    if method in ("POST", "PUT"):
        data = _data(body)
        if not isinstance(data, dict):
            raise ConfigError(400, "Invalid request body: expected an object in data.")
        # no delete call exists for these lists (§16.4), so an empty set of hashes must be writable
        hashes = _strings(data.get("filehashes"), "filehashes", allow_empty=method == "PUT")
        if method == "POST":
            if current is not None:
                raise ConfigError(400, f"File hash list '{name}' already exists.")
            list_type = data.get("list_type")
            if list_type not in ("sha256", "md5", "any"):
                raise ConfigError(400, f"Invalid list_type '{list_type}'. Use sha256, md5 or any.")
            _check_hashes(hashes, list_type)
            store[name] = {"name": name, "description": str(data.get("description") or ""),
                           "list_type": list_type, "filehashes": hashes}
            return _written(ADDED)
        _check_hashes(hashes, _existing(current, "File hash list", name)["list_type"])
        current["filehashes"] = hashes
        return _written(UPDATED)
    raise ConfigError(405, f"Method {method} is not allowed for this resource.")


# -------------------------------------------------------------------- incoming policy users (§16.5)
def _domain_entries(node, where: str) -> list[str]:
    values = _strings(node.get("domain_entries") if isinstance(node, dict) else None, f"{where}.domain_entries")
    if "ANY" in values and len(values) > 1:
        raise ConfigError(400, f"Invalid {where}.domain_entries: ANY must be alone.")
    for v in values:
        if v != "ANY" and not _DOMAIN_ENTRY.match(v):
            raise ConfigError(400, f"Invalid entry '{v}' in {where}.domain_entries.")
    return values


def _policy_entry(entry) -> dict:
    if not isinstance(entry, dict) or not isinstance(entry.get("sender_config"), dict):
        raise ConfigError(400, "Invalid user entry: sender_config is required.")
    sender = entry["sender_config"]
    if len([k for k in ("sender", "sender_not") if k in sender]) != 1:
        raise ConfigError(400, "Invalid sender_config: give exactly one of sender or sender_not.")
    for key in ("sender", "sender_not"):
        if key in sender:
            _domain_entries(sender[key], f"sender_config.{key}")
    receiver = entry.get("receiver_config")
    if not isinstance(receiver, dict) or receiver.get("operation") not in ("and", "or"):
        raise ConfigError(400, "Invalid receiver_config: operation must be and or or.")
    _domain_entries(receiver.get("receiver"), "receiver_config.receiver")
    if "receiver_not" in receiver:
        if receiver["operation"] == "or":
            raise ConfigError(400, "Invalid receiver_config: receiver_not is not allowed with operation or.")
        _domain_entries(receiver["receiver_not"], "receiver_config.receiver_not")
    return copy.deepcopy(entry)


def _incoming_mail_policies(state, method, rest, body):
    if len(rest) != 2 or rest[1] != "senders_and_recipients":
        raise ConfigError(404, "Resource not found.")
    policies = state.data["policies"]
    policy = rest[0]
    if policy not in policies:
        raise ConfigError(404, f"Incoming mail policy '{policy}' does not exist.")
    if policies[policy] is None:
        if method == "GET":
            return 200, {"meta": {"count": 0}, "data": []}
        raise ConfigError(400, f"The {policy} policy takes no user entries.")
    if method == "GET":
        return 200, {"meta": {"count": len(policies[policy])}, "data": copy.deepcopy(policies[policy])}
    data = _data(body)
    if method == "POST":
        if not isinstance(data, dict):
            raise ConfigError(400, "Invalid request body: POST takes one user entry (an object).")
        policies[policy].append(_policy_entry(data))
        return _written(ADDED)
    if method == "PUT":
        if not isinstance(data, list) or not data:
            raise ConfigError(400, "Invalid request body: PUT takes a non-empty array of user entries.")
        policies[policy] = [_policy_entry(e) for e in data]
        return _written(UPDATED)
    raise ConfigError(405, f"Method {method} is not allowed for this resource.")


# -------------------------------------------------------------------- message filters (§16.6)
def _filter_rows(filters: list[dict]) -> list[dict]:
    return [{**copy.deepcopy(f), "order": i} for i, f in enumerate(filters, 1)]


def _message_filters(state, method, rest, body):
    filters = state.data["filters"]
    if not rest:
        if method != "GET":
            raise ConfigError(405, f"Method {method} is not allowed for this resource.")
        return 200, {"meta": {"count": len(filters)}, "data": _filter_rows(filters)}
    name = rest[0]
    index = next((i for i, f in enumerate(filters) if f["name"] == name), None)
    if index is None:
        raise ConfigError(404, f"Message filter '{name}' does not exist.")
    if method == "GET":
        # by name: a one-element array (§16.6)
        return 200, {"meta": {"count": 1}, "data": [_filter_rows(filters)[index]]}
    if method == "PUT":
        data = _data(body)
        if not isinstance(data, dict) or not data or set(data) - {"active", "order"}:
            raise ConfigError(400, "Invalid request body: PUT takes active and/or order only.")
        if "active" in data and data["active"] not in ("true", "false"):
            raise ConfigError(400, "Invalid active: use the string true or false.")
        order = data.get("order")
        if "order" in data and (isinstance(order, bool) or not isinstance(order, int)
                                or not 1 <= order <= len(filters)):
            raise ConfigError(400, f"Invalid order: an integer from 1 to {len(filters)}.")
        target = filters[index]
        if "active" in data:
            target["active"] = data["active"]
        if "order" in data:
            filters.insert(order - 1, filters.pop(index))
        warning = None
        if target["valid"] == "false" and target["active"] == "true":
            warning = f"Filter {name} has been marked invalid for these reasons: {target['invalid_reason']};."
        return _written(UPDATED, warning)
    if method == "DELETE":
        filters.pop(index)
        return _written(DELETED)
    raise ConfigError(405, f"Method {method} is not allowed for this resource.")


_ROUTES = {"sender_groups": _sender_groups, "dictionaries": _dictionaries, "url_lists": _url_lists,
           "file_hash_lists": _file_hash_lists, "incoming_mail_policies": _incoming_mail_policies,
           "message_filters": _message_filters}
