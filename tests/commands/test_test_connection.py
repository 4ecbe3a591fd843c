"""Test Connection: login, login/privileges and a one-row tracking search, end to end against the
simulator (ESA, SMA, auto-detection, roles) and request by request with requests-mock."""

from __future__ import annotations

import base64
import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock

from cisco_esa.integration import Integration
from tests.conftest import FROZEN_NOW
from tests.cli_helpers import frozen_cli  # noqa: F401 (fixture)
from tests.golden import check_golden

FI = "Test Connection failed. Failed to check the connector."
ALL_GROUPS = {"message_tracking": True, "spam_quarantine": True, "safelist_blocklist": True, "reporting": True}
CONFIG_PROBES = [  # one cheap read per configuration API (asyncos-api-extension §19 point 10)
    "/esa/api/v2.0/config/sender_groups/find_in_all_senders/probe/", "/esa/api/v2.0/config/dictionaries",
    "/esa/api/v2.0/config/url_lists", "/esa/api/v2.0/config/file_hash_lists",
    "/esa/api/v2.0/config/incoming_mail_policies/DEFAULT/senders_and_recipients", "/esa/api/v2.0/config/message_filters"]
CONFIG_FEATURES = ["sender_groups", "dictionaries", "url_lists", "file_hash_lists", "incoming_mail_policies",
                   "message_filters"]
CONFIG_ANY = re.compile(r"^https://esa\.test:6443/esa/api/v2\.0/config/")
ALL_WRITES = {"spam_quarantine": True, "safelist_blocklist": True}
NO_WRITES = {"spam_quarantine": False, "safelist_blocklist": False}
READ_ONLY_UNUSABLE = [
    {"command": "release_spam_quarantine_messages", "needs": "spam quarantine release"},
    {"command": "delete_spam_quarantine_messages", "needs": "spam quarantine delete"},
    {"command": "add_entries", "needs": "safelist modify or blocklist modify"},
    {"command": "delete_entries", "needs": "safelist modify or blocklist modify"},
    {"command": "block_domain", "needs": "blocklist modify"},
    {"command": "block_email_addresses", "needs": "blocklist modify"},
    {"command": "unblock_domains_or_email_addresses", "needs": "blocklist modify"},
]
# the configuration commands by role (no source names their privileges)
CONFIG_READS = ["list_sender_groups", "find_sender", "list_dictionaries", "get_dictionary", "list_url_lists",
                "get_url_list", "list_file_hash_lists", "get_file_hash_list", "list_incoming_policy_users",
                "list_message_filters", "get_message_filter"]
CONFIG_WRITES = ["add_sender_group_entries", "remove_sender_group_entries", "create_dictionary", "delete_dictionary",
                 "add_dictionary_words", "delete_dictionary_words", "add_url_list_entries", "remove_url_list_entries",
                 "delete_url_lists", "add_file_hash_list_entries", "remove_file_hash_list_entries",
                 "add_incoming_policy_users", "remove_incoming_policy_users", "set_message_filter"]
# the PVO writes beyond the spec (contract §1b), in the manifest's order
PVO_WRITES_UNUSABLE = [
    {"command": "release_pvo_quarantine_messages", "needs": "spam quarantine release"},
    {"command": "delete_pvo_quarantine_messages", "needs": "spam quarantine delete"},
    {"command": "move_pvo_quarantine_messages", "needs": "spam quarantine release"},
    {"command": "send_copy_of_pvo_quarantine_messages", "needs": "spam quarantine release"},
]
TRACKING_ONLY_UNUSABLE = [
    {"command": "search_spam_quarantine_messages", "needs": "spam quarantine search"},
    {"command": "get_spam_quarantine_message_details", "needs": "spam quarantine search"},
    READ_ONLY_UNUSABLE[0], READ_ONLY_UNUSABLE[1],
    {"command": "search_list_entries", "needs": "safelist view or blocklist view or safelist modify or blocklist modify"},
    *READ_ONLY_UNUSABLE[2:],
    {"command": "get_report", "needs": "reporting"},
    {"command": "list_quarantines", "needs": "spam quarantine search"},
    {"command": "search_pvo_quarantine_messages", "needs": "spam quarantine search"},
    {"command": "get_pvo_quarantine_message_details", "needs": "spam quarantine search"},
    *PVO_WRITES_UNUSABLE,
    {"command": "download_pvo_quarantine_attachments", "needs": "spam quarantine search"},
    *[{"command": c, "needs": "configuration read"} for c in CONFIG_READS],
    *[{"command": c, "needs": "configuration write"} for c in CONFIG_WRITES],
]
READ_ONLY_UNUSABLE_ALL = READ_ONLY_UNUSABLE + PVO_WRITES_UNUSABLE + \
    [{"command": c, "needs": "configuration write"} for c in CONFIG_WRITES]


