"""The contract test: what integration.yaml declares is what the repository holds and runs
(contract §1), names derive from the command id, and every schema and default is valid."""

from __future__ import annotations

import json
import re

import pytest
import requests_mock
import yaml
from jsonschema import Draft202012Validator

from cisco_esa.core import resources
from cisco_esa.integration import Integration
from cisco_esa.core.registry import load_manifest, manifest
from cisco_esa.core.params import FORMATS, registry, resolve
from tests.conftest import FROZEN_NOW

# Contract §1, copied by hand so that a change to either side is a test failure:
# command id -> [(parameter id, required by the spec, enum display values, default)].
CONTRACT: dict[str, list[tuple]] = {
    "add_entries": [
        ("list_type", True, ["Blocklist", "Safelist"], None),
        ("action", True, ["Add", "Edit", "Append"], None),
        ("view_by", True, ["Sender", "Recipient"], None),
        ("recipient_addresses", False, None, None),
        ("recipient_list", False, None, None),
        ("sender_addresses", False, None, None),
        ("sender_list", False, None, None),
    ],
    "block_domain": [
        ("action", True, ["Add", "Edit", "Append"], None),
        ("view_by", True, ["Sender", "Recipient"], None),
        ("sender_addresses", False, None, None),
        ("recipients_list", False, None, None),
        ("sender_list", False, None, None),
        ("recipients_addresses", False, None, None),
    ],
    "block_email_addresses": [
        ("senders", True, None, None),
        ("recipients", True, None, None),
    ],
    "delete_entries": [
        ("view_by", True, ["Sender", "Recipient"], None),
        ("recipient_list", False, None, None),
        ("sender_list", False, None, None),
        ("list_type", False, ["Blocklist", "Safelist"], "Safelist"),
    ],
    "delete_spam_quarantine_messages": [("quarantine_message_ids", True, None, None)],
    "fetch_event": [
        ("messages_source", True, ["Message Tracking", "Spam Quarantine", "PVO Quarantine"], None),
        ("start_time", True, None, None),
        ("end_time", True, None, None),
        ("offset", False, None, None),
        ("limit", False, None, None),
    ],
    "get_amp_details": [
        ("appliance_serial_number", True, None, None),
        ("message_ids", True, None, None),
        ("injection_connection_id", False, None, None),
    ],
    "get_dlp_details": [
        ("appliance_serial_number", True, None, None),
        ("message_ids", True, None, None),
        ("injection_connection_id", False, None, None),
    ],
    "get_message_details": [
        ("appliance_serial_number", True, None, None),
        ("message_ids", True, None, None),
        ("injection_connection_id", False, None, None),
    ],
    "get_url_details": [
        ("appliance_serial_number", True, None, None),
        ("message_ids", True, None, None),
        ("injection_connection_id", False, None, None),
    ],
    "get_report": [
        ("counter_group", False, None, "mail_incoming_traffic_summary"),
        ("counter", False, None, None),
        ("start_time", True, None, None),
        ("end_time", True, None, None),
        ("order_by", False, None, None),
        ("order_direction", False, ["Ascending", "Descending"], "Descending"),
        ("filter_by", False, None, None),
        ("filter_operator", False, ["Begins With", "Is"], "Begins With"),
        ("filter_value", False, None, None),
        ("top", False, None, None),
    ],
    "get_spam_quarantine_message_details": [("quarantine_message_ids", True, None, None)],
    "release_spam_quarantine_messages": [("quarantine_message_ids", True, None, None)],
    "search_list_entries": [
        ("list_type", True, ["Blocklist", "Safelist"], None),
        ("view_by", True, ["Sender", "Recipient"], None),
        ("sender_name", False, None, None),
    ],
    "search_messages": [
        ("start_time", True, None, None),
        ("end_time", True, None, None),
        ("subject", False, None, None),
        ("sender", False, None, None),
        ("recipient", False, None, None),
        ("file_sha256", False, None, None),
        ("attachment_name", False, None, None),
        ("internet_message_id", False, None, None),
        ("additional_filters", False, None, None),
    ],
    "search_spam_quarantine_messages": [
        ("start_time", True, None, None),
        ("end_time", True, None, None),
        ("recipient", False, None, None),
        ("filter_by", False, ["From_Address", "To_Address", "Subject"], "Subject"),
        ("filter_operator", False, ["Contains", "Is", "Begins_With", "Ends_With", "Does_Not_Contain"], "Contains"),
        ("filter_value", False, None, None),
    ],
    "unblock_domains_or_email_addresses": [
        ("block_list_type", False, ["Sender Block List", "Recipient Block List"], "Sender Block List"),
        ("domains_or_email_addresses", True, None, None),
    ],
    "test_connection": [],
    # contract §1b, second table: containment at the gateway
    "list_sender_groups": [("listener", True, None, None)],
    "add_sender_group_entries": [("listener", True, None, None), ("senders", True, None, None),
                                 ("sender_group", False, None, "BLOCKED_LIST"), ("description", False, None, None)],
    "remove_sender_group_entries": [("listener", True, None, None), ("senders", True, None, None),
                                    ("sender_group", False, None, "BLOCKED_LIST")],
    "find_sender": [("sender", True, None, None)],
    "list_dictionaries": [],
    "get_dictionary": [("name", True, None, None)],
    "create_dictionary": [("name", True, None, None), ("words", True, None, None), ("ignore_case", False, None, True),
                          ("whole_words", False, None, True), ("encoding", False, None, "utf-8")],
    "delete_dictionary": [("name", True, None, None)],
    "add_dictionary_words": [("name", True, None, None), ("words", True, None, None)],
    "delete_dictionary_words": [("name", True, None, None), ("words", True, None, None)],
    "list_url_lists": [],
    "get_url_list": [("name", True, None, None)],
    "add_url_list_entries": [("name", True, None, None), ("urls", True, None, None)],
    "remove_url_list_entries": [("name", True, None, None), ("urls", True, None, None)],
    "delete_url_lists": [("names", True, None, None)],
    "list_file_hash_lists": [],
    "get_file_hash_list": [("name", True, None, None)],
    "add_file_hash_list_entries": [("name", True, None, None), ("hashes", True, None, None),
                                   ("list_type", False, ["SHA256", "MD5"], "SHA256"), ("description", False, None, None)],
    "remove_file_hash_list_entries": [("name", True, None, None), ("hashes", True, None, None)],
    "list_incoming_policy_users": [("policy", True, None, None)],
    "add_incoming_policy_users": [("policy", True, None, None), ("senders", False, None, None),
                                  ("senders_not", False, None, None), ("recipients", False, None, None),
                                  ("recipients_not", False, None, None), ("operation", False, ["And", "Or"], "Or")],
    "remove_incoming_policy_users": [("policy", True, None, None), ("senders", False, None, None),
                                     ("recipients", False, None, None)],
    "list_message_filters": [],
    "get_message_filter": [("name", True, None, None)],
    "set_message_filter": [("name", True, None, None), ("active", False, None, None), ("order", False, None, None)],
}

