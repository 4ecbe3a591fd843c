"""The collector pause around a run (core/heap): restored as it was, the run's leftovers handed to
the oldest generation unwalked, cycles still collected, a process's own freeze respected."""

from __future__ import annotations

import gc
import weakref

import pytest

from cisco_esa.core.heap import PROMOTE_FROM, collector_paused


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


class Node:
    def __init__(self):
        self.me = self


def test_heap_pause_restores_the_collector_as_it_was(collector_on):
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the outer one decides
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_heap_a_large_run_leaves_no_young_objects_to_walk(collector_on):
    """Turned back on, the collector does not start by walking everything the run made: the next
    allocations (fewer than its young threshold) start no collection."""
    started = []

    def note(phase, info):
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(note)
    try:
        with collector_paused():
            kept = [{"row": [i]} for i in range(PROMOTE_FROM * 2)]  # holding a list: tracked
            assert gc.get_count()[0] >= PROMOTE_FROM
        after = [[] for _ in range(gc.get_threshold()[0] // 2)]
    finally:
        gc.callbacks.remove(note)
    assert started == [] and after
    assert gc.is_tracked(kept[0]) and gc.get_freeze_count() == 0  # still the collector's, not frozen


def test_heap_a_cycle_made_in_a_paused_run_is_still_collected(collector_on):
    with collector_paused():
        padding = [[] for _ in range(PROMOTE_FROM * 2)]  # lists: tracked, so counted
        ref = weakref.ref(Node())
        assert ref() is not None  # the cycle outlives its last reference while the collector is off
        assert gc.get_count()[0] >= PROMOTE_FROM  # so it is promoted with the rest
    del padding
    gc.collect()
    assert ref() is None


def test_heap_a_process_that_froze_its_objects_stays_frozen(collector_on):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            padding = [[] for _ in range(PROMOTE_FROM * 2)]  # lists: tracked, so counted
            assert gc.get_count()[0] >= PROMOTE_FROM
        # not unfrozen (that would leave none frozen); some of the frozen may have been freed meanwhile
        assert 0 < gc.get_freeze_count() <= frozen and padding
    finally:
        gc.unfreeze()
