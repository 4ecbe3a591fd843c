"""Get Spam Quarantine Message Details: one GET quarantine/messages/details per id, concurrently."""

from cisco_esa import quarantine


def run(params, ctx):
    return quarantine.details(params, ctx)
