"""Add Dictionary Words: only the words the dictionary lacks are POSTed, then it is read back; each
word is its own item; one already there is "already present"."""

import requests_mock as rm

from tests.scenarios.common import mocked
from tests.scenarios.config import BASE, ConfigScenarios, config_calls, written

PATH = "dictionaries/phish_terms"


def dictionary(*words):
    return {"data": {"name": "phish_terms", "ignorecase": 1, "wholewords": 1, "words": [list(w) for w in words]}}


class TestAddDictionaryWords(ConfigScenarios):
    command, display, feature, writes = "add_dictionary_words", "Add Dictionary Words", "dictionaries", True
    params = {"name": "phish_terms", "words": "urgent wire:4, password expired:9, *ssn:2:prefix"}
    mocks = [("GET", PATH, [dictionary(("password expired", 2)),
                            dictionary(("password expired", 2), ("urgent wire", 4), ("*ssn", 2, "prefix"))]),
             ("POST", f"{PATH}/words", [written()])]
    expected = [("GET", PATH, None),
                ("POST", f"{PATH}/words", {"data": {"words": [["urgent wire", 4], ["*ssn", 2, "prefix"]]}}),
                ("GET", PATH, None)]
    invalid = [({"name": "phish_terms", "words": "x:-1"}, "words[0]"), ({"name": "phish_terms"}, "words: required")]

    def check_run(self, envelope, sim):
        data = envelope["data"]
        assert data["added"] == ["urgent wire", "*ssn"] and data["already_present"] == ["password expired"]
        assert ["password expired", 2] in sim.config.dictionary("phish_terms")["words"]  # weight left alone
        assert [e["method"] for e in config_calls(sim)] == ["GET", "POST", "GET"]


def test_add_dictionary_words_not_visible_after_write_fails_each():
    with rm.Mocker() as m:
        m.get(f"{BASE}/{PATH}", json=dictionary())
        m.post(f"{BASE}/{PATH}/words", json=written())
        envelope = mocked().run("add_dictionary_words", {"name": "phish_terms", "words": "a"})
        assert m.call_count == 1 + 3 * 2  # three writes, each read back, then it gives up
    assert envelope["status"] == "Failed"
    assert envelope["error"]["message"] == ("dictionary phish_terms was changed by someone else while it was being "
                                            "written: after 3 writes it still does not hold the change; try again.")
