"""Add Entries: one POST quarantine/{safelist|blocklist} with action add, edit or append
(asyncos-api §8.2). By recipient the entries are the recipients and the values their senders; by
sender, the other way round. Successful only when the answer confirms the change."""

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import lists
from cisco_esa.core.outcome import Result


def run(params, ctx):
    kind, action, view = api.LISTS[params["list_type"]], api.LIST_ACTIONS[params["action"]], api.LIST_VIEWS[params["view_by"]]
    if view == "recipient":
        keys, values = params["recipient_addresses"], params["sender_list"]
    else:
        keys, values = params["sender_addresses"], params["recipient_list"]
    return change(ctx, kind, action, view, keys, values)


def change(ctx, kind, action, view, keys, values) -> Result:
    keys, values = lists.unique(keys), lists.unique(values)
    resp = ctx.api.change_list(kind, action, view, keys, values)
    body = resp.body
    confirmation = lists.change_confirmation(resp.status, body, action)
    entries = lists.entries(view, keys, values)
    data = {"list_type": kind, "action": action, "view_by": view, "entries": entries, "count": len(entries),
            "message": confirmation}
    # raw_data is an object (contract §3) even when the answer is a bare string or number
    raw = body if isinstance(body, dict) else {} if body is None else {"response": body}
    return Result(data=data, raw_data=raw)
