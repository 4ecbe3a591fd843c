"""Search Messages: every page of GET message-tracking/messages up to the limit, rows of either
response format in one plain shape."""

from cisco_esa import tracking


def run(params, ctx):
    return tracking.search(params, ctx)
