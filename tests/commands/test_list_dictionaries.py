"""List Dictionaries: every dictionary with flags as booleans and words as term/weight/prefix."""

from tests.scenarios.config import ConfigScenarios

BODY = {"data": [{"name": "b", "encoding": "utf-8", "ignorecase": 0, "wholewords": 1, "words": [["x"]]},
                 {"name": "a", "encoding": "utf-8", "ignorecase": 1, "wholewords": 0,
                  "words": [["*ssn", 2, "prefix"], ["pay now", 4]]}]}


class TestListDictionaries(ConfigScenarios):
    command, display, feature = "list_dictionaries", "List Dictionaries", "dictionaries"
    params = {}
    mocks = [("GET", "dictionaries", [BODY])]
    expected = [("GET", "dictionaries", None)]
    invalid = [({"name": "x"}, "name: unknown parameter")]

    def check_run(self, envelope, sim):
        assert [d["name"] for d in envelope["data"]["dictionaries"]] == ["hr_confidential", "phish_terms"]
        assert envelope["data"]["total"] == 2

    def test_rows_are_plain(self):
        import requests_mock as rm
        from tests.scenarios.common import mocked
        from tests.scenarios.config import BASE
        with rm.Mocker() as m:
            m.get(f"{BASE}/dictionaries", json=BODY)
            data = mocked().run(self.command, {})["data"]
        assert data["dictionaries"][0] == {
            "name": "a", "encoding": "utf-8", "ignore_case": True, "whole_words": False,
            "words": [{"term": "*ssn", "weight": 2, "prefix": True}, {"term": "pay now", "weight": 4, "prefix": False}],
            "term_count": 1, "smart_identifier_count": 1}
        assert data["dictionaries"][1]["words"] == [{"term": "x", "weight": 1, "prefix": False}]
