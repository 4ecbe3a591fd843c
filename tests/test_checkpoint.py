"""The Fetch Event checkpoint: load/validate, where a run begins, merge (never replace) and
prune, serialization, and the CLI's --state file (written atomically, kept on failure)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from cisco_esa.fetch import checkpoint as ckpt
from cisco_esa.cli import main
from cisco_esa.core.outcome import InputError

UTC = timezone.utc
T = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
FIVE = timedelta(minutes=5)


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def test_checkpoint_none_or_empty_is_a_first_run():
    for state in (None, {}):
        cp = ckpt.load(state)
        assert cp.sources == {} and cp.dump() == {"version": 1, "sources": {}}
        assert cp.source("messageTracking").begin(at(-60), FIVE) == at(-60)


def test_checkpoint_dump_load_round_trip():
    cp = ckpt.Checkpoint({"spamQuarantine": ckpt.SourceCheckpoint(at(0), at(-5), {"783": at(-2), "781": at(-4)})})
    dumped = cp.dump()
    assert dumped == {"version": 1, "sources": {"spamQuarantine": {
        "watermark": "2026-11-20T12:30:00Z", "seen_from": "2026-11-20T12:25:00Z",
        "seen": {"781": "2026-11-20T12:26:00Z", "783": "2026-11-20T12:28:00Z"}}}}
    assert list(dumped["sources"]["spamQuarantine"]["seen"]) == ["781", "783"]  # sorted: stable files
    assert ckpt.load(json.loads(json.dumps(dumped))) == cp


def test_checkpoint_begin_is_latest_of_start_lookback_and_seen_from():
    cp = ckpt.SourceCheckpoint(at(0), at(-5), {})
    assert cp.begin(at(-60), FIVE) == at(-5)          # the look-back before the watermark
    assert cp.begin(at(-2), FIVE) == at(-2)           # a later start_time wins
    # a look-back that grew: the seen-set is complete only from seen_from, so no earlier
    assert cp.begin(at(-60), timedelta(minutes=30)) == at(-5)


def test_checkpoint_advance_merges_never_replaces_and_prunes_to_the_overlap():
    old = ckpt.SourceCheckpoint(at(0), at(-5), {"a": at(-4), "b": at(-1), "c": at(0.5)})
    new = old.advance(at(3), {"d": at(1), "e": at(2.5)}, FIVE)
    assert new.watermark == at(3) and new.seen_from == at(-2)
    # b, c survive from the old set (merged), a fell before the new overlap (pruned)
    assert new.seen == {"b": at(-1), "c": at(0.5), "d": at(1), "e": at(2.5)}
    assert old.seen == {"a": at(-4), "b": at(-1), "c": at(0.5)}  # the old checkpoint is untouched


def test_checkpoint_advance_watermark_never_moves_back():
    old = ckpt.SourceCheckpoint(at(0), at(-5), {"a": at(-1)})
    new = old.advance(at(-3), {"b": at(-3)}, FIVE)
    assert new.watermark == at(0) and new.seen == {"a": at(-1), "b": at(-3)}
    same = old.advance(None, {}, FIVE)
    assert same.watermark == at(0) and same.seen == old.seen


def test_checkpoint_advance_bigger_lookback_keeps_seen_from_until_it_catches_up():
    old = ckpt.SourceCheckpoint(at(0), at(-5), {"a": at(-4)})
    new = old.advance(at(10), {"b": at(9)}, timedelta(minutes=30))
    assert new.seen_from == at(-5) and new.seen == {"a": at(-4), "b": at(9)}
    later = new.advance(at(40), {}, timedelta(minutes=30))
    assert later.seen_from == at(10) and later.seen == {}


def test_checkpoint_seen_stays_small_over_many_runs():
    cp = ckpt.SourceCheckpoint()
    for run in range(200):
        emitted = {f"S:{run * 10 + i}": at(run + i / 10) for i in range(10)}
        cp = cp.advance(at(run + 1), emitted, FIVE)
    # only the last five minutes' ids remain: 5 runs x 10 events, plus the boundary minute
    assert len(cp.seen) <= 60 and min(cp.seen.values()) >= at(200 - 5)


@pytest.mark.parametrize("state,problem", [
    ("text", "expected an object, got str"),
    ({"version": 1, "sources": {}, "extra": 1}, "unknown key 'extra'"),
    ({"sources": {}}, "version None is not 1"),
    ({"version": 1, "sources": []}, "sources is not an object"),
    ({"version": 1, "sources": {"spamQuarantine": []}}, "sources.spamQuarantine is not an object"),
    ({"version": 1, "sources": {"spamQuarantine": {"cursor": 3}}}, "unknown key 'cursor'"),
    ({"version": 1, "sources": {"spamQuarantine": {"watermark": "2026-11-20T12:30:00"}}}, "watermark is not a UTC time"),
    ({"version": 1, "sources": {"spamQuarantine": {"watermark": "2026-11-20T12:30:10Z"}}}, "not on a whole minute"),
    ({"version": 1, "sources": {"spamQuarantine": {"seen": ["783"]}}}, "seen is not an object"),
    ({"version": 1, "sources": {"spamQuarantine": {"seen": {"783": 5}}}}, "is not a UTC time"),
    ({"version": 1, "sources": {"spamQuarantine": {"seen": {"x" * 300: "2026-11-20T12:30:00Z"}}}}, "longer than 256"),
])
def test_checkpoint_malformed_state_is_a_400_naming_the_problem(state, problem):
    with pytest.raises(InputError) as caught:
        ckpt.load(state)
    assert caught.value.status_code == 400
    assert problem in caught.value.message and caught.value.message.startswith("Invalid input: state: ")


def test_checkpoint_oversized_seen_is_refused():
    seen = {f"S:{i}": "2026-11-20T12:30:00Z" for i in range(ckpt.LOAD_MAX_SEEN + 1)}
    with pytest.raises(InputError, match="more than the 1000000"):
        ckpt.load({"version": 1, "sources": {"messageTracking": {"seen": seen}}})


@pytest.mark.parametrize("state,problem", [
    ({"version": True, "sources": {}}, "version True is not 1"),
    ({"version": 1, "sources": {"messageTracking": {"watermark": "0001-01-01T00:00:00Z"}}}, "outside 1990-2199"),
    ({"version": 1, "sources": {"messageTracking": {"seen": {"a": "9999-12-31T23:59:00Z"}}}}, "outside 1990-2199"),
])
def test_checkpoint_state_that_is_no_checkpoint_is_refused(state, problem):
    with pytest.raises(InputError, match=problem):
        ckpt.load(state)


def test_checkpoint_writer_never_writes_what_the_loader_refuses():
    """A busy look-back: more ids than the writer keeps. It keeps the newest whole minutes, moves
    seen_from forward (never past the watermark) and the result loads again."""
    base = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
    emitted = {f"S:{i}": base + timedelta(seconds=i // 50) for i in range(ckpt.MAX_SEEN + 5000)}
    mark = base + timedelta(hours=2)
    cp = ckpt.SourceCheckpoint().advance(mark, emitted, timedelta(hours=3))
    assert len(cp.seen) <= ckpt.MAX_SEEN and cp.seen_from <= mark
    assert cp.seen_from.second == 0 and min(cp.seen.values()) >= cp.seen_from
    # every id at or after seen_from is still there: the set is complete from seen_from on
    assert {k for k, t in emitted.items() if t >= cp.seen_from} == set(cp.seen)
    state = ckpt.Checkpoint({"messageTracking": cp}).dump()
    assert ckpt.load(state).source("messageTracking").seen_from == cp.seen_from


# -- the CLI's --state file ---------------------------------------------------------------
@pytest.fixture(scope="module")
def live_sim():
    """The CLI runs on the wall clock, so this simulator's world is built around now."""
    from esa_simulator import Simulator

    sim = Simulator(seed=3, tracking_count=600, quarantine_count=60).start()
    yield sim
    sim.stop()


