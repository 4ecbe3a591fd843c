"""`run --output text|json|ndjson` (contract §4): what a person reads and what a tool parses, the
caps said on stderr, and the declarations behind the renderer (integration.yaml `render:`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from cisco_esa import render
from cisco_esa.core import resources
from cisco_esa.core.registry import ManifestError, load_manifest, manifest
from cisco_esa.core.outcome import Result
from tests.cli_helpers import frozen_cli, normalize_port, run_cli  # noqa: F401 (fixture)

TEXT_OUTPUTS = Path(__file__).parent / "text_outputs"
SEARCH = ["run", "search_messages", "--param", "start_time=-1h", "--param", "end_time=now"]


@pytest.fixture
def stub(monkeypatch):
    def install(cid, handler):
        monkeypatch.setitem(manifest().commands[cid].__dict__, "handler", handler)

    return install


# ---------------------------------------------------------------- choosing the output
def test_run_default_not_a_terminal_compact_json(capsys, frozen_cli):
    code, out, err = run_cli(capsys, *SEARCH, "--param", "subject=Password Reset")
    assert (code, err) == (0, "")
    envelope = json.loads(out)
    assert out == json.dumps(envelope, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert envelope["data"]["total"] == 2


def test_run_pretty_indented_json(capsys, frozen_cli):
    code, out, _ = run_cli(capsys, *SEARCH, "--param", "subject=Password Reset", "--pretty")
    assert code == 0
    assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"


def test_run_default_on_a_terminal_text_with_colour(capsys, frozen_cli, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, _ = run_cli(capsys, "run", "test_connection")
    assert code == 0
    assert out.startswith("\x1b[32mTest Connection: Successful\x1b[0m\n\nConnected to the esa at ")


def test_run_terminal_no_color_set_plain_text(capsys, frozen_cli, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = run_cli(capsys, "run", "test_connection")
    assert code == 0 and out.startswith("Test Connection: Successful\n") and "\x1b" not in out


def test_run_output_json_on_a_terminal_json(capsys, frozen_cli, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, _ = run_cli(capsys, "run", "test_connection", "--output", "json")
    assert code == 0 and json.loads(out)["status"] == "Successful"


def test_run_nan_in_result_failed_envelope_strict_json_exit_1(capsys, stub):
    stub("search_messages", lambda params, ctx: Result(data={"messages": [], "score": math.nan}))
    code, out, _ = run_cli(capsys, "run", "search_messages", "--param", "start_time=-1h", "--param", "end_time=now",
                           "--server-url", "https://esa.test:6443", "--username", "u", "--password", "p")
    assert code == 1
    assert json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in stdout")) == {
        "command": "search_messages", "display_name": "Search Messages", "status": "Failed", "data": {},
        "raw_data": {}, "items": [],
        "error": {"failure_indicator": "Search Messages failed.", "status_code": None,
                  "message": "The result held a number JSON cannot carry (NaN or Infinity), so it was not printed."}}


# ---------------------------------------------------------------- text: whole outputs
def test_search_messages_text_status_summary_table(capsys, frozen_cli):
    code, out, err = run_cli(capsys, *SEARCH, "--param", "subject=Password Reset", "--output", "text")
    assert (code, err) == (0, "")
    assert out == """\
Search Messages: Successful

2 message(s) from 2026-11-20T11:30:00Z to 2026-11-20T12:30:00Z.

truncated: no

Messages (2)
  mid   time                  sender                           recipients                                subject                                   status                           serial_number
  ----  --------------------  -------------------------------  ----------------------------------------  ----------------------------------------  -------------------------------  ---------------------------------
  7208  2026-11-20T12:12:54Z  admin@micros0ft-support.example  victor.haddad@corp.example                Password Reset Required - Action Needed   Quarantined by Multiple Engines  182625840DD76AD511A3-4DA3B36108E9
  6809  2026-11-20T11:47:29Z  security@invoice-docs.example    noah.silva@corp.example, sam.haddad@cor…  RE: Password Reset confirmation for you…  Delivered                        182625840DD76AD511A3-4DA3B36108E9
