"""Get Health: GET /health (ext §18.1), the ESA's load and queue figures. The SMA has no such
endpoint; there the command says so instead of sending a request that can only fail."""

from cisco_esa.asyncos.parsers import tracking_extras
from cisco_esa.core.outcome import ApplianceError, CommandError, Result

SMA_MESSAGE = ("Get Health reads /health, which exists on an ESA (Secure Email Gateway) only; an SMA "
               "(Secure Email and Web Manager) has no health endpoint.")


def run(params, ctx):
    ctx.api.login()  # resolves appliance=auto
    if ctx.api.appliance == "sma":
        raise CommandError(SMA_MESSAGE, None)
    try:
        body = ctx.api.health().body
    except ApplianceError as exc:
        if exc.status_code == 404:
            raise ApplianceError("The appliance has no /health endpoint (is it an SMA? set appliance to esa or sma).",
                                 404, raw=exc.raw) from None
        raise
    return Result(data={"appliance": ctx.api.appliance, **tracking_extras.health(body)}, raw_data=body)
