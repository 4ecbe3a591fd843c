"""Smoke test: the simulator starts, answers an authenticated call and stops."""

import requests

from esa_simulator import Simulator


def test_simulator_starts_and_answers_privileges():
    with Simulator(tracking_count=50, quarantine_count=10) as sim:
        r = requests.get(f"{sim.url}/esa/api/v2.0/login/privileges", auth=(sim.username, sim.password), timeout=5)
        assert r.status_code == 200
        assert "e_message_tracking_messages" in r.json()["data"]
