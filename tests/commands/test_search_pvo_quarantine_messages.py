"""Search PVO Quarantine Messages: end to end against the simulator (golden sample, filters, exact
paging by the grand total, SMA), the request shape with requests-mock (PVO vocabulary only, names
with %20), failures and invalid input."""

from __future__ import annotations

import pytest

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "search_pvo_quarantine_messages", "Search PVO Quarantine Messages"
URL = f"{SERVER}/esa/api/v2.0/quarantine/messages"
WINDOW = {"start_time": "2026-11-20T10:30:00Z", "end_time": "2026-11-20T12:30:00Z"}


def searches(sim):
    return [e for e in sim.request_log if e["path"].endswith("/quarantine/messages") and e["method"] == "GET"]


def row(mid, names=("Virus",)):
    return {"mid": mid, "attributes": {
        "sender": "billing@invoices.example.net", "recipient": ["alice@corp.example"], "subject": "Overdue invoice",
        "received": "20 May 2023 18:31 (GMT +00:00)", "scheduledExit": "03 Jun 2023 18:31 (GMT +00:00)",
        "size": "212.40K", "inQuarantines": ", ".join(names), "quarantineForReason": ["Virus: W32 detected"],
        "esaHostName": "esa1.corp.example", "originatingEsaIp": "192.0.2.21", "esaMid": mid + 1}}


# ---------------------------------------------------------------- end to end
def test_search_pvo_quarantine_messages_window_is_successful(integration, sim, regen_golden):
    envelope = integration.run(CMD, {**WINDOW, "quarantines": "Virus, Policy", "limit": 5})
    assert envelope["status"] == "Successful" and envelope["error"] is None
    data = envelope["data"]
    held = sorted((q for q in sim.world.pvo.messages.values()
                   if set(q["quarantines"]) & {"Virus", "Policy"} and 1795170600 <= q["_ts"] < 1795177800),
                  key=lambda q: (q["_ts"], q["mid"]), reverse=True)
    assert [m["mid"] for m in data["messages"]] == [q["mid"] for q in held[:5]]
    assert data["truncated"] is True and data["total"] == 5 and data["pages"] == 1
    first = data["messages"][0]
    assert first["quarantines"] == list(held[0]["quarantines"]) and first["received_iso"].endswith("Z")
    assert first["reasons_by_quarantine"] == {n: v["reason"] for n, v in held[0]["quarantines"].items()}
    check_golden(envelope, regen_golden)


