"""Block Email Addresses: the senders go on each recipient's blocklist entry, `append` where the
recipient has one and `add` where not; never `edit`, which would drop the senders the entry already
blocks (asyncos-api §8.2). One POST per recipient, in turn, so each gets its own outcome. The
recipient view's `search` is a sender name search (§8.1), not a recipient look-up, so the view is
read whole first."""

from cisco_esa.asyncos.parsers import lists
from cisco_esa.core.outcome import CommandError, OutcomeUnknown, Result

# Past this many recipient entries it refuses to guess rather than risk an `add` over an entry it did not see.
LOOKUP_CAP = 100_000


def run(params, ctx):
    senders, recipients = lists.unique_ignoring_case(params["senders"]), lists.unique_ignoring_case(params["recipients"])
    pages = ctx.api.list_view("blocklist", "recipient", cap=LOOKUP_CAP)
    if pages.truncated:
        raise CommandError(
            f"The blocklist has {LOOKUP_CAP} or more recipient entries, too many to check which recipients "
            "already have one; use Add Entries with action Append instead.", None)
    existing = {e["recipient"].lower(): e for e in lists.normalize_rows(pages.rows, "recipient")}

    def block(asked):
        before = existing.get(asked.lower())
        # the existing entry's own spelling, so the append lands on it however the appliance compares case
        recipient = before["recipient"] if before else asked
        action = "append" if before else "add"
        resp = ctx.api.change_list("blocklist", action, "recipient", [recipient], senders)
        lists.change_confirmation(resp.status, resp.body, action)
        return resp

    def outcome(_body, asked):
        before = existing.get(asked.lower())
        had = before["senders"] if before else []
        low = {s.lower() for s in had}
        added = [s for s in senders if s.lower() not in low]
        return {"recipient": before["recipient"] if before else asked, "action": "append" if before else "add",
                "added_senders": lists.alphabetical(added), "senders": lists.alphabetical(lists.unique(had + added))}

    items = ctx.for_each(recipients, block, outcome, parallel=1)
    unknown = [i.id for i in items if isinstance(i.error, OutcomeUnknown)]
    done = [i.data for i in items if i.ok]
    data = {"list_type": "blocklist", "view_by": "recipient", "blocked_senders": lists.alphabetical(senders),
            "entries": done, "failed": [i.id for i in items if not i.ok and i.id not in unknown],
            "outcome_unknown": unknown,
            "counts": {"requested": len(recipients), "added": sum(1 for d in done if d["action"] == "add"),
                       "appended": sum(1 for d in done if d["action"] == "append"),
                       "failed": len(items) - len(done) - len(unknown), "outcome_unknown": len(unknown)}}
    asked = {r.lower() for r in recipients}
    responses = [{"recipient": e["recipient"] if (e := existing.get(i.id.lower())) else i.id,
                  "action": "append" if e else "add", "status": i.status, "body": i.body}
                 for i in items if i.sent]
    seen = [row for row in pages.rows if row["recipientAddress"].lower() in asked]
    return Result(data=data, raw_data={"existing_entries": seen, "responses": responses}, items=items)
