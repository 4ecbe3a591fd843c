"""Delete URL Lists: one DELETE config/url_lists with the names in the body (extension §16.3), for
the lists that exist; then read back. Each name is its own item; a list that does not exist is
"not present"."""

from cisco_esa.asyncos import edits
from cisco_esa.asyncos.parsers import config, lists
from cisco_esa.core.outcome import Result


def run(params, ctx):
    def read():
        return [row.get("name") for row in config.many(ctx.api.url_lists().body, "config/url_lists")]

    result = edits.edit(lists.unique(params["names"]), read=read, holds=lambda held, n: n not in held,
                        write=lambda _held, pending: ctx.api.delete_url_lists(pending),
                        what="the URL lists", done="deleted", already="not_present")
    data = {**edits.counts(result, "deleted", "not_present"), "remaining": sorted(map(str, result.state)),
            "warnings": result.warnings}
    return Result(data=data, raw_data={"responses": result.responses}, items=result.items)
