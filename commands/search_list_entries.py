"""Search List Entries: every page of GET quarantine/{safelist|blocklist}?action=view up to `limit`."""

from cisco_esa import lists


def run(params, ctx):
    return lists.search(params, ctx)