def test_search_pvo_quarantine_messages_pages_exactly_to_the_total(integration, sim):
    total = sum(1 for q in sim.world.pvo.messages.values() if "Policy" in q["quarantines"])
    assert total > 100
    envelope = integration.run(CMD, {"start_time": "-7d", "end_time": "now", "quarantines": "Policy"})
    assert envelope["data"]["total"] == total and envelope["data"]["truncated"] is False
    # the grand total is trusted here: no extra request for an empty page (ext §14.2)
    assert envelope["data"]["pages"] == -(-total // 100) == len(searches(sim))


def test_search_pvo_quarantine_messages_filters_reach_the_appliance(integration, sim):
    target = sim.world.pvo.pick(quarantine="Virus", attachments=True)
    envelope = integration.run(CMD, {"start_time": "-7d", "end_time": "now", "quarantines": "Virus",
                                     "envelope_sender_filter_operator": "matches_exactly",
                                     "envelope_sender_filter_value": target["sender"],
                                     "attachment_name": target["attachments"][0]["name"],
                                     "order_by": "Received", "order_direction": "Ascending"})
    assert envelope["status"] == "Successful"
    mids = [m["mid"] for m in envelope["data"]["messages"]]
    assert target["mid"] in mids
    assert all(m["sender"] == target["sender"] for m in envelope["data"]["messages"])
    query = searches(sim)[0]["query"]
    assert "envelopeSenderFilterBy=matches_exactly" in query and "orderDir=asc" in query


def test_search_pvo_quarantine_messages_custom_quarantine_name_with_space(integration, sim):
    mid = sim.world.pvo.add(quarantines={"HR Review": ["Message filter: hr_hold"]}, subject="Salary review",
                            received=1795177000)["mid"]
    envelope = integration.run(CMD, {**WINDOW, "quarantines": ["HR Review"]})
    assert [m["mid"] for m in envelope["data"]["messages"]] == [mid]
    assert "quarantines=HR%20Review" in searches(sim)[0]["query"]


def test_search_pvo_quarantine_messages_sma_reads_the_central_quarantine(sma_integration, sma):
    envelope = sma_integration.run(CMD, {"start_time": "-1d", "end_time": "now", "limit": 3})
    assert envelope["status"] == "Successful" and envelope["data"]["messages"]
    assert all(m["esa_mid"] != m["mid"] for m in envelope["data"]["messages"])
    assert searches(sma)[0]["path"] == "/sma/api/v2.0/quarantine/messages"


def test_search_pvo_quarantine_messages_unknown_quarantine_is_the_appliances_400(integration):
    envelope = integration.run(CMD, {**WINDOW, "quarantines": "Nope"})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == failure(DISPLAY, 400, "Invalid quarantineName 'Nope': no such quarantine.")


# ---------------------------------------------------------------- request shape
def test_search_pvo_quarantine_messages_request_shape(requests_mock):
    requests_mock.get(URL, json={"meta": {"totalCount": 2}, "data": [row(88213), row(88214, ("Policy", "HR Review"))]})
    envelope = mocked("esa").run(CMD, {**WINDOW, "subject_filter_operator": "Starts_With", "subject_filter_value": "Over",
                                       "envelope_recipient_filter_value": "alice", "originating_esa_ip": "192.0.2.21",
                                       "attachment_size_filter": "Range", "attachment_size_from_kb": 10,
                                       "attachment_size_to_kb": "20", "order_by": "Scheduled_Exit"})
    assert requests_mock.call_count == 1
    request = requests_mock.last_request
    assert request.method == "GET" and request.path == "/esa/api/v2.0/quarantine/messages"
    assert request.qs == {
        "quarantinetype": ["pvo"], "quarantines": ["outbreak,virus,file analysis,unclassified,policy"],
        "startdate": ["2026-11-20t10:30:00.000z"], "enddate": ["2026-11-20t12:30:00.000z"],
        "orderby": ["scheduledexit"], "orderdir": ["desc"],
        "subjectfilterby": ["starts_with"], "subjectfiltervalue": ["over"],
        "enveloperecipientfilterby": ["contains"], "enveloperecipientfiltervalue": ["alice"],
        "originatingesaip": ["192.0.2.21"], "attachmentsizefilterby": ["range"],
        "attachmentsizefromvalue": ["10"], "attachmentsizetovalue": ["20"], "offset": ["0"], "limit": ["100"]}
    raw = request.url.split("?", 1)[1]
    assert "File%20Analysis" in raw and "+" not in raw
    # spam-only parameters never travel with PVO (ext §14.6)
    for spam_only in ("filterBy", "filterOperator", "filterValue", "envelopeRecipientFilterOperator"):
        assert f"{spam_only}=" not in raw.replace("subjectFilter", "").replace("RecipientFilterBy", "")
    assert envelope["status"] == "Successful"
    assert [m["quarantines"] for m in envelope["data"]["messages"]] == [["Virus"], ["Policy", "HR Review"]]
    assert envelope["data"]["messages"][0]["esa_mid"] == 88214


def test_search_pvo_quarantine_messages_less_than_sends_only_to(requests_mock):
    requests_mock.get(URL, json={"meta": {"totalCount": 0}, "data": []})
    envelope = mocked("esa").run(CMD, {**WINDOW, "attachment_size_filter": "less than", "attachment_size_to_kb": 5})
    assert envelope["status"] == "Successful" and envelope["data"]["messages"] == []
    qs = requests_mock.last_request.qs
    assert qs["attachmentsizefilterby"] == ["less_than"] and "attachmentsizefromvalue" not in qs


def test_search_pvo_quarantine_messages_total_short_page_fails(requests_mock):
    requests_mock.get(URL, [{"json": {"meta": {"totalCount": 150}, "data": [row(i) for i in range(100)]}},
                            {"json": {"meta": {"totalCount": 150}, "data": []}}])
    envelope = mocked("esa").run(CMD, WINDOW)
    assert envelope["status"] == "Failed" and requests_mock.call_count == 2
    assert "reported 150 messages but page 2 brought none" in envelope["error"]["message"]


def test_search_pvo_quarantine_messages_never_more_than_limit(requests_mock):
    requests_mock.get(URL, json={"meta": {"totalCount": 9}, "data": [row(i) for i in range(9)]})
    envelope = mocked("esa").run(CMD, {**WINDOW, "limit": 3})
    assert envelope["data"]["total"] == 3 and envelope["data"]["truncated"] is True


@pytest.mark.parametrize("params, problem", [
    ({"start_time": "-1h"}, "end_time"),
    ({**WINDOW, "subject_filter_operator": "Is", "subject_filter_value": "x"}, "subject_filter_operator"),
    ({**WINDOW, "subject_filter_operator": "begins_with", "subject_filter_value": "x"}, "subject_filter_operator"),
    ({**WINDOW, "order_by": "date"}, "order_by"),
    ({**WINDOW, "attachment_size_filter": "Range", "attachment_size_from_kb": 1}, "attachment_size_to_kb"),
    ({**WINDOW, "attachment_size_filter": "More_Than"}, "attachment_size_from_kb"),
    ({**WINDOW, "originating_esa_ip": "esa1"}, "originating_esa_ip"),
    ({**WINDOW, "filter_by": "Subject"}, "filter_by"),
])
def test_search_pvo_quarantine_messages_invalid_input_sends_nothing(requests_mock, params, problem):
    envelope = mocked("esa").run(CMD, params)
    assert envelope["status"] == "Failed" and envelope["error"]["status_code"] == 400
    assert problem in envelope["error"]["message"]
    assert requests_mock.call_count == 0


def test_search_pvo_quarantine_messages_repeated_page_stops_failed(requests_mock):
    page = {"meta": {"totalCount": 500}, "data": [row(i) for i in range(100)]}
    requests_mock.get(URL, json=page)
    envelope = mocked("esa").run(CMD, WINDOW)
    assert envelope["status"] == "Failed" and requests_mock.call_count == 2
    assert "repeats the page before it" in envelope["error"]["message"]