"""


def test_test_connection_wrong_password_text_triplet_and_stderr_exit_1(capsys, frozen_cli):
    code, out, err = run_cli(capsys, "run", "test_connection", "--password", "wrong", "--output", "text")
    assert code == 1
    assert out == """\
Test Connection: Failed

failure indicator: Test Connection failed. Failed to check the connector.
status code:       401
message:           Invalid username or passphrase.
"""
    assert err == ("cisco-esa: Test Connection failed. Failed to check the connector. (status 401) "
                   "Invalid username or passphrase.\n")


def test_test_connection_wrong_password_json_says_it_on_stderr(capsys, frozen_cli):
    code, out, err = run_cli(capsys, "run", "test_connection", "--password", "wrong")
    assert code == 1 and json.loads(out)["error"]["status_code"] == 401
    assert err.splitlines() == ["cisco-esa: Test Connection failed. Failed to check the connector. (status 401) "
                                "Invalid username or passphrase."]
    assert "wrong" not in err


def test_release_spam_quarantine_messages_partial_text_lists_failed_items_exit_3(capsys, frozen_cli):
    code, out, err = run_cli(capsys, "run", "release_spam_quarantine_messages",
                             "--param", "quarantine_message_ids=7468,5", "--output", "text")
    assert (code, err) == (3, "")
    assert out == """\
Release Spam Quarantine Messages: Partially Successful

failure indicator: Release Spam Quarantine Messages failed.
status code:       404
message:           Message ID 5 not found.

Failed items (1 of 2)
  id  status code  message
  --  -----------  -----------------------
  5   404          Message ID 5 not found.

Released 1 of 2 message(s) from the spam quarantine.

released:  7468
not found: 5
"""


def test_delete_entries_default_list_text_names_the_safelist(capsys, frozen_cli):
    code, out, _ = run_cli(capsys, "run", "delete_entries", "--param", "view_by=Recipient",
                           "--param", "recipient_list=alice.smith@corp.example", "--output", "text")
    assert code == 0
    assert out == """\
Delete Entries: Successful

Deleted 1 of 1 recipient entries from the safelist.

list changed: safelist
view by:      recipient
deleted:      alice.smith@corp.example
"""


def test_delete_entries_blocklist_text_names_the_blocklist(capsys, frozen_cli):
    code, out, _ = run_cli(capsys, "run", "delete_entries", "--param", "view_by=Recipient", "--param",
                           "list_type=Blocklist", "--param", "recipient_list=alice.silva@corp.example",
                           "--output", "text")
    assert code == 0
    assert "Deleted 1 of 1 recipient entries from the blocklist.\n" in out and "list changed: blocklist\n" in out


def test_search_spam_quarantine_messages_long_table_bounded_text(capsys, frozen_cli):
    code, out, _ = run_cli(capsys, "run", "search_spam_quarantine_messages", "--param", "start_time=-1d",
                           "--param", "end_time=now", "--output", "text")
    assert code == 0
    total = json.loads(run_cli(capsys, "run", "search_spam_quarantine_messages", "--param", "start_time=-1d",
                               "--param", "end_time=now")[1])["data"]["total"]
    assert total > render.MAX_ROWS
    table = out.split(f"Messages ({total})\n", 1)[1].splitlines()
    assert len(table) == 2 + render.MAX_ROWS + 1
    assert table[-1] == f"  … {total - render.MAX_ROWS} more rows, use --output json"


def test_get_message_details_long_cell_cut_with_ellipsis_text(capsys, frozen_cli):
    code, out, _ = run_cli(capsys, "run", "get_message_details", "--param",
                           "appliance_serial_number=182625840DD76AD511A3-4DA3B36108E9", "--param", "message_ids=7208",
                           "--output", "text")
    assert code == 0
    processing = out.split("Processing (13)\n", 1)[1].splitlines()
    first = processing[2].split("  ", 2)[2].strip()
    assert len(first) == 100 and first.endswith("…")
    assert max(len(cell) for line in out.splitlines() for cell in line.split("  ")) <= 100


def test_every_command_golden_sample_text_matches(regen_golden):
    """Each command's declared rendering of its golden envelope, byte for byte."""
    for cid in manifest().commands:
        envelope = json.loads((resources.SAMPLE_OUTPUTS / f"{cid}.json").read_text())
        text = render.render(envelope)
        path = TEXT_OUTPUTS / f"{cid}.txt"
        if regen_golden or not path.exists():
            path.write_text(text)
            assert regen_golden, f"{path.name} did not exist; written now, run again to compare"
            continue
        assert text == path.read_text(), f"{path.name} drifted; rerun with --regen-golden if intended"


