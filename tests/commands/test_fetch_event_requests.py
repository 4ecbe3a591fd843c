"""Fetch Event counts its requests (issue 12, goal 2): any run, capped or not, sends at most
ceil(rows read / page size) + 2 pages plus the login, as the simulator's request log shows."""

from __future__ import annotations

import math

import pytest

from cisco_esa.integration import Integration
from esa_simulator import Simulator
from tests.conftest import FROZEN_NOW

SOURCES = {"Message Tracking": ("message-tracking/messages", 100),
           "Spam Quarantine": ("quarantine/messages", 100)}


@pytest.fixture(scope="module")
def world():
    sim = Simulator(now=FROZEN_NOW, tracking_count=4000, quarantine_count=900).start()
    yield sim
    sim.stop()


@pytest.mark.parametrize("source", list(SOURCES))
@pytest.mark.parametrize("window,cap,concurrency", [
    ("-1h", 100_000, 4), ("-6h", 1000, 4), ("-2d", 250, 4), ("-2d", 1000, 1), ("-4d", 1000, 4),
    ("-4d", 3000, 2), ("-4d", 100_000, 4)])
def test_every_run_reads_at_most_its_rows_in_pages_plus_two(world, source, window, cap, concurrency):
    world.reset()
    path, limit = SOURCES[source]
    integration = Integration(world.connection(), clock=lambda: FROZEN_NOW)
    state, emitted, runs = None, [], 0
    while True:
        world.clear_log()
        rows = [0]
        envelope = integration.run("fetch_event", {
            "messages_source": source, "start_time": window, "end_time": "now", "max_events": cap,
            "concurrency": concurrency}, state=state, progress=lambda done, _total: rows.append(done))
        assert envelope["status"] == "Successful", envelope["error"]
        log = world.request_log
        pages = [r for r in log if r["path"].endswith(path)]
        logins = [r for r in log if r["path"].endswith("/login")]
        assert len(pages) == envelope["data"]["requests"]
        assert len(pages) <= math.ceil(rows[-1] / limit) + 2, (runs, len(pages), rows[-1])
        assert len(logins) <= 1 and len(log) == len(pages) + len(logins)
        emitted += [i["id"] for i in envelope["items"]]
        state = envelope["data"]["checkpoint"]
        runs += 1
        if not envelope["data"]["more"]:
            break
        assert runs < 200
    assert len(emitted) == len(set(emitted))
