"""The read fault matrix, end to end against the simulator's fault injection: every read command
and fetch_event × every fault of tests/reliability/matrix.py, whole triplets, tries counted in
the simulator's request log, logins counted, the retry waits the client asked for; and
docs/reliability.md checked against the same matrix."""

from __future__ import annotations

import pytest

from cisco_esa.core import resources
from cisco_esa.integration import Integration
from cisco_esa.core.registry import manifest
from esa_simulator import Simulator
from tests.conftest import FROZEN_NOW
from tests.reliability.matrix import (
    BUDGET_TRIES,
    READ_COMMANDS,
    READ_EXEMPT,
    READ_FAULTS,
    READ_HEADER,
    TIME_COLUMN,
    WRITE_COMMANDS,
    WRITE_FAULTS,
    WRITE_WORLD,
    expected_read,
    host_of,
    promised_read_row,
    promised_write_row,
    recorded_sleeps,
    run_read_cell,
    table_cells,
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
    triplet = expected_read(command, fault, host=host_of(sim), indicator=manifest().commands[command.id].failure_indicator)
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
    # an offline command sends nothing to fault; the exempt ones are tested where READ_EXEMPT says
    reads = {c.id for c in manifest().commands.values() if c.read_only and not c.offline} - set(READ_EXEMPT)
    assert {c.id for c in READ_COMMANDS} == reads
    assert "fetch_event" in reads


def test_read_fault_matrix_transient_faults_stay_inside_the_retry_budget():
    for fault in READ_FAULTS:
        if fault.status == "Successful":
            assert fault.tries <= BUDGET_TRIES, fault.id
        elif fault.tries > 1:
            assert fault.inject.get("count", 1) > BUDGET_TRIES - 1, fault.id


# ---------------------------------------------------------------- docs/reliability.md
def _doc_rows(text: str, heading: str) -> list[list[str]]:
    """The data rows of every table under `heading` (up to the next heading) with the time cell blanked."""
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [table_cells(line) for line in section.splitlines() if line.startswith("| `")]
    return [row for row in rows if len(row) == len(READ_HEADER)]


def _untimed(row: list[str]) -> list[str]:
    return row[:TIME_COLUMN] + row[TIME_COLUMN + 1:]


def test_docs_reliability_md_rows_match_the_matrix():
    text = (resources.BUNDLE / "docs" / "reliability.md").read_text()
    regenerate = "docs/reliability.md is out of date with tests/reliability/matrix.py: run scripts/reliability_report.py"
    reads = _doc_rows(text, "## Reads:")
    assert [_untimed(r) for r in reads] == [_untimed(promised_read_row(c, f)) for c in READ_COMMANDS
                                            for f in READ_FAULTS], regenerate
    world = Simulator(appliance="esa", seed=1, now=FROZEN_NOW, **WRITE_WORLD).world  # not started: plans only
    writes = _doc_rows(text, "## Writes")
    assert [_untimed(r) for r in writes] == [_untimed(promised_write_row(c, f, c.plan(world)))
                                             for c in WRITE_COMMANDS for f in WRITE_FAULTS], regenerate
    assert "## Observations that differ from the matrix" not in text
