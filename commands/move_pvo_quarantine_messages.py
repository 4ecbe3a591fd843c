"""Move PVO Quarantine Messages: for each id, one POST quarantine/messages (action move) per source
quarantine, to `destination_quarantine` (ext §14.4); without a quarantine_name, every quarantine the
message is in but the destination itself. The logic is Release's (`act`)."""

from cisco_esa.commands.release_pvo_quarantine_messages import act


def run(params, ctx):
    destination = params["destination_quarantine"]
    return act(params, ctx, "move", "moved", lambda mid, name: ctx.api.move_pvo(mid, name, destination),
               choose=lambda names: [n for n in names if n != destination], arrives=destination)
