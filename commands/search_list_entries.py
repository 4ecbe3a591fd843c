"""Search List Entries: every page of a safelist or blocklist view up to `limit`, sorted
alphabetically. With the recipient view `sender_name` goes to the appliance as `search`; with the
sender view the appliance would ignore it (asyncos-api §8.1), so it is matched here against each
sender. Either way only entries with a matching sender are kept, as D3's "sender name" asks.
`truncated` says whether the appliance may have had more than `limit` rows."""

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import lists
from cisco_esa.core.outcome import Result


def run(params, ctx):
    kind, view = api.LISTS[params["list_type"]], api.LIST_VIEWS[params["view_by"]]
    name = params.get("sender_name")
    pages = ctx.api.list_view(kind, view, cap=params["limit"], search=name if view == "recipient" else None,
                              on_page=ctx.rows_read)
    entries = lists.sort_entries(lists.normalize_rows(pages.rows, view), view)
    if name:
        low = name.lower()
        entries = [e for e in entries
                   if any(low in s.lower() for s in (e["senders"] if view == "recipient" else [e["sender"]]))]
    data = {"list_type": kind, "view_by": view, "sender_name": name, "entries": entries, "total": len(entries),
            "truncated": pages.truncated, "pages": pages.requests, "limit": params["limit"]}
    return Result(data=data, raw_data={"data": pages.rows})
