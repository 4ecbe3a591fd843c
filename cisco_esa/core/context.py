"""What a handler receives besides its params: the client, the clock, the checkpoint state,
and a helper to run one call per id concurrently with order kept."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable

from cisco_esa.asyncos.transport import Transport
from cisco_esa.core.outcome import CommandError, Item, OutcomeUnknown, TransportError

MAX_PARALLEL = 8


@dataclass
class Context:
    client: Transport
    clock: Callable[[], datetime]
    state: dict | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("cisco_esa.command"))
    progress: Callable[[int, int | None], None] | None = None

    def now(self) -> datetime:
        return self.clock()

    def for_each(self, ids: Iterable[Any], call: Callable[[Any], Any], parallel: int = MAX_PARALLEL) -> list[Item]:
        """One call per id, at most `parallel` at once; a CommandError fails only its own item.
        Writes pass parallel=1 so that a failure never races another write.

        Two guards: one login before any id (a wrong password is tried once, not once per id:
        accounts lock), and once a request got no answer at all (refused, unreachable, TLS) the
        ids left fail with that error instead of each waiting out its own timeout. A write whose
        outcome is unknown (OutcomeUnknown) does not stop the others: each id's outcome is its own."""
        ids = list(ids)
        if not ids:
            return []
        try:
            self.client.ensure_login()
        except CommandError as exc:
            return [Item(i, exc, None) for i in ids]
        unreachable: list[TransportError] = []

        def one(item_id):
            if unreachable:
                return Item(item_id, unreachable[0], None)
            try:
                return Item(item_id, None, call(item_id))
            except OutcomeUnknown as exc:
                return Item(item_id, exc, None)
            except TransportError as exc:
                unreachable.append(exc)
                return Item(item_id, exc, None)
            except CommandError as exc:
                return Item(item_id, exc, None)

        if parallel <= 1 or len(ids) <= 1:
            return [one(i) for i in ids]
        with ThreadPoolExecutor(max_workers=min(parallel, len(ids))) as pool:
            return list(pool.map(one, ids))
