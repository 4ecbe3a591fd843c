"""Get File Hash List: one file-hash list; an unknown name is 404 naming it."""

from tests.scenarios.config import ConfigScenarios


class TestGetFileHashList(ConfigScenarios):
    command, display, feature = "get_file_hash_list", "Get File Hash List", "file_hash_lists"
    params = {"name": "ioc_sha256"}
    mocks = [("GET", "file_hash_lists/ioc_sha256", [{"data": {"name": "ioc_sha256", "filehashes": []}}])]
    expected = [("GET", "file_hash_lists/ioc_sha256", None)]
    invalid = [({}, "name: required")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["file_hash_list"]["used_by"] == ["Incoming Content Filters"]


def test_get_file_hash_list_unknown_is_404(integration):
    envelope = integration.run("get_file_hash_list", {"name": "ghost"})
    assert envelope["error"]["message"] == "File hash list 'ghost' does not exist on the appliance."
