"""Block Domain: Add Entries on the blocklist (one POST quarantine/blocklist with action add, edit
or append, asyncos-api §8.2); the schema has already checked that every sender value is a domain
(or [IP])."""

from cisco_esa.asyncos import api
from cisco_esa.commands.add_entries import change


def run(params, ctx):
    action, view = api.LIST_ACTIONS[params["action"]], api.LIST_VIEWS[params["view_by"]]
    if view == "recipient":
        keys, values = params["recipients_addresses"], params["sender_list"]
    else:
        keys, values = params["sender_addresses"], params["recipients_list"]
    return change(ctx, "blocklist", action, view, keys, values)
