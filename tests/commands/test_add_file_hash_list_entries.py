"""Add File Hash List Entries: read, add the missing hashes, PUT the whole list, read back; a
missing list is created with list_type and description; a hash of the wrong kind for the list
fails on its own and is never sent; hash syntax is checked before anything is sent."""

from tests.scenarios.config import ConfigScenarios, config_calls, written

PATH = "file_hash_lists/ioc_sha256"
OLD = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
NEW = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def hash_list(*hashes):
    return {"data": {"name": "ioc_sha256", "list_type": "sha256", "filehashes": list(hashes)}}


class TestAddFileHashListEntries(ConfigScenarios):
    command, display, feature, writes = "add_file_hash_list_entries", "Add File Hash List Entries", "file_hash_lists", True
    params = {"name": "ioc_sha256", "hashes": f"{NEW}, {OLD.upper()}"}
    mocks = [("GET", PATH, [hash_list(OLD), hash_list(OLD, NEW)]), ("PUT", PATH, [written()])]
    expected = [("GET", PATH, None), ("PUT", PATH, {"data": {"filehashes": [OLD, NEW]}}), ("GET", PATH, None)]
    invalid = [({"name": "x", "hashes": "abc"}, "hashes[0]"), ({"name": "x", "hashes": "g" * 64}, "hashes[0]"),
               ({"name": "x", "hashes": NEW, "list_type": "SHA1"}, "list_type")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["added"] == [NEW] and envelope["data"]["already_present"] == [OLD.upper()]
        assert sim.config.hash_list("ioc_sha256")["filehashes"] == [OLD, NEW]


def test_add_file_hash_list_entries_wrong_kind_fails_alone_never_sent(integration, sim):
    envelope = integration.run("add_file_hash_list_entries", {"name": "ioc_sha256", "hashes": f"{NEW}, {MD5}"})
    error = {"failure_indicator": "Add File Hash List Entries failed.", "status_code": 400,
             "message": f"{MD5} is not a sha256 hash, the kind file hash list ioc_sha256 holds."}
    assert envelope["status"] == "Partially Successful" and envelope["error"] == error
    assert envelope["items"] == [{"id": NEW, "status": "Successful", "error": None},
                                 {"id": MD5, "status": "Failed", "error": error}]
    assert MD5 not in [e for e in config_calls(sim) if e["method"] == "PUT"][0]["body"]


def test_add_file_hash_list_entries_creates_an_md5_list(integration, sim):
    envelope = integration.run("add_file_hash_list_entries", {"name": "campaign_md5", "hashes": MD5, "list_type": "md5",
                                                              "description": "case 4411"})
    assert envelope["status"] == "Successful"
    assert sim.config.hash_list("campaign_md5") == {"name": "campaign_md5", "description": "case 4411",
                                                    "list_type": "md5", "filehashes": [MD5]}
    post = [e for e in config_calls(sim) if e["method"] == "POST"][0]
    import json
    assert json.loads(post["body"]) == {"data": {"filehashes": [MD5], "description": "case 4411", "list_type": "md5"}}


def test_add_file_hash_list_entries_concurrent_change_is_merged(integration, sim):
    sim.config.after("PUT", PATH, lambda data: data["file_hash_lists"]["ioc_sha256"].__setitem__(
        "filehashes", [OLD, "f" * 64]))
    envelope = integration.run("add_file_hash_list_entries", {"name": "ioc_sha256", "hashes": NEW})
    assert envelope["status"] == "Successful" and envelope["data"]["writes"] == 2
    assert sim.config.hash_list("ioc_sha256")["filehashes"] == [OLD, "f" * 64, NEW]
