"""The exported Cortex XSOAR integration code, run against the STAND-IN demistomock /
CommonServerPython of tests/export/standins.py and the simulator: a read, a multi-id partial
result, a failure, fetch-incidents resuming from lastRun, test-module, and the settings mapping."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.export.standins import CommandResults, XsoarRun, run_xsoar

UNKNOWN = 999999


@pytest.fixture
def glue(packages):
    root, _ = packages["xsoar"]
    return next(root.glob("Packs/*/Integrations/*/*.py"))


def settings(sim, **extra):
    conn = sim.connection()
    return {"server_url": conn["server_url"], "credentials": {"identifier": conn["username"], "password": conn["password"]},
            "insecure": False, "appliance": "esa", **extra}


def test_xsoar_search_messages_successful_has_outputs_and_table(glue, sim, frozen_integration):
    run = run_xsoar(glue, XsoarRun("cisco-esa-search-messages", settings(sim),
                                   {"start_time": "-1h", "end_time": "now", "subject": "Password Reset", "sender": ""}),
                    frozen_integration)
    [entry] = run.entries
    result = entry["result"]
    assert entry["type"] == "note" and isinstance(result, CommandResults)
    envelope = result.raw_response
    assert envelope["status"] == "Successful" and envelope["command"] == "search_messages"
    assert result.outputs_prefix == "CiscoESA.SearchMessages" and result.outputs == envelope["data"]
    assert envelope["data"]["messages"] and all("Password Reset" in m["subject"] for m in envelope["data"]["messages"])
    assert result.readable_output.startswith("### Search Messages: Successful (messages)\n")
    # the empty sender field of the form was "not given", not an empty filter
    assert frozen_integration.instances[0].runs[0]["params"] == {"start_time": "-1h", "end_time": "now", "subject": "Password Reset"}


def test_xsoar_get_message_details_partial_adds_warning_with_failed_items(glue, sim, frozen_integration):
    rec = sim.world.pick_phishing_message()
    mid, serial = rec["mid"][0], rec["serialNumber"]
    run = run_xsoar(glue, XsoarRun("cisco-esa-get-message-details", settings(sim),
                                   {"appliance_serial_number": serial, "message_ids": f"{mid},{UNKNOWN}"}),
                    frozen_integration)
    note, warning = run.entries
    assert note["result"].raw_response["status"] == "Partially Successful"
    assert [m["mid"] for m in note["result"].outputs["messages"]] == [mid]
    assert warning == {"type": "warning", "message": (
        "Get Message Details partially succeeded; failed items:\n"
        f"{UNKNOWN}: Get Message Details failed. (status 404) Message ID {UNKNOWN} not found on appliance {serial}.")}


def test_xsoar_wrong_password_is_error_entry_with_triplet_and_no_secret(glue, sim, frozen_integration):
    params = settings(sim)
    params["credentials"]["password"] = "Wr0ng pass"
    run = run_xsoar(glue, XsoarRun("cisco-esa-search-messages", params, {"start_time": "-1h", "end_time": "now"}),
                    frozen_integration)
    [entry] = run.entries
    assert entry["type"] == "error"
    assert entry["message"].startswith("Search Messages failed. (status 401) ")
    assert "Wr0ng pass" not in json.dumps(run.entries)


def test_xsoar_test_module_ok_and_failed(glue, sim, frozen_integration):
    assert run_xsoar(glue, XsoarRun("test-module", settings(sim)), frozen_integration).entries == [
        {"type": "note", "result": "ok"}]
    bad = settings(sim, server_url="http://127.0.0.1:9")
    [entry] = run_xsoar(glue, XsoarRun("test-module", bad), frozen_integration).entries
    assert entry["type"] == "error" and entry["message"].startswith("Test Connection failed. Failed to check the connector.")


def test_xsoar_settings_map_to_connection(glue, sim, frozen_integration):
    run_xsoar(glue, XsoarRun("test-module", settings(sim, insecure=True, timeout="30", proxy_url="")), frozen_integration)
    conn = frozen_integration.instances[0].connection
    assert conn == {"server_url": sim.connection()["server_url"], "username": "admin",
                    "password": sim.connection()["password"], "appliance": "esa", "verify_tls": False, "timeout": "30"}


def test_xsoar_fetch_incidents_resumes_from_last_run(glue, sim, frozen_integration):
    params = settings(sim, isFetch=True, first_fetch="-1h", max_fetch="50", fetch_messages_source="Message Tracking")
    first = run_xsoar(glue, XsoarRun("fetch-incidents", params, last_run={}), frozen_integration)
    assert first.entries == [] and first.logged_errors == []
    incidents = first.incidents_
    assert len(incidents) == 50
    events = [json.loads(i["rawJSON"]) for i in incidents]
    assert [i["name"] for i in incidents] == [f"Fetch Event: {e.get('Subject') or e['_item_id']}" for e in events]
    assert all(i["occurred"] == e["timestamp_iso"] for i, e in zip(incidents, events))
    checkpoint = first.last_run["checkpoint"]
    assert checkpoint["version"] == 1 and checkpoint["sources"]
    assert frozen_integration.instances[0].runs[0]["state"] is None

    second = run_xsoar(glue, XsoarRun("fetch-incidents", params, last_run=first.last_run), frozen_integration)
    call = frozen_integration.instances[1].runs[0]
    assert call["state"] == checkpoint  # resumed from lastRun
    # a setting the instance was saved without (the look-back) takes the schema's default
    assert call["params"] == {"messages_source": "Message Tracking", "start_time": "-1h", "end_time": "now",
                              "max_events": "50", "lookback_minutes": 5, "concurrency": 4}
    again = {json.loads(i["rawJSON"])["_item_id"] for i in second.incidents_}
    assert again and not again & {e["_item_id"] for e in events}  # nothing emitted twice


def test_xsoar_fetch_incidents_failed_keeps_last_run(glue, sim, frozen_integration):
    params = settings(sim, first_fetch="-1h", fetch_messages_source="Message Tracking")
    params["credentials"]["password"] = "nope"
    run = run_xsoar(glue, XsoarRun("fetch-incidents", params, last_run={"checkpoint": {"version": 1, "sources": {}}}),
                    frozen_integration)
    assert run.last_run == {"checkpoint": {"version": 1, "sources": {}}} and run.incidents_ is None
    [entry] = run.entries
    assert entry["type"] == "error" and entry["message"].startswith("Fetch Event failed. (status 401) ")


DOWNLOAD = "cisco-esa-download-pvo-quarantine-attachments"


def test_xsoar_download_attachments_returns_file_entries_and_removes_its_folder(glue, sim, frozen_integration,
                                                                               tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where fileResult leaves the data for the server
    held = sim.world.pvo.pick(quarantine="Virus", attachments=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # an output_dir from an old playbook is overridden: the folder is the glue's own
    run = run_xsoar(glue, XsoarRun(DOWNLOAD, settings(sim), {"quarantine_message_id": str(held["mid"]),
                                                             "output_dir": str(elsewhere)}, investigation_id="42"),
                    frozen_integration)
    note, *entries = run.entries
    envelope = note["result"].raw_response
    assert envelope["status"] == "Successful" and note["result"].outputs == envelope["data"]
    rows = envelope["data"]["files"]
    assert [(r["name"], r["size"]) for r in rows] == [(a["name"], a["size"]) for a in held["attachments"]]
    assert [e["type"] for e in entries] == ["note"] * len(rows)
    files = [e["result"] for e in entries]
    assert [{k: v for k, v in f.items() if k != "FileID"} for f in files] == [
        {"Contents": "", "ContentsFormat": "text", "Type": 3, "File": r["name"]} for r in rows]
    for f, row in zip(files, rows):
        data = (tmp_path / f"42_{f['FileID']}").read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"] and len(data) == row["size"]
    folder = frozen_integration.instances[0].runs[0]["params"]["output_dir"]
    assert folder != str(elsewhere) and not os.path.exists(folder)
    assert list(elsewhere.iterdir()) == []


def test_xsoar_download_attachments_failed_is_error_entry_and_removes_its_folder(glue, sim, frozen_integration,
                                                                                tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_xsoar(glue, XsoarRun(DOWNLOAD, settings(sim), {"quarantine_message_id": "5"}), frozen_integration)
    assert run.entries == [{"type": "error", "message": "Download PVO Quarantine Attachments failed. (status 404) "
                                                        "Message ID 5 not found."}]
    assert not os.path.exists(frozen_integration.instances[0].runs[0]["params"]["output_dir"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["ghost.bin", "../../etc/hostname"])
def test_xsoar_download_attachments_unreadable_file_is_error_entry_naming_it(glue, tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)

    class ListsAFileItDidNotWrite:
        def __init__(self, connection):
            pass

        def run(self, command, params=None, state=None):
            row = {"name": "ghost.bin", "path": path if path.startswith("..") else os.path.join(params["output_dir"], path)}
            return {"command": command, "display_name": "Download PVO Quarantine Attachments", "status": "Successful",
                    "data": {"files": [row]}, "raw_data": {}, "error": None, "items": []}

    run = run_xsoar(glue, XsoarRun(DOWNLOAD, {"server_url": "https://esa.example:6443"}, {"quarantine_message_id": "7"}),
                    ListsAFileItDidNotWrite)
    [entry] = run.entries
    assert entry["type"] == "error"
    assert entry["message"].startswith("Download PVO Quarantine Attachments failed. ghost.bin could not be read for its file entry: ")
    assert list(tmp_path.iterdir()) == []
