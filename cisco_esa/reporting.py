"""Reports (asyncos-api §9): the query of GET reporting/{group}[/{counter}] and its resultSet
turned into plain counters.

`data.counters` has one form per kind of answer:
- a summary group (resultSet an array of one-key objects) and a single counter of a summary
  group (an object of counter -> number) become `{counter: value}`;
- a detail group (each counter an array) becomes `{counter: [{entity: value}, ...]}`, order
  kept. The appliance's element form is uncertain (§9.2): one-key objects
  `{"example.com": 120}` and `{"key": "example.com", "value": 120}` pairs are both read, and
  both come out as the one-key form `{"example.com": 120}`.
"""

from __future__ import annotations

from typing import Any

from cisco_esa.asyncos.transport import Transport
from cisco_esa.core.context import Context
from cisco_esa.core.outcome import InputError, Result, UnexpectedResponse
from cisco_esa.core.timefmt import endpoint_window

DIRECTIONS = {"Ascending": "asc", "Descending": "desc"}
FILTER_OPERATORS = {"Begins With": "begins_with", "Is": "is"}


def report_request(params: dict) -> tuple[str, dict, dict]:
    """Validated params -> (path, query, data.query); a window empty once floored is a 400."""
    group, counter = params["counter_group"], params.get("counter")
    start_param, end_param, info = endpoint_window(params["start_time"], params["end_time"], "hour")
    if info["end_time"] <= info["start_time"]:
        raise InputError([
            f"end_time: reports take whole hours (asyncos-api §1.3); floored to the hour the window is "
            f"{info['start_time']} to {info['end_time']}, which is empty: give an end_time at least one "
            f"whole hour after start_time"
        ])
    # group and counter come from input: each one a single encoded path segment
    path = Transport.path("reporting", group, counter) if counter else Transport.path("reporting", group)
    query = {"startDate": start_param, "endDate": end_param, "device_type": params.get("device_type", "esa")}
    order_by = params.get("order_by")
    if order_by:
        # orderBy and orderDir go together or not at all (§9.1)
        query["orderBy"] = order_by
        query["orderDir"] = DIRECTIONS[params["order_direction"]]
    if params.get("filter_value"):
        query["filterBy"] = params["filter_by"]
        query["filterOperator"] = FILTER_OPERATORS[params["filter_operator"]]
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
    return path, query, info


def get_report(params: dict, ctx: Context) -> Result:
    path, query, info = report_request(params)
    body = ctx.client.get(path, query).body
    kind, counters = normalize_result(body)
    return Result(data={"counter_group": params["counter_group"],
                        "counter": params.get("counter"), "kind": kind, "counters": counters, "query": info},
                  raw_data=body)


def normalize_result(body: Any) -> tuple[str, dict]:
    """A report answer -> (kind, counters): kind is `summary`, `counter` or `detail` (see the module doc)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or "resultSet" not in data:
        raise UnexpectedResponse("the report answer has no data.resultSet.", raw=body)
    result = data["resultSet"]
    if result is None:
        return "summary", {}
    if isinstance(result, list):
        # summary groups: an array of one-key objects, one per counter (§9.2)
        counters: dict = {}
        for element in result:
            for name, value in _pairs(element):
                counters[name] = value
        return "summary", counters
    if isinstance(result, dict):
        counters = {}
        detail = False
        for name, value in result.items():
            if isinstance(value, (list, dict)):
                detail = True
                counters[name] = _entities(value, name)
            else:
                counters[name] = value
        return ("detail" if detail else "counter"), counters
    raise UnexpectedResponse("the report's resultSet is neither an array nor an object.", raw=body)


def _entities(value: Any, counter: str) -> list[dict]:
    """A detail counter -> `[{entity: value}, ...]`, from either element form (§9.2)."""
    if isinstance(value, dict):
        value = [value] if _is_key_value(value) else [{k: v} for k, v in value.items()]
    out = []
    for element in value:
        for name, number in _pairs(element, counter):
            out.append({name: number})
    return out


def _pairs(element: Any, where: str = "resultSet") -> list[tuple]:
    if not isinstance(element, dict):
        raise UnexpectedResponse(f"an element of {where} is not an object: {str(element)[:60]}.")
    if _is_key_value(element):
        return [(str(element["key"]), element["value"])]
    return list(element.items())


def _is_key_value(element: dict) -> bool:
    return set(element) == {"key", "value"} and isinstance(element["key"], (str, int))
