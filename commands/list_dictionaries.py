"""List Dictionaries: GET config/dictionaries (extension §16.2), each with its flags and words."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.dictionaries().body
    rows = sorted((config.dictionary(r) for r in config.many(body, "config/dictionaries")), key=lambda d: str(d["name"]))
    return Result(data={"dictionaries": rows, "total": len(rows)}, raw_data=body)
