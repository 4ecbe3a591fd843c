"""Delete Dictionary: DELETE confirmed by data.message; a dictionary that is not there is
Successful and says "not present"."""

from tests.scenarios.config import ConfigScenarios, written


class TestDeleteDictionary(ConfigScenarios):
    command, display, feature, writes = "delete_dictionary", "Delete Dictionary", "dictionaries", True
    params = {"name": "hr_confidential"}
    mocks = [("DELETE", "dictionaries/hr_confidential", [written("Deleted Successfully")])]
    expected = [("DELETE", "dictionaries/hr_confidential", None)]
    invalid = [({}, "name: required")]

    def check_run(self, envelope, sim):
        assert envelope["data"]["result"] == "deleted" and sim.config.dictionary("hr_confidential") is None


def test_delete_dictionary_absent_is_not_present(integration):
    envelope = integration.run("delete_dictionary", {"name": "ghost"})
    assert envelope["status"] == "Successful"
    assert envelope["data"] == {"name": "ghost", "result": "not present",
                                "message": "Dictionary 'ghost' does not exist on the appliance."}
