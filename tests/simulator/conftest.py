"""Fixtures for the simulator's own tests: simulators on free loopback ports, a fixed clock."""

from datetime import datetime, timezone

import pytest
import requests

from esa_simulator import Simulator

NOW = datetime(2024, 5, 20, 12, 0, 30, tzinfo=timezone.utc)


class Api:
    """A thin requests wrapper that prefixes the appliance base path and sends Basic auth."""

    def __init__(self, sim, user="admin"):
        self.sim = sim
        self.base = f"{sim.url}/{sim.appliance}/api/v2.0/"
        self.session = requests.Session()
        self.session.auth = (user, sim.users[user]["password"])

    def get(self, path, params=None, **kw):
        return self.session.get(self.base + path, params=params, timeout=10, **kw)

    def post(self, path, json=None, **kw):
        return self.session.post(self.base + path, json=json, timeout=10, **kw)

    def delete(self, path, json=None, **kw):
        return self.session.delete(self.base + path, json=json, timeout=10, **kw)


@pytest.fixture(scope="session")
def esa():
    """A read-mostly ESA shared by tests that do not change state."""
    with Simulator(appliance="esa", seed=7, now=NOW) as sim:
        yield sim


@pytest.fixture(scope="session")
def sma():
    with Simulator(appliance="sma", seed=7, now=NOW) as sim:
        yield sim


@pytest.fixture
def fresh():
    """A small ESA of one's own, for tests that change state or inject faults."""
    with Simulator(appliance="esa", seed=3, now=NOW, tracking_count=400, quarantine_count=60) as sim:
        yield sim


@pytest.fixture
def api(esa):
    return Api(esa)


@pytest.fixture
def sma_api(sma):
    return Api(sma)


@pytest.fixture
def fresh_api(fresh):
    return Api(fresh)
