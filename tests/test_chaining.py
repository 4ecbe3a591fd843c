"""Chaining commands as a playbook does (issue 15 point 6): each input's feeding output paths, as
`describe` documents them (the schemas' `x-from`), yield values that input takes; a playbook chains
search -> details -> AMP -> release -> block by those paths alone against the simulator."""

from __future__ import annotations

import pytest
from jsonpath_ng import parse

from cisco_esa.core.outcome import InputError
from cisco_esa.core.registry import manifest
from cisco_esa.describe import describe
from tests.cli_helpers import frozen_cli  # noqa: F401 (fixture)
from tests.conftest import FROZEN_NOW

LAST_HOUR = {"start_time": "-1h", "end_time": "now"}


def documented(command: str, param: str, source: str) -> str:
    """The path `describe command` gives for feeding `param` from `source`'s envelope."""
    info = {p["id"]: p for p in describe(manifest().commands[command])["parameters"]}
    paths = [f["path"] for f in info[param].get("from", []) if f["command"] == source]
    assert paths, f"describe {command} names no path from {source} for {param}"
    return paths[0]


def take(envelope: dict, command: str, param: str, source: str) -> list:
    """What a playbook's `${source.path}` yields: every match of the documented path, as a list."""
    return [m.value for m in parse(documented(command, param, source)).find(envelope)]


def _declared():
    for cid, cmd in manifest().commands.items():
        for p in describe(cmd)["parameters"]:
            for f in p.get("from", []):
                yield cid, p["id"], f["command"], f["path"]


DECLARED = sorted(set(_declared()))


@pytest.fixture(scope="module")
def outputs(sim_session):
    """One envelope (or several) of every command that feeds another, from the seeded simulator."""
    from cisco_esa.integration import Integration

    sim_session.reset()
    run = Integration(sim_session.connection(), clock=lambda: FROZEN_NOW).run
    search = run("search_messages", {**LAST_HOUR, "limit": 50})
    serial = search["data"]["messages"][0]["serial_number"]
    mids = [m["mid"] for m in search["data"]["messages"] if m["serial_number"] == serial][:5]
    return {
        "search_messages": [search],
        "get_message_details": [run("get_message_details", {"appliance_serial_number": serial, "message_ids": mids})],
        "fetch_event": [run("fetch_event", {"messages_source": "Message Tracking", **LAST_HOUR, "offset": 0, "limit": 20})],
        "search_spam_quarantine_messages": [run("search_spam_quarantine_messages", LAST_HOUR)],
        "search_list_entries": [run("search_list_entries", {"list_type": lt, "view_by": vb})
                                for lt in ("Blocklist", "Safelist") for vb in ("Sender", "Recipient")],
    }


def test_describe_every_fed_input_names_a_source_and_path():
    assert len(DECLARED) >= 30
    fed = {(c, p) for c, p, _s, _path in DECLARED}
    for command in ("get_message_details", "get_amp_details", "get_dlp_details", "get_url_details"):
        assert {(command, "appliance_serial_number"), (command, "message_ids")} <= fed
    for command in ("release_spam_quarantine_messages", "delete_spam_quarantine_messages",
                    "get_spam_quarantine_message_details"):
        assert (command, "quarantine_message_ids") in fed
    assert {("block_email_addresses", "senders"), ("block_email_addresses", "recipients")} <= fed


@pytest.mark.parametrize("command, param, source, path", DECLARED)
def test_describe_documented_path_yields_values_the_input_takes(outputs, command, param, source, path):
    envelopes = outputs[source]
    assert all(e["status"] == "Successful" for e in envelopes), [e["error"] for e in envelopes]
    found = [m.value for e in envelopes for m in parse(path).find(e)]
    assert found, f"{source} {path} yields nothing"
    schema = manifest().commands[command].params
    is_list = schema.property(param).get("type") == "array"
    try:
        schema.validate({param: found if is_list else found[0]}, FROZEN_NOW)
    except InputError as exc:
        mine = [p for p in exc.problems if p.startswith(param)]
        assert mine == [], mine  # other required inputs may be missing; this one must be fine


def test_playbook_search_details_amp_release_block_chained_by_documented_paths(sim, integration):
    run = integration.run
    search = run("search_messages", {**LAST_HOUR, "additional_filters": "quarantinedAsSpam=true", "limit": 3})
    assert search["status"] == "Successful" and search["data"]["total"] == 3
    # the spec's reader notes' path on the raw data: nested lists, flattened by message_ids
    raw_ids = take(search, "get_message_details", "message_ids", "search_messages")
    assert raw_ids == [m["mid"] for m in search["data"]["messages"]]
    nested = [m.value for m in parse("raw_data.data[*].attributes.mid").find(search)]
    assert nested == [[mid] for mid in raw_ids]
    serial = take(search, "get_message_details", "appliance_serial_number", "search_messages")[0]

    details = run("get_message_details", {"appliance_serial_number": serial, "message_ids": nested})
    assert details["status"] == "Successful", details["error"]
    assert [i["id"] for i in details["items"]] == raw_ids

    amp = run("get_amp_details", {"appliance_serial_number": serial,
                                  "message_ids": take(details, "get_amp_details", "message_ids", "get_message_details")})
    assert amp["status"] == "Successful", amp["error"]
    assert [i["id"] for i in amp["items"]] == raw_ids

    released = run("release_spam_quarantine_messages", {
        "quarantine_message_ids": take(search, "release_spam_quarantine_messages", "quarantine_message_ids",
                                       "search_messages")})
    assert released["status"] == "Successful", released["error"]
    assert [i["id"] for i in released["items"]] == raw_ids
    assert not set(raw_ids) & sim.world.quarantine_mids()

    senders = take(details, "block_email_addresses", "senders", "get_message_details")
    recipients = take(details, "block_email_addresses", "recipients", "get_message_details")
    blocked = run("block_email_addresses", {"senders": senders, "recipients": recipients})
    assert blocked["status"] == "Successful", blocked["error"]
    assert senders == [m["sender"] for m in details["data"]["messages"]] and len(recipients) >= 3
    view = run("search_list_entries", {"list_type": "Blocklist", "view_by": "Recipient"})
    listed = {e["recipient"]: set(e["senders"]) for e in view["data"]["entries"]}
    assert all(set(senders) <= listed[r] for r in recipients)


def test_get_amp_details_nested_message_ids_through_cli_successful(capsys, frozen_cli):
    import json

    from tests.cli_helpers import run_cli

    code, out, _ = run_cli(capsys, "run", "search_messages", "--output", "json", "--param", "start_time=-1h",
                           "--param", "end_time=now", "--param", "limit=2")
    search = json.loads(out)
    nested = json.dumps([m.value for m in parse("raw_data.data[*].attributes.mid").find(search)])
    serial = search["data"]["messages"][0]["serial_number"]
    code, out, err = run_cli(capsys, "run", "get_amp_details", "--output", "json", "--param",
                             f"appliance_serial_number={serial}", "--param", f"message_ids={nested}")
    envelope = json.loads(out)
    assert [i["id"] for i in envelope["items"]] == [m["mid"] for m in search["data"]["messages"]]
    assert (code, envelope["status"]) == (0, "Successful"), envelope["error"]


def test_get_amp_details_twice_nested_message_ids_400_naming_it():
    from tests.scenarios.common import mocked

    envelope = mocked().run("get_amp_details", {"appliance_serial_number": "S", "message_ids": [[[7255]]]})
    assert envelope["error"] == {"failure_indicator": "Get AMP Details failed.", "status_code": 400,
                                 "message": "Invalid input: message_ids[0]: [7255] is not of type integer"}
