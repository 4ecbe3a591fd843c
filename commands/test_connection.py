"""Test Connection: log in, read the account's privileges, and run a one-row tracking search
over the last hour, so that an appliance that accepts the login but fails the API still fails;
then one cheap read per configuration API says which of them this appliance has."""

from datetime import timedelta

from cisco_esa.asyncos.api import CONFIG_FEATURES
from cisco_esa.core.outcome import ApplianceError, Result, UnexpectedResponse
from cisco_esa.core.timefmt import floor_minute, minute_param

# Which command groups a privilege name (or, failing that, a role) opens (asyncos-api §1.2, point 7).
GROUP_MARKERS = {
    "message_tracking": ("message_tracking", "tracking"),
    "spam_quarantine": ("quarantine",),
    "safelist_blocklist": ("safelist", "blocklist", "quarantine"),
    "reporting": ("report",),
}
ROLE_GROUPS = {
    "administrator": set(GROUP_MARKERS),
    "operator": set(GROUP_MARKERS),
    "readonlyoperator": {"message_tracking", "spam_quarantine", "safelist_blocklist", "reporting"},
    "helpdeskuser": {"message_tracking"},
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
    groups = _groups(names, role)
    data = {
        "connected": True,
        "appliance": ctx.api.appliance,
        "server_url": transport.conn.server_url,
        "api_version": transport.conn.api_version,
        "auth": transport.conn.auth,
        "user": (login or {}).get("userName") or transport.conn.username,
        "role": role,
        "privileges": names,
        "command_groups": {g: g in groups for g in GROUP_MARKERS},
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


def _groups(names, role):
    found = {g for g, marks in GROUP_MARKERS.items() for n in names if any(m in str(n).lower() for m in marks)}
    if role:
        found |= ROLE_GROUPS.get(role.replace(" ", "").replace("-", "").lower(), set()) if not found else set()
    return found
