"""Test Connection: log in, read the account's privileges, and run a one-row tracking search
over the last hour, so that an appliance that accepts the login but fails the API still fails.
The privileges say which commands the account may run; writes its role cannot do are named.
Then one cheap read per configuration API says which of them this appliance has."""

from datetime import timedelta

from cisco_esa.asyncos.api import CONFIG_FEATURES
from cisco_esa.core.outcome import ApplianceError, Result, UnexpectedResponse
from cisco_esa.core.timefmt import floor_minute, minute_param

GROUPS = ("message_tracking", "spam_quarantine", "safelist_blocklist", "reporting")
WRITE_GROUPS = ("spam_quarantine", "safelist_blocklist")
# Words that make a privilege name a write (e_quarantine_messages_release, e_quarantine_safelist_modify).
WRITE_WORDS = ("release", "delete", "modify", "add", "edit", "update", "create", "write", "move", "send")

# What each capability is, for a person, and the group it belongs to.
CAPABILITIES = {
    "tracking_read": ("message_tracking", "message tracking"),
    "quarantine_read": ("spam_quarantine", "spam quarantine search"),
    "quarantine_release": ("spam_quarantine", "spam quarantine release"),
    "quarantine_delete": ("spam_quarantine", "spam quarantine delete"),
    "safelist_read": ("safelist_blocklist", "safelist view"),
    "safelist_write": ("safelist_blocklist", "safelist modify"),
    "blocklist_read": ("safelist_blocklist", "blocklist view"),
    "blocklist_write": ("safelist_blocklist", "blocklist modify"),
    "reporting_read": ("reporting", "reporting"),
    "configuration_read": ("configuration", "configuration read"),
    "configuration_write": ("configuration", "configuration write"),
}
WRITES = {"quarantine_release", "quarantine_delete", "safelist_write", "blocklist_write"}
LIST_ANY = ("safelist_read", "blocklist_read", "safelist_write", "blocklist_write")

# Each command and the capabilities of which it needs one (asyncos-api §1.2 point 7).
NEEDS = {
    "search_messages": ("tracking_read",),
    "get_message_details": ("tracking_read",),
    "get_amp_details": ("tracking_read",),
    "get_dlp_details": ("tracking_read",),
    "get_url_details": ("tracking_read",),
    "fetch_event": ("tracking_read", "quarantine_read"),
    "search_spam_quarantine_messages": ("quarantine_read",),
    "get_spam_quarantine_message_details": ("quarantine_read",),
    "release_spam_quarantine_messages": ("quarantine_release",),
    "delete_spam_quarantine_messages": ("quarantine_delete",),
    "search_list_entries": LIST_ANY,
    "add_entries": ("safelist_write", "blocklist_write"),
    "delete_entries": ("safelist_write", "blocklist_write"),
    "block_domain": ("blocklist_write",),
    "block_email_addresses": ("blocklist_write",),
    "unblock_domains_or_email_addresses": ("blocklist_write",),
    "get_report": ("reporting_read",),
    # beyond the spec (contract §1b): the PVO quarantines sit behind the quarantine privileges, and
    # move / send copy are quarantine writes like release (their privilege names are not published)
    "list_quarantines": ("quarantine_read",),
    "search_pvo_quarantine_messages": ("quarantine_read",),
    "get_pvo_quarantine_message_details": ("quarantine_read",),
    "release_pvo_quarantine_messages": ("quarantine_release",),
    "delete_pvo_quarantine_messages": ("quarantine_delete",),
    "move_pvo_quarantine_messages": ("quarantine_release",),
    "send_copy_of_pvo_quarantine_messages": ("quarantine_release",),
    "download_pvo_quarantine_attachments": ("quarantine_read",),
    "investigate_message": ("tracking_read",),
    "decode_rewritten_urls": (),  # offline: it needs no privilege at all
    "search_rejected_connections": ("tracking_read",),
    "get_connection_details": ("tracking_read",),
    "get_remediation_details": ("tracking_read",),
    "get_health": ("tracking_read", "quarantine_read", "reporting_read"),
}
# The configuration commands (contract §1b): reads and writes of config/... (extension §16).
CONFIG_READS = ("list_sender_groups", "find_sender", "list_dictionaries", "get_dictionary", "list_url_lists",
                "get_url_list", "list_file_hash_lists", "get_file_hash_list", "list_incoming_policy_users",
                "list_message_filters", "get_message_filter")
CONFIG_WRITES = ("add_sender_group_entries", "remove_sender_group_entries", "create_dictionary", "delete_dictionary",
                 "add_dictionary_words", "delete_dictionary_words", "add_url_list_entries", "remove_url_list_entries",
                 "delete_url_lists", "add_file_hash_list_entries", "remove_file_hash_list_entries",
                 "add_incoming_policy_users", "remove_incoming_policy_users", "set_message_filter")