def _cli(sim, state_path, capsys, *params):
    args = ["run", "fetch_event", "--server-url", sim.url, "--username", "admin", "--password", sim.password,
            "--state", str(state_path)]
    for p in params:
        args += ["--param", p]
    code = main(args)
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_checkpoint_cli_state_written_atomically_and_reused(live_sim, tmp_path, capsys):
    state = tmp_path / "fetch.state"
    code, first = _cli(live_sim, state, capsys, "messages_source=Spam Quarantine", "start_time=-2h", "end_time=now")
    assert code == 0 and first["status"] == "Successful"
    assert json.loads(state.read_text()) == first["data"]["checkpoint"]
    assert sorted(os.listdir(tmp_path)) == ["fetch.state", "fetch.state.lock"]  # no temporary file left behind
    code, second = _cli(live_sim, state, capsys, "messages_source=Spam Quarantine", "start_time=-2h", "end_time=now")
    assert code == 0 and second["data"]["query"]["from_checkpoint"] is True
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    # the tracking source joins the same file; the quarantine's checkpoint is carried over
    code, third = _cli(live_sim, state, capsys, "messages_source=Message Tracking", "start_time=-1h", "end_time=now")
    saved = json.loads(state.read_text())
    assert set(saved["sources"]) == {"messageTracking", "spamQuarantine"}
    assert saved["sources"]["spamQuarantine"] == second["data"]["checkpoint"]["sources"]["spamQuarantine"]


def test_checkpoint_cli_failed_run_leaves_the_state_file(live_sim, tmp_path, capsys):
    state = tmp_path / "fetch.state"
    _cli(live_sim, state, capsys, "messages_source=Spam Quarantine", "start_time=-2h", "end_time=now")
    before = state.read_bytes()
    live_sim.inject("quarantine/messages", "status", status=500, message="Internal error.")
    try:
        code, failed = _cli(live_sim, state, capsys, "messages_source=Spam Quarantine", "start_time=-2h",
                            "end_time=now")
    finally:
        live_sim.clear_faults()
    assert code == 1 and failed["status"] == "Failed" and failed["error"]["status_code"] == 500
    assert state.read_bytes() == before


def test_checkpoint_cli_corrupted_state_file_is_a_clear_error(live_sim, tmp_path, capsys):
    state = tmp_path / "fetch.state"
    state.write_text('{"version": 1, "sources": {"spamQuarantine": {"watermark": "soon"}}}')
    code, envelope = _cli(live_sim, state, capsys, "messages_source=Spam Quarantine", "start_time=-2h",
                          "end_time=now")
    assert code == 1 and envelope["error"]["status_code"] == 400
    assert "state: sources.spamQuarantine.watermark is not a UTC time" in envelope["error"]["message"]
    assert state.read_text().endswith('"soon"}}}')  # left as it was
    state.write_text("{not json")
    assert main(["run", "fetch_event", "--server-url", live_sim.url, "--username", "admin", "--password",
                 live_sim.password, "--state", str(state), "--param", "messages_source=Spam Quarantine",
                 "--param", "start_time=-2h", "--param", "end_time=now"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "start afresh" in captured.err
