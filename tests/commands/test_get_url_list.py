"""Get URL List: one URL list; an unknown name is 404 naming it."""

from tests.scenarios.config import ConfigScenarios


class TestGetUrlList(ConfigScenarios):
    command, display, feature = "get_url_list", "Get URL List", "url_lists"
    params = {"name": "soc_block_urls"}
    mocks = [("GET", "url_lists/soc_block_urls", [{"data": {"name": "soc_block_urls", "urls": [], "used_by": ""}}])]
    expected = [("GET", "url_lists/soc_block_urls", None)]
    invalid = [({}, "name: required")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["url_list"]["urls"] == ["login-verify.example", "*.phish.example/*"]


def test_get_url_list_unknown_is_404(integration):
    envelope = integration.run("get_url_list", {"name": "ghost"})
    assert envelope["error"] == {"failure_indicator": "Get URL List failed.", "status_code": 404,
                                 "message": "URL list 'ghost' does not exist on the appliance."}
