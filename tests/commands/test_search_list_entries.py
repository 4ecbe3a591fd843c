"""Search List Entries: every page of a list view, sorted, with the sender name search; end to
end on ESA and SMA, request shape and paging with requests-mock, failures, invalid input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.golden import check_golden
from tests.scenarios.common import SOURCES, answer

CMD = "search_list_entries"
BASE = "https://esa.test:6443/esa/api/v2.0/quarantine"


def mocked(appliance="esa") -> Integration:
    return Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic",
                        "appliance": appliance}, clock=lambda: FROZEN_NOW)


def views(sim) -> list[dict]:
    return [e for e in sim.request_log if "/quarantine/" in e["path"] and e["method"] == "GET"]


def alpha(values):
    return sorted(values, key=lambda s: (s.lower(), s))


def by_recipient(state) -> list[dict]:
    return [{"recipient": r, "senders": alpha(state[r])} for r in alpha(state)]


def by_sender(state) -> list[dict]:
    inverted: dict[str, set] = {}
    for r, senders in state.items():
        for s in senders:
            inverted.setdefault(s, set()).add(r)
    return [{"sender": s, "recipients": alpha(inverted[s])} for s in alpha(inverted)]


def error_body(status, message):
    return {"error": {"message": message, "code": str(status), "explanation": f"{status} = ..."}}


# -- end to end -------------------------------------------------------------------------
def test_search_list_entries_blocklist_by_recipient_matches_golden(integration, sim, regen_golden):
    envelope = integration.run(CMD, {"list_type": "Blocklist", "view_by": "Recipient"})
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful"
    entries = by_recipient(sim.world.list_entries("blocklist"))
    assert envelope["data"]["entries"] == entries
    assert envelope["data"]["total"] == len(entries) and envelope["data"]["truncated"] is False
    assert len(envelope["raw_data"]["data"]) == len(entries)
    (view,) = views(sim)
    assert view["path"] == "/esa/api/v2.0/quarantine/blocklist"
    assert view["query"] == ("action=view&quarantineType=spam&viewBy=recipient&orderBy=recipient&orderDir=asc"
                             "&offset=0&limit=100")


def test_search_list_entries_safelist_by_sender_sorted(integration, sim):
    envelope = integration.run(CMD, {"list_type": "safelist", "view_by": "sender"})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["entries"] == by_sender(sim.world.list_entries("safelist"))
    assert parse_qs(views(sim)[0]["query"])["viewBy"] == ["sender"]
    assert parse_qs(views(sim)[0]["query"])["orderBy"] == ["sender"]


def test_search_list_entries_sender_name_by_recipient_sends_search(integration, sim):
    state = sim.world.list_entries("blocklist")
    needle = "SPAMMY"
    envelope = integration.run(CMD, {"list_type": "Blocklist", "view_by": "Recipient", "sender_name": needle})
    expected = [e for e in by_recipient(state) if any("spammy" in s.lower() for s in e["senders"])]
    assert expected and len(expected) < len(state)
    assert envelope["data"]["entries"] == expected
    assert envelope["data"]["sender_name"] == needle
    qs = parse_qs(views(sim)[0]["query"])
    assert qs["search"] == [needle] and qs["viewBy"] == ["recipient"] and qs["orderBy"] == ["recipient"]


def test_search_list_entries_sender_name_never_matches_on_recipient(integration, sim):
    state = sim.world.list_entries("blocklist")
    recipient = alpha(state)[0]
    needle = recipient.split("@")[0]
    assert not any(needle in s.lower() for senders in state.values() for s in senders)
    envelope = integration.run(CMD, {"list_type": "Blocklist", "view_by": "Recipient", "sender_name": needle})
    # the simulator's `search` also matches the recipient key (§8.1 leaves it open); "sender name"
    # means senders, so such rows stay in raw_data but not in data
    assert envelope["status"] == "Successful"
    assert envelope["data"]["entries"] == [] and envelope["data"]["total"] == 0


def test_search_list_entries_sender_name_by_sender_applied_here(integration, sim):
    state = sim.world.list_entries("blocklist")
    envelope = integration.run(CMD, {"list_type": "Blocklist", "view_by": "Sender", "sender_name": "Crypto"})
    expected = [e for e in by_sender(state) if "crypto" in e["sender"].lower()]
    assert expected
    assert envelope["data"]["entries"] == expected
    assert "search" not in parse_qs(views(sim)[0]["query"])  # the appliance ignores it on this view (§8.1)


def test_search_list_entries_pages_past_100_and_caps_at_limit(integration, sim):
    many = [f"user{n:03d}@bulk.example" for n in range(150)]
    assert integration.run("add_entries", {"list_type": "Safelist", "action": "Add", "view_by": "Recipient",
                                           "recipient_addresses": many, "sender_list": ["partner.example"]}
                           )["status"] == "Successful"
    state = sim.world.list_entries("safelist")
    assert len(state) > 150
    sim.clear_log()
    envelope = integration.run(CMD, {"list_type": "Safelist", "view_by": "Recipient"})
    assert envelope["data"]["entries"] == by_recipient(state)
    assert envelope["data"]["total"] == len(state) and envelope["data"]["truncated"] is False
    assert envelope["data"]["pages"] == 2
    assert [(q["offset"], q["limit"]) for q in (parse_qs(v["query"]) for v in views(sim))] == [
        (["0"], ["100"]), (["100"], ["100"])]
    sim.clear_log()
    capped = integration.run(CMD, {"list_type": "Safelist", "view_by": "Recipient", "limit": 120})
    assert capped["data"]["entries"] == by_recipient(state)[:120]
    assert capped["data"]["total"] == 120 and capped["data"]["truncated"] is True
    assert [(q["offset"], q["limit"]) for q in (parse_qs(v["query"]) for v in views(sim))] == [
        (["0"], ["100"]), (["100"], ["20"])]


def test_search_list_entries_sma_safelist(sma_integration, sma):
    envelope = sma_integration.run(CMD, {"list_type": "Safelist", "view_by": "Recipient"})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["entries"] == by_recipient(sma.world.list_entries("safelist"))
    assert views(sma)[0]["path"] == "/sma/api/v2.0/quarantine/safelist"


# -- request shape ----------------------------------------------------------------------
@pytest.mark.parametrize("source", SOURCES)
def test_search_list_entries_request_shape_and_capture(requests_mock, source):
    body = answer(source, "sma_list_entry_get_safelist.json")
    requests_mock.get("https://esa.test:6443/sma/api/v2.0/quarantine/safelist", json=body)
    envelope = mocked("sma").run(CMD, {"list_type": "Safelist", "view_by": "Recipient", "sender_name": "t7 & co/x"})
    assert envelope == {
        "command": CMD, "display_name": "Search List Entries", "status": "Successful",
        "data": {"list_type": "safelist", "view_by": "recipient", "sender_name": "t7 & co/x", "entries": [],
                 "total": 0, "truncated": False, "pages": 1, "limit": 1000},
        "raw_data": {"data": body["data"]}, "error": None, "items": []}
    assert requests_mock.call_count == 1  # one row < 100: the last page, whatever totalCount says
    req = requests_mock.last_request
    assert req.method == "GET" and urlsplit(req.url).path == "/sma/api/v2.0/quarantine/safelist"
    assert urlsplit(req.url).query == ("action=view&quarantineType=spam&viewBy=recipient&orderBy=recipient"
                                       "&orderDir=asc&search=t7%20%26%20co%2Fx&offset=0&limit=100")
    assert req.qs == {"action": ["view"], "quarantinetype": ["spam"], "viewby": ["recipient"],
                      "orderby": ["recipient"], "orderdir": ["asc"], "search": ["t7 & co/x"],
                      "offset": ["0"], "limit": ["100"]}


@pytest.mark.parametrize("source, sender_name, expected", [
    ("ours", "crypto", [{"recipient": "maria.lopez@corp.example",
                         "senders": ["billing@invoice-docs.example", "crypto-win.example", "invoice-docs.example"]}]),
    ("capture", "t1", [{"recipient": "test@test.com", "senders": ["t1@test.com", "t2@test.com", "t3@test.com"]}]),
])
def test_search_list_entries_capture_rows_normalized(requests_mock, source, sender_name, expected):
    body = answer(source, "esa_list_entry_get_blocklist.json")
    requests_mock.get(f"{BASE}/blocklist", json=body)
    envelope = mocked().run(CMD, {"list_type": "Blocklist", "view_by": "Recipient", "sender_name": sender_name})
    assert envelope["data"]["entries"] == expected


def test_search_list_entries_full_page_then_empty_page(requests_mock):
    rows = [{"senderAddress": f"s{n:03d}.example", "recipientList": ["r@corp.example"]} for n in range(100)]
    requests_mock.get(f"{BASE}/safelist", [{"json": {"meta": {"totalCount": 100}, "data": rows}},
                                           {"json": {"meta": {"totalCount": 0}, "data": []}}])
    envelope = mocked().run(CMD, {"list_type": "Safelist", "view_by": "Sender"})
    assert envelope["data"]["total"] == 100 and envelope["data"]["truncated"] is False
    assert [r.qs["offset"] for r in requests_mock.request_history] == [["0"], ["100"]]


def test_search_list_entries_empty_list_successful(requests_mock):
    requests_mock.get(f"{BASE}/blocklist", json={"meta": {"totalCount": 0}, "data": []})
    envelope = mocked().run(CMD, {"list_type": "Blocklist", "view_by": "Sender"})
    assert envelope == {
        "command": CMD, "display_name": "Search List Entries", "status": "Successful",
        "data": {"list_type": "blocklist", "view_by": "sender", "sender_name": None, "entries": [], "total": 0,
                 "truncated": False, "pages": 1, "limit": 1000},
        "raw_data": {"data": []}, "error": None, "items": []}


# -- failures ---------------------------------------------------------------------------
@pytest.mark.parametrize("status, message", [
    (401, "Invalid username or passphrase."),
    (404, "Resource not found."),
    (500, "Server got itself in trouble: The application raised an exception."),
])
def test_search_list_entries_appliance_error_fails_with_its_message(requests_mock, status, message):
    requests_mock.get(f"{BASE}/blocklist", status_code=status, json=error_body(status, message))
    envelope = mocked().run(CMD, {"list_type": "Blocklist", "view_by": "Recipient"})
    assert envelope == {
        "command": CMD, "display_name": "Search List Entries", "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": "Search List Entries failed.", "status_code": status, "message": message},
        "items": []}


def test_search_list_entries_data_not_a_list_is_unexpected(requests_mock):
    requests_mock.get(f"{BASE}/blocklist", json={"meta": {"totalCount": 1}, "data": {"recipientAddress": "a@b.c"}})
    envelope = mocked().run(CMD, {"list_type": "Blocklist", "view_by": "Recipient"})
    assert envelope["status"] == "Failed"
    assert envelope["error"]["message"].startswith("Unexpected response from the appliance:")


@pytest.mark.parametrize("params, named", [
    ({"view_by": "Recipient"}, "list_type: required"),
    ({"list_type": "Blocklist"}, "view_by: required"),
    ({"list_type": "Blocklist", "view_by": "Domain"}, 'view_by: "Domain" is not one of Sender, Recipient'),
    ({"list_type": "Blocklist", "view_by": "Recipient", "limit": 0}, "limit: 0 is less than the minimum of 1"),
])
def test_search_list_entries_invalid_input_fails_400_without_request(requests_mock, params, named):
    envelope = mocked().run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert named in envelope["error"]["message"]
    assert requests_mock.call_count == 0
