"""List Quarantines: SMA lists its PVO quarantines (config/quarantines, ext §14.1.1); ESA has no such
path, so the five system quarantines are the answer. End to end, request shape, failures."""

from __future__ import annotations

from tests.golden import check_golden
from tests.scenarios.common import SERVER, failure, mocked

CMD, DISPLAY = "list_quarantines", "List Quarantines"
SYSTEM = ["Outbreak", "Virus", "File Analysis", "Unclassified", "Policy"]


def test_list_quarantines_sma_lists_system_and_custom(sma_integration, sma, regen_golden):
    envelope = sma_integration.run(CMD, {})
    assert envelope["status"] == "Successful"
    assert envelope["data"]["names"] == sma.world.pvo.names()
    assert {q["name"]: q["kind"] for q in envelope["data"]["quarantines"]}["HR Review"] == "custom"
    assert envelope["data"]["source"] == "appliance"
    log = [e for e in sma.request_log if "quarantines" in e["path"]]
    assert log[0]["path"] == "/sma/api/v2.0/config/quarantines"
    assert log[0]["query"] == "device_type=sma&quarantine_type=pvo"
    check_golden(envelope, regen_golden)


def test_list_quarantines_esa_falls_back_to_the_system_quarantines(integration):
    envelope = integration.run(CMD, {})
    assert envelope["status"] == "Successful" and envelope["data"]["names"] == SYSTEM
    assert all(q["kind"] == "system" for q in envelope["data"]["quarantines"])
    assert envelope["data"]["source"].startswith("system quarantines")


def test_list_quarantines_flat_list_and_duplicates_are_read(requests_mock):
    requests_mock.get(f"{SERVER}/esa/api/v2.0/config/quarantines",
                      json={"data": {"quarantines": {"a": ["Virus", "Policy"], "b": ["Policy", "MACRO"]}}})
    envelope = mocked("esa").run(CMD, {})
    assert envelope["data"]["names"] == ["Virus", "Policy", "MACRO"]
    assert requests_mock.call_count == 1


def test_list_quarantines_other_errors_fail(requests_mock):
    requests_mock.get(f"{SERVER}/esa/api/v2.0/config/quarantines", status_code=403,
                      json={"error": {"message": "User does not have privileges to access this resource.", "code": "403"}})
    envelope = mocked("esa").run(CMD, {})
    assert envelope["error"] == failure(DISPLAY, 403, "User does not have privileges to access this resource. The "
                                                      "account's role may not call GET config/quarantines: give the user "
                                                      "a role that allows it on the appliance (login/privileges lists "
                                                      "what it may call).")


def test_list_quarantines_takes_no_parameters(requests_mock):
    envelope = mocked("esa").run(CMD, {"name": "x"})
    assert envelope["error"]["status_code"] == 400 and requests_mock.call_count == 0