NEEDS |= {cid: ("configuration_read",) for cid in CONFIG_READS} | {cid: ("configuration_write",) for cid in CONFIG_WRITES}
# No source names the privileges of the configuration APIs: the role decides, and with no role
# known (Basic auth) nothing is claimed unusable.
CONFIG_BY_ROLE = {"administrator": {"configuration_read", "configuration_write"},
                  "operator": {"configuration_read", "configuration_write"},
                  "readonlyoperator": {"configuration_read"}}
# When no privilege name is recognised, the role decides (asyncos-api §1.2 point 7).
_READS = {c for c in CAPABILITIES if c not in WRITES}
ROLE_CAPABILITIES = {
    "administrator": set(CAPABILITIES),
    "operator": set(CAPABILITIES),
    "readonlyoperator": _READS,
    "helpdeskuser": {"tracking_read"},
}


def run(params, ctx):
    login = ctx.api.login()
    privileges = ctx.api.privileges().body
    names = privileges.get("data") if isinstance(privileges, dict) else None
    if not isinstance(names, list):
        raise UnexpectedResponse("login/privileges did not return a list of privileges.")
    end = floor_minute(ctx.now())
    start = end - timedelta(hours=1)
    search = ctx.api.tracking_messages(minute_param(start), minute_param(end), {}, 0, 1).body
    if not isinstance(search, dict) or not isinstance(search.get("data"), list):
        raise UnexpectedResponse("the message-tracking search did not return a data list.")
    transport = ctx.api.transport
    role = (login or {}).get("role")
    caps = capabilities(names, role)
    data = {
        "connected": True,
        "appliance": ctx.api.appliance,
        "server_url": transport.conn.server_url,
        "api_version": transport.conn.api_version,
        "auth": transport.conn.auth,
        "user": (login or {}).get("userName") or transport.conn.username,
        "role": role,
        "privileges": names,
        # a group is usable when some command of it is; the writes the role cannot do are said apart
        "command_groups": {g: any(CAPABILITIES[c][0] == g for c in caps) for g in GROUPS},
        "write_groups": {g: any(CAPABILITIES[c][0] == g for c in caps & WRITES) for g in WRITE_GROUPS},
        "unusable_commands": [{"command": cid, "needs": " or ".join(CAPABILITIES[c][1] for c in needs)}
                              for cid, needs in NEEDS.items() if needs and not caps & set(needs)],
        "tracking_search_rows": len(search["data"]),
        "configuration_apis": _configuration_apis(ctx.api),
    }
    return Result(data=data, raw_data={"login": login or {}, "privileges": privileges, "tracking": search})


def _configuration_apis(api) -> dict:
    """Which configuration APIs (extension §16) this appliance has, by one cheap read each (§19
    point 10): available, missing (this AsyncOS release answers 404), forbidden (the role), failed
    (another error), or esa_only on an SMA, where none is asked."""
    if api.appliance == "sma":
        return {feature: "esa_only" for feature in CONFIG_FEATURES}
    found = {}
    for feature in CONFIG_FEATURES:
        try:
            found[feature] = "available" if api.config_available(feature) else "missing"
        except ApplianceError as exc:
            found[feature] = "forbidden" if exc.status_code in (401, 403) else "failed"
    return found


def capabilities(names: list, role: str | None) -> set[str]:
    """The capabilities the privilege names open; the role's when no name is recognised."""
    found = set()
    for name in names:
        found |= _opens(str(name).lower())
    key = role.replace(" ", "").replace("-", "").lower() if isinstance(role, str) and role else None  # any type may come
    if not found and key:
        found = set(ROLE_CAPABILITIES.get(key, set()))
    found -= {"configuration_read", "configuration_write"}
    return found | (CONFIG_BY_ROLE.get(key, set()) if key else {"configuration_read", "configuration_write"})


def _opens(name: str) -> set[str]:
    write = any(w in name for w in WRITE_WORDS)
    if "tracking" in name:
        return {"tracking_read"}
    if "report" in name:
        return {"reporting_read"}
    lists = {f"{kind}_{'write' if write else 'read'}" for kind in ("safelist", "blocklist") if kind in name}
    if lists:
        return lists
    if "quarantine" in name:
        if not write:
            return {"quarantine_read"}
        named = {f"quarantine_{w}" for w in ("release", "delete") if w in name}
        return named or {"quarantine_release", "quarantine_delete"}  # a general write: both
    return set()
