"""Release Spam Quarantine Messages: one POST quarantine/messages per id, in turn, never resent."""

from cisco_esa import quarantine


def run(params, ctx):
    return quarantine.release_or_delete(params, ctx, "release")
