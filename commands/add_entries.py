"""Add Entries: one POST quarantine/{safelist|blocklist} with action add, edit or append."""

from cisco_esa import lists


def run(params, ctx):
    if lists.VIEWS[params["view_by"]] == "recipient":
        keys, values = params["recipient_addresses"], params["sender_list"]
    else:
        keys, values = params["sender_addresses"], params["recipient_list"]
    return lists.change(params, ctx, lists.LISTS[params["list_type"]], keys=keys, values=values)
