"""Shared fixtures: the built-in simulator on a free loopback port (started once per session),
an Integration wired to it with a frozen clock, and golden-sample comparison."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cisco_esa.core import resources
from cisco_esa.integration import Integration

# The world of the session simulator is built around this instant, and every Integration
# of the tests runs on this clock, so that golden samples never drift with the date.
FROZEN_NOW = datetime(2026, 11, 20, 12, 30, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session", autouse=True)
def _own_validation_cache(tmp_path_factory):
    """The run keeps its record of schemas found valid (core/validcache.py) to itself, out of the
    user's cache; the CLI children of the tests inherit it."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite sample_outputs/*.json from this run instead of comparing")


@pytest.fixture(scope="session")
def regen_golden(request) -> bool:
    return request.config.getoption("--regen-golden")


def _start(appliance: str, **kw):
    from esa_simulator import Simulator

    sim = Simulator(appliance=appliance, seed=1, now=FROZEN_NOW, **kw)
    sim.start()
    return sim


@pytest.fixture(scope="session")
def sim_session():
    sim = _start("esa")
    yield sim
    sim.stop()


@pytest.fixture
def sim(sim_session):
    """The ESA simulator, reset to its seeded world before each test (state, faults, log)."""
    sim_session.reset()
    return sim_session


@pytest.fixture(scope="session")
def sma_session():
    sim = _start("sma")
    yield sim
    sim.stop()


@pytest.fixture
def sma(sma_session):
    sma_session.reset()
    return sma_session


@pytest.fixture(scope="session")
def tls_session():
    """An ESA simulator speaking HTTPS with its own CA (trustme: the `tls` extra), started once."""
    sim = _start("esa", tls=True, tracking_count=300, quarantine_count=20)
    yield sim
    sim.stop()


@pytest.fixture
def tls_sim(tls_session):
    """The TLS simulator, reset before each test: its request log must not depend on which tests
    ran before (the suite runs in random order)."""
    tls_session.reset()
    return tls_session


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A copy of the package's declarative parts that a test may break."""
    root = tmp_path / "bundle"
    root.mkdir()
    shutil.copy(resources.MANIFEST, root / "integration.yaml")
    for folder in ("schemas", "commands", "field_mappings"):
        shutil.copytree(resources.BUNDLE / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def integration(sim):
    return Integration(sim.connection(), clock=lambda: FROZEN_NOW)


@pytest.fixture
def sma_integration(sma):
    return Integration(sma.connection(), clock=lambda: FROZEN_NOW)
