"""Unblock Domains or Email Addresses: one DELETE quarantine/blocklist per entry, sender entries
(Sender Block List) or recipient entries (Recipient Block List)."""

from cisco_esa import lists


def run(params, ctx):
    view = lists.BLOCK_LIST_VIEWS[params["block_list_type"]]
    return lists.delete(ctx, "blocklist", view, params["domains_or_email_addresses"])
