"""Adding and removing values in a configuration object (sender group, dictionary, URL or file-hash
list, policy users): each value its own item, the write confirmed by `data.message`, then read
back. Where the appliance only replaces a list whole (§16.3-§16.5), another administrator's change
made between our read and our write would be lost, or would undo ours: the read-back shows it, and
the merge is redone from what the appliance now holds, a bounded number of times."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from cisco_esa.asyncos.parsers.config import confirmation
from cisco_esa.asyncos.transport import Response
from cisco_esa.core.outcome import CommandError, Item, OutcomeUnknown

ATTEMPTS = 3
_UNREAD = object()


@dataclass
class Edit:
    items: list[Item]
    state: Any                      # the object as last read back
    responses: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    writes: int = 0
    changed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def edit(values: list[str], *, read: Callable[[], Any], holds: Callable[[Any, Any], bool],
         write: Callable[[Any, list], Response], what: str, done: str, already: str,
         attempts: int = ATTEMPTS, initial: Any = _UNREAD) -> Edit:
    """`read()` -> the object's state (None: it does not exist); `holds(state, value)`: is the wish
    for `value` already true; `write(state, pending)` -> the confirmed write that makes it true for
    `pending` from `state` (raises CommandError to refuse). `done`/`already`: the words for a value
    changed now / found as wished ("added" / "already present"); `initial`: the state when the caller
    has just read it."""
    state = read() if initial is _UNREAD else initial
    unchanged = [v for v in values if holds(state, v)]
    pending = [v for v in values if not holds(state, v)]
    out = Edit(items=[], state=state, unchanged=unchanged)
    error: CommandError | None = None
    while pending and out.writes < attempts:
        try:
            resp = write(state, pending)
        except CommandError as exc:
            if exc.raw is not None:  # the appliance's refusal; a refusal of ours sent nothing
                out.responses.append({"request": out.writes + 1, "status": exc.status_code, "body": exc.raw})
            error = exc
            break
        out.writes += 1
        out.responses.append({"request": out.writes, "status": resp.status, "body": resp.body})
        try:
            confirmed = confirmation(resp.status, resp.body, what)
        except CommandError as exc:
            error = exc
            break
        if confirmed["warning"]:
            out.warnings.append(confirmed["warning"])
        try:
            state = read()
        except CommandError as exc:
            error = OutcomeUnknown(f"The appliance confirmed the change to {what}, but reading it back failed "
                                   f"({exc.message}): check it before trying again.")
            break
        out.changed += [v for v in pending if holds(state, v)]
        pending = [v for v in pending if not holds(state, v)]
    if pending and error is None:
        error = CommandError(f"{what} was changed by someone else while it was being written: after {attempts} "
                             f"writes it still does not hold the change; try again.", 200)
    out.state = state
    words = {v: done for v in out.changed} | {v: already for v in unchanged}
    out.items = [Item(v, None if v in words else error, data={"value": v, "result": words.get(v)},
                      sent=v not in unchanged) for v in values]
    return out


def counts(result: Edit, done: str, already: str) -> dict:
    failed = [i.id for i in result.items if not i.ok and not isinstance(i.error, OutcomeUnknown)]
    unknown = [i.id for i in result.items if isinstance(i.error, OutcomeUnknown)]
    return {done: list(result.changed), already: list(result.unchanged), "failed": failed, "outcome_unknown": unknown,
            "counts": {"requested": len(result.items), done: len(result.changed), already: len(result.unchanged),
                       "failed": len(failed), "outcome_unknown": len(unknown)}}
