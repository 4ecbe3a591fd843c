"""Delete Entries: one DELETE quarantine/{safelist|blocklist} per recipient or sender entry, in
turn and never resent: the appliance answers only a total (asyncos-api §8.3), and a total of 0 for
one entry means that entry did not exist. The list type defaults to the Safelist (contract §1)."""

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import lists
from cisco_esa.core.outcome import Result, responses, summarize


def run(params, ctx):
    view = api.LIST_VIEWS[params["view_by"]]
    keys = params["recipient_list"] if view == "recipient" else params["sender_list"]
    return delete(ctx, api.LISTS[params["list_type"]], view, keys)


def delete(ctx, kind: str, view: str, keys: list[str]) -> Result:
    items = ctx.for_each(lists.unique(keys), lambda key: ctx.api.delete_list_entry(kind, view, key),
                         lambda body, key: lists.delete_count(body, kind, view, key), parallel=1)
    data = {"list_type": kind, "view_by": view, **summarize(items, "deleted", writes=True),
            "total_count": sum(i.data for i in items if i.ok)}
    return Result(data=data, raw_data=responses(items, "entry"), items=items)
