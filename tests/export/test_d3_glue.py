"""The exported D3 SOAR script, run with the STAND-IN `pb` / `runtime` of tests/export/standins.py
against the simulator: a read, a multi-id partial result, a failure, and a Fetch Event that goes
on from the checkpoint passed back."""

from __future__ import annotations

import json

import pytest

from tests.export.standins import load_d3

UNKNOWN = 999999


@pytest.fixture
def script(packages):
    root, _ = packages["d3"]
    [path] = root.glob("*.py")
    return path


def connector(sim, **overrides):
    return {k: v for k, v in {**sim.connection(), **overrides}.items() if v is not None}


def test_d3_search_messages_returns_output_model(script, sim, frozen_integration):
    module, pb = load_d3(script, connector(sim), frozen_integration)
    out = module.search_messages("-1h", "now", subject="Password Reset")
    envelope = frozen_integration.instances[0]
    assert pb.outputs == [out]
    assert out["returnData"] == "Successful" and out["error"] == ""
    assert out["resultData"] == out["contextData"] and out["resultData"]["messages"]
    assert out["keyFields"] == {"items": []}
    assert set(out["rawData"]) and envelope.runs == [{"command": "search_messages", "state": None,
                                                      "params": {"start_time": "-1h", "end_time": "now", "subject": "Password Reset"}}]


def test_d3_get_amp_details_partial_has_items_and_triplet(script, sim, frozen_integration):
    rec = sim.world.pick_tracking(amp=True)
    mid, serial = rec["mid"][0], rec["serialNumber"]
    module, pb = load_d3(script, connector(sim), frozen_integration)
    out = module.get_amp_details(serial, f"{mid},{UNKNOWN}")
    triplet = {"failure_indicator": "Get AMP Details failed.", "status_code": 404,
               "message": f"Message ID {UNKNOWN} not found on appliance {serial}."}
    assert out["returnData"] == "Partially Successful"
    assert out["keyFields"] == {"items": [{"id": mid, "status": "Successful", "error": None},
                                          {"id": UNKNOWN, "status": "Failed", "error": triplet}]}
    assert out["error"] == triplet


def test_d3_unreachable_appliance_is_failed_with_triplet(script, sim, frozen_integration):
    module, pb = load_d3(script, connector(sim, server_url="http://127.0.0.1:9"), frozen_integration)
    out = module.test_connection()
    assert out["returnData"] == "Failed"
    assert out["error"]["failure_indicator"].startswith("Test Connection failed.") and out["error"]["status_code"] is None
    assert sim.connection()["password"] not in json.dumps(out)


def test_d3_fetch_event_goes_on_from_the_checkpoint_passed_back(script, sim, frozen_integration):
    module, pb = load_d3(script, connector(sim), frozen_integration)
    first = module.fetch_event("Message Tracking", "-1h", "now", max_events=40)
    assert first["returnData"] == "Successful" and first["resultData"]["more"] is True
    seen = [e["_item_id"] for e in first["resultData"]["events"]]
    assert len(seen) == 40
    # a schedule passes data.checkpoint back, as an object or as the JSON text it stored
    second = module.fetch_event("Message Tracking", "-1h", "now", max_events=40,
                                checkpoint=json.dumps(first["resultData"]["checkpoint"]))
    runs = frozen_integration.instances[1].runs
    assert runs[0]["state"] == first["resultData"]["checkpoint"]
    later = [e["_item_id"] for e in second["resultData"]["events"]]
    assert later and not set(later) & set(seen)
