"""Message tracking search and details (reference §2, §3, §4)."""

import calendar

import pytest

from .conftest import NOW

START, END = "2024-05-20T11:00:00.000Z", "2024-05-20T12:01:00.000Z"
WINDOW = {"startDate": START, "endDate": END}


def _epoch(text):
    return calendar.timegm((int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]), 0))


def _expected(world, start, end, pred=lambda r: True):
    return [r for r in reversed(world.tracking) if _epoch(start) <= r["_ts"] < _epoch(end) and pred(r)]


def _all(api, params):
    rows, offset = [], 0
    while True:
        page = api.get("message-tracking/messages", dict(params, offset=offset, limit=100)).json()
        assert page["meta"] == {"num_bad_records": 0, "totalCount": len(page["data"])}
        rows += page["data"]
        if len(page["data"]) < 100:
            return rows
        offset += 100


def _mids(rows):
    return [r["attributes"]["mid"] for r in rows]


def test_missing_dates_is_404_with_exact_text(api):
    for params in ({}, {"startDate": START}, {"endDate": END}):
        r = api.get("message-tracking/messages", params)
        assert r.status_code == 404
        assert r.json() == {"error": {"message": "Missing attribute - startDate or endDate.", "code": "404",
                                      "explanation": "404 = Nothing matches the given URI."}}


@pytest.mark.parametrize("bad", ["2024-05-20T11:00:30.000Z", "2024-05-20T11:00:00Z", "2024-05-20T11:00:00.000",
                                 "2024-05-20T11:00:00.000+00:00", "2024-05-20 11:00", "2024-13-20T11:00:00.000Z",
                                 "1716202800"])
def test_bad_date_formats_are_400_naming_the_parameter(api, bad):
    r = api.get("message-tracking/messages", {"startDate": bad, "endDate": END})
    assert r.status_code == 400
    assert "startDate" in r.json()["error"]["message"]
    assert r.json()["error"]["explanation"] == "400 = Bad request syntax or unsupported method."


@pytest.mark.parametrize("limit,status", [(0, 400), (1, 200), (100, 200), (101, 400), ("x", 400)])
def test_limit_must_be_1_to_100(api, limit, status):
    assert api.get("message-tracking/messages", dict(WINDOW, offset=0, limit=limit)).status_code == status


def test_encoded_colons_plus_and_percent20_are_accepted(api):
    q = ("startDate=2024-05-20T11%3A00%3A00.000Z&endDate=2024-05-20T12%3A01%3A00.000Z"
         "&subjectfilterOperator=contains&subjectfilterValue=Password{}Reset")
    a = api.session.get(api.base + "message-tracking/messages?" + q.format("%20"), timeout=5).json()
    b = api.session.get(api.base + "message-tracking/messages?" + q.format("+"), timeout=5).json()
    assert a == b and len(a["data"]) >= 1
    assert all("Password Reset" in r["attributes"]["subject"] for r in a["data"])


