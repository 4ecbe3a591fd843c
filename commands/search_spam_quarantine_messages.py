"""Search Spam Quarantine Messages: every page of GET quarantine/messages up to `limit`."""

from cisco_esa import quarantine


def run(params, ctx):
    return quarantine.search(params, ctx)