# Contract §1b, first table: the commands beyond the spec (quarantines beyond spam, and investigation).
PVO_OPERATORS = ["Contains", "Starts_With", "Ends_With", "Matches_Exactly", "Does_Not_Contain", "Does_Not_Start_With",
                 "Does_Not_End_With", "Does_Not_Match"]
BEYOND: dict[str, list[tuple]] = {
    "list_quarantines": [],
    "search_pvo_quarantine_messages": [
        ("start_time", True, None, None),
        ("end_time", True, None, None),
        ("quarantines", False, None, ["Outbreak", "Virus", "File Analysis", "Unclassified", "Policy"]),
        ("subject_filter_operator", False, PVO_OPERATORS, None),
        ("subject_filter_value", False, None, None),
        ("envelope_sender_filter_operator", False, PVO_OPERATORS, None),
        ("envelope_sender_filter_value", False, None, None),
        ("envelope_recipient_filter_operator", False, PVO_OPERATORS, None),
        ("envelope_recipient_filter_value", False, None, None),
        ("originating_esa_ip", False, None, None),
        ("attachment_name", False, None, None),
        ("attachment_size_filter", False, ["Range", "Less_Than", "More_Than"], None),
        ("attachment_size_from_kb", False, None, None),
        ("attachment_size_to_kb", False, None, None),
        ("order_by", False, ["Received", "Sender", "Subject", "Scheduled_Exit", "Size"], None),
        ("order_direction", False, ["Ascending", "Descending"], None),
        ("limit", False, None, 1000),
    ],
    "get_pvo_quarantine_message_details": [("quarantine_message_ids", True, None, None)],
    "release_pvo_quarantine_messages": [("quarantine_message_ids", True, None, None),
                                        ("quarantine_name", False, None, None)],
    "delete_pvo_quarantine_messages": [("quarantine_message_ids", True, None, None),
                                       ("quarantine_name", False, None, None)],
    "move_pvo_quarantine_messages": [("quarantine_message_ids", True, None, None),
                                     ("destination_quarantine", True, None, None),
                                     ("quarantine_name", False, None, None)],
    "send_copy_of_pvo_quarantine_messages": [("quarantine_message_ids", True, None, None),
                                             ("recipients", True, None, None),
                                             ("quarantine_name", False, None, None)],
    "download_pvo_quarantine_attachments": [("quarantine_message_id", True, None, None),
                                            ("attachment_ids", False, None, None),
                                            ("output_dir", False, None, None)],
    "investigate_message": [("appliance_serial_number", True, None, None), ("message_id", True, None, None),
                            ("injection_connection_id", False, None, None)],
    "decode_rewritten_urls": [("urls", True, None, None)],
    "search_rejected_connections": [("start_time", True, None, None), ("end_time", True, None, None),
                                    ("sender_ip", False, None, None), ("limit", False, None, 1000)],
    "get_connection_details": [("appliance_serial_number", True, None, None),
                               ("injection_connection_id", True, None, None), ("message_id", False, None, None)],
    "get_remediation_details": [("appliance_serial_number", True, None, None), ("message_ids", True, None, None)],
    "get_health": [],
}
CONTRACT.update(BEYOND)

