"""List URL Lists: every URL list; `used_by` (a comma-joined string there) as a list."""

from tests.scenarios.config import ConfigScenarios


class TestListUrlLists(ConfigScenarios):
    command, display, feature = "list_url_lists", "List URL Lists", "url_lists"
    params = {}
    mocks = [("GET", "url_lists", [{"data": [{"name": "x", "urls": ["a.example"], "urls_count": 1,
                                              "used_by": "Security Services : URL Filtering : URL Allowed List, "
                                                         "Incoming Content Filters"}]}])]
    expected = [("GET", "url_lists", None)]
    invalid = [({"limit": 5}, "limit: unknown parameter")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["url_lists"][1] == {
            "name": "soc_block_urls", "urls": ["login-verify.example", "*.phish.example/*"], "urls_count": 2,
            "used_by": ["Incoming Content Filters"]}

    def test_used_by_string_split(self):
        import requests_mock as rm
        from tests.scenarios.common import mocked
        with rm.Mocker() as m:
            self.mock(m)
            data = mocked().run(self.command, {})["data"]
        assert data["url_lists"][0]["used_by"] == ["Security Services : URL Filtering : URL Allowed List",
                                                   "Incoming Content Filters"]
