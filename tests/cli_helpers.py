"""Running the command line in-process against the session simulator, on the frozen clock of
tests/conftest.py, so that relative times (`-1h`, `now`) and so every output are the same each run."""

from __future__ import annotations

import functools
import re

import pytest

from cisco_esa import cli
from cisco_esa import integration as integration_module
from tests.conftest import FROZEN_NOW

# The simulator listens on a free port; documents and expected outputs show a fixed one.
PORT = re.compile(r"(127\.0\.0\.1|localhost):\d+")


def normalize_port(text: str) -> str:
    return PORT.sub(r"\1:6080", text)


def point_cli_at(monkeypatch, sim):
    """`cli.main` as a user runs it against `sim`: its connection in the environment (as the README
    tells), no other connection setting, and the Integration on the frozen clock."""
    for _cid, _flag, env in cli.CONNECTION_FLAGS:
        monkeypatch.delenv(env, raising=False)
    conn = sim.connection()
    monkeypatch.setenv("CISCO_ESA_SERVER_URL", conn["server_url"])
    monkeypatch.setenv("CISCO_ESA_USERNAME", conn["username"])
    monkeypatch.setenv("CISCO_ESA_PASSWORD", conn["password"])
    monkeypatch.delenv("NO_COLOR", raising=False)
    frozen = functools.partial(integration_module.Integration, clock=lambda: FROZEN_NOW)
    monkeypatch.setattr(integration_module, "Integration", frozen)
    return sim


@pytest.fixture
def frozen_cli(monkeypatch, sim):
    """The CLI against the session simulator."""
    return point_cli_at(monkeypatch, sim)


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own exits (usage errors, --version)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err