def test_window_is_half_open_and_newest_first(api, esa):
    rows = _all(api, WINDOW)
    expected = _expected(esa.world, START, END)
    assert _mids(rows) == [r["mid"] for r in expected]
    assert len(rows) > 100
    # an event exactly at endDate belongs to the next window
    rec = expected[len(expected) // 2]
    minute = rec["_ts"] - rec["_ts"] % 60
    at = f"2024-05-20T{(minute // 3600) % 24:02d}:{(minute // 60) % 60:02d}:00.000Z"
    before = _all(api, {"startDate": START, "endDate": at})
    after = _all(api, {"startDate": at, "endDate": END})
    assert rec["mid"] not in _mids(before) and rec["mid"] in _mids(after)
    assert len(before) + len(after) == len(rows)


def test_several_events_share_a_minute_with_seconds(esa):
    minutes = {}
    for r in esa.world.tracking:
        minutes.setdefault(r["_ts"] // 60, set()).add(r["_ts"] % 60)
    assert max(len(v) for v in minutes.values()) >= 3


def test_new_format_row_shape(api):
    row = api.get("message-tracking/messages", dict(WINDOW, offset=0, limit=100)).json()["data"]
    splinter = next(r["attributes"] for r in row if len(r["attributes"]["mid"]) > 1) if any(
        len(r["attributes"]["mid"]) > 1 for r in row) else row[0]["attributes"]
    a = row[0]["attributes"]
    assert isinstance(a["mid"], list) and all(isinstance(m, int) for m in a["mid"])
    keys = {str(m) for m in a["mid"]}
    for field in ("messageStatus", "recipientMap", "finalSubject", "verdictChart"):
        assert set(a[field]) == keys
    assert set(a["messageID"]) <= keys
    assert a["isCompleteData"] == "N/A"
    assert a["hostName"] == ""
    assert "dcid" not in a
    assert isinstance(a["friendly_from"], list) and isinstance(a["allIcid"], list) and a["morDetails"] == {}
    assert a["timestamp"].endswith("(GMT +00:00)")
    assert set(splinter["recipientMap"]) == {str(m) for m in splinter["mid"]}


def test_old_format_switch(fresh_api, fresh):
    params = dict(WINDOW, offset=0, limit=5)
    fresh.set_old_format(True)
    a = fresh_api.get("message-tracking/messages", params).json()["data"][0]["attributes"]
    assert isinstance(a["messageStatus"], str) and isinstance(a["verdictChart"], str)
    assert a["isCompleteData"] is True
    assert "recipientMap" not in a and "friendly_from" not in a
    fresh.set_old_format(False)
    a = fresh_api.get("message-tracking/messages", params).json()["data"][0]["attributes"]
    assert isinstance(a["messageStatus"], dict)


def test_sma_rows_have_dcid_host_names_and_several_serials(sma_api, sma):
    rows = _all(sma_api, dict(WINDOW, ciscoHost="All_Hosts"))
    serials = {r["attributes"]["serialNumber"] for r in rows}
    assert len(serials) >= 2
    for r in rows[:50]:
        a = r["attributes"]
        assert a["hostName"] and len(a["dcid"]) == len(a["mid"])
    labels = {r["attributes"]["timestamp"].split(" ", 4)[4] for r in rows}
    assert labels == {"(GMT)", "(GMT -05:00)", "(GMT-06:00)"}
    one = sma.world.hosts[1]
    only = _all(sma_api, dict(WINDOW, ciscoHost=one["serialNumber"]))
    assert only and {r["attributes"]["serialNumber"] for r in only} == {one["serialNumber"]}
    by_name = _all(sma_api, dict(WINDOW, ciscoHost=one["hostName"]))
    assert _mids(by_name) == _mids(only)


def test_display_zone_does_not_change_the_utc_window(sma_api, sma):
    rows = _all(sma_api, WINDOW)
    assert _mids(rows) == [r["mid"] for r in _expected(sma.world, START, END)]


def test_sender_filter_lower_f_operators(api, esa):
    rec = esa.world.pick_tracking(direction="incoming", within=3000)
    sender = rec["sender"]
    cases = {"is": sender.upper(), "begins_with": sender[:5], "contains": sender[3:-3]}
    for op, value in cases.items():
        rows = _all(api, dict(WINDOW, envelopeSenderfilterOperator=op, envelopeSenderfilterValue=value))
        assert rec["mid"] in _mids(rows)
        low = value.lower()
        for r in rows:
            s = r["attributes"]["sender"].lower()
            assert {"is": s == low, "begins_with": s.startswith(low), "contains": low in s}[op]


def test_capital_f_spelling_is_ignored_on_tracking(api):
    unfiltered = _all(api, WINDOW)
    capital = _all(api, dict(WINDOW, envelopeSenderFilterOperator="is", envelopeSenderFilterValue="nobody@x.example"))
    lower = _all(api, dict(WINDOW, envelopeSenderfilterOperator="is", envelopeSenderfilterValue="nobody@x.example"))
    assert _mids(capital) == _mids(unfiltered)
    assert lower == []


def test_unknown_operator_is_400(api):
    r = api.get("message-tracking/messages", dict(WINDOW, subjectfilterOperator="ends_with", subjectfilterValue="x"))
    assert r.status_code == 400
    assert "subjectfilterOperator" in r.json()["error"]["message"]


def test_recipient_subject_attachment_filters(api, esa):
    rec = esa.world.pick_tracking(amp=True, within=3600)
    rows = _all(api, dict(WINDOW, envelopeRecipientfilterOperator="is", envelopeRecipientfilterValue=rec["recipient"][0]))
    assert rec["mid"] in _mids(rows)
    assert all(rec["recipient"][0] in r["attributes"]["recipient"] for r in rows)
    name = rec["attachments"][0]["name"]
    rows = _all(api, dict(WINDOW, attachmentNameOperator="is", attachmentNameValue=name))
    assert rec["mid"] in _mids(rows)
    rows = _all(api, dict(WINDOW, fileSha256=rec["attachments"][0]["sha256"]))
    assert _mids(rows) == [rec["mid"]]


def test_exact_value_filters(api, esa):
    rec = esa.world.pick_tracking(direction="incoming", within=3600)
    assert rec["mid"] in _mids(_all(api, dict(WINDOW, senderIp=rec["senderIp"])))
    assert _mids(_all(api, dict(WINDOW, messageIdHeader=rec["messageIdHeader"]))) == [rec["mid"]]
    assert _mids(_all(api, dict(WINDOW, ciscoMid=rec["mid"][0]))) == [rec["mid"]]


@pytest.mark.parametrize("param,pred", [
    ({"deliveryStatus": "DELIVERED"}, lambda r: r["deliveryStatus"] == "DELIVERED"),
    ({"deliveryStatus": "DROPPED,BOUNCED"}, lambda r: r["deliveryStatus"] in ("DROPPED", "BOUNCED")),
    ({"spamPositive": "True"}, lambda r: r["spamPositive"]),
    ({"virusPositive": "True"}, lambda r: r["virusPositive"]),
    ({"containedMaliciousUrls": "True"}, lambda r: r["containedMaliciousUrls"]),
    ({"quarantinedAsSpam": "True"}, lambda r: r["quarantinedAsSpam"]),
    ({"graymail": "True"}, lambda r: r["graymail"]),
    ({"messageDirection": "outgoing"}, lambda r: r["direction"] == "outgoing"),
    ({"advancedMalwareProtection": "amp_malicious"}, lambda r: r["advancedMalwareProtection"] == "amp_malicious"),
    ({"mailPolicyName": "Executives"}, lambda r: "Executives" in r["mailPolicy"]),
    ({"spamPositive": "False"}, lambda r: True),
    ({"someUnknownParameter": "1"}, lambda r: True),
])
def test_flag_and_enum_filters_match_the_world(api, esa, param, pred):
    start = "2024-05-19T12:00:00.000Z"
    rows = _all(api, dict({"startDate": start, "endDate": END}, **param))
    assert _mids(rows) == [r["mid"] for r in _expected(esa.world, start, END, pred)]


def test_details_flags_match_the_data(api, esa):
    for rec in (esa.world.pick_amp_message(), esa.world.pick_dlp_message(), esa.world.pick_url_message(),
                esa.world.pick_clean_message()):
        m = api.get("message-tracking/details", {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0]}).json()
        m = m["data"]["messages"]
        assert m["mid"] == rec["mid"]
        assert (m["showAMP"], m["showDLP"], m["showURL"]) == (bool(rec["amp"]), bool(rec["dlp"]), bool(rec["urls"]))
        assert m["summary"][-1]["lastEvent"] is True
        assert all(e["lastEvent"] is False for e in m["summary"][:-1])
        assert isinstance(m["messageStatus"], str) and m["isCompleteData"] is True


def test_details_accept_repeated_and_comma_mid_keyed_on_first(api, esa):
    rec = esa.world.pick_splintered_message()
    serial = rec["serialNumber"]
    a = api.session.get(api.base + f"message-tracking/details?serialNumber={serial}&mid={rec['mid'][1]}"
                        f"&mid={rec['mid'][0]}", timeout=5).json()
    b = api.get("message-tracking/details", {"serialNumber": serial, "mid": f"{rec['mid'][1]},999999999"}).json()
    c = api.get("message-tracking/details", {"serialNumber": serial, "mid": rec["mid"][0], "icid": rec["icid"],
                                             "startDate": START, "endDate": END}).json()
    assert a == b == c
    assert a["data"]["messages"]["mid"] == rec["mid"]


def test_details_of_unknown_mid_or_serial_are_200_na(api, esa):
    rec = esa.world.pick_clean_message()
    for params in ({"serialNumber": rec["serialNumber"], "mid": 1}, {"serialNumber": "NOPE-123", "mid": rec["mid"][0]},
                   {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0], "icid": rec["icid"] + 1}):
        for path in ("details", "amp-details", "dlp-details", "url-details"):
            r = api.get(f"message-tracking/{path}", params)
            assert r.status_code == 200
            assert r.json()["data"]["messages"]["mid"] == ["N/A"]


