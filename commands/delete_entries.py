"""Delete Entries: one DELETE quarantine/{safelist|blocklist} per recipient or sender entry."""

from cisco_esa import lists


def run(params, ctx):
    view = lists.VIEWS[params["view_by"]]
    keys = params["recipient_list"] if view == "recipient" else params["sender_list"]
    return lists.delete(ctx, lists.LISTS[params["list_type"]], view, keys)
