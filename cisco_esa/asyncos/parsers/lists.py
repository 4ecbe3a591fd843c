"""Safelist / blocklist answers (asyncos-api §8) -> plain entries, per view, sorted; and the
totalCount of a delete. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from cisco_esa.core.outcome import CommandError, NotFound, UnexpectedResponse


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


def change_confirmation(status: int, body: Any, action: str) -> str:
    """What confirms an add / edit / append (asyncos-api §8.2), in the forms sources show: the
    Swagger echo `{data: {action, ...lists}}`, the older `{meta: {totalCount >= 1}, data: [entries]}`,
    and `{data: {message}}`. Returns the appliance's words; anything else (an `error` body, an empty
    or missing body, a 202/204) is refused: the change was not confirmed."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
        raise CommandError(message if isinstance(message, str) and message.strip() else
                           "The appliance answered with an error and no message.", status, raw=body)
    data = body.get("data") if isinstance(body, dict) else None
    if status == 200 and isinstance(data, dict):
        if isinstance(data.get("message"), str) and data["message"].strip():
            return data["message"]
        if str(data.get("action", "")).lower() == action:
            return f"{action} confirmed"
    if status == 200 and isinstance(data, list) and data:
        count = body.get("meta", {}).get("totalCount") if isinstance(body.get("meta"), dict) else None
        if isinstance(count, int) and not isinstance(count, bool) and count >= 1:
            return f"{action} confirmed"
    raise UnexpectedResponse(
        f"HTTP {status} without the confirmation of the {action} (asyncos-api §8.2); the list may or may "
        "not have changed: check it with Search List Entries.", status, raw=body)
