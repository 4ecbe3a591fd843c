"""Delete URL Lists: one DELETE with the names in the body for the lists that exist, then read
back; each name its own item; a list that does not exist is "not present"."""

from tests.scenarios.config import ConfigScenarios, config_calls, written


class TestDeleteUrlLists(ConfigScenarios):
    command, display, feature, writes = "delete_url_lists", "Delete URL Lists", "url_lists", True
    params = {"names": "bypass_urls, ghost"}
    mocks = [("GET", "url_lists", [{"data": [{"name": "bypass_urls"}, {"name": "x"}]}, {"data": [{"name": "x"}]}]),
             ("DELETE", "url_lists", [written("Deleted Successfully")])]
    expected = [("GET", "url_lists", None), ("DELETE", "url_lists", {"data": {"url_lists": ["bypass_urls"]}}),
                ("GET", "url_lists", None)]
    invalid = [({"names": []}, "names"), ({}, "names: required")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["deleted"] == ["bypass_urls"] and envelope["data"]["not_present"] == ["ghost"]
        assert envelope["data"]["remaining"] == ["soc_block_urls"]
        assert sim.config.url_list("bypass_urls") is None
        assert [e["method"] for e in config_calls(sim)] == ["GET", "DELETE", "GET"]
