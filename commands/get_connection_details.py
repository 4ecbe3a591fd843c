"""Get Connection Details: GET message-tracking/connection-details for one ICID (ext §15.2): the
connection's sender group, SBRS and events. The answer comes bare or data-wrapped; either is read."""

from cisco_esa.asyncos.parsers import tracking_extras
from cisco_esa.core.outcome import Result


def run(params, ctx):
    serial, icid = params["appliance_serial_number"], params["injection_connection_id"]
    body = ctx.api.connection_details(serial, icid, params.get("message_id")).body
    return Result(data=tracking_extras.connection_details(body, icid, serial), raw_data=body)
