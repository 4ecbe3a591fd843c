"""Spam quarantine safelist / blocklist (asyncos-api §8): request bodies per view, the list view
of either view read page by page into plain entries, per-entry deletes, and the recipient
lookup that lets Block Email Addresses append instead of replacing."""

from __future__ import annotations

from typing import Any, Callable

from cisco_esa.asyncos.transport import Transport
from cisco_esa.core.context import Context
from cisco_esa.core.outcome import CommandError, NotFound, OutcomeUnknown, Result, UnexpectedResponse
from cisco_esa.paging import Pages, page_all

PAGE_SIZE = 100
# Block Email Addresses reads the whole recipient view to find existing entries; past this many
# rows it refuses to guess rather than risk an `add` over an entry it did not see.
LOOKUP_CAP = 100_000

# The spec's display values (schema enums) -> the appliance's words.
LISTS = {"Blocklist": "blocklist", "Safelist": "safelist"}
VIEWS = {"Recipient": "recipient", "Sender": "sender"}
ACTIONS = {"Add": "add", "Edit": "edit", "Append": "append"}
BLOCK_LIST_VIEWS = {"Sender Block List": "sender", "Recipient Block List": "recipient"}

# Per view: (row key of the view, row list of the view, our key name, our list name) (§8.1).
_VIEW_FIELDS = {
    "recipient": ("recipientAddress", "senderList", "recipient", "senders"),
    "sender": ("senderAddress", "recipientList", "sender", "recipients"),
}


def path(kind: str) -> str:
    return f"quarantine/{kind}"


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


# -- request bodies ---------------------------------------------------------------------
def change_body(action: str, view: str, keys: list[str], values: list[str]) -> dict:
    """POST body of add / edit / append (§8.2): by recipient the keys go in recipientAddresses
    and the senders in senderList; by sender the keys go in senderAddresses and the recipients
    in recipientList."""
    if view == "recipient":
        lists = {"recipientAddresses": keys, "senderList": values}
    else:
        lists = {"senderAddresses": keys, "recipientList": values}
    return {"action": action, "quarantineType": "spam", "viewBy": view, **lists}


def delete_body(view: str, keys: list[str]) -> dict:
    # DELETE deletes whole entries and takes no `action` key (§8.3)
    key = "recipientList" if view == "recipient" else "senderList"
    return {"quarantineType": "spam", "viewBy": view, key: keys}


def view_query(view: str, search: str | None = None) -> dict:
    """GET query of a list view without offset/limit. `search` is honoured only with the
    recipient view or order, so both are sent as the view itself (§8.1)."""
    return {"action": "view", "quarantineType": "spam", "viewBy": view, "orderBy": view, "orderDir": "asc",
            "search": search}


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


def read_view(client: Transport, kind: str, view: str, *, cap: int, search: str | None = None,
              on_page: Callable[[int], None] | None = None) -> tuple[list[dict], Pages]:
    """Every page of one view up to `cap` rows -> (entries sorted alphabetically, the pages)."""
    pages = page_all(client, path(kind), view_query(view, search), page_size=PAGE_SIZE, cap=cap, on_page=on_page)
    return sort_entries(normalize_rows(pages.rows, view), view), pages


def matches_sender(entry: dict, view: str, needle: str) -> bool:
    """Whether an entry has a sender containing `needle` (case-insensitive): D3's sender name search."""
    low = needle.lower()
    senders = entry["senders"] if view == "recipient" else [entry["sender"]]
    return any(low in s.lower() for s in senders)


def recipient_entries(client: Transport) -> tuple[dict[str, dict], Pages]:
    """The whole recipient view of the blocklist, keyed by lower-cased recipient. The view's
    `search` is a sender name search (§8.1), not a recipient look-up, so the view is read whole."""
    entries, pages = read_view(client, "blocklist", "recipient", cap=LOOKUP_CAP)
    if pages.truncated:
        raise CommandError(
            f"The blocklist has {LOOKUP_CAP} or more recipient entries, too many to check which recipients "
            "already have one; use Add Entries with action Append instead.", None)
    return {e["recipient"].lower(): e for e in entries}, pages


def search(params: dict, ctx: Context) -> Result:
    """Search List Entries: every page of the view up to `limit`, sorted alphabetically. With
    the recipient view `sender_name` goes to the appliance as `search`; with the sender view the
    appliance would ignore it (§8.1), so it is matched here against each sender. Either way only
    entries with a matching sender are kept, as D3's "sender name" asks. `limit` caps the rows
    read from the appliance, and `truncated` says whether it may have had more."""
    kind, view = LISTS[params["list_type"]], VIEWS[params["view_by"]]
    name = params.get("sender_name")
    progress = (lambda n: ctx.progress(n, None)) if ctx.progress else None
    entries, pages = read_view(ctx.client, kind, view, cap=params["limit"],
                               search=name if view == "recipient" else None, on_page=progress)
    if name:
        entries = [e for e in entries if matches_sender(e, view, name)]
    data = {"list_type": kind, "view_by": view, "sender_name": name, "entries": entries, "total": len(entries),
            "truncated": pages.truncated, "pages": pages.requests, "limit": params["limit"]}
    return Result(data=data, raw_data={"data": pages.rows})


