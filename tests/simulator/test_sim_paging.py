"""Pages are slices of one ordering whatever the offset: same rows as filtering the whole window,
and a change to the world shows on the next page (the filtered window kept between pages is dropped)."""

from datetime import timedelta

import pytest

from esa_simulator.filters import QUARANTINE_ORDERS, tracking_predicate
from esa_simulator.world import World

from .conftest import NOW

START = int(NOW.timestamp()) - 2 * 86400
END = int(NOW.timestamp()) + 60


@pytest.fixture
def world():
    return World("esa", 5, NOW, tracking_count=700, quarantine_count=90)


def _expected(world, pred):
    return [r for r in reversed(world.tracking) if START <= r["_ts"] < END and (pred is None or pred(r))]


@pytest.mark.parametrize("query", [{}, {"messageDirection": ["incoming"]}, {"spamPositive": ["true"]},
                                   {"subjectfilterOperator": ["contains"], "subjectfilterValue": ["re"]}])
def test_tracking_pages_are_slices_of_the_filtered_window(world, query):
    pred = tracking_predicate(query)
    expected = _expected(world, pred)
    assert len(expected) > 20
    for offset, limit in ((0, 100), (7, 13), (len(expected) - 5, 100), (len(expected), 10), (10**6, 100)):
        page = world.search_tracking(START, END, pred, offset, limit, key=pred.key if pred else None)
        assert page == expected[offset:offset + limit]
        # without a key nothing is kept, and the answer is the same
        assert world.search_tracking(START, END, pred, offset, limit) == page


def test_tracking_page_after_a_change_shows_it(world):
    pred = tracking_predicate({"subjectfilterOperator": ["is"], "subjectfilterValue": ["fresh one"]})
    assert world.search_tracking(START, END, pred, 0, 100, key=pred.key) == []
    world.add_tracking_message(subject="fresh one", timestamp=NOW - timedelta(minutes=3))
    assert [r["subject"] for r in world.search_tracking(START, END, pred, 0, 100, key=pred.key)] == ["fresh one"]


@pytest.mark.parametrize("order_by", sorted(QUARANTINE_ORDERS))
@pytest.mark.parametrize("descending", [True, False])
def test_quarantine_pages_follow_one_ordering(world, order_by, descending):
    rows = world.quarantine_window(START, END)  # newest first: ties keep this order
    if order_by == "date":
        expected = rows if descending else rows[::-1]
    else:
        expected = sorted(rows, key=QUARANTINE_ORDERS[order_by], reverse=descending)
    for offset, limit in ((0, 250), (3, 11), (len(expected) - 2, 250)):
        assert world.search_quarantine(START, END, None, order_by, descending, offset, limit) == \
            expected[offset:offset + limit]
    released = expected[0]["mid"]
    world.release_or_delete([released])
    assert released not in [q["mid"] for q in world.search_quarantine(START, END, None, order_by, descending, 0, 250)]
