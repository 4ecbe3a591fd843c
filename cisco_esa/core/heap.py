"""The cyclic garbage collector around a run that builds many long-lived objects (a large fetch's
rows, events and items). Off while the run reads: it would walk everything the run keeps, again
and again as the heap grows (most of a large fetch's CPU), and a run makes next to no cycles.

Turning it back on is not the end of the cost: every object made while it was off counts as young,
so the first allocation after would walk them all at once. When the run left many behind, they are
handed to the oldest generation directly (gc.freeze then gc.unfreeze: two list splices, no walk),
where a full collection sees them if they are still alive by then; most are freed by their
reference counts first, when the caller drops the result. A process that froze its own objects
(gc.get_freeze_count() > 0, a pre-fork server) is left as it is: unfreezing would undo that."""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

# Young objects past which a paused run's leftovers go to the oldest generation unwalked; below
# it the next young collection walks them as usual (a command's few hundred objects).
PROMOTE_FROM = 20_000


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the block, restored as it was; nested blocks leave it to the outer."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_count()[0] >= PROMOTE_FROM and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
