"""Writes under ambiguous failure: for every write, a dropped connection, a stall past the timeout
and a 502/503/504 on the first item's request. Exactly one request per item (request log), the
envelope files that item under outcome_unknown or failed, the others go through, and the
simulator's state shows nothing done twice."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from cisco_esa.integration import Integration
from cisco_esa.core.registry import manifest
from esa_simulator import Simulator
from tests.conftest import FROZEN_NOW
from tests.reliability.matrix import (
    STALL_TIMEOUT,
    WRITE_COMMANDS,
    WRITE_WORLD,
    WRITE_FAULTS,
    body_targets,
    calls,
    expected_write_state,
    host_of,
    run_write_cell,
    wait_for_calls,
    write_triplet,
)


def clock():
    return FROZEN_NOW


def per_target(bodies) -> Counter:
    """How many requests named each target, one target per request."""
    out: Counter = Counter()
    for body in bodies:
        [target] = body_targets(body)
        out[target] += 1
    return out


@pytest.fixture(scope="module")
def small_session():
    with Simulator(appliance="esa", seed=1, now=FROZEN_NOW, **WRITE_WORLD) as sim:
        yield sim


@pytest.fixture
def small(small_session):
    small_session.reset()
    return small_session


CELLS = [pytest.param(c, f, id=f"{c.key}-{f.id}") for c in WRITE_COMMANDS for f in WRITE_FAULTS]


@pytest.mark.parametrize("command,fault", CELLS)
def test_write_commands_ambiguous_failure_one_request_per_item_nothing_twice(small, command, fault):
    observed, plan = run_write_cell(small, command, fault, clock)
    envelope = observed.envelope
    triplet = write_triplet(command, fault, host=host_of(small), indicator=manifest().commands[command.id].failure_indicator)
    first, rest = plan.targets[0], plan.targets[1:]
    assert envelope["error"] == triplet
    if command.per_item:
        assert envelope["status"] == "Partially Successful"
        assert envelope["items"] == ([{"id": first, "status": "Failed", "error": triplet}]
                                     + [{"id": t, "status": "Successful", "error": None} for t in rest])
        filed, other = ("outcome_unknown", "failed") if fault.unknown else ("failed", "outcome_unknown")
        assert envelope["data"][filed] == [first] and envelope["data"][other] == []
        assert envelope["data"]["counts"][filed] == 1
        # exactly one request per item: the faulted one was never sent again (the log is in answer
        # order, and a stalled request is answered last)
        assert per_target(observed.extra["bodies"]) == Counter(plan.targets)
    else:
        assert (envelope["status"], envelope["items"]) == ("Failed", [])
        [body] = observed.extra["bodies"]
        assert body_targets(body) == plan.targets
    first_answer = {"drop": None, "stall": 200}.get(fault.id, fault.status_code)
    assert observed.statuses == [first_answer] + [200] * (len(observed.statuses) - 1)
    # what the simulator holds: the faulted item applied once (stall) or not at all, the others once
    assert plan.probe(small.world) == expected_write_state(plan, command, fault)


@pytest.mark.parametrize("fault", WRITE_FAULTS, ids=[f.id for f in WRITE_FAULTS])
def test_release_spam_quarantine_messages_ambiguous_failure_then_rerun_never_releases_twice(small, fault):
    """What a playbook does next: it runs the release again for the unknown id. A release that did
    land (stall) is now a 404 item; one that did not lands now; either way released once in all."""
    command = WRITE_COMMANDS[0]
    assert command.id == "release_spam_quarantine_messages"
    observed, plan = run_write_cell(small, command, fault, clock)
    first = plan.targets[0]
    again = Integration(small.connection(), clock=clock).run(command.id, {"quarantine_message_ids": [first]})
    if fault.applied:
        assert again["status"] == "Failed" and again["data"]["not_found"] == [first]
        assert again["error"]["status_code"] == 404
    else:
        assert again["status"] == "Successful" and again["data"]["released"] == [first]
    assert first not in small.world.quarantine_mids()
    posts = calls(small, "quarantine/messages", "POST")
    assert per_target(json.loads(e["body"]) for e in posts) == Counter(plan.targets) + Counter([first])
    # HTTP answers for `first`: the stalled one (carried out) and the rerun (count 0, the 404 item);
    # or the rerun alone, when the dropped or 5xx request was never carried out
    answered = [e for e in posts if json.loads(e["body"])["mids"] == [first] and e["status"] == 200]
    assert len(answered) == (2 if fault.applied else 1)


def test_block_email_addresses_post_dropped_lookup_read_once_never_reposted(small):
    """Block Email Addresses reads the recipient view (a GET, retryable) then writes; a drop on the
    write must not make it read again or post again."""
    command = next(c for c in WRITE_COMMANDS if c.id == "block_email_addresses")
    fault = next(f for f in WRITE_FAULTS if f.id == "drop")
    observed, plan = run_write_cell(small, command, fault, clock)
    assert len(calls(small, "quarantine/blocklist", "GET")) == 1
    assert len(calls(small, "quarantine/blocklist", "POST")) == len(plan.targets)


def test_release_spam_quarantine_messages_stall_late_answer_not_retried_after_timeout(small):
    """After the timeout the client gives up on the stalled POST; the simulator answers it later,
    and no second POST for that id ever follows (waited past the stall)."""
    command = WRITE_COMMANDS[0]
    fault = next(f for f in WRITE_FAULTS if f.id == "stall")
    observed, plan = run_write_cell(small, command, fault, clock)
    posts = wait_for_calls(small, "quarantine/messages", "POST", len(plan.targets) + 1, deadline=2 * STALL_TIMEOUT)
    assert per_target(json.loads(e["body"]) for e in posts) == Counter(plan.targets)
