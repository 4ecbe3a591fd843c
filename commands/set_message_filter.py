"""Set Message Filter: PUT config/message_filters/{name} with `active` and/or `order`, the only two
things the API edits (extension §16.6); read first (a filter already so is left alone), then read
back to check. `meta.warning` (an invalid filter switched on) is surfaced in data.warnings."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import CommandError, InputError, Result


def run(params, ctx):
    name, active, order = params["name"], params.get("active"), params.get("order")
    if active is None and order is None:
        raise InputError(["active, order: give at least one of them"])
    before_body = ctx.api.message_filter(name).body
    before = config.message_filter(config.one(before_body, "config/message_filters"))
    wanted = {k: v for k, v in (("active", active), ("order", order)) if v is not None}
    if all(before[k] == v for k, v in wanted.items()):
        return Result(data={"name": name, "result": "already set", "changed": {}, "warnings": [],
                            "message_filter": before}, raw_data={"before": before_body})
    resp = ctx.api.update_message_filter(name, active, order)
    confirmed = config.confirmation(resp.status, resp.body, f"the update of message filter {name}")
    after_body = ctx.api.message_filter(name).body
    after = config.message_filter(config.one(after_body, "config/message_filters"))
    if any(after[k] != v for k, v in wanted.items()):
        raise CommandError(f"The appliance confirmed the update of message filter {name}, but reading it back "
                           f"shows active={after['active']}, order={after['order']}.", 200, raw=after_body)
    data = {"name": name, "result": "updated", "message": confirmed["message"],
            "changed": {k: {"from": before[k], "to": v} for k, v in wanted.items() if before[k] != v},
            "warnings": [confirmed["warning"]] if confirmed["warning"] else [], "message_filter": after}
    return Result(data=data, raw_data={"before": before_body, "update": resp.body, "read_back": after_body})
