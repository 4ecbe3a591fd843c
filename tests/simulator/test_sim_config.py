"""The configuration APIs of the simulator (extension §16), in their stricter readings: device_type
required, mode refused on a standalone appliance, typed flags, no empty URL or policy-user lists,
message-filter PUT limited to active/order, ESA only, a release without an API, the hook that
plays another administrator."""

import pytest

from tests.simulator.conftest import Api

Q = {"device_type": "esa"}


@pytest.fixture
def cfg(fresh):
    return Api(fresh)


def test_device_type_required_and_mode_refused_standalone(cfg):
    r = cfg.get("config/dictionaries")
    assert r.status_code == 400 and r.json()["error"]["message"] == "Missing attribute - device_type."
    r = cfg.get("config/dictionaries", {**Q, "mode": "cluster"})
    assert r.status_code == 400 and "not part of a cluster" in r.json()["error"]["message"]
    assert cfg.get("config/dictionaries", Q).status_code == 200


def test_cluster_modes_need_their_names(cfg, fresh):
    fresh.config.clustered(groups=("G1",), machines=("m1.example",))
    assert cfg.get("config/url_lists", {**Q, "mode": "cluster"}).status_code == 200
    assert cfg.get("config/url_lists", {**Q, "mode": "group", "group_name": "G1"}).status_code == 200
    assert cfg.get("config/url_lists", {**Q, "mode": "group"}).status_code == 400
    assert cfg.get("config/url_lists", {**Q, "mode": "machine", "host_name": "m1.example"}).status_code == 200
    assert cfg.get("config/url_lists", {**Q, "mode": "machine", "host_name": "other"}).status_code == 400


def test_writes_answer_data_message(cfg):
    r = cfg.post("config/url_lists/new?device_type=esa", json={"data": {"urls": ["a.example"]}})
    assert (r.status_code, r.json()) == (200, {"data": {"message": "Added Successfully"}})
    r = cfg.session.put(cfg.base + "config/url_lists/new", params=Q, json={"data": {"urls": ["b.example"]}}, timeout=5)
    assert r.json() == {"data": {"message": "Updated Successfully"}}
    assert cfg.get("config/url_lists/new", Q).json()["data"] == {"name": "new", "urls": ["b.example"], "urls_count": 1,
                                                                "used_by": ""}
    r = cfg.delete("config/url_lists?device_type=esa", json={"data": {"url_lists": ["new"]}})
    assert r.json() == {"data": {"message": "Deleted Successfully"}}


@pytest.mark.parametrize("method, path, body, message", [
    ("PUT", "config/url_lists/soc_block_urls", {"data": {"urls": []}}, "Invalid urls: must not be empty."),
    ("POST", "config/dictionaries/d", {"data": {"ignorecase": True, "words": [["x"]]}}, "Invalid ignorecase: use 0 or 1."),
    ("POST", "config/dictionaries/phish_terms/words", {"data": {"words": [["credit", 2, "prefix"]]}},
     "\"prefix\" is only for smart identifiers"),
    ("POST", "config/dictionaries/phish_terms/words", {"data": {"words": [["x", 11]]}}, "an integer from 0 to 10"),
    ("PUT", "config/incoming_mail_policies/strict_inbound/senders_and_recipients", {"data": []}, "non-empty array"),
    ("POST", "config/incoming_mail_policies/strict_inbound/senders_and_recipients",
     {"data": {"sender_config": {"sender": {"domain_entries": ["@a.example"]}, "sender_not": {"domain_entries": ["@b.example"]}},
               "receiver_config": {"operation": "or", "receiver": {"domain_entries": ["ANY"]}}}}, "exactly one of sender"),
    ("POST", "config/incoming_mail_policies/strict_inbound/senders_and_recipients",
     {"data": {"sender_config": {"sender": {"domain_entries": ["@a.example"]}},
               "receiver_config": {"operation": "or", "receiver": {"domain_entries": ["ANY"]},
                                   "receiver_not": {"domain_entries": ["x@corp.example"]}}}}, "not allowed with operation or"),
    ("PUT", "config/message_filters/legacy_route", {"data": {"active": True}}, "use the string true or false"),
    ("PUT", "config/message_filters/legacy_route", {"data": {"rules_and_actions": "x"}}, "active and/or order only"),
    ("POST", "config/file_hash_lists/h", {"data": {"filehashes": ["ab" * 16], "list_type": "sha256"}}, "Invalid file hash"),
    ("POST", "config/sender_groups/sender_list/IncomingMail/BLOCKED_LIST",
     {"data": {"senders": {"ip_address_list": [{"sender_name": "not a host"}]}}}, "Invalid sender"),
])
def test_stricter_readings_refused_400(cfg, fresh, method, path, body, message):
    before = fresh.config.snapshot()
    r = cfg.session.request(method, cfg.base + path, params=Q, json=body, timeout=5)
    assert r.status_code == 400 and message in r.json()["error"]["message"]
    assert fresh.config.snapshot() == before


def test_unknown_names_404_and_missing_feature_404(cfg, fresh):
    assert cfg.get("config/dictionaries/nope", Q).json()["error"]["message"] == "Dictionary 'nope' does not exist."
    fresh.config.without("dictionaries")
    r = cfg.get("config/dictionaries", Q)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Resource not found."
    assert cfg.get("config/url_lists", Q).status_code == 200


def test_sma_has_no_configuration_api(sma_api):
    assert sma_api.get("config/dictionaries", Q).status_code == 404


def test_read_only_role_reads_but_cannot_write(fresh):
    ro = Api(fresh, "readonly")
    assert ro.get("config/url_lists", Q).status_code == 200
    assert ro.post("config/url_lists/x?device_type=esa", json={"data": {"urls": ["a.example"]}}).status_code == 403
    assert Api(fresh, "helpdesk").get("config/url_lists", Q).status_code == 403


def test_message_filter_by_name_is_a_one_element_array_and_order_moves(cfg):
    body = cfg.get("config/message_filters/drop_exe_attachments", Q).json()
    assert body["meta"] == {"count": 1} and body["data"][0]["order"] == 3
    cfg.session.put(cfg.base + "config/message_filters/drop_exe_attachments", params=Q,
                    json={"data": {"order": 1}}, timeout=5)
    assert [f["name"] for f in cfg.get("config/message_filters", Q).json()["data"]][0] == "drop_exe_attachments"


def test_after_hook_plays_another_administrator_once(cfg, fresh):
    fresh.config.after("GET", "url_lists/soc_block_urls",
                       lambda data: data["url_lists"]["soc_block_urls"]["urls"].append("theirs.example"))
    first = cfg.get("config/url_lists/soc_block_urls", Q).json()["data"]["urls"]
    second = cfg.get("config/url_lists/soc_block_urls", Q).json()["data"]["urls"]
    third = cfg.get("config/url_lists/soc_block_urls", Q).json()["data"]["urls"]
    assert "theirs.example" not in first and second == third and second[-1] == "theirs.example"


def test_find_in_all_senders_spans_listeners(cfg):
    rows = cfg.get("config/sender_groups/find_in_all_senders/10.0.0/", Q).json()["data"]
    assert rows == [{"sender_name": "10.0.0.0/24", "description": "", "sender_group": "RELAYLIST",
                     "listener": "OutgoingMail"}]


def test_reset_restores_the_seeded_configuration(fresh, cfg):
    seeded = fresh.config.snapshot()
    cfg.delete("config/dictionaries/phish_terms?device_type=esa")
    fresh.reset()
    assert fresh.config.snapshot() == seeded
