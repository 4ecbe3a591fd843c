"""Unblock Domains or Email Addresses: Delete Entries on the blocklist, sender entries (Sender
Block List) or recipient entries (Recipient Block List): one DELETE per entry."""

from cisco_esa.commands.delete_entries import delete

BLOCK_LIST_VIEWS = {"Sender Block List": "sender", "Recipient Block List": "recipient"}


def run(params, ctx):
    return delete(ctx, "blocklist", BLOCK_LIST_VIEWS[params["block_list_type"]], params["domains_or_email_addresses"])
