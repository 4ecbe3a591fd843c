"""Issue 10 class 6 (bounded loops), through the real client against our hostile appliance: an
appliance or caching proxy that ignores `offset` stops the paging loop with a clear failure, and
a search never returns more than its `limit`."""

from __future__ import annotations

from tests.conftest import FROZEN_NOW
from tests.hostile.server import HostileAppliance, json_answer
from cisco_esa.integration import Integration

WINDOW = {"start_time": "2026-11-20T10:00:00Z", "end_time": "2026-11-20T12:00:00Z"}


def tracking_row(i: int) -> dict:
    return {"attributes": {"mid": [i], "serialNumber": "S1", "sender": f"s{i}@x.example", "recipient": ["r@corp.example"],
                           "subject": f"m{i}", "timestamp": "20 Nov 2026 11:00:00 (GMT +00:00)"}}


def quarantine_row(i: int) -> dict:
    return {"mid": i, "attributes": {"subject": f"m{i}", "date": "20 Nov 2026 11:00 (GMT +00:00)",
                                     "envelopeRecipient": ["r@corp.example"], "toAddress": ["r@corp.example"],
                                     "fromAddress": ["s@x.example"]}}


def _same_page_always(rows):
    def answer(req):
        if req.path in ("message-tracking/messages", "quarantine/messages"):
            return json_answer({"meta": {"totalCount": 10_000}, "data": rows(req)})
        return None
    return answer


def test_search_messages_appliance_ignoring_offset_stops_after_two_pages_failed():
    page = [tracking_row(i) for i in range(100)]
    with HostileAppliance(_same_page_always(lambda req: page)) as h:
        envelope = Integration(h.connection(), clock=lambda: FROZEN_NOW).run("search_messages", WINDOW)
        searches = h.calls("message-tracking/messages")
    assert envelope["status"] == "Failed" and len(searches) == 2
    assert envelope["error"] == {
        "failure_indicator": "Search Messages failed.", "status_code": 200,
        "message": "Unexpected response from the appliance: the page at offset 100 repeats the page before it: the "
                   "appliance (or a proxy in between) ignores offset, so the rest of the answer cannot be read."}


def test_search_messages_appliance_sending_more_than_asked_returns_at_most_limit():
    many = [tracking_row(i) for i in range(300)]
    with HostileAppliance(_same_page_always(lambda req: many[int(req.query["offset"]):])) as h:
        envelope = Integration(h.connection(), clock=lambda: FROZEN_NOW).run("search_messages", {**WINDOW, "limit": 150})
    assert envelope["status"] == "Successful"
    assert [m["mid"] for m in envelope["data"]["messages"]] == list(range(150))
    assert envelope["data"]["total"] == 150 and envelope["data"]["truncated"] is True
    assert len(envelope["raw_data"]["data"]) == 150


def test_fetch_event_tracking_ignoring_offset_stops_failed_checkpoint_kept():
    page = [tracking_row(i) for i in range(100)]
    with HostileAppliance(_same_page_always(lambda req: page)) as h:
        envelope = Integration(h.connection(), clock=lambda: FROZEN_NOW).run(
            "fetch_event", {"messages_source": "Message Tracking", **WINDOW}, state={})
        searches = h.calls("message-tracking/messages")
    assert envelope["status"] == "Failed" and len(searches) <= 3
    assert "ignores offset" in envelope["error"]["message"]
    assert envelope["data"] == {}


def test_fetch_event_quarantine_ignoring_offset_stops_failed():
    page = [quarantine_row(i) for i in range(100)]
    with HostileAppliance(_same_page_always(lambda req: page)) as h:
        envelope = Integration(h.connection(), clock=lambda: FROZEN_NOW).run(
            "fetch_event", {"messages_source": "Spam Quarantine", **WINDOW}, state={})
        searches = h.calls("quarantine/messages")
    assert envelope["status"] == "Failed" and len(searches) <= 3
    assert "ignores offset" in envelope["error"]["message"]
