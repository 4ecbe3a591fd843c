"""Delete PVO Quarantine Messages: for each id, one DELETE quarantine/messages per quarantine it is
deleted from (ext §14.4), in turn and never resent; without a quarantine_name, every quarantine the
message's details say it is in. The logic is Release's (`act`) with the DELETE."""

from cisco_esa.commands.release_pvo_quarantine_messages import act


def run(params, ctx):
    return act(params, ctx, "delete", "deleted", ctx.api.delete_pvo)
