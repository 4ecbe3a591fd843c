"""Get Dictionary: one dictionary, read whether the appliance answers an object or a one-element
array; an unknown name is 404 naming it (told apart from a missing API by the list call)."""

import requests_mock as rm

from tests.scenarios.common import mocked
from tests.scenarios.config import BASE, ConfigScenarios, config_calls

ONE = {"name": "phish_terms", "encoding": "utf-8", "ignorecase": 1, "wholewords": 1, "words": [["verify", 3]]}


class TestGetDictionary(ConfigScenarios):
    command, display, feature = "get_dictionary", "Get Dictionary", "dictionaries"
    params = {"name": "phish_terms"}
    mocks = [("GET", "dictionaries/phish_terms", [{"data": ONE}])]
    expected = [("GET", "dictionaries/phish_terms", None)]
    invalid = [({}, "name: required"), ({"name": "x" * 257}, "name")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["dictionary"]["words"][-1] == {"term": "*credit", "weight": 1, "prefix": True}


def test_get_dictionary_one_element_array_and_encoded_name():
    with rm.Mocker() as m:
        m.get(f"{BASE}/dictionaries/a%2Fb%20c", json={"data": [ONE]})
        envelope = mocked().run("get_dictionary", {"name": "a/b c"})
    assert envelope["status"] == "Successful" and envelope["data"]["dictionary"]["name"] == "phish_terms"


def test_get_dictionary_unknown_name_is_404_after_one_probe(integration, sim):
    envelope = integration.run("get_dictionary", {"name": "nope"})
    assert envelope["error"] == {"failure_indicator": "Get Dictionary failed.", "status_code": 404,
                                 "message": "Dictionary 'nope' does not exist on the appliance."}
    assert [(e["method"], e["path"], e["status"]) for e in config_calls(sim)] == [
        ("GET", "/esa/api/v2.0/config/dictionaries/nope", 404), ("GET", "/esa/api/v2.0/config/dictionaries", 200)]
