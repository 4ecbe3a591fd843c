"""Get Dictionary: GET config/dictionaries/{name} (extension §16.2); the answer may be the object or
a one-element array, both are read."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.dictionary(params["name"]).body
    return Result(data={"dictionary": config.dictionary(config.one(body, "config/dictionaries"))}, raw_data=body)
