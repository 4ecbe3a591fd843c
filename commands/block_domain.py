"""Block Domain: one POST quarantine/blocklist with action add, edit or append; the schema has
already checked that every sender value is a domain (or [IP])."""

from cisco_esa import lists


def run(params, ctx):
    if lists.VIEWS[params["view_by"]] == "recipient":
        keys, values = params["recipients_addresses"], params["sender_list"]
    else:
        keys, values = params["sender_addresses"], params["recipients_list"]
    return lists.change(params, ctx, "blocklist", keys=keys, values=values)
