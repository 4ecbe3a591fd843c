"""Fetch Event: the mapped events of a message-tracking or spam-quarantine window, one page or
the whole window with a checkpoint (the engine lives in cisco_esa/fetch.py)."""

from cisco_esa.fetch.engine import fetch_event


def run(params, ctx):
    return fetch_event(params, ctx)
