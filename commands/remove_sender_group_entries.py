"""Remove Sender Group Entries: DELETE config/sender_groups/sender_list/{listener}/{group} with the
senders to drop (extension §16.8); a sender the group does not hold is "not present". Add Sender
Group Entries the other way round."""

from cisco_esa.commands.add_sender_group_entries import change
from cisco_esa.asyncos.parsers import lists


def run(params, ctx):
    listener, group = params["listener"], params["sender_group"]

    def write(names, pending):
        # the group's own spelling of each sender, so the DELETE matches however the appliance compares case
        held = {n.lower(): n for n in names}
        return ctx.api.remove_group_senders(listener, group, [held.get(s.lower(), s) for s in pending])

    return change(ctx, listener, group, lists.unique_ignoring_case(params["senders"]), adding=False, write=write)
