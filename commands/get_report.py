"""Get Report: GET reporting/{counter_group}[/{counter}] over whole hours, counters made plain."""

from cisco_esa import reporting


def run(params, ctx):
    return reporting.get_report(params, ctx)