# Valid input for every command, used to show that a command without a handler yet is
# reported as Failed "not built" (after validation passed) and sends nothing.
VALID_PARAMS: dict[str, dict] = {
    "add_entries": {"list_type": "Safelist", "action": "Add", "view_by": "Recipient",
                    "recipient_addresses": "alice@corp.example", "sender_list": "good.example"},
    "block_domain": {"action": "Add", "view_by": "Sender", "sender_addresses": "spammy.example",
                     "recipients_list": "alice@corp.example"},
    "block_email_addresses": {"senders": "bad@phish.example", "recipients": "alice@corp.example"},
    "delete_entries": {"view_by": "Sender", "sender_list": "spammy.example"},
    "delete_spam_quarantine_messages": {"quarantine_message_ids": "783,782"},
    "fetch_event": {"messages_source": "Message Tracking", "start_time": "-1h", "end_time": "now"},
    "get_amp_details": {"appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_ids": "4411"},
    "get_dlp_details": {"appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_ids": "4411"},
    "get_message_details": {"appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_ids": "4411"},
    "get_url_details": {"appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_ids": "4411"},
    "get_report": {"start_time": "-2h", "end_time": "now"},
    "get_spam_quarantine_message_details": {"quarantine_message_ids": "783"},
    "release_spam_quarantine_messages": {"quarantine_message_ids": "783"},
    "search_list_entries": {"list_type": "Blocklist", "view_by": "Sender"},
    "search_messages": {"start_time": "-1h", "end_time": "now"},
    "search_spam_quarantine_messages": {"start_time": "-1h", "end_time": "now"},
    "unblock_domains_or_email_addresses": {"domains_or_email_addresses": "spammy.example"},
    "test_connection": {},
    "list_quarantines": {},
    "search_pvo_quarantine_messages": {"start_time": "-1d", "end_time": "now"},
    "get_pvo_quarantine_message_details": {"quarantine_message_ids": "88213"},
    "release_pvo_quarantine_messages": {"quarantine_message_ids": "88213"},
    "delete_pvo_quarantine_messages": {"quarantine_message_ids": "88213", "quarantine_name": "Virus"},
    "move_pvo_quarantine_messages": {"quarantine_message_ids": "88214", "destination_quarantine": "HR Review"},
    "send_copy_of_pvo_quarantine_messages": {"quarantine_message_ids": "88213", "recipients": "soc@corp.example"},
    "download_pvo_quarantine_attachments": {"quarantine_message_id": 88213},
    "investigate_message": {"appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_id": 4411},
    "decode_rewritten_urls": {"urls": "https://secure-web.cisco.com/1Tok/https%3A%2F%2Fx.example%2F"},
    "search_rejected_connections": {"start_time": "-1h", "end_time": "now"},
    "get_connection_details": {"appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11",
                               "injection_connection_id": 90777},
    "get_remediation_details": {"appliance_serial_number": "4229CAEC09527FD2570C-F028BAE54A11", "message_ids": "4411"},
    "get_health": {},
    "list_sender_groups": {"listener": "IncomingMail"},
    "add_sender_group_entries": {"listener": "IncomingMail", "senders": "203.0.113.9, .phish.example"},
    "remove_sender_group_entries": {"listener": "IncomingMail", "senders": "203.0.113.9"},
    "find_sender": {"sender": "203.0.113"},
    "list_dictionaries": {},
    "get_dictionary": {"name": "phish_terms"},
    "create_dictionary": {"name": "soc_terms", "words": "verify your account:3, *credit:2:prefix"},
    "delete_dictionary": {"name": "soc_terms"},
    "add_dictionary_words": {"name": "phish_terms", "words": "urgent wire:4"},
    "delete_dictionary_words": {"name": "phish_terms", "words": "urgent wire"},
    "list_url_lists": {},
    "get_url_list": {"name": "soc_block_urls"},
    "add_url_list_entries": {"name": "soc_block_urls", "urls": "*.phish.example/*"},
    "remove_url_list_entries": {"name": "soc_block_urls", "urls": "*.phish.example/*"},
    "delete_url_lists": {"names": "old_urls"},
    "list_file_hash_lists": {},
    "get_file_hash_list": {"name": "ioc_sha256"},
    "add_file_hash_list_entries": {"name": "ioc_sha256", "hashes": "abababababababababababababababababababababababababababababababab"},
    "remove_file_hash_list_entries": {"name": "ioc_sha256", "hashes": "abababababababababababababababababababababababababababababababab"},
    "list_incoming_policy_users": {"policy": "strict_inbound"},
    "add_incoming_policy_users": {"policy": "strict_inbound", "senders": "@phish.example"},
    "remove_incoming_policy_users": {"policy": "strict_inbound", "senders": "@phish.example"},
    "list_message_filters": {},
    "get_message_filter": {"name": "soc_quarantine_lookalike"},
    "set_message_filter": {"name": "soc_quarantine_lookalike", "active": "true"},
}

