"""Send Copy of PVO Quarantine Messages: for each id, one POST quarantine/messages (action sendCopy)
with the recipients as an array (ext §14.4); the message stays where it is. Without a quarantine_name
the copy is sent from the first quarantine the message is in, so each recipient gets one copy."""

from cisco_esa.commands.release_pvo_quarantine_messages import act


def run(params, ctx):
    recipients = list(dict.fromkeys(params["recipients"]))
    return act(params, ctx, "sendCopy", "copied", lambda mid, name: ctx.api.send_copy_pvo(mid, name, recipients),
               choose=lambda names: names[:1], stays=True)
