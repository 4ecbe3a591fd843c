"""Get Report: GET reporting/{counter_group}[/{counter}] over whole hours (asyncos-api §9), the
counters made plain. `top` applies only to one counter; `orderBy` and `orderDir` go together."""

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import reporting
from cisco_esa.core.outcome import InputError, Result
from cisco_esa.core.timefmt import endpoint_window


def run(params, ctx):
    query, info = report_query(params)
    body = ctx.api.report(params["counter_group"], params.get("counter"), query).body
    kind, counters = reporting.counters(body)
    return Result(data={"counter_group": params["counter_group"], "counter": params.get("counter"), "kind": kind,
                        "counters": counters, "query": info}, raw_data=body)


def report_query(params: dict) -> tuple[dict, dict]:
    """Validated params -> (query, data.query); a window empty once floored is a 400."""
    group, counter = params["counter_group"], params.get("counter")
    start_param, end_param, info = endpoint_window(params["start_time"], params["end_time"], "hour")
    if info["end_time"] <= info["start_time"]:
        raise InputError([
            f"end_time: reports take whole hours (asyncos-api §1.3); floored to the hour the window is "
            f"{info['start_time']} to {info['end_time']}, which is empty: give an end_time at least one "
            f"whole hour after start_time"
        ])
    query = {"startDate": start_param, "endDate": end_param, "device_type": params.get("device_type", "esa")}
    order_by = params.get("order_by")
    if order_by:
        # orderBy and orderDir go together or not at all (§9.1)
        query["orderBy"] = order_by
        query["orderDir"] = api.REPORT_DIRECTIONS[params["order_direction"]]
    if params.get("filter_value"):
        query["filterBy"] = params["filter_by"]
        query["filterOperator"] = api.REPORT_OPERATORS[params["filter_operator"]]
        query["filterValue"] = params["filter_value"]
    top = params.get("top")
    # top only applies to one counter (spec: "only applied if Counter is defined")
    if top is not None and counter:
        query["top"] = top
    info.update({
        "counter_group": group, "counter": counter,
        "order_by": order_by, "order_direction": params["order_direction"] if order_by else None,
        "filter_by": params.get("filter_by"),
        "filter_operator": params["filter_operator"] if params.get("filter_value") else None,
        "filter_value": params.get("filter_value"),
        "top": top if counter else None,
        "top_ignored": top is not None and not counter,
    })
    return query, info