def failed(status_code, message) -> dict:
    return {"command": "test_connection", "display_name": "Test Connection", "status": "Failed", "data": {},
            "raw_data": {}, "items": [], "error": {"failure_indicator": FI, "status_code": status_code, "message": message}}


def paths(sim) -> list[tuple]:
    return [(e["method"], e["path"], e["status"]) for e in sim.request_log]


# ---------------------------------------------------------------- end to end
def test_test_connection_esa_admin_successful_golden(sim, integration, regen_golden):
    envelope = integration.run("test_connection")
    check_golden(envelope, regen_golden)
    assert envelope["status"] == "Successful" and envelope["error"] is None and envelope["items"] == []
    data = envelope["data"]
    assert (data["appliance"], data["user"], data["role"], data["auth"]) == ("esa", "admin", "Administrator", "jwt")
    assert data["command_groups"] == ALL_GROUPS
    assert data["write_groups"] == ALL_WRITES and data["unusable_commands"] == []
    assert data["privileges"] == envelope["raw_data"]["privileges"]["data"]
    assert data["tracking_search_rows"] == len(envelope["raw_data"]["tracking"]["data"]) <= 1
    assert "jwtToken" not in envelope["raw_data"]["login"]
    assert paths(sim) == [("POST", "/esa/api/v2.0/login", 200), ("GET", "/esa/api/v2.0/login/privileges", 200),
                          ("GET", "/esa/api/v2.0/message-tracking/messages", 200)] + \
        [("GET", path, 200) for path in CONFIG_PROBES]
    assert data["configuration_apis"] == dict.fromkeys(CONFIG_FEATURES, "available")
    assert all(e["query"] == "device_type=esa" for e in sim.request_log[3:])
    search = sim.request_log[2]
    assert parse_qs(search["query"]) == {
        "startDate": ["2026-11-20T11:30:00.000Z"], "endDate": ["2026-11-20T12:30:00.000Z"],
        "ciscoHost": ["All_Hosts"], "searchOption": ["messages"], "offset": ["0"], "limit": ["1"]}
    assert "2026-11-20T11%3A30%3A00.000Z" in search["query"]


