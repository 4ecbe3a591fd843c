"""Release PVO Quarantine Messages: for each id, one POST quarantine/messages (action release) per
quarantine it is released from, in turn and never resent (ext §14.4). Without a quarantine_name the
message's own quarantines are read from its details first; a message held in several is released
(delivered) only once released from all, and each result says where it still sits.

`act` is the shared logic of the four PVO writes (release, delete, move, send copy)."""

from __future__ import annotations

from typing import Callable

from cisco_esa.asyncos.parsers import pvo
from cisco_esa.asyncos.transport import Response
from cisco_esa.core.outcome import CommandError, NotFound, OutcomeUnknown, Result, TransportError, responses, summarize


def run(params, ctx):
    return act(params, ctx, "release", "released", ctx.api.release_pvo)


def act(params: dict, ctx, action: str, done: str, call: Callable[[int, str], Response], *,
        choose: Callable[[list[str]], list[str]] = lambda names: names, stays: bool = False,
        arrives: str | None = None) -> Result:
    """`call(mid, quarantine)` for each quarantine `choose` keeps of the given or held ones.
    `stays`: the message stays where it is (send copy); `arrives`: where it ends up (move)."""
    given = params.get("quarantine_name")
    trail: dict[int, dict] = {}

    def request(mid):
        record = trail[mid] = {"mid": mid, "held_in": None, "quarantines": [], "still_in": None}
        if given:
            names = [given]
        else:
            record["held_in"] = pvo.held_in(ctx.api.pvo_details(mid).body)
            if not record["held_in"]:
                raise NotFound(f"Message ID {mid} not found.")
            names = choose(record["held_in"])
        answers, last = [], None
        for name in names:
            try:
                last = call(mid, name)
                pvo.action_count(last.body, mid, name)
                record["quarantines"].append({"quarantine": name, "outcome": done, "message": None})
            except NotFound as exc:
                last = Response(200, exc.raw, {})
                record["quarantines"].append({"quarantine": name, "outcome": "not_held", "message": exc.message})
            except CommandError as exc:
                unknown = isinstance(exc, OutcomeUnknown)
                record["quarantines"].append({"quarantine": name, "outcome": "outcome_unknown" if unknown else "failed",
                                              "message": exc.message})
                if isinstance(exc, TransportError):
                    raise  # no answer: the quarantines left are not tried (and for_each stops)
                last = Response(exc.status_code, exc.raw, {})
            answers.append({"quarantine": name, "status": last.status, "body": last.body})
        if record["held_in"] is not None:
            acted = {q["quarantine"] for q in record["quarantines"] if q["outcome"] == done}
            left = record["held_in"] if stays else [n for n in record["held_in"] if n not in acted]
            record["still_in"] = list(dict.fromkeys(left + ([arrives] if arrives and acted else [])))
        return Response(last.status if last else 200, {"answers": answers}, {})

    def outcome(_body, mid):
        record = trail[mid]
        results = record["quarantines"]
        ok = [q["quarantine"] for q in results if q["outcome"] == done]
        missing = [q["quarantine"] for q in results if q["outcome"] == "not_held"]
        bad = [q for q in results if q["outcome"] == "failed"]
        if bad:
            where = f"; it is still in {', '.join(record['still_in'])}" if record["still_in"] else ""
            first = f"Message ID {mid} was {done} from {', '.join(ok)} but not from" if ok else \
                f"Message ID {mid} was not {done} from"
            raise CommandError(f"{first} {bad[0]['quarantine']}: {bad[0]['message'].rstrip('.')}{where}.",
                               next(a["status"] for a in _body["answers"] if a["quarantine"] == bad[0]["quarantine"]))
        if missing and not ok:
            raise NotFound(f"Message ID {mid} is not in the {', '.join(missing)} quarantine"
                           f"{'s' if len(missing) > 1 else ''}.")
        return record  # with no quarantine to act on (a move to where it already is) there is nothing to fail

    items = ctx.for_each(params["quarantine_message_ids"], request, outcome, parallel=1)
    data = {"action": action, "quarantine_name": given, "results": [trail[i.id] for i in items if i.id in trail],
            **summarize(items, done, writes=True)}
    return Result(data=data, raw_data=responses(items, "mid"), items=items)
