"""Get PVO Quarantine Message Details: one GET quarantine/messages/details?quarantineType=pvo per id
(concurrently): the quarantines holding each message, its reasons and its parts (ext §14.3). An id
the appliance does not hold fails only its own item as not found."""

from cisco_esa.asyncos.parsers import pvo
from cisco_esa.core.outcome import Result, responses, summarize


def run(params, ctx):
    items = ctx.for_each(params["quarantine_message_ids"], ctx.api.pvo_details, pvo.details)
    data = {"messages": [i.data for i in items if i.ok], **summarize(items, "found")}
    return Result(data=data, raw_data=responses(items, "mid"), items=items)
