"""Get Message Details: one GET message-tracking/details per message id, concurrently; an id the
appliance reports unknown fails only its own item."""

from cisco_esa import tracking


def run(params, ctx):
    return tracking.details(params, ctx, "message")