def test_amp_dlp_url_details_shapes(api, esa):
    rec = esa.world.pick_amp_message()
    m = api.get("message-tracking/amp-details", {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0]}).json()
    m = m["data"]["messages"]
    assert m["showAMPDetails"] is True and m["ampDetails"][-1]["lastEvent"] is True
    assert all("lastEvent" not in e for e in m["ampDetails"][:-1])
    assert "summary" not in m and "showAMP" not in m and m["sendingHostSummary"] == {}
    assert any("Disposition = MALICIOUS" in e["description"] for e in m["ampDetails"])
    rec = esa.world.pick_dlp_message()
    m = api.get("message-tracking/dlp-details", {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0]}).json()
    d = m["data"]["messages"]["dlpDetails"]
    assert d["mid"] == str(rec["mid"][0]) and isinstance(d["riskFactor"], int)
    assert d["dlpMatchedContent"][0]["messagePartMatch"][0]["classifierMatch"]
    rec = esa.world.pick_url_message()
    m = api.get("message-tracking/url-details", {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0]}).json()
    assert m["data"]["messages"]["showURLDetails"] is True
    assert rec["urls"][0]["url"] in m["data"]["messages"]["urlDetails"][0]["description"]


def test_sma_details_use_dcid_and_sma_quirks(sma_api, sma):
    rec = sma.world.pick_dlp_message()
    p = {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0]}
    m = sma_api.get("message-tracking/dlp-details", p).json()["data"]["messages"]
    assert m["dlpDetails"]["mid"] == rec["mid"][0]
    assert m["hostName"].startswith(rec["hostName"])
    ok = sma_api.get("message-tracking/details", dict(p, dcid=rec["dcid"][0])).json()
    assert ok["data"]["messages"]["mid"] == rec["mid"]
    bad = sma_api.get("message-tracking/details", dict(p, dcid=1)).json()
    assert bad["data"]["messages"]["mid"] == ["N/A"]


