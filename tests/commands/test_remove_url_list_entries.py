"""Remove URL List Entries: read, drop, PUT the rest whole, read back; an absent URL is "not
present"; the last URLs of a list are never removed (the appliance refuses an empty list)."""

from tests.scenarios.config import ConfigScenarios, config_calls, written

PATH = "url_lists/soc_block_urls"


def url_list(*urls):
    return {"data": {"name": "soc_block_urls", "urls": list(urls), "used_by": ""}}


class TestRemoveUrlListEntries(ConfigScenarios):
    command, display, feature, writes = "remove_url_list_entries", "Remove URL List Entries", "url_lists", True
    params = {"name": "soc_block_urls", "urls": "*.PHISH.example/*, gone.example"}
    mocks = [("GET", PATH, [url_list("a.example", "*.phish.example/*"), url_list("a.example")]),
             ("PUT", PATH, [written()])]
    expected = [("GET", PATH, None), ("PUT", PATH, {"data": {"urls": ["a.example"]}}), ("GET", PATH, None)]
    invalid = [({"name": "soc_block_urls", "urls": "bad url"}, "urls[0]")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["removed"] == ["*.PHISH.example/*"]
        assert envelope["data"]["not_present"] == ["gone.example"]
        assert sim.config.url_list("soc_block_urls")["urls"] == ["login-verify.example"]


def test_remove_url_list_entries_never_writes_an_empty_list(integration, sim):
    envelope = integration.run("remove_url_list_entries", {"name": "bypass_urls", "urls": "*.partner.example/*"})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {
        "failure_indicator": "Remove URL List Entries failed.", "status_code": 400,
        "message": "Removing these URLs would leave URL list bypass_urls empty, which the appliance refuses: use "
                   "Delete URL Lists to remove the list."}
    assert [e["method"] for e in config_calls(sim)] == ["GET"]
    assert sim.config.url_list("bypass_urls")["urls"] == ["*.partner.example/*"]
