"""Get Remediation Details: one GET message-tracking/remediation-details per message id
(concurrently): the remediation batch and its outcome per mailbox (ext §15.3). A message no
remediation touched fails only its own item as not found."""

from cisco_esa.asyncos.parsers import tracking_extras
from cisco_esa.core.outcome import Result, bodies, summarize


def run(params, ctx):
    serial = params["appliance_serial_number"]
    items = ctx.for_each(params["message_ids"], lambda mid: ctx.api.remediation_details(serial, mid),
                         lambda body, mid: tracking_extras.remediation_details(body, mid, serial))
    data = {"messages": [i.data for i in items if i.ok], **summarize(items, "found")}
    return Result(data=data, raw_data=bodies(items), items=items)
