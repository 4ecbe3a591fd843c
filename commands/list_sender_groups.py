"""List Sender Groups: GET config/sender_groups/listener/{listener} (extension §16.8), each group with
its senders, in the HAT's order (the first group that matches a sender decides its fate)."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.sender_groups(params["listener"]).body
    groups = config.sender_groups(body, "config/sender_groups")
    return Result(data={"listener": params["listener"], "sender_groups": groups, "total": len(groups)}, raw_data=body)
