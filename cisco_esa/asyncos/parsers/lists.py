"""Safelist / blocklist answers (asyncos-api §8) -> plain entries, per view, sorted; and the
totalCount of a delete. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from cisco_esa.core.outcome import NotFound, UnexpectedResponse


# Per view: (row key of the view, row list of the view, our key name, our list name) (§8.1).
_VIEW_FIELDS = {
    "recipient": ("recipientAddress", "senderList", "recipient", "senders"),
    "sender": ("senderAddress", "recipientList", "sender", "recipients"),
}


def unique(values) -> list[str]:
    """Order kept, exact duplicates dropped."""
    return list(dict.fromkeys(values))


def unique_ignoring_case(values) -> list[str]:
    """Order kept, the first spelling of each address kept (addresses compare without case here)."""
    first: dict[str, str] = {}
    for v in values:
        first.setdefault(v.lower(), v)
    return list(first.values())


def _alpha(text: str) -> tuple[str, str]:
    return (text.lower(), text)


def alphabetical(values) -> list[str]:
    """Sorted as a person reads a list: without case first, then by spelling."""
    return sorted(values, key=_alpha)


# -- reading views ----------------------------------------------------------------------
def normalize_rows(rows: list, view: str) -> list[dict]:
    """Rows of a view (§8.1) -> `{recipient, senders}` or `{sender, recipients}`, each list sorted."""
    row_key, row_list, key, many = _VIEW_FIELDS[view]
    out = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get(row_key), str):
            raise UnexpectedResponse(f"a {view} list row has no {row_key}.", raw=row)
        values = row.get(row_list)
        if values is None:
            values = []
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list):
            raise UnexpectedResponse(f"the {row_list} of {row[row_key]} is not a list.", raw=row)
        out.append({key: row[row_key], many: sorted((str(v) for v in values), key=_alpha)})
    return out


def sort_entries(entries: list[dict], view: str) -> list[dict]:
    key = _VIEW_FIELDS[view][2]
    return sorted(entries, key=lambda e: _alpha(e[key]))


def entries(view: str, keys: list[str], values: list[str]) -> list[dict]:
    """What an add / edit / append of `values` on each of `keys` makes, in the view's plain form."""
    _, _, key, many = _VIEW_FIELDS[view]
    return sort_entries([{key: k, many: sorted(values, key=_alpha)} for k in keys], view)


def delete_count(body: Any, kind: str, view: str, key: str) -> int:
    """`{data: {action: delete, ..., totalCount}}` (§8.3) -> the count; NotFound when it is 0."""
    data = body.get("data") if isinstance(body, dict) else None
    count = data.get("totalCount") if isinstance(data, dict) else None
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool):
        raise UnexpectedResponse(
            f"the DELETE answer for {key} has no totalCount; the entry may or may not have been deleted.", raw=body)
    if count < 1:
        raise NotFound(f"No {kind} entry for {view} {key}.", raw=body)
    return count
