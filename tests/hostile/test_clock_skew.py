"""Issue 10 class 1 (data loss from clock skew), against the simulator whose Date header is its own
clock: the Fetch Event window ends by the appliance's clock, so a SOAR host minutes ahead of (or
behind) the appliance loses nothing and emits nothing twice; a watermark in the appliance's future
is refused instead of stalling the feed at count 0 for ever. (The property test of
tests/test_fetch_properties.py runs random schedules with skews of up to 15 minutes either way.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cisco_esa.integration import Integration
from esa_simulator import Simulator
from tests.conftest import FROZEN_NOW

T = FROZEN_NOW
TRACKING = {"messages_source": "Message Tracking", "start_time": "2026-11-20T11:00:00Z", "end_time": "now"}


@pytest.fixture
def appliance():
    with Simulator(now=T, tracking_count=0, quarantine_count=0) as sim:
        yield sim


def _arrive(sim, minutes_ago: float, count: int = 3) -> set[str]:
    serial = sim.world.serial_numbers()[0]
    at = sim.clock() - timedelta(minutes=minutes_ago)
    return {f"{serial}:{sim.add_tracking_message(timestamp=at, serialNumber=serial)['mid'][0]}" for _ in range(count)}


@pytest.mark.parametrize("auth", ["jwt", "basic"])
@pytest.mark.parametrize("host_ahead_minutes", [10, -10])
def test_fetch_event_host_clock_off_the_appliance_loses_nothing_twice_nothing(appliance, auth, host_ahead_minutes):
    host = {"now": T + timedelta(minutes=host_ahead_minutes)}
    integration = Integration(appliance.connection(auth=auth), clock=lambda: host["now"])
    expected = _arrive(appliance, 20)
    state, emitted = None, []
    for _ in range(4):  # every two minutes: mail arrives on the appliance, the scheduler runs
        expected |= _arrive(appliance, 0.5)
        envelope = integration.run("fetch_event", TRACKING, state=state)
        assert envelope["status"] == "Successful", envelope["error"]
        emitted += [i["id"] for i in envelope["items"]]
        state = envelope["data"]["checkpoint"]
        mark = state["sources"]["messageTracking"]["watermark"]
        assert mark <= (appliance.clock().replace(second=0)).strftime("%Y-%m-%dT%H:%M:00Z")
        appliance.clock_skew += 120
        host["now"] += timedelta(minutes=2)
    host["now"] = appliance.clock() + timedelta(minutes=6)  # the host set right, the look-back passed
    appliance.clock_skew += 360
    envelope = integration.run("fetch_event", TRACKING, state=state)
    emitted += [i["id"] for i in envelope["items"]]
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == expected


def test_fetch_event_watermark_in_the_appliances_future_is_refused(appliance):
    integration = Integration(appliance.connection(), clock=lambda: T + timedelta(hours=2))
    future = {"version": 1, "sources": {"messageTracking": {"watermark": "2026-11-20T13:30:00Z",
                                                            "seen_from": "2026-11-20T13:25:00Z", "seen": {}}}}
    envelope = integration.run("fetch_event", TRACKING, state=future)
    assert envelope["status"] == "Failed" and envelope["error"] == {
        "failure_indicator": "Fetch Event failed.", "status_code": None,
        "message": "The checkpoint's watermark 2026-11-20T13:30:00Z lies in the appliance's future (its clock reads "
                   "2026-11-20T12:30:00Z): it was not written by a run against this appliance, so it is not trusted; "
                   "move the state aside (or pass no state) to start afresh."}


def test_fetch_event_future_watermark_found_even_when_nothing_is_read(appliance):
    """The host is behind and the window ends before the watermark: one cheap read tells the time."""
    integration = Integration(appliance.connection(auth="basic"), clock=lambda: T)
    future = {"version": 1, "sources": {"messageTracking": {"watermark": "2026-11-21T12:30:00Z",
                                                            "seen_from": "2026-11-21T12:25:00Z", "seen": {}}}}
    envelope = integration.run("fetch_event", TRACKING, state=future)
    assert envelope["status"] == "Failed" and "lies in the appliance's future" in envelope["error"]["message"]
    assert [e["path"].rsplit("/", 1)[-1] for e in appliance.request_log] == ["privileges"]
