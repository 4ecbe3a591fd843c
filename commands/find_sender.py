"""Find Sender: GET config/sender_groups/find_in_all_senders/{text}/ (extension §16.8): every sender
group entry, on every listener, that holds the text. Finding nothing is Successful with no rows."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result


def run(params, ctx):
    body = ctx.api.find_sender(params["sender"]).body
    found = config.found_senders(body, "config/sender_groups/find_in_all_senders")
    return Result(data={"sender": params["sender"], "found": found, "total": len(found)}, raw_data=body)
