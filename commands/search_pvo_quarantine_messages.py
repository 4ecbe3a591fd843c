"""Search PVO Quarantine Messages: every page of GET quarantine/messages?quarantineType=pvo over the
window, up to `limit`, with the PVO vocabulary only (ext §14.2, §14.6): its own filter keys and
operators, never a spam-only parameter. Paging stops at the grand total the appliance reports."""

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import pvo
from cisco_esa.core.outcome import Result
from cisco_esa.core.timefmt import endpoint_window


def run(params, ctx):
    start, end, info = endpoint_window(params["start_time"], params["end_time"], "minute")
    filters = search_filters(params)
    order_by = api.PVO_ORDER_BY[params.get("order_by") or "Received"]
    order_dir = api.REPORT_DIRECTIONS[params.get("order_direction") or "Descending"]
    info.update({"quarantines": params["quarantines"], "filters": filters, "order_by": order_by,
                 "order_direction": order_dir, "limit": params["limit"]})
    pages = ctx.api.pvo_search(start, end, params["quarantines"], filters, cap=params["limit"], order_by=order_by,
                               order_dir=order_dir, on_page=ctx.rows_read)
    messages = [pvo.normalize_row(row) for row in pages.rows]
    data = {"messages": messages, "total": len(messages), "truncated": pages.truncated, "pages": pages.requests,
            "query": info}
    return Result(data=data, raw_data={"data": pages.rows})


def search_filters(params: dict) -> dict:
    """The validated params -> the appliance's PVO filter keys. An operator means nothing without
    its value, so it is sent only with one (Contains when not given)."""
    filters = {}
    for param, (op_key, value_key) in api.PVO_FILTERS.items():
        if params.get(f"{param}_filter_value"):
            filters[op_key] = api.PVO_OPERATORS[params.get(f"{param}_filter_operator") or "Contains"]
            filters[value_key] = params[f"{param}_filter_value"]
    if params.get("originating_esa_ip"):
        filters[api.PVO_ESA_IP] = params["originating_esa_ip"]
    if params.get("attachment_name"):
        filters[api.PVO_ATTACHMENT_NAME] = params["attachment_name"]
    kind = params.get("attachment_size_filter")
    if kind:
        by_key, from_key, to_key = api.PVO_SIZE_KEYS
        filters[by_key] = api.PVO_SIZE_FILTERS[kind]
        # From goes with Range and More_Than, To with Range and Less_Than (the ESA reading, ext §14.2)
        if kind in ("Range", "More_Than"):
            filters[from_key] = params["attachment_size_from_kb"]
        if kind in ("Range", "Less_Than"):
            filters[to_key] = params["attachment_size_to_kb"]
    return filters
