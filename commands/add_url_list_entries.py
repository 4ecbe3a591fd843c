"""Add URL List Entries: a URL list can only be replaced whole (PUT config/url_lists/{name},
extension §16.3), so: read it, add the URLs it lacks, write it back, read it again and check each
URL; if another change undid ours meanwhile, merge again (asyncos/edits.py). A list that does not
exist is created with a POST. A URL already listed is "already present"."""

from cisco_esa.asyncos import edits
from cisco_esa.asyncos.parsers import config, lists
from cisco_esa.core.outcome import NotFound, Result


def run(params, ctx):
    name = params["name"]

    def write(held, pending):
        if held is None:
            return ctx.api.create_url_list(name, pending)
        return ctx.api.replace_url_list(name, held + pending)

    return change(ctx, name, params["urls"], adding=True, write=write)


def change(ctx, name: str, urls: list[str], *, adding: bool, write) -> Result:
    """Shared with Remove URL List Entries. Entries compare without case, as host names do."""
    def read():
        try:
            return config.url_list(config.one(ctx.api.url_list(name).body, "the URL list"))["urls"]
        except NotFound:
            if adding:
                return None  # created by the first write
            raise

    def holds(held, url):
        return (url.lower() in {u.lower() for u in held or []}) == adding

    done, already = ("added", "already_present") if adding else ("removed", "not_present")
    result = edits.edit(lists.unique_ignoring_case(urls), read=read, holds=holds, write=write,
                        what=f"URL list {name}", done=done, already=already)
    data = {"name": name, **edits.counts(result, done, already), "urls": result.state or [],
            "warnings": result.warnings, "writes": result.writes}
    return Result(data=data, raw_data={"responses": result.responses}, items=result.items)
