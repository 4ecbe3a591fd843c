"""Search Spam Quarantine Messages: every page of GET quarantine/messages of the spam quarantine
over the window, newest first, up to `limit`. `filter_by` / `filter_operator` mean nothing without
`filter_value`, so their defaults are sent only with one (asyncos-api §5.1)."""

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import quarantine
from cisco_esa.core.outcome import Result
from cisco_esa.core.timefmt import endpoint_window


def run(params, ctx):
    start, end, info = endpoint_window(params["start_time"], params["end_time"], "minute")
    recipient, value = params.get("recipient"), params.get("filter_value")
    filters = {}
    if recipient:
        # capital F here, unlike the lower-case f of tracking (§5.1)
        filters.update(envelopeRecipientFilterOperator="contains", envelopeRecipientFilterValue=recipient)
    if value:
        filters.update(filterBy=api.SPAM_FILTER_BY[params["filter_by"]],
                       filterOperator=api.SPAM_OPERATORS[params["filter_operator"]], filterValue=value)
    info.update({"recipient": recipient, "filter_by": params["filter_by"] if value else None,
                 "filter_operator": params["filter_operator"] if value else None, "filter_value": value,
                 "limit": params["limit"]})
    pages = ctx.api.spam_search(start, end, filters, cap=params["limit"], on_page=ctx.rows_read)
    messages = [quarantine.normalize_row(row) for row in pages.rows]
    data = {"messages": messages, "total": len(messages), "truncated": pages.truncated,
            "pages": pages.requests, "query": info}
    return Result(data=data, raw_data={"data": pages.rows})
