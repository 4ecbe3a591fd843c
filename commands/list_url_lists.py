"""List URL Lists: GET config/url_lists (extension §16.3); `used_by` (a string there) as a list."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.url_lists().body
    rows = sorted((config.url_list(r) for r in config.many(body, "config/url_lists")), key=lambda u: str(u["name"]))
    return Result(data={"url_lists": rows, "total": len(rows)}, raw_data=body)
