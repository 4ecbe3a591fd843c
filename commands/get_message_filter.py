"""Get Message Filter: GET config/message_filters/{name}, answered as a one-element array (extension §16.6)."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.message_filter(params["name"]).body
    return Result(data={"message_filter": config.message_filter(config.one(body, "config/message_filters"))},
                  raw_data=body)
