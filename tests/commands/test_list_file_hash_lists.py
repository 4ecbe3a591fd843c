"""List File Hash Lists: every file-hash list; `used_by` (an array there, maybe absent) as a list."""

from tests.scenarios.config import ConfigScenarios


class TestListFileHashLists(ConfigScenarios):
    command, display, feature = "list_file_hash_lists", "List File Hash Lists", "file_hash_lists"
    params = {}
    mocks = [("GET", "file_hash_lists", [{"data": [{"name": "x", "list_type": "md5", "filehashes": []}]}])]
    expected = [("GET", "file_hash_lists", None)]
    invalid = [({"name": "x"}, "name: unknown parameter")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["file_hash_lists"][1] == {
            "name": "legacy_md5", "description": "", "list_type": "md5", "hashes": ["0cc175b9c0f1b6a831c399e269772661"],
            "hashes_count": 1, "used_by": []}
