"""What a handler receives besides its params: the appliance's API, the clock, the checkpoint
state, and `for_each`, which runs one request per id with the guards every multi-id command needs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable

from cisco_esa.core.outcome import ApplianceError, CommandError, Item, NotSent, OutcomeUnknown, TransportError

MAX_PARALLEL = 8


@dataclass
class Context:
    api: Any  # cisco_esa.asyncos.api.AsyncOS: typed loosely, the core imports nothing above it
    clock: Callable[[], datetime]
    state: dict | None = None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("cisco_esa.command"))
    progress: Callable[[int, int | None], None] | None = None
    # fetch_event streams its mapped events here, batch by batch, instead of keeping them (contract §4)
    events: Callable[[list, list], None] | None = None

    def now(self) -> datetime:
        return self.clock()

    def rows_read(self, count: int) -> None:
        """Progress of a paged read: rows so far, total unknown (the CLI prints it on stderr)."""
        if self.progress is not None:
            self.progress(count, None)

    def for_each(self, ids: Iterable[Any], request: Callable[[Any], Any],
                 parse: Callable[[Any, Any], Any] | None = None, parallel: int = MAX_PARALLEL) -> list[Item]:
        """For each id: `request(id)` (an API call returning a Response), then `parse(body, id)` for
        the item's data (the body itself without it). A CommandError fails only its own item, and
        each item keeps what the appliance answered. Writes pass parallel=1 so that a failure never
        races another write.

        Two guards: one login before any id (a wrong password is tried once, not once per id:
        accounts lock), and once a request got no answer at all (refused, unreachable, TLS) the
        ids left are not sent and say so (NotSent) instead of each waiting out its own timeout. A write whose
        outcome is unknown (OutcomeUnknown) does not stop the others: each id's outcome is its own."""
        ids = list(ids)
        if not ids:
            return []
        try:
            self.api.login()
        except CommandError as exc:
            return [Item(i, exc) for i in ids]
        unreachable: list[TransportError] = []

        def one(item_id):
            if unreachable:
                return Item(item_id, NotSent())
            item = Item(item_id, sent=True)
            answered = False
            try:
                resp = request(item_id)
                item.status, item.body, answered = resp.status, resp.body, True
                item.data = parse(resp.body, item_id) if parse else resp.body
            except CommandError as exc:
                item.error = exc
                if not answered and (isinstance(exc, ApplianceError) or exc.raw is not None):
                    item.status, item.body = exc.status_code, exc.raw  # the appliance's error answer
                if isinstance(exc, TransportError) and not isinstance(exc, OutcomeUnknown):
                    unreachable.append(exc)
            return item

        if parallel <= 1 or len(ids) <= 1:
            return [one(i) for i in ids]
        from concurrent.futures import ThreadPoolExecutor  # here: most commands and every start go without

        with ThreadPoolExecutor(max_workers=min(parallel, len(ids))) as pool:
            return list(pool.map(one, ids))