def test_phishing_demo_message_is_there(api, esa):
    rows = _all(api, dict(WINDOW, subjectfilterOperator="contains", subjectfilterValue="Password Reset"))
    assert rows
    rec = esa.world.pick_phishing_message()
    assert rec["mid"] in _mids(rows)
    assert rec["amp"] and rec["urls"]
    assert NOW.timestamp() - rec["_ts"] < 3600


def test_added_message_shows_in_search_and_details(fresh_api, fresh):
    rec = fresh.add_tracking_message(subject="Simulated invoice 42", sender="x@evil.example",
                                     recipient=["alice@corp.example", "bob@corp.example"],
                                     amp=[{"file": "a.docm", "disposition": "MALICIOUS"}], urls=["http://evil.example/a"],
                                     timestamp=NOW.replace(second=5))
    rows = _all(fresh_api, dict(WINDOW, subjectfilterOperator="is", subjectfilterValue="Simulated invoice 42"))
    assert _mids(rows) == [rec["mid"]]
    assert rows[0]["attributes"]["serialNumber"] == rec["serialNumber"]
    m = fresh_api.get("message-tracking/details", {"serialNumber": rec["serialNumber"], "mid": rec["mid"][0]}).json()
    assert m["data"]["messages"]["showAMP"] is True and m["data"]["messages"]["showURL"] is True
    assert m["data"]["messages"]["attachments"] == ["a.docm"]
