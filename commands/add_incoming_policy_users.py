"""Add Incoming Policy Users: puts senders under an incoming mail policy (say a stricter one) with one
POST of a user entry (extension §16.5), then reads the policy back. Each sender is its own item; one
already in an entry with the same recipients is "already present". The entry's rules are checked
before anything is sent: senders or senders_not (one of them), ANY alone in its list, recipients_not
only with operation And."""

from cisco_esa.asyncos import edits
from cisco_esa.asyncos.parsers import config, lists
from cisco_esa.core.outcome import InputError, Result

OPERATIONS = {"And": "and", "Or": "or"}


def run(params, ctx):
    policy, entry = params["policy"], wished(params)
    side = "senders" if entry["senders"] else "senders_not"

    def same_recipients(e):
        return all({v.lower() for v in e[k]} == {v.lower() for v in entry[k]} for k in ("recipients", "recipients_not")) \
            and e["operation"] == entry["operation"]

    def holds(entries, sender):
        return any(sender.lower() in {v.lower() for v in e[side]} and same_recipients(e) for e in entries)

    def write(_entries, pending):
        return ctx.api.add_policy_user(policy, config.policy_body({**entry, side: pending}))

    result = edits.edit(entry[side], read=lambda: read(ctx, policy), holds=holds, write=write,
                        what=f"incoming mail policy {policy}", done="added", already="already_present")
    data = {"policy": policy, "entry": entry, **edits.counts(result, "added", "already_present"),
            "entries": result.state, "warnings": result.warnings, "writes": result.writes}
    return Result(data=data, raw_data={"responses": result.responses}, items=result.items)


def read(ctx, policy: str) -> list[dict]:
    return [config.policy_entry(e) for e in config.many(ctx.api.policy_users(policy).body, "senders_and_recipients")]


def wished(params) -> dict:
    problems = []
    if bool(params.get("senders")) == bool(params.get("senders_not")):
        problems.append("senders, senders_not: give exactly one of them")
    if params.get("recipients_not") and params["operation"] != "And":
        problems.append("recipients_not: only with operation And")
    for key in ("senders", "senders_not", "recipients", "recipients_not"):
        if "ANY" in (params.get(key) or []) and len(params[key]) > 1:
            problems.append(f"{key}: ANY must be alone in its list")
    if problems:
        raise InputError(problems)
    return {"senders": lists.unique_ignoring_case(params.get("senders") or []),
            "senders_not": lists.unique_ignoring_case(params.get("senders_not") or []),
            "recipients": lists.unique_ignoring_case(params.get("recipients") or ["ANY"]),
            "recipients_not": lists.unique_ignoring_case(params.get("recipients_not") or []),
            "operation": OPERATIONS[params["operation"]]}
