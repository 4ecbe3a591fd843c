"""Paging through a search: offset/limit pairs until a short or empty page, up to a cap.
`meta.totalCount` is not a reliable grand total (asyncos-api §1.4), so it is never trusted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from cisco_esa.asyncos.transport import Transport
from cisco_esa.core.outcome import UnexpectedResponse


@dataclass
class Pages:
    rows: list = field(default_factory=list)
    requests: int = 0
    truncated: bool = False  # the cap stopped us while the appliance had more


def page_all(client: Transport, path: str, params: dict, *, page_size: int, cap: int,
             on_page: Callable[[int], None] | None = None) -> Pages:
    out = Pages()
    offset = 0
    while len(out.rows) < cap:
        size = min(page_size, cap - len(out.rows))
        resp = client.get(path, {**params, "offset": offset, "limit": size})
        out.requests += 1
        rows = data_rows(resp.body, path)
        out.rows.extend(rows)
        if on_page:
            on_page(len(out.rows))
        if len(rows) < size:
            return out
        offset += len(rows)
    # Full pages all the way to the cap: one more row would tell, but costs a request; say "maybe".
    out.truncated = True
    return out


def data_rows(body: Any, what: str) -> list:
    if not isinstance(body, dict) or "data" not in body:
        raise UnexpectedResponse(f"the answer to {what} has no data.")
    rows = body["data"]
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise UnexpectedResponse(f"the data of {what} is not a list.")
    return rows