def test_test_connection_helpdesk_role_only_message_tracking(sim):
    envelope = Integration(sim.connection("helpdesk"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful"
    assert envelope["data"]["role"] == "HelpDeskUser"
    assert envelope["data"]["command_groups"] == {"message_tracking": True, "spam_quarantine": False,
                                                  "safelist_blocklist": False, "reporting": False}
    assert envelope["data"]["write_groups"] == NO_WRITES
    assert envelope["data"]["unusable_commands"] == TRACKING_ONLY_UNUSABLE
    assert all(p.startswith("e_message_tracking_") for p in envelope["data"]["privileges"])


@pytest.mark.parametrize("user, role", [("operator", "Operator"), ("readonly", "ReadOnlyOperator")])
def test_test_connection_other_roles_reported(sim, user, role):
    envelope = Integration(sim.connection(user), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful"
    assert (envelope["data"]["user"], envelope["data"]["role"]) == (user, role)
    assert envelope["data"]["command_groups"] == ALL_GROUPS


def test_test_connection_operator_every_write_usable(sim):
    data = Integration(sim.connection("operator"), clock=lambda: FROZEN_NOW).run("test_connection")["data"]
    assert data["write_groups"] == ALL_WRITES and data["unusable_commands"] == []


def test_test_connection_readonly_role_writes_marked_not_usable(sim):
    # issue 15 point 5: a read-only account passes, but release and block are not usable
    data = Integration(sim.connection("readonly"), clock=lambda: FROZEN_NOW).run("test_connection")["data"]
    assert data["write_groups"] == {"spam_quarantine": False, "safelist_blocklist": False}
    assert data["unusable_commands"] == READ_ONLY_UNUSABLE_ALL


def test_test_connection_readonly_unusable_commands_really_refused(sim):
    # what Test Connection says the role cannot do, the appliance refuses
    run = Integration(sim.connection("readonly"), clock=lambda: FROZEN_NOW).run
    mid = sim.world.pick_quarantine_mid()
    released = run("release_spam_quarantine_messages", {"quarantine_message_ids": [mid]})
    blocked = run("block_email_addresses", {"senders": "bad@phish.example", "recipients": "alice@corp.example"})
    assert released["status"] == blocked["status"] == "Failed"
    assert released["items"][0]["error"]["status_code"] == 403
    assert (blocked["error"]["status_code"] or blocked["items"][0]["error"]["status_code"]) == 403
    listed = run("search_spam_quarantine_messages", {"start_time": "-1d", "end_time": "now"})
    assert listed["status"] == "Successful"  # a read it was told it can do


def test_test_connection_sma_successful(sma, sma_integration):
    envelope = sma_integration.run("test_connection")
    assert envelope["status"] == "Successful"
    assert (envelope["data"]["appliance"], envelope["data"]["role"]) == ("sma", "Administrator")
    assert [p for _m, p, _s in paths(sma)] == ["/sma/api/v2.0/login", "/sma/api/v2.0/login/privileges",
                                               "/sma/api/v2.0/message-tracking/messages"]


def test_test_connection_auto_detects_esa(sim):
    envelope = Integration(sim.connection(appliance="auto"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful" and envelope["data"]["appliance"] == "esa"
    assert paths(sim)[0] == ("GET", "/esa/api/v2.0/login/privileges", 401)  # the probe: the prefix exists


def test_test_connection_auto_detects_sma(sma):
    envelope = Integration(sma.connection(appliance="auto"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful" and envelope["data"]["appliance"] == "sma"
    assert paths(sma)[:2] == [("GET", "/esa/api/v2.0/login/privileges", 404),
                              ("GET", "/sma/api/v2.0/login/privileges", 401)]


def test_test_connection_basic_auth_successful_without_login(sim):
    envelope = Integration(sim.connection(auth="basic"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful"
    assert envelope["data"]["auth"] == "basic" and envelope["data"]["user"] == "admin"
    assert envelope["data"]["command_groups"] == ALL_GROUPS  # from the privilege names alone
    assert [m for m, _p, _s in paths(sim)] == ["GET", "GET"] + ["GET"] * len(CONFIG_PROBES)


def test_test_connection_reports_missing_and_forbidden_configuration_apis(sim):
    sim.config.without("url_lists", "message_filters")
    envelope = Integration(sim.connection("helpdesk"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["status"] == "Successful"
    assert envelope["data"]["configuration_apis"] == {
        "sender_groups": "forbidden", "dictionaries": "forbidden", "url_lists": "forbidden",
        "file_hash_lists": "forbidden", "incoming_mail_policies": "forbidden", "message_filters": "forbidden"}
    envelope = Integration(sim.connection(), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["data"]["configuration_apis"] == {
        "sender_groups": "available", "dictionaries": "available", "url_lists": "missing",
        "file_hash_lists": "available", "incoming_mail_policies": "available", "message_filters": "missing"}


def test_test_connection_sma_asks_no_configuration_api(sma, sma_integration):
    envelope = sma_integration.run("test_connection")
    assert envelope["data"]["configuration_apis"] == dict.fromkeys(CONFIG_FEATURES, "esa_only")
    assert not [e for e in sma.request_log if "/config/" in e["path"]]


# ---------------------------------------------------------------- failures
def test_test_connection_wrong_password_failed_401(sim):
    envelope = Integration(sim.connection(password="wrong-passphrase"), clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed(401, "Invalid username or passphrase.")
    assert paths(sim) == [("POST", "/esa/api/v2.0/login", 401)]


def test_test_connection_refused_failed_null_says_what_to_check():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    envelope = Integration({"server_url": f"http://127.0.0.1:{port}", "username": "admin", "password": "x"},
                           clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed(None, f"Could not connect to 127.0.0.1:{port} (connection refused): check server_url "
                                    "(scheme, host and port) and that the AsyncOS API is enabled on that interface.")


def test_test_connection_privileges_500_failed_with_appliance_message(sim, integration):
    sim.inject("login/privileges", "status", status=500,
               message="Server got itself in trouble: The application raised an exception.")
    envelope = integration.run("test_connection")
    assert envelope == failed(500, "Server got itself in trouble: The application raised an exception.")


def test_test_connection_login_accepted_but_search_forbidden_failed_403(sim, integration):
    sim.inject("message-tracking/messages", "status", status=403,
               message="User does not have privileges to access this resource.")
    envelope = integration.run("test_connection")
    # the appliance's words first, then which call the role lacks (issue 15, point 4)
    assert envelope == failed(403, "User does not have privileges to access this resource. The account's role may "
                                   "not call GET message-tracking/messages: give the user a role that allows it on "
                                   "the appliance (login/privileges lists what it may call).")


def test_test_connection_privileges_not_a_list_unexpected_response():
    with requests_mock.Mocker() as m:
        m.get("https://esa.test:6443/esa/api/v2.0/login/privileges", json={"data": {"x": 1}})
        envelope = Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p",
                                "auth": "basic"}, clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed(200, "Unexpected response from the appliance: login/privileges did not return a "
                                   "list of privileges.")


def test_test_connection_search_without_data_unexpected_response():
    with requests_mock.Mocker() as m:
        m.get("https://esa.test:6443/esa/api/v2.0/login/privileges", json={"data": []})
        m.get("https://esa.test:6443/esa/api/v2.0/message-tracking/messages", json={"meta": {}})
        envelope = Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p",
                                "auth": "basic"}, clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope == failed(200, "Unexpected response from the appliance: the message-tracking search did not "
                                   "return a data list.")


# ---------------------------------------------------------------- request shape
def test_test_connection_request_shape_exact():
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    with requests_mock.Mocker(case_sensitive=True) as m:
        m.post("https://esa.test:6443/esa/api/v2.0/login", json={"data": {
            "userName": "soar_api", "is2FactorRedirectRequired": "false", "role": "HelpDeskUser", "email": [],
            "jwtToken": "tok-1"}})
        m.get("https://esa.test:6443/esa/api/v2.0/login/privileges",
              json={"data": ["e_message_tracking_messages", "e_message_tracking_detail"]})
        m.get("https://esa.test:6443/esa/api/v2.0/message-tracking/messages",
              json={"meta": {"num_bad_records": 0, "totalCount": 0}, "data": []})
        m.get(CONFIG_ANY, json={"data": []})
        m.get("https://esa.test:6443/esa/api/v2.0/config/url_lists", status_code=404,
              json={"error": {"message": "Resource not found."}})
        m.get("https://esa.test:6443/esa/api/v2.0/config/message_filters", status_code=403,
              json={"error": {"message": "User does not have privileges to access this resource."}})
        m.get("https://esa.test:6443/esa/api/v2.0/config/dictionaries", status_code=500,
              json={"error": {"message": "Internal error."}})
        envelope = Integration({"server_url": "https://esa.test:6443/", "username": "soar_api", "password": "pw d"},
                               clock=lambda: FROZEN_NOW).run("test_connection")
        assert m.call_count == 3 + len(CONFIG_PROBES)
        login, privileges, search = m.request_history[:3]
        probes = m.request_history[3:]
    assert [(p.method, p.path, urlsplit(p.url).query, p.headers["jwtToken"]) for p in probes] == \
        [("GET", path, "device_type=esa", "tok-1") for path in CONFIG_PROBES]
    assert (login.method, login.path) == ("POST", "/esa/api/v2.0/login")
    assert login.json() == {"data": {"userName": b64("soar_api"), "passphrase": b64("pw d")}}
    assert (privileges.method, privileges.path, privileges.headers["jwtToken"]) == ("GET", "/esa/api/v2.0/login/privileges", "tok-1")
    assert (search.method, search.path, search.headers["jwtToken"]) == ("GET", "/esa/api/v2.0/message-tracking/messages", "tok-1")
    assert urlsplit(search.url).query == (
        "startDate=2026-11-20T11%3A30%3A00.000Z&endDate=2026-11-20T12%3A30%3A00.000Z&ciscoHost=All_Hosts"
        "&searchOption=messages&offset=0&limit=1")
    assert search.qs == {"startDate": ["2026-11-20T11:30:00.000Z"], "endDate": ["2026-11-20T12:30:00.000Z"],
                         "ciscoHost": ["All_Hosts"], "searchOption": ["messages"], "offset": ["0"], "limit": ["1"]}
    assert envelope == {
        "command": "test_connection", "display_name": "Test Connection", "status": "Successful", "error": None,
        "items": [],
        "data": {"connected": True, "appliance": "esa", "server_url": "https://esa.test:6443", "api_version": "v2.0",
                 "auth": "jwt", "user": "soar_api", "role": "HelpDeskUser",
                 "privileges": ["e_message_tracking_messages", "e_message_tracking_detail"],
                 "command_groups": {"message_tracking": True, "spam_quarantine": False,
                                    "safelist_blocklist": False, "reporting": False},
                 "write_groups": NO_WRITES, "unusable_commands": TRACKING_ONLY_UNUSABLE,
                 "tracking_search_rows": 0,
                 "configuration_apis": {"sender_groups": "available", "dictionaries": "failed", "url_lists": "missing",
                                        "file_hash_lists": "available", "incoming_mail_policies": "available",
                                        "message_filters": "forbidden"}},
        "raw_data": {"login": {"userName": "soar_api", "is2FactorRedirectRequired": "false", "role": "HelpDeskUser",
                               "email": []},
                     "privileges": {"data": ["e_message_tracking_messages", "e_message_tracking_detail"]},
                     "tracking": {"meta": {"num_bad_records": 0, "totalCount": 0}, "data": []}},
    }


def test_test_connection_unknown_privilege_names_fall_back_to_role():
    with requests_mock.Mocker() as m:
        m.post("https://esa.test:6443/esa/api/v2.0/login", json={"data": {"role": "Help Desk User", "jwtToken": "t"}})
        m.get("https://esa.test:6443/esa/api/v2.0/login/privileges", json={"data": ["api_v2"]})
        m.get("https://esa.test:6443/esa/api/v2.0/message-tracking/messages", json={"data": []})
        m.get(CONFIG_ANY, json={"data": []})
        envelope = Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p"},
                               clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["data"]["command_groups"] == {"message_tracking": True, "spam_quarantine": False,
                                                  "safelist_blocklist": False, "reporting": False}
    assert envelope["data"]["unusable_commands"] == TRACKING_ONLY_UNUSABLE


@pytest.mark.parametrize("role, writes", [("Read-Only Operator", NO_WRITES), ("Operator", ALL_WRITES)])
def test_test_connection_unknown_privilege_names_role_decides_writes(role, writes):
    with requests_mock.Mocker() as m:
        m.post("https://esa.test:6443/esa/api/v2.0/login", json={"data": {"role": role, "jwtToken": "t"}})
        m.get("https://esa.test:6443/esa/api/v2.0/login/privileges", json={"data": ["api_v2"]})
        m.get("https://esa.test:6443/esa/api/v2.0/message-tracking/messages", json={"data": []})
        m.get(CONFIG_ANY, json={"data": []})
        envelope = Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p"},
                               clock=lambda: FROZEN_NOW).run("test_connection")
    assert envelope["data"]["command_groups"] == ALL_GROUPS and envelope["data"]["write_groups"] == writes


LIST_COMMANDS = {"search_list_entries", "add_entries", "delete_entries", "block_domain", "block_email_addresses",
                 "unblock_domains_or_email_addresses"}


@pytest.mark.parametrize("names, unusable", [
    (["e_message_tracking_messages", "e_quarantine_messages_search", "e_quarantine_messages_release"],
     {"delete_spam_quarantine_messages", "delete_pvo_quarantine_messages"} | LIST_COMMANDS),
    (["e_message_tracking_messages", "e_quarantine_messages_search", "e_quarantine_messages_modify"], LIST_COMMANDS),
    (["e_message_tracking_messages", "e_quarantine_messages_search", "e_quarantine_safelist_modify"],
     {"release_spam_quarantine_messages", "delete_spam_quarantine_messages", "block_domain",
      "block_email_addresses", "unblock_domains_or_email_addresses", "release_pvo_quarantine_messages",
      "delete_pvo_quarantine_messages", "move_pvo_quarantine_messages", "send_copy_of_pvo_quarantine_messages"}),
])
def test_test_connection_each_write_from_its_own_privilege(names, unusable):
    with requests_mock.Mocker() as m:
        m.get("https://esa.test:6443/esa/api/v2.0/login/privileges", json={"data": names + ["e_reporting"]})
        m.get("https://esa.test:6443/esa/api/v2.0/message-tracking/messages", json={"data": []})
        m.get(CONFIG_ANY, json={"data": []})
        envelope = Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p",
                                "auth": "basic"}, clock=lambda: FROZEN_NOW).run("test_connection")
    assert {c["command"] for c in envelope["data"]["unusable_commands"]} == unusable


def test_test_connection_every_command_has_its_privileges_declared():
    from cisco_esa.commands import test_connection
    from cisco_esa.core.registry import manifest

    assert set(test_connection.NEEDS) == set(manifest().commands) - {"test_connection"}


def test_test_connection_invalid_input_failed_400_no_request():
    with requests_mock.Mocker() as m:
        m.register_uri(requests_mock.ANY, requests_mock.ANY, json={})
        envelope = Integration({"server_url": "https://esa.test:6443", "username": "u", "password": "p"},
                               clock=lambda: FROZEN_NOW).run("test_connection", {"appliance": "sma"})
        assert m.call_count == 0
    assert envelope == failed(400, "Invalid input: appliance: unknown parameter")


# ---------------------------------------------------------------- the text a person reads
def test_test_connection_readonly_text_output_says_release_and_block_not_usable(capsys, frozen_cli):
    from tests.cli_helpers import run_cli

    code, out, _ = run_cli(capsys, "run", "test_connection", "--output", "text", "--username", "readonly",
                           "--password", frozen_cli.users["readonly"]["password"])
    assert code == 0 and out.startswith("Test Connection: Successful\n")
    assert "Writes (2)\n  group               usable\n  ------------------  ------\n" \
           "  spam_quarantine     no\n  safelist_blocklist  no\n" in out
    assert "Commands this account cannot run (25)\n" in out  # 7 of the spec, 4 PVO writes, 14 configuration writes
    for command, needs in [("release_spam_quarantine_messages", "spam quarantine release"),
                           ("block_email_addresses", "blocklist modify"), ("block_domain", "blocklist modify")]:
        assert any(line.split() == [command, *needs.split()] for line in out.splitlines()), command
    assert "search_spam_quarantine_messages" not in out  # what it can do is not listed as refused
