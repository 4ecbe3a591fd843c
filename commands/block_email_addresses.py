"""Block Email Addresses: the senders go on each recipient's blocklist entry, appended where one
exists and added where not, one POST per recipient."""

from cisco_esa import lists


def run(params, ctx):
    return lists.block_senders(ctx, params["senders"], params["recipients"])
