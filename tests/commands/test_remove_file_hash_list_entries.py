"""Remove File Hash List Entries: read, drop, PUT the rest whole (empty allowed: these lists have
no delete call), read back; an absent hash is "not present"."""

from tests.scenarios.config import ConfigScenarios, written

PATH = "file_hash_lists/legacy_md5"
MD5 = "0cc175b9c0f1b6a831c399e269772661"


class TestRemoveFileHashListEntries(ConfigScenarios):
    command, display, feature, writes = "remove_file_hash_list_entries", "Remove File Hash List Entries", "file_hash_lists", True
    params = {"name": "legacy_md5", "hashes": f"{MD5.upper()}, {'1' * 32}"}
    mocks = [("GET", PATH, [{"data": {"name": "legacy_md5", "list_type": "md5", "filehashes": [MD5]}},
                            {"data": {"name": "legacy_md5", "list_type": "md5", "filehashes": []}}]),
             ("PUT", PATH, [written()])]
    expected = [("GET", PATH, None), ("PUT", PATH, {"data": {"filehashes": []}}), ("GET", PATH, None)]
    invalid = [({"name": "legacy_md5", "hashes": "xyz"}, "hashes[0]")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["removed"] == [MD5.upper()] and envelope["data"]["not_present"] == ["1" * 32]
        assert sim.config.hash_list("legacy_md5")["filehashes"] == []
