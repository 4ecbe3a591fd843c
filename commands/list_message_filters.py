"""List Message Filters: GET config/message_filters (extension §16.6), in the appliance's order;
`active` and `valid` (strings there) as booleans."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.message_filters().body
    rows = [config.message_filter(r) for r in config.many(body, "config/message_filters")]
    rows.sort(key=lambda f: (f["order"] if f["order"] is not None else 1 << 30, str(f["name"])))
    return Result(data={"message_filters": rows, "total": len(rows)}, raw_data=body)