# ---------------------------------------------------------------- caps
def test_search_messages_limit_truncated_stderr_and_text_say_capped(capsys, frozen_cli):
    notice = ("Search Messages: capped at 3 messages; the appliance has more; raise --param limit (default 1000) "
              "or narrow the window")
    code, out, err = run_cli(capsys, *SEARCH, "--param", "limit=3")
    assert code == 0 and json.loads(out)["data"]["truncated"] is True
    assert err == f"cisco-esa: {notice}\n"
    code, out, err = run_cli(capsys, *SEARCH, "--param", "limit=3", "--output", "text")
    assert err == f"cisco-esa: {notice}\n"
    assert out.startswith(f"Search Messages: Successful\n\n3 message(s) from 2026-11-20T11:30:00Z to "
                          f"2026-11-20T12:30:00Z.\n{notice}\n\ntruncated: yes\n")


def test_search_list_entries_limit_one_singular_notice(capsys, frozen_cli):
    code, _out, err = run_cli(capsys, "run", "search_list_entries", "--param", "list_type=Blocklist",
                              "--param", "view_by=Recipient", "--param", "limit=1")
    assert code == 0
    assert err == ("cisco-esa: Search List Entries: capped at 1 entry; the list may hold more; "
                   "raise --param limit (default 1000)\n")


def test_search_messages_not_capped_stderr_empty(capsys, frozen_cli):
    code, out, err = run_cli(capsys, *SEARCH, "--param", "subject=Password Reset")
    assert (code, err) == (0, "") and json.loads(out)["data"]["truncated"] is False


def test_fetch_event_max_events_more_stderr_says_how_to_go_on(capsys, frozen_cli):
    code, out, err = run_cli(capsys, "run", "fetch_event", "--param", "messages_source=Message Tracking",
                             "--param", "start_time=-1h", "--param", "end_time=now", "--param", "max_events=5")
    assert code == 0 and json.loads(out)["data"]["more"] is True
    assert err == ("cisco-esa: Fetch Event: capped at 5 events; the per-run cap (max_events, default 1000) stopped "
                   "it before the end of the window; go on with --state FILE (a file holding data.checkpoint; the "
                   "next run starts there) or raise --param max_events\n")


def test_fetch_event_state_file_goes_on_after_the_cap(capsys, frozen_cli, tmp_path):
    state = tmp_path / "fetch.state"
    argv = ["run", "fetch_event", "--param", "messages_source=Message Tracking", "--param", "start_time=-1h",
            "--param", "end_time=now", "--param", "max_events=5", "--state", str(state)]
    first = json.loads(run_cli(capsys, *argv)[1])
    second = json.loads(run_cli(capsys, *argv)[1])
    assert first["data"]["more"] is True and state.exists()
    ids = [[e["Document ID"] for e in run["data"]["events"]] for run in (first, second)]
    assert len(ids[1]) == 5 and not set(ids[0]) & set(ids[1])


def test_fetch_event_page_full_stderr_names_next_offset(capsys, frozen_cli):
    code, _out, err = run_cli(capsys, "run", "fetch_event", "--param", "messages_source=Message Tracking",
                              "--param", "start_time=-1h", "--param", "end_time=now", "--param", "offset=0",
                              "--param", "limit=3")
    assert code == 0
    assert err == "cisco-esa: Fetch Event: capped at 3 events; this was one page; the next starts at --param offset=3\n"


