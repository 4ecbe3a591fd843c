"""Spam quarantine search, details, release and delete (reference §5–§7)."""

import pytest

from .conftest import NOW

WINDOW = {"quarantineType": "spam", "startDate": "2024-05-17T12:00:00.000Z", "endDate": "2024-05-20T12:01:00.000Z"}


def _all(api, params):
    r = api.get("quarantine/messages", dict(WINDOW, offset=0, limit=250) | params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"]["totalCount"] == len(body["data"])
    return body["data"]


def test_search_shape_and_default_order(api, esa):
    rows = _all(api, {})
    assert len(rows) == 250
    first = rows[0]
    assert isinstance(first["mid"], int) and set(first) == {"mid", "attributes"}
    assert set(first["attributes"]) == {"envelopeRecipient", "toAddress", "subject", "date", "fromAddress", "size"}
    assert first["attributes"]["size"].endswith("K")
    # minute precision, no seconds
    assert first["attributes"]["date"].count(":") == 2 and first["attributes"]["date"].endswith("(GMT +00:00)")
    recs = [esa.world.quarantine_record(r["mid"]) for r in rows]
    assert [q["_ts"] for q in recs] == sorted((q["_ts"] for q in recs), reverse=True)
    recent = [q for q in esa.world.quarantine if q["_ts"] >= NOW.timestamp() - 3600]
    assert recent


def test_missing_dates_bad_dates_limit_and_type(api):
    r = api.get("quarantine/messages", {"quarantineType": "spam"})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "Missing attribute - startDate or endDate."
    r = api.get("quarantine/messages", dict(WINDOW, startDate="2024-05-17T12:00:01.000Z"))
    assert r.status_code == 400
    assert api.get("quarantine/messages", dict(WINDOW, limit=251, offset=0)).status_code == 400
    assert api.get("quarantine/messages", dict(WINDOW, limit=0, offset=0)).status_code == 400
    assert api.get("quarantine/messages", dict(WINDOW, limit=250, offset=0)).status_code == 200
    no_type = {k: v for k, v in WINDOW.items() if k != "quarantineType"}
    assert api.get("quarantine/messages", no_type).status_code == 400


def test_paging_covers_the_window_once(api, esa):
    seen, offset = [], 0
    while True:
        page = api.get("quarantine/messages", dict(WINDOW, offset=offset, limit=70)).json()["data"]
        seen += [r["mid"] for r in page]
        if len(page) < 70:
            break
        offset += 70
    assert sorted(seen) == sorted(q["mid"] for q in esa.world.quarantine if q["_ts"] < 1716206460)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("order_by", ["date", "from_address", "to_address", "subject", "size"])
def test_order_by_and_dir(api, order_by):
    day = {"startDate": "2024-05-20T00:00:00.000Z"}
    asc = _all(api, dict(day, orderBy=order_by, orderDir="asc"))
    desc = _all(api, dict(day, orderBy=order_by, orderDir="desc"))
    assert 0 < len(asc) < 250
    assert sorted(r["mid"] for r in asc) == sorted(r["mid"] for r in desc)
    if order_by == "date":
        assert [r["mid"] for r in asc] == [r["mid"] for r in desc][::-1]
    if order_by == "subject":
        subjects = [r["attributes"]["subject"].lower() for r in asc]
        assert subjects == sorted(subjects)


@pytest.mark.parametrize("op,check", [
    ("contains", lambda s, v: v in s), ("is", lambda s, v: s == v), ("begins_with", lambda s, v: s.startswith(v)),
    ("ends_with", lambda s, v: s.endswith(v)), ("does_not_contain", lambda s, v: v not in s)])
def test_subject_filter_operators(api, esa, op, check):
    subject = esa.world.quarantine[-1]["subject"].lower()
    value = {"contains": subject[2:6], "is": subject, "begins_with": subject[:4], "ends_with": subject[-4:],
             "does_not_contain": subject[2:6]}[op]
    rows = _all(api, {"filterBy": "subject", "filterOperator": op, "filterValue": value})
    assert rows
    assert all(check(r["attributes"]["subject"].lower(), value) for r in rows)


def test_from_and_to_filters(api, esa):
    q = esa.world.quarantine[-1]
    sender = q["fromAddress"][0].split("<")[-1].rstrip(">")
    rows = _all(api, {"filterBy": "from_address", "filterOperator": "is", "filterValue": sender})
    assert q["mid"] in [r["mid"] for r in rows]
    rows = _all(api, {"filterBy": "to_address", "filterOperator": "contains", "filterValue": q["envelopeRecipient"][0]})
    assert q["mid"] in [r["mid"] for r in rows]
    assert api.get("quarantine/messages", dict(WINDOW, filterBy="body", filterValue="x")).status_code == 400
    assert api.get("quarantine/messages", dict(WINDOW, filterBy="subject", filterOperator="Contains",
                                               filterValue="x")).status_code == 400


def test_recipient_filter_capital_f_and_lower_variant(api, esa):
    rcpt = esa.world.quarantine[-1]["envelopeRecipient"][0]
    capital = _all(api, {"envelopeRecipientFilterOperator": "is", "envelopeRecipientFilterValue": rcpt})
    lower = _all(api, {"envelopeRecipientfilterOperator": "is", "envelopeRecipientfilterValue": rcpt})
    assert capital and capital == lower
    assert all(rcpt in r["attributes"]["envelopeRecipient"] for r in capital)
    assert len(capital) < len(_all(api, {}))


def test_details_and_not_found(api, esa):
    mid = esa.world.pick_quarantine_mid(recent=True)
    r = api.get("quarantine/messages/details", {"mid": mid, "quarantineType": "spam"})
    body = r.json()
    assert body["data"]["mid"] == mid
    assert set(body["data"]["attributes"]) == {"envelopeRecipient", "toAddress", "attachments", "messageBody", "date",
                                               "fromAddress", "subject"}
    assert body["data"]["attributes"]["messageBody"]
    r = api.get("quarantine/messages/details", {"mid": 123, "quarantineType": "spam"})
    assert r.status_code == 404
    assert r.json()["error"] == {"message": "Message not found.", "code": "404",
                                 "explanation": "404 = Nothing matches the given URI."}


def test_release_removes_and_counts_only_existing(fresh_api, fresh):
    mids = sorted(fresh.world.quarantine_mids())[:2]
    body = {"action": "release", "quarantineType": "spam", "mids": mids + [424242]}
    assert fresh_api.post("quarantine/messages", body).json() == {"data": {"action": "release", "totalCount": 2}}
    assert fresh_api.post("quarantine/messages", body).json() == {"data": {"action": "release", "totalCount": 0}}
    assert not set(mids) & fresh.world.quarantine_mids()
    assert fresh_api.get("quarantine/messages/details", {"mid": mids[0], "quarantineType": "spam"}).status_code == 404
    rows = _all(fresh_api, {})
    assert not set(mids) & {r["mid"] for r in rows}


def test_delete_removes_and_string_mids_work(fresh_api, fresh):
    mid = fresh.world.pick_quarantine_mid()
    body = {"quarantineType": "spam", "mids": [str(mid)]}
    assert fresh_api.delete("quarantine/messages", body).json() == {"data": {"action": "delete", "totalCount": 1}}
    assert fresh_api.delete("quarantine/messages", body).json() == {"data": {"action": "delete", "totalCount": 0}}
    assert mid not in fresh.world.quarantine_mids()


def test_release_and_delete_validation(fresh_api, fresh):
    mid = fresh.world.pick_quarantine_mid()
    assert fresh_api.post("quarantine/messages", {"quarantineType": "spam", "mids": [mid]}).status_code == 400
    assert fresh_api.post("quarantine/messages", {"action": "release", "mids": [mid]}).status_code == 400
    assert fresh_api.post("quarantine/messages", {"action": "release", "quarantineType": "spam",
                                                  "mids": []}).status_code == 400
    assert fresh_api.delete("quarantine/messages", {"action": "release", "quarantineType": "spam",
                                                    "mids": [mid]}).status_code == 400
    r = fresh_api.session.post(fresh_api.base + "quarantine/messages", data="{not json", timeout=5)
    assert r.status_code == 400
    assert mid in fresh.world.quarantine_mids()


def test_added_quarantine_message_is_searchable(fresh_api, fresh):
    q = fresh.add_quarantine_message(subject="Win a yacht", envelopeRecipient=["zed@corp.example"],
                                     date=NOW.replace(minute=0, second=0))
    rows = _all(fresh_api, {"filterBy": "subject", "filterOperator": "is", "filterValue": "Win a yacht"})
    assert [r["mid"] for r in rows] == [q["mid"]]
    d = fresh_api.get("quarantine/messages/details", {"mid": q["mid"], "quarantineType": "spam"}).json()
    assert d["data"]["attributes"]["date"] == "20 May 2024 12:00 (GMT +00:00)"


def test_sma_quarantine_uses_gmt_label(sma_api):
    rows = _all(sma_api, {})
    assert rows and all(r["attributes"]["date"].endswith("(GMT)") for r in rows)
