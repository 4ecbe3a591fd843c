"""Test Connection: log in, read the account's privileges, and run a one-row tracking search
over the last hour, so that an appliance that accepts the login but fails the API still fails."""

from datetime import timedelta

from cisco_esa.core.outcome import Result, UnexpectedResponse
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
    }
    return Result(data=data, raw_data={"login": login or {}, "privileges": privileges, "tracking": search})


def _groups(names, role):
    found = {g for g, marks in GROUP_MARKERS.items() for n in names if any(m in str(n).lower() for m in marks)}
    if role:
        found |= ROLE_GROUPS.get(role.replace(" ", "").replace("-", "").lower(), set()) if not found else set()
    return found
