"""Add Sender Group Entries: the gateway-level block (or allow) of an IP or host: the senders go into a
listener's HAT sender group, BLOCKED_LIST by default, so the ESA refuses them at connection time
(extension §16.8). The group is read first (a sender already in it is "already present"), the new
ones are sent in one POST, and the group is read back so that each sender's outcome is its own."""

from cisco_esa.asyncos import edits
from cisco_esa.asyncos.parsers import config, lists
from cisco_esa.core.outcome import Result


def run(params, ctx):
    listener, group = params["listener"], params["sender_group"]
    return change(ctx, listener, group, lists.unique_ignoring_case(params["senders"]), adding=True,
                  write=lambda _names, pending: ctx.api.add_group_senders(listener, group, pending,
                                                                          params.get("description")))


def change(ctx, listener: str, group: str, senders: list[str], *, adding: bool, write) -> Result:
    """Shared with Remove Sender Group Entries: the same read, verify and bookkeeping, the other way."""
    def read():
        return config.sender_names(config.one(ctx.api.sender_group(listener, group).body, "the sender group"))

    def holds(names, sender):
        return (sender.lower() in {n.lower() for n in names}) == adding

    done, already = ("added", "already_present") if adding else ("removed", "not_present")
    result = edits.edit(senders, read=read, holds=holds, write=write, what=f"sender group {group} of {listener}",
                        done=done, already=already)
    data = {"listener": listener, "sender_group": group, **edits.counts(result, done, already),
            "senders": lists.alphabetical(result.state), "warnings": result.warnings, "writes": result.writes}
    return Result(data=data, raw_data={"responses": result.responses}, items=result.items)