# -- changes ----------------------------------------------------------------------------
def change(params: dict, ctx: Context, kind: str, *, keys: list[str], values: list[str]) -> Result:
    """One add / edit / append POST. Its answer is not read beyond HTTP 200: sources disagree on
    its shape (§8.2)."""
    action, view = ACTIONS[params["action"]], VIEWS[params["view_by"]]
    keys, values = unique(keys), unique(values)
    resp = ctx.client.post(path(kind), change_body(action, view, keys, values))
    _, _, key, many = _VIEW_FIELDS[view]
    entries = sort_entries([{key: k, many: sorted(values, key=_alpha)} for k in keys], view)
    data = {"list_type": kind, "action": action, "view_by": view, "entries": entries, "count": len(entries)}
    # raw_data is an object (contract §3) even when the unread answer is a bare string or number
    raw = resp.body if isinstance(resp.body, dict) else {} if resp.body is None else {"response": resp.body}
    return Result(data=data, raw_data=raw)


def delete(ctx: Context, kind: str, view: str, keys: list[str]) -> Result:
    """One DELETE per entry, in turn, never resent: the appliance answers only a total (§8.3),
    and a total of 0 for one entry means that entry did not exist."""
    keys = unique(keys)
    responses: list[dict] = []

    def one(key: str) -> int:
        try:
            resp = ctx.client.delete(path(kind), delete_body(view, [key]))
        except CommandError as exc:
            responses.append({"entry": key, "status": exc.status_code, "body": exc.raw})
            raise
        responses.append({"entry": key, "status": resp.status, "body": resp.body})
        return delete_count(resp.body, kind, view, key)

    items = ctx.for_each(keys, one, parallel=1)
    deleted = [i.id for i in items if i.ok]
    missing = [i.id for i in items if isinstance(i.error, NotFound)]
    unknown = [i.id for i in items if isinstance(i.error, OutcomeUnknown)]
    failed = [i.id for i in items if not i.ok and i.id not in missing and i.id not in unknown]
    data = {"list_type": kind, "view_by": view, "deleted": deleted, "not_found": missing, "failed": failed,
            "outcome_unknown": unknown, "total_count": sum(i.data for i in items if i.ok),
            "counts": {"requested": len(keys), "deleted": len(deleted), "not_found": len(missing),
                       "failed": len(failed), "outcome_unknown": len(unknown)}}
    return Result(data=data, raw_data={"responses": responses}, items=items)


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


def block_senders(ctx: Context, senders: list[str], recipients: list[str]) -> Result:
    """Block Email Addresses: the senders go on each recipient's blocklist entry, `append` where
    the recipient has one and `add` where not; never `edit`, which would drop the senders the
    entry already blocks (§8.2). One POST per recipient, in turn, so each gets its own outcome."""
    senders = unique_ignoring_case(senders)
    recipients = unique_ignoring_case(recipients)
    existing, pages = recipient_entries(ctx.client)
    responses: list[dict] = []

    def one(asked: str) -> dict:
        before = existing.get(asked.lower())
        action = "append" if before else "add"
        # the existing entry's own spelling, so the append lands on it however the appliance compares case
        recipient = before["recipient"] if before else asked
        try:
            resp = ctx.client.post(path("blocklist"), change_body(action, "recipient", [recipient], senders))
        except CommandError as exc:
            responses.append({"recipient": recipient, "action": action, "status": exc.status_code, "body": exc.raw})
            raise
        responses.append({"recipient": recipient, "action": action, "status": resp.status, "body": resp.body})
        had = before["senders"] if before else []
        low = {s.lower() for s in had}
        return {"recipient": recipient, "action": action,
                "added_senders": sorted((s for s in senders if s.lower() not in low), key=_alpha),
                "senders": sorted(unique(had + [s for s in senders if s.lower() not in low]), key=_alpha)}

    items = ctx.for_each(recipients, one, parallel=1)
    unknown = [i.id for i in items if isinstance(i.error, OutcomeUnknown)]
    data = {"list_type": "blocklist", "view_by": "recipient", "blocked_senders": sorted(senders, key=_alpha),
            "entries": [i.data for i in items if i.ok],
            "failed": [i.id for i in items if not i.ok and i.id not in unknown], "outcome_unknown": unknown,
            "counts": {"requested": len(recipients), "added": sum(1 for i in items if i.ok and i.data["action"] == "add"),
                       "appended": sum(1 for i in items if i.ok and i.data["action"] == "append"),
                       "failed": sum(1 for i in items if not i.ok) - len(unknown), "outcome_unknown": len(unknown)}}
    asked = {r.lower() for r in recipients}
    seen = [row for row in pages.rows if row["recipientAddress"].lower() in asked]
    return Result(data=data, raw_data={"existing_entries": seen, "responses": responses}, items=items)
