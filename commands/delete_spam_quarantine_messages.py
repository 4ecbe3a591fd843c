"""Delete Spam Quarantine Messages: one DELETE quarantine/messages per id, in turn, never resent."""

from cisco_esa import quarantine


def run(params, ctx):
    return quarantine.release_or_delete(params, ctx, "delete")
