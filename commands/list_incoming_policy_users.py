"""List Incoming Policy Users: GET config/incoming_mail_policies/{policy}/senders_and_recipients
(extension §16.5): each entry's senders (or senders excluded), recipients and operation."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.policy_users(params["policy"]).body
    entries = [config.policy_entry(e) for e in config.many(body, "senders_and_recipients")]
    return Result(data={"policy": params["policy"], "entries": entries, "total": len(entries)}, raw_data=body)
