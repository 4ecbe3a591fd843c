"""Delete Dictionary Words: plain terms DELETEd (no weights), read back; an absent term is "not present"."""

from tests.scenarios.config import ConfigScenarios, written

PATH = "dictionaries/phish_terms"


class TestDeleteDictionaryWords(ConfigScenarios):
    command, display, feature, writes = "delete_dictionary_words", "Delete Dictionary Words", "dictionaries", True
    params = {"name": "phish_terms", "words": "password expired:2, not there"}
    mocks = [("GET", PATH, [{"data": {"words": [["password expired", 2], ["x"]]}}, {"data": {"words": [["x"]]}}]),
             ("DELETE", f"{PATH}/words", [written("Deleted Successfully")])]
    expected = [("GET", PATH, None), ("DELETE", f"{PATH}/words", {"data": {"words": ["password expired"]}}),
                ("GET", PATH, None)]
    invalid = [({"name": "phish_terms", "words": ""}, "words")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["deleted"] == ["password expired"]
        assert envelope["data"]["not_present"] == ["not there"]
        assert [w[0] for w in sim.config.dictionary("phish_terms")["words"]] == ["verify your account", "*credit"]
