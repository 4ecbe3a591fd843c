"""Helpers the safelist/blocklist command tests share (block_domain, block_email_addresses,
delete_entries, unblock_domains_or_email_addresses): the list URLs, the simulator's list calls,
an appliance error body, the lists inverted to sender -> recipients."""

from __future__ import annotations

from tests.scenarios.common import SERVER

QUARANTINE_URL = f"{SERVER}/esa/api/v2.0/quarantine"
BLOCKLIST_URL = f"{QUARANTINE_URL}/blocklist"


def list_calls(sim, method=None) -> list[dict]:
    return [e for e in sim.request_log if "/quarantine/" in e["path"] and (method is None or e["method"] == method)]


def error_body(status, message):
    return {"error": {"message": message, "code": str(status), "explanation": f"{status} = ..."}}


def recipients_by_sender(sim, list_type: str) -> dict[str, set]:
    """The simulator's list `list_type` ("safelist" or "blocklist") as sender -> the recipients it is listed for."""
    inverted: dict[str, set] = {}
    for r, senders in sim.world.list_entries(list_type).items():
        for s in senders:
            inverted.setdefault(s, set()).add(r)
    return inverted
