"""Safelist / blocklist state and views (reference §8)."""

VIEW = {"action": "view", "quarantineType": "spam"}


def _view(api, kind="blocklist", **params):
    r = api.get(f"quarantine/{kind}", dict(VIEW, **params))
    assert r.status_code == 200, r.text
    return r.json()


def test_view_by_recipient_and_by_sender_agree_with_state(api, esa):
    state = esa.world.list_entries("blocklist")
    by_rcpt = _view(api, viewBy="recipient")
    assert by_rcpt["meta"]["totalCount"] == len(state) == len(by_rcpt["data"])
    assert {row["recipientAddress"]: set(row["senderList"]) for row in by_rcpt["data"]} == state
    by_sender = _view(api, viewBy="sender")
    inverted = {}
    for r, senders in state.items():
        for s in senders:
            inverted.setdefault(s, set()).add(r)
    assert {row["senderAddress"]: set(row["recipientList"]) for row in by_sender["data"]} == inverted
    assert any("@" not in s for s in inverted), "bare domains are part of the data"


def test_paging_ordering_and_total(api):
    full = [row["recipientAddress"] for row in _view(api, kind="safelist", viewBy="recipient")["data"]]
    assert full == sorted(full)
    desc = [row["recipientAddress"] for row in _view(api, kind="safelist", viewBy="recipient", orderBy="recipient",
                                                     orderDir="desc")["data"]]
    assert desc == full[::-1]
    page = _view(api, kind="safelist", viewBy="recipient", offset=2, limit=3)
    assert page["meta"]["totalCount"] == len(full)
    assert [row["recipientAddress"] for row in page["data"]] == full[2:5]


def test_search_honoured_on_recipient_view_or_order(api, esa):
    rcpt = sorted(esa.world.list_entries("safelist"))[0]
    needle = rcpt.split("@")[0]
    rows = _view(api, kind="safelist", viewBy="recipient", search=needle)["data"]
    assert rcpt in [row["recipientAddress"] for row in rows]
    assert len(rows) < len(esa.world.list_entries("safelist"))
    by_sender_ordered = _view(api, kind="safelist", viewBy="sender", orderBy="recipient", search=needle)["data"]
    assert by_sender_ordered and all(rcpt in row["recipientList"] or needle in row["senderAddress"]
                                     or any(needle in x for x in row["recipientList"]) for row in by_sender_ordered)
    ignored = _view(api, kind="safelist", viewBy="sender", orderBy="sender", search=needle)["data"]
    assert len(ignored) == len(_view(api, kind="safelist", viewBy="sender")["data"])


def test_view_requires_action_view(api):
    assert api.get("quarantine/safelist", {"quarantineType": "spam"}).status_code == 400
    assert api.get("quarantine/safelist", dict(VIEW, viewBy="domain")).status_code == 400


def test_add_append_edit_by_recipient(fresh_api, fresh):
    body = {"action": "add", "quarantineType": "spam", "viewBy": "recipient",
            "recipientAddresses": ["new1@corp.example", "new2@corp.example"], "senderList": ["bad.example"]}
    r = fresh_api.post("quarantine/blocklist", body)
    assert r.json() == {"data": {"action": "add", "recipientAddresses": ["new1@corp.example", "new2@corp.example"],
                                 "senderList": ["bad.example"]}}
    state = fresh.world.list_entries("blocklist")
    assert state["new1@corp.example"] == state["new2@corp.example"] == {"bad.example"}
    fresh_api.post("quarantine/blocklist", dict(body, action="append", recipientAddresses=["new1@corp.example"],
                                                senderList=["x@worse.example"]))
    assert fresh.world.list_entries("blocklist")["new1@corp.example"] == {"bad.example", "x@worse.example"}
    fresh_api.post("quarantine/blocklist", dict(body, action="edit", recipientAddresses=["new1@corp.example"],
                                                senderList=["only.example"]))
    assert fresh.world.list_entries("blocklist")["new1@corp.example"] == {"only.example"}
    rows = _view(fresh_api, viewBy="recipient", search="new1")["data"]
    assert rows == [{"recipientAddress": "new1@corp.example", "senderList": ["only.example"]}]


def test_add_by_sender_and_unblock_by_sender(fresh_api, fresh):
    body = {"action": "add", "quarantineType": "spam", "viewBy": "sender", "senderAddresses": ["evil.example"],
            "recipientList": ["a@corp.example", "b@corp.example"]}
    assert fresh_api.post("quarantine/blocklist", body).json()["data"] == {
        "action": "add", "senderAddresses": ["evil.example"], "recipientList": ["a@corp.example", "b@corp.example"]}
    rows = _view(fresh_api, viewBy="sender")["data"]
    assert {"senderAddress": "evil.example", "recipientList": ["a@corp.example", "b@corp.example"]} in rows
    fresh_api.post("quarantine/blocklist", dict(body, action="edit", recipientList=["b@corp.example"]))
    state = fresh.world.list_entries("blocklist")
    assert "a@corp.example" not in state and state["b@corp.example"] == {"evil.example"}
    r = fresh_api.delete("quarantine/blocklist", {"quarantineType": "spam", "viewBy": "sender",
                                                  "senderList": ["evil.example", "never.example"]})
    assert r.json() == {"data": {"action": "delete", "senderList": ["evil.example", "never.example"], "totalCount": 1}}
    assert all("evil.example" not in s for s in fresh.world.list_entries("blocklist").values())


def test_delete_by_recipient_removes_whole_entries(fresh_api, fresh):
    victims = sorted(fresh.world.list_entries("safelist"))[:2]
    r = fresh_api.delete("quarantine/safelist", {"quarantineType": "spam", "viewBy": "recipient",
                                                 "recipientList": victims + ["ghost@corp.example"]})
    assert r.json()["data"] == {"action": "delete", "recipientList": victims + ["ghost@corp.example"], "totalCount": 2}
    assert not set(victims) & set(fresh.world.list_entries("safelist"))
    again = fresh_api.delete("quarantine/safelist", {"quarantineType": "spam", "viewBy": "recipient",
                                                     "recipientList": victims})
    assert again.json()["data"]["totalCount"] == 0


def test_change_validation(fresh_api):
    base = {"quarantineType": "spam", "viewBy": "recipient", "recipientAddresses": ["a@corp.example"],
            "senderList": ["x.example"]}
    assert fresh_api.post("quarantine/safelist", dict(base, action="replace")).status_code == 400
    assert fresh_api.post("quarantine/safelist", dict(base, action="add", senderList=[])).status_code == 400
    assert fresh_api.post("quarantine/safelist", dict(base, action="add", viewBy="domain")).status_code == 400
    assert fresh_api.delete("quarantine/safelist", {"quarantineType": "spam", "viewBy": "recipient"}).status_code == 400
