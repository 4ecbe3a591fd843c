"""Delete Dictionary: DELETE config/dictionaries/{name} (extension §16.2), confirmed by `data.message`.
A dictionary that does not exist is already what was asked: Successful, "not present"."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import NotFound, Result


def run(params, ctx):
    name = params["name"]
    try:
        resp = ctx.api.delete_dictionary(name)
    except NotFound as exc:
        return Result(data={"name": name, "result": "not present", "message": exc.message}, raw_data=exc.raw or {})
    confirmed = config.confirmation(resp.status, resp.body, f"the deletion of dictionary {name}")
    return Result(data={"name": name, "result": "deleted", "message": confirmed["message"],
                        "warnings": [confirmed["warning"]] if confirmed["warning"] else []}, raw_data=resp.body)
