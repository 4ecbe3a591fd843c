"""List File Hash Lists: GET config/file_hash_lists (extension §16.4)."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.file_hash_lists().body
    rows = sorted((config.file_hash_list(r) for r in config.many(body, "config/file_hash_lists")),
                  key=lambda h: str(h["name"]))
    return Result(data={"file_hash_lists": rows, "total": len(rows)}, raw_data=body)