# ---------------------------------------------------------------- ndjson
def test_fetch_event_ndjson_events_then_envelope_without_events(capsys, frozen_cli):
    argv = ["run", "fetch_event", "--param", "messages_source=Spam Quarantine", "--param", "start_time=-1h",
            "--param", "end_time=now"]
    envelope = json.loads(run_cli(capsys, *argv)[1])
    code, out, err = run_cli(capsys, *argv, "--output", "ndjson")
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[:-1] == envelope["data"]["events"] and len(lines) > 1
    rest = dict(envelope, data={k: v for k, v in envelope["data"].items() if k != "events"})
    assert lines[-1] == rest


def test_search_messages_ndjson_usage_error_exit_2_nothing_sent(capsys, frozen_cli):
    frozen_cli.clear_log()
    code, out, err = run_cli(capsys, *SEARCH, "--output", "ndjson")
    assert (code, out) == (2, "")
    assert err == "cisco-esa: error: --output ndjson is for fetch_event only; search_messages prints text or json\n"
    assert frozen_cli.request_log == []


# ---------------------------------------------------------------- declarations
def test_manifest_every_command_declares_render():
    for command in manifest().data["commands"]:
        spec = render.declaration(command["id"])
        assert spec.get("tables") or spec.get("fields") or spec.get("summary"), command["id"]


@pytest.mark.parametrize("bad", [
    {"tables": [{"title": "Messages", "columns": ["mid"]}]},  # neither rows nor pairs
    {"fields": [{"label": "no path"}]},
    {"caps": [{"when": "truncated", "count": "total"}]},
    {"colour": "red"},
])
def test_manifest_bad_render_declaration_refused_at_load(tmp_path, bad):
    import yaml

    data = yaml.safe_load(resources.MANIFEST.read_text())
    data["commands"][0]["render"] = bad
    path = tmp_path / "integration.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ManifestError, match=r"commands\.0\.render"):
        load_manifest(path)


def test_render_resolve_paths_walk_and_flatten():
    data = {"messages": [{"mid": 1, "verdicts": [{"f": "a"}, {"f": "b"}]}, {"mid": 2, "verdicts": [{"f": "c"}]}],
            "query": {"start_time": "t"}}
    assert render.resolve(data, "query.start_time") == "t"
    assert render.resolve(data, "messages[*].mid") == [1, 2]
    assert render.resolve(data, "messages[*].verdicts") == [{"f": "a"}, {"f": "b"}, {"f": "c"}]
    assert render.resolve(data, "query.nothing") is render.MISSING


def test_render_control_characters_in_a_cell_stay_on_one_line():
    assert render.cell("Subject\r\nBcc: x\tfoo") == "Subject Bcc: x foo"


# ---------------------------------------------------------------- terminal safety of the JSON output
UNSAFE = "\x7f\x80\x9b\x9f\u2028\u2029\u202a\u202e\u2066\u2069"


@given(st.recursive(st.text(alphabet=st.sampled_from("a\x1b\u00e9\u65e5" + UNSAFE)) | st.integers() | st.none(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=8), st.booleans())
def test_json_output_reads_back_the_same_and_carries_no_raw_control(value, pretty):
    text = render.dumps(value, pretty)
    assert json.loads(text) == value
    assert not any(c in text for c in UNSAFE + "\x1b")


def test_json_output_unsafe_leads_cover_every_unsafe_character():
    # the quick look for unsafe characters in non-ASCII output (render._UNSAFE_LEADS) must see each one
    unsafe = [chr(c) for c in range(0x110000) if render._UNSAFE_IN_JSON.fullmatch(chr(c))]
    assert len(unsafe) == 1 + 32 + 2 + 5 + 4
    assert all(any(c.encode("utf-8").startswith(lead) for lead in render._UNSAFE_LEADS) for c in unsafe)


def test_json_output_non_ascii_text_kept_as_written_unsafe_escaped():
    safe = "Réunion 日本 \u00a0©\u2030 😀"
    assert render.dumps({"subject": safe}) == '{"subject":"' + safe + '"}'
    assert render.dumps({"subject": safe + "\u202e\x85"}) == '{"subject":"' + safe + '\\u202e\\u0085"}'
