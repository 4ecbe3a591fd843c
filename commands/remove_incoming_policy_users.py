"""Remove Incoming Policy Users: there is no DELETE (extension §16.5): read the policy's entries,
drop the senders and recipients from them (an entry left without senders or recipients goes), PUT
the rest whole, read back and check, merging again if another change undid ours. The appliance
refuses an empty set of entries, so one is never written."""

from cisco_esa.asyncos import edits
from cisco_esa.asyncos.parsers import config, lists
from cisco_esa.commands.add_incoming_policy_users import read
from cisco_esa.core.outcome import CommandError, InputError, Result

SIDES = {"senders": ("senders", "senders_not"), "recipients": ("recipients", "recipients_not")}


def run(params, ctx):
    policy = params["policy"]
    if not params.get("senders") and not params.get("recipients"):
        raise InputError(["senders, recipients: give at least one of them"])
    side_of = {v.lower(): side for side in SIDES for v in params.get(side) or []}
    values = lists.unique_ignoring_case([*(params.get("senders") or []), *(params.get("recipients") or [])])

    def holds(entries, value):
        return not any(value.lower() in {v.lower() for k in SIDES[side_of[value.lower()]] for v in e[k]}
                       for e in entries)

    def write(entries, pending):
        gone = {v.lower() for v in pending}
        rest = []
        for e in entries:
            kept = {k: [v for v in e[k] if not (v.lower() in gone and side_of[v.lower()] == side)]
                    for side, keys in SIDES.items() for k in keys}
            if (kept["senders"] or kept["senders_not"]) and kept["recipients"]:
                rest.append({**e, **kept})
        if not rest:
            raise CommandError(f"Removing these would leave incoming mail policy {policy} with no user entries, "
                               "which the appliance refuses.", 400)
        return ctx.api.replace_policy_users(policy, [config.policy_body(e) for e in rest])

    result = edits.edit(values, read=lambda: read(ctx, policy), holds=holds, write=write,
                        what=f"incoming mail policy {policy}", done="removed", already="not_present")
    data = {"policy": policy, **edits.counts(result, "removed", "not_present"), "entries": result.state,
            "warnings": result.warnings, "writes": result.writes}
    return Result(data=data, raw_data={"responses": result.responses}, items=result.items)
