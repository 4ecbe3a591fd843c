"""Add URL List Entries: read, add what is missing, PUT the whole list, read back and verify; a
missing list is created with a POST; when another administrator's write undoes ours in between,
the merge is redone from what the appliance holds (and gives up, clearly, after three writes);
URL syntax is checked before anything is sent."""

import requests_mock as rm

from tests.scenarios.common import mocked
from tests.scenarios.config import BASE, ConfigScenarios, config_calls, written

PATH = "url_lists/soc_block_urls"


def url_list(*urls):
    return {"data": {"name": "soc_block_urls", "urls": list(urls), "urls_count": len(urls), "used_by": ""}}


class TestAddUrlListEntries(ConfigScenarios):
    command, display, feature, writes = "add_url_list_entries", "Add URL List Entries", "url_lists", True
    params = {"name": "soc_block_urls", "urls": "evil-login.example/verify/*, LOGIN-VERIFY.example, *.cdn-phish.example"}
    mocks = [("GET", PATH, [url_list("login-verify.example"),
                            url_list("login-verify.example", "evil-login.example/verify/*", "*.cdn-phish.example")]),
             ("PUT", PATH, [written()])]
    expected = [("GET", PATH, None),
                ("PUT", PATH, {"data": {"urls": ["login-verify.example", "evil-login.example/verify/*",
                                                 "*.cdn-phish.example"]}}),
                ("GET", PATH, None)]
    invalid = [({"name": "x", "urls": "not a url"}, "urls[0]"), ({"name": "x", "urls": "*"}, "urls[0]"),
               ({"urls": "a.example"}, "name: required")]

    def check_run(self, envelope, sim):
        data = envelope["data"]
        assert data["added"] == ["evil-login.example/verify/*", "*.cdn-phish.example"]
        assert data["already_present"] == ["LOGIN-VERIFY.example"] and data["writes"] == 1
        assert sim.config.url_list("soc_block_urls")["urls"] == [
            "login-verify.example", "*.phish.example/*", "evil-login.example/verify/*", "*.cdn-phish.example"]
        assert [e["method"] for e in config_calls(sim)] == ["GET", "PUT", "GET"]


def test_add_url_list_entries_creates_a_missing_list(integration, sim):
    envelope = integration.run("add_url_list_entries", {"name": "campaign_4411", "urls": "a.example, b.example/x"})
    assert envelope["status"] == "Successful" and envelope["data"]["added"] == ["a.example", "b.example/x"]
    assert sim.config.url_list("campaign_4411")["urls"] == ["a.example", "b.example/x"]
    assert [(e["method"], e["status"]) for e in config_calls(sim)] == [("GET", 404), ("GET", 200), ("POST", 200),
                                                                       ("GET", 200)]


def test_add_url_list_entries_concurrent_change_is_merged_not_lost(integration, sim):
    # Another administrator read the list before our PUT and wrote theirs right after it: our URL is
    # gone, theirs is there. The read-back shows it; the merge is redone on their list.
    def their_write(data):
        data["url_lists"]["soc_block_urls"]["urls"] = ["login-verify.example", "*.phish.example/*", "theirs.example"]

    sim.config.after("PUT", "url_lists/soc_block_urls", their_write)
    envelope = integration.run("add_url_list_entries", {"name": "soc_block_urls", "urls": "ours.example"})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["writes"] == 2 and envelope["data"]["added"] == ["ours.example"]
    assert sim.config.url_list("soc_block_urls")["urls"] == [
        "login-verify.example", "*.phish.example/*", "theirs.example", "ours.example"]
    assert [e["method"] for e in config_calls(sim)] == ["GET", "PUT", "GET", "PUT", "GET"]


def test_add_url_list_entries_list_that_keeps_changing_fails_clearly(integration, sim):
    sim.config.after("PUT", "url_lists/soc_block_urls",
                     lambda data: data["url_lists"]["soc_block_urls"].__setitem__("urls", ["theirs.example"]), count=5)
    envelope = integration.run("add_url_list_entries", {"name": "soc_block_urls", "urls": "ours.example"})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {
        "failure_indicator": "Add URL List Entries failed.", "status_code": 200,
        "message": "URL list soc_block_urls was changed by someone else while it was being written: after 3 writes "
                   "it still does not hold the change; try again."}
    assert [e["method"] for e in config_calls(sim)].count("PUT") == 3


def test_add_url_list_entries_read_back_failure_is_outcome_unknown():
    with rm.Mocker() as m:
        m.get(f"{BASE}/{PATH}", [{"json": url_list()}, {"status_code": 503, "json": {"error": {"message": "Busy."}}}])
        m.put(f"{BASE}/{PATH}", json=written())
        envelope = mocked().run("add_url_list_entries", {"name": "soc_block_urls", "urls": "a.example"})
    assert envelope["status"] == "Failed"
    assert envelope["data"]["outcome_unknown"] == ["a.example"]
    assert envelope["error"]["status_code"] is None
    assert envelope["error"]["message"].startswith("The appliance confirmed the change to URL list soc_block_urls, "
                                                   "but reading it back failed")


def test_add_url_list_entries_cli_cluster_mode_from_the_connection_file(sim, capsys, tmp_path):
    import json
    import yaml
    from cisco_esa import cli
    sim.config.clustered(machines=("esa1.corp.example",))
    conn = sim.connection(cluster_mode="machine", cluster_host="esa1.corp.example")
    path = tmp_path / "esa.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in conn.items() if v is not None}))
    path.chmod(0o600)
    code = cli.main(["run", "add_url_list_entries", "--connection", str(path), "--param", "name=soc_block_urls",
                     "--param", "urls=cluster.example", "--output", "json"])
    envelope = json.loads(capsys.readouterr().out)
    assert (code, envelope["status"]) == (0, "Successful")
    assert {e["query"] for e in config_calls(sim)} == {"device_type=esa&mode=machine&host_name=esa1.corp.example"}


def test_add_url_list_entries_cluster_group_without_its_name_is_refused_before_sending():
    from cisco_esa.integration import Integration
    from tests.conftest import FROZEN_NOW
    from tests.scenarios.common import BASIC
    with rm.Mocker() as m:
        envelope = Integration({**BASIC, "cluster_mode": "group"}, clock=lambda: FROZEN_NOW).run(
            "add_url_list_entries", {"name": "x", "urls": "a.example"})
        assert m.call_count == 0
    assert envelope["error"] == {"failure_indicator": "Add URL List Entries failed.", "status_code": 400,
                                 "message": "Invalid input: connection cluster_group: required when cluster_mode is group"}
