"""Get Spam Quarantine Message Details: one GET quarantine/messages/details per id (concurrently);
an id the appliance does not hold fails only its own item as not found (asyncos-api §6)."""

from cisco_esa.asyncos.parsers import quarantine
from cisco_esa.core.outcome import Result, responses, summarize


def run(params, ctx):
    items = ctx.for_each(params["quarantine_message_ids"], ctx.api.spam_details,
                         lambda body, mid: quarantine.details(body, mid))
    data = {"messages": [i.data for i in items if i.ok], **summarize(items, "found")}
    return Result(data=data, raw_data=responses(items, "mid"), items=items)
