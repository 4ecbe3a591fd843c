"""Search Rejected Connections: every page of GET message-tracking/messages with
searchOption=rejected_connections over the window, up to `limit`: the SMTP connections the HAT
refused, which never became messages (ext §15.1). They page like tracking messages."""

from cisco_esa.asyncos.parsers import tracking_extras
from cisco_esa.core.outcome import Result
from cisco_esa.core.timefmt import endpoint_window


def run(params, ctx):
    start, end, info = endpoint_window(params["start_time"], params["end_time"], "minute")
    filters = {"senderIp": params["sender_ip"]} if params.get("sender_ip") else {}
    info.update({"filters": filters, "limit": params["limit"]})
    pages = ctx.api.rejected_connections(start, end, filters, cap=params["limit"], on_page=ctx.rows_read)
    rows = [tracking_extras.rejected_row(row, i) for i, row in enumerate(pages.rows)]
    data = {"connections": rows, "total": len(rows), "truncated": pages.truncated, "pages": pages.requests,
            "sender_ips": sorted({r["sender_ip"] for r in rows if r["sender_ip"]}), "query": info}
    return Result(data=data, raw_data={"data": pages.rows})
