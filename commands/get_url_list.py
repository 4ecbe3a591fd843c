"""Get URL List: GET config/url_lists/{name} (extension §16.3)."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.url_list(params["name"]).body
    return Result(data={"url_list": config.url_list(config.one(body, "config/url_lists"))}, raw_data=body)
