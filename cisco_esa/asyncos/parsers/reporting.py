"""Report answers (asyncos-api §9): a resultSet turned into plain counters. Pure: no I/O.

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

from cisco_esa.core.outcome import UnexpectedResponse


def counters(body: Any) -> tuple[str, dict]:
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
