"""Get File Hash List: GET config/file_hash_lists/{name} (extension §16.4)."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.file_hash_list(params["name"]).body
    return Result(data={"file_hash_list": config.file_hash_list(config.one(body, "config/file_hash_lists"))},
                  raw_data=body)