BASIC = {"server_url": "https://esa.test:6443", "username": "u", "password": "p", "auth": "basic"}
ALL_IDS = sorted(CONTRACT)


def _built(cid: str) -> bool:
    return (resources.COMMANDS / f"{cid}.py").is_file()


def _snake(display_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", display_name.lower()).strip("_")


def _conditionally_required(schema: dict) -> set[str]:
    out: set[str] = set()
    for rule in schema.get("allOf", []):
        out |= set(rule.get("then", {}).get("required", []))
    for given, needed in schema.get("dependentRequired", {}).items():
        out |= set(needed)
    return out


# ---------------------------------------------------------------- the manifest itself
def test_contract_manifest_validates_against_its_meta_schema():
    meta = json.loads((resources.META / "manifest.schema.json").read_text())
    Draft202012Validator.check_schema(meta)
    Draft202012Validator(meta).validate(yaml.safe_load(resources.MANIFEST.read_text()))
    assert load_manifest().name == "cisco_email_security"


def test_contract_manifest_commands_are_the_contract_ids():
    assert sorted(manifest().commands) == ALL_IDS


@pytest.mark.parametrize("cid", ALL_IDS)
def test_contract_command_id_is_snake_case_of_display_name_and_names_its_handler(cid):
    cmd = manifest().commands[cid]
    assert _snake(cmd.display_name) == cid
    assert cmd.handler is not None and cmd.handler.__module__ == f"cisco_esa.commands.{cid}"
    assert cmd.failure_indicator.startswith(f"{cmd.display_name} failed.")


def test_contract_connection_parameters_are_contract_section_2():
    conn = {p.id: p for p in manifest().connection}
    assert list(conn) == ["server_url", "username", "password", "api_version", "appliance", "auth",
                          "verify_tls", "ca_bundle", "timeout", "proxy", "cluster_mode", "cluster_group", "cluster_host",
                          "use_system_proxy"]
    assert {k for k, p in conn.items() if p.required} == {"server_url", "username", "password"}
    assert conn["password"].secret and not conn["username"].secret
    defaults = {k: p.default for k, p in conn.items() if p.default is not None}
    assert defaults == {"api_version": "v2.0", "appliance": "esa", "auth": "jwt", "verify_tls": True, "timeout": 60,
                        "cluster_mode": "none", "use_system_proxy": False}
    assert conn["appliance"].enum == ("esa", "sma", "auto")
    assert conn["auth"].enum == ("jwt", "basic")
    assert conn["cluster_mode"].enum == ("none", "cluster", "group", "machine")


# ---------------------------------------------------------------- schemas
@pytest.mark.parametrize("name", sorted(p.stem for p in resources.SCHEMAS.glob("*.json")))
def test_contract_schema_file_passes_check_schema(name):
    schema = json.loads((resources.SCHEMAS / f"{name}.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("cid", ALL_IDS)
def test_contract_schema_parameters_are_the_contract_parameters(cid):
    params = manifest().commands[cid].params
    schema = params.schema
    assert schema.get("additionalProperties") is False, "unknown parameters must be rejected"
    contract_ids = [p[0] for p in CONTRACT[cid]]
    declared = list(params.properties)
    # Every contract id is there, in the spec's order.
    assert [p for p in declared if p in contract_ids] == contract_ids
    # Extras are allowed (contract §1: paging, quarantine type, ...) but only as optional ones.
    extras = [p for p in declared if p not in contract_ids]
    assert not set(extras) & (set(schema.get("required", [])) | _conditionally_required(schema)), extras
    assert set(schema.get("required", [])) == {p[0] for p in CONTRACT[cid] if p[1]}


@pytest.mark.parametrize("cid", ALL_IDS)
def test_contract_enums_and_defaults_are_the_spec_display_values(cid):
    params = manifest().commands[cid].params
    for pid, _required, enum, default in CONTRACT[cid]:
        prop = params.property(pid)
        assert prop.get("enum") == enum, pid
        assert prop.get("default") == default, pid


@pytest.mark.parametrize("cid", ALL_IDS)
def test_contract_every_default_satisfies_its_own_schema(cid):
    params = manifest().commands[cid].params
    for pid in params.properties:
        prop = params.property(pid)
        if "default" not in prop:
            continue
        validator = Draft202012Validator(prop, registry=registry(), format_checker=FORMATS)
        errors = [e.message for e in validator.iter_errors(prop["default"])]
        assert errors == [], f"{cid}.{pid}: default {prop['default']!r}: {errors}"
    # And the defaults together are accepted by the whole schema: the filled-in input validates.
    typed = params.validate(VALID_PARAMS[cid], FROZEN_NOW)
    for pid in params.properties:
        if "default" in params.property(pid) and pid not in VALID_PARAMS[cid]:
            assert typed[pid] == params.property(pid)["default"]


def test_contract_definitions_resolve_for_every_reference():
    for cid in ALL_IDS:
        params = manifest().commands[cid].params
        for pid, prop in params.properties.items():
            merged = resolve(prop)
            assert "type" in merged, f"{cid}.{pid} has no type after resolving $ref"
            if merged["type"] == "array":
                assert "type" in resolve(merged["items"]), f"{cid}.{pid} items have no type"


# ---------------------------------------------------------------- handlers
@pytest.mark.parametrize("cid", ALL_IDS)
def test_contract_handler_exists_or_run_reports_not_built(cid):
    cmd = manifest().commands[cid]
    if _built(cid):
        assert callable(cmd.handler), f"commands/{cid}.py has no function run"
        assert cmd.handler.__name__ == "run"
        return
    # Not built yet: validation passes, then a clear Failed envelope and no request at all.
    assert cmd.handler is None
    with requests_mock.Mocker() as m:
        envelope = Integration(BASIC, clock=lambda: FROZEN_NOW).run(cid, VALID_PARAMS[cid])
        assert m.call_count == 0
    assert envelope == {
        "command": cid, "display_name": cmd.display_name, "status": "Failed", "data": {}, "raw_data": {},
        "error": {"failure_indicator": cmd.failure_indicator, "status_code": None,
                  "message": f"{cmd.display_name} is not built yet in this version of the integration."},
        "items": [],
    }


def test_contract_built_golden_samples_are_envelopes_of_their_command():
    for path in sorted(resources.SAMPLE_OUTPUTS.glob("*.json")):
        envelope = json.loads(path.read_text())
        assert envelope["command"] == path.stem
        assert set(envelope) == {"command", "display_name", "status", "data", "raw_data", "error", "items"}
        assert envelope["display_name"] == manifest().commands[path.stem].display_name


# ---------------------------------------------------------------- no orphans
def _files(folder, pattern):
    return sorted(p.name for p in folder.glob(pattern) if p.is_file())


def test_contract_no_orphan_handler_files():
    names = {n for n in _files(resources.COMMANDS, "*") if n != "__init__.py"}
    assert names <= {f"{cid}.py" for cid in ALL_IDS}, names - {f"{cid}.py" for cid in ALL_IDS}


def test_contract_no_orphan_schema_files():
    names = set(_files(resources.SCHEMAS, "*")) - {"_definitions.json"}
    assert names == {f"{cid}.json" for cid in ALL_IDS}


def test_contract_no_orphan_sample_outputs():
    names = set(_files(resources.SAMPLE_OUTPUTS, "*")) - {".gitkeep"}
    orphans = names - {f"{cid}.json" for cid in ALL_IDS if _built(cid)}
    assert not orphans, f"samples without a built command: {sorted(orphans)}"


def test_contract_no_orphan_command_tests():
    tests_dir = resources.BUNDLE / "tests" / "commands"
    names = {n for n in _files(tests_dir, "*.py") if n not in ("__init__.py", "conftest.py")}
    orphans = names - {f"test_{cid}.py" for cid in ALL_IDS}
    assert not orphans, f"tests/commands files not named test_<command id>.py: {sorted(orphans)}"


@pytest.mark.parametrize("cid", ALL_IDS)
def test_contract_built_command_has_its_test_module_and_golden_sample(cid):
    # What is declared equals what runs, and what runs is tested and documented by a sample.
    if not _built(cid):
        pytest.skip(f"{cid} is not built yet")
    assert (resources.BUNDLE / "tests" / "commands" / f"test_{cid}.py").is_file(), f"tests/commands/test_{cid}.py missing"
    assert (resources.SAMPLE_OUTPUTS / f"{cid}.json").is_file(), f"sample_outputs/{cid}.json missing"
