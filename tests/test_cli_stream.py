"""`run fetch_event --output ndjson` streams (contract §4): events come out as they become final, and a
run that fails midway keeps, in its --state file, exactly the events it had already written."""

from __future__ import annotations

import json

import pytest

from cisco_esa import cli
from cisco_esa.fetch import engine
from esa_simulator import Simulator
from tests.cli_helpers import point_cli_at, run_cli
from tests.conftest import FROZEN_NOW

SOURCES = {"Spam Quarantine": "quarantine/messages", "Message Tracking": "message-tracking/messages"}


@pytest.fixture(scope="module")
def big_sim():
    sim = Simulator(now=FROZEN_NOW, tracking_count=1500, quarantine_count=1200).start()
    yield sim
    sim.stop()


@pytest.fixture
def env(monkeypatch, big_sim):
    big_sim.reset()
    return point_cli_at(monkeypatch, big_sim)


def _argv(source: str, state, cap: int, *more):
    return ["run", "fetch_event", "--param", f"messages_source={source}", "--param", "start_time=-30d",
            "--param", "end_time=now", "--param", f"max_events={cap}", "--state", str(state), *more]


@pytest.mark.parametrize("source", list(SOURCES))
def test_ndjson_failure_midway_keeps_exactly_the_written_events(capsys, env, monkeypatch, tmp_path, source):
    # the whole backlog in one json run: what the two ndjson runs below must print between them
    code, out, _ = run_cli(capsys, *_argv(source, tmp_path / "whole.json", 100_000))
    assert code == 0
    whole = [e["_item_id"] for e in json.loads(out)["data"]["events"]]
    assert len(whole) > 600
    env.reset()

    batches = []
    taken = cli._EventStream.take

    def take(self, mapped, raw):
        taken(self, mapped, raw)
        batches.append(len(mapped))
        if len(batches) == 2:  # the appliance fails the next page
            env.inject(SOURCES[source], "status", status=500, count=50, message="Internal error.")

    monkeypatch.setattr(cli._EventStream, "take", take)
    state = tmp_path / "state.json"
    # tracking is written slice by slice: a cap, and slices sized well under it, make several
    cap = 300 if source == "Message Tracking" else 100_000
    monkeypatch.setattr(engine, "SLACK", 0.3)
    code, out, err = run_cli(capsys, *_argv(source, state, cap, "--output", "ndjson"))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and "(status 500)" in err
    envelope, written = lines[-1], lines[:-1]
    assert envelope["status"] == "Failed" and "events" not in envelope["data"]
    assert len(written) == sum(batches) > 0
    assert [i["id"] for i in envelope["items"]] == [e["_item_id"] for e in written]
    assert [r["sourceType"] for r in envelope["raw_data"]["data"]] == [envelope["data"]["source"]] * len(written)
    assert json.loads(state.read_text()) == envelope["data"]["checkpoint"]

    env.clear_faults()
    monkeypatch.setattr(cli._EventStream, "take", taken)
    ids = [e["_item_id"] for e in written]
    for _ in range(20):
        code, out, _ = run_cli(capsys, *_argv(source, state, cap, "--output", "ndjson"))
        assert code == 0
        lines = [json.loads(line) for line in out.splitlines()]
        ids += [e["_item_id"] for e in lines[:-1]]
        if not lines[-1]["data"]["more"]:
            break
    assert len(ids) == len(set(ids)), "an event was written twice"
    assert sorted(map(str, ids)) == sorted(map(str, whole)), "an event was lost"


@pytest.mark.parametrize("source", list(SOURCES))
def test_json_output_written_piecewise_is_the_compact_envelope(capsys, env, tmp_path, source):
    code, out, _ = run_cli(capsys, *_argv(source, tmp_path / "s.json", 100_000))
    assert code == 0
    envelope = json.loads(out)
    assert len(envelope["data"]["events"]) > 600
    assert out == json.dumps(envelope, ensure_ascii=False, separators=(",", ":")) + "\n"
    env.reset()
    code, out, _ = run_cli(capsys, *_argv(source, tmp_path / "n.json", 100_000, "--output", "ndjson"))
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[:-1] == envelope["data"]["events"]
    assert lines[-1] == dict(envelope, data={k: v for k, v in envelope["data"].items() if k != "events"})


def test_json_output_nan_in_a_large_result_is_the_failed_envelope(capsys, env, monkeypatch, tmp_path):
    real = engine._Presenter.finish

    def finish(self):
        data, raw, items = real(self)
        data["events"][-1]["score"] = float("nan")
        return data, raw, items

    monkeypatch.setattr(engine._Presenter, "finish", finish)
    code, out, _ = run_cli(capsys, *_argv("Spam Quarantine", tmp_path / "s.json", 100_000))
    envelope = json.loads(out)
    assert code == 1 and envelope["status"] == "Failed" and out.count("\n") == 1
    assert "NaN or Infinity" in envelope["error"]["message"]
