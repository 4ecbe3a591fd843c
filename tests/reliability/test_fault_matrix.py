"""The read fault matrix, end to end against the simulator's fault injection: every read command
and fetch_event × every fault of tests/reliability/matrix.py, whole triplets, tries counted in
the simulator's request log, logins counted, the retry waits the client asked for."""

from __future__ import annotations

import pytest

from cisco_esa.integration import Integration
from cisco_esa.manifest import manifest
from tests.conftest import FROZEN_NOW
from tests.reliability.matrix import (
    BUDGET_TRIES,
    READ_COMMANDS,
    READ_FAULTS,
    expected_read,
    host_of,
    recorded_sleeps,
    run_read_cell,
)


def clock():
    return FROZEN_NOW


@pytest.fixture
def sleeps():
    """urllib3's retry waits recorded, not slept: the schedule is asserted, not the wall clock
    (test_client.py proves once, over real time, that a Retry-After is waited out)."""
    with recorded_sleeps(real=False) as log:
        yield log


CELLS = [pytest.param(c, f, id=f"{c.key}-{f.id}") for c in READ_COMMANDS for f in READ_FAULTS]


@pytest.mark.parametrize("command,fault", CELLS)
def test_read_commands_under_injected_fault_outcome_as_in_matrix(sim, sleeps, command, fault):
    observed = run_read_cell(sim, command, fault, clock, sleeps)
    envelope = observed.envelope
    triplet = expected_read(command, fault, host=host_of(sim), path=observed.path,
                            indicator=manifest().commands[command.id].failure_indicator)
    assert (envelope["status"], envelope["error"]) == (fault.status, triplet)
    if command.per_item:
        params = command.params(sim.world)
        [item_id] = params.get("message_ids") or params["quarantine_message_ids"]
        assert envelope["items"] == [{"id": item_id, "status": fault.status, "error": triplet}]
    elif fault.status == "Failed":
        assert envelope["items"] == []  # fetch_event: one item per event, none when the run failed
    # retried within bounds: never more than the budget, each try visible at the appliance
    assert observed.tries == fault.tries <= BUDGET_TRIES
    assert observed.statuses == fault.answers
    assert tuple(observed.sleeps) == fault.sleeps
    # a stale token is renewed exactly once; nothing else logs in again
    assert observed.logins == fault.logins
    if fault.status == "Successful":
        # the retried run returns exactly what an undisturbed run returns
        assert sim.faults.pending() == []
        clean = Integration(sim.connection(), clock=clock).run(command.id, command.params(sim.world))
        assert envelope == clean


def test_read_fault_matrix_covers_every_read_command_and_fetch():
    reads = {c.id for c in manifest().commands.values() if c.read_only}
    assert {c.id for c in READ_COMMANDS} == reads
    assert "fetch_event" in reads


def test_read_fault_matrix_transient_faults_stay_inside_the_retry_budget():
    for fault in READ_FAULTS:
        if fault.status == "Successful":
            assert fault.tries <= BUDGET_TRIES, fault.id
        elif fault.tries > 1:
            assert fault.inject.get("count", 1) > BUDGET_TRIES - 1, fault.id
