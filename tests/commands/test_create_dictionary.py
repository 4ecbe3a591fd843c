"""Create Dictionary: POST with word arrays and 0/1 flags, confirmed, then read back; an existing
name is the appliance's refusal; word syntax (weights 0-10, prefix only for *smart identifiers)
is checked before anything is sent."""

from tests.scenarios.config import ConfigScenarios, config_calls, written

CREATED = {"data": {"name": "soc_terms", "encoding": "utf-8", "ignorecase": 0, "wholewords": 1,
                    "words": [["wire transfer", 4], ["*credit", 2, "prefix"], ["gift card", 1]]}}


class TestCreateDictionary(ConfigScenarios):
    command, display, feature, writes = "create_dictionary", "Create Dictionary", "dictionaries", True
    params = {"name": "soc_terms", "words": "wire transfer:4, *credit:2:prefix, gift card", "ignore_case": "false"}
    mocks = [("POST", "dictionaries/soc_terms", [written("Added Successfully")]),
             ("GET", "dictionaries/soc_terms", [CREATED])]
    expected = [("POST", "dictionaries/soc_terms", {"data": {"ignorecase": 0, "wholewords": 1, "encoding": "utf-8",
                                                             "words": [["wire transfer", 4], ["*credit", 2, "prefix"],
                                                                       ["gift card"]]}}),
                ("GET", "dictionaries/soc_terms", None)]
    invalid = [({"name": "d", "words": "x:11"}, "the weight must be 0 to 10"),
               ({"name": "d", "words": "credit:2:prefix"}, "prefix is only for smart identifiers"),
               ({"name": "d"}, "words: required"),
               ({"name": "d", "words": "x", "ignore_case": "maybe"}, "ignore_case")]

    def check_run(self, envelope, sim):
        assert sim.config.dictionary("soc_terms") == {
            "name": "soc_terms", "encoding": "utf-8", "ignorecase": 0, "wholewords": 1,
            "words": [["wire transfer", 4], ["*credit", 2, "prefix"], ["gift card", 1]]}
        assert envelope["data"]["message"] == "Added Successfully"
        assert [e["method"] for e in config_calls(sim)] == ["POST", "GET"]


def test_create_dictionary_existing_name_fails_with_the_appliance_message(integration):
    envelope = integration.run("create_dictionary", {"name": "phish_terms", "words": "x"})
    assert envelope["status"] == "Failed"
    assert envelope["error"] == {"failure_indicator": "Create Dictionary failed.", "status_code": 400,
                                 "message": "Dictionary 'phish_terms' already exists."}
