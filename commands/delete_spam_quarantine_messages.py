"""Delete Spam Quarantine Messages: one DELETE quarantine/messages per id, in turn and never
resent, because the appliance answers only a total (asyncos-api §7): a totalCount of 1 confirms the
id, 0 means the quarantine does not hold it."""

from cisco_esa.asyncos.parsers import quarantine
from cisco_esa.core.outcome import Result, responses, summarize


def run(params, ctx):
    items = ctx.for_each(params["quarantine_message_ids"], ctx.api.delete_spam, quarantine.action_count, parallel=1)
    return Result(data={"action": "delete", **summarize(items, "deleted", writes=True)},
                  raw_data=responses(items, "mid"), items=items)
