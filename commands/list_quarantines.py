"""List Quarantines: the PVO quarantines the appliance has. SMA lists them (GET config/quarantines,
ext §14.1.1); where that path does not exist (ESA) the five system quarantines are the answer."""

from cisco_esa.asyncos import api
from cisco_esa.asyncos.parsers import pvo
from cisco_esa.core.outcome import ApplianceError, Result


def run(params, ctx):
    try:
        body = ctx.api.pvo_quarantine_list().body
    except ApplianceError as exc:
        if exc.status_code != 404:
            raise
        names, source, body = list(api.PVO_SYSTEM_QUARANTINES), "system quarantines (the appliance has no list)", exc.raw
    else:
        names, source = pvo.quarantine_names(body), "appliance"
    rows = [{"name": n, "kind": "system" if n in api.PVO_SYSTEM_QUARANTINES else "custom"} for n in names]
    return Result(data={"quarantines": rows, "names": names, "total": len(rows), "source": source},
                  raw_data={"quarantines": body})
