"""Get Message Details: for each message id, the message's tracking details, from one GET
message-tracking/details per id (concurrently). An id the appliance reports unknown (a mid of N/A,
asyncos-api §1.5) fails only its own item."""

from cisco_esa.asyncos.parsers import tracking
from cisco_esa.core.outcome import Result, bodies


def run(params, ctx):
    serial, icid = params["appliance_serial_number"], params.get("injection_connection_id")
    items = ctx.for_each(params["message_ids"], lambda mid: ctx.api.message_details(serial, mid, icid),
                         lambda body, mid: tracking.message_details(body, mid, serial))
    return Result(data={"messages": [i.data for i in items if i.ok]}, raw_data=bodies(items), items=items)
