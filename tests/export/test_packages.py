"""Every command of the manifest appears in each exported package, under that platform's
conventions; the comparison is with the manifest (`cisco-esa commands --json`), so a new command
appears everywhere without touching the generators, which a test shows with an invented one."""

from __future__ import annotations

import ast
import dataclasses
import json
import re

import pytest
import yaml

from cisco_esa import cli
from cisco_esa.export import d3, splunk, xsoar
from cisco_esa.export.model import Command, Param, load


@pytest.fixture(scope="module")
def manifest_commands():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["commands", "--json"]) == 0
    return json.loads(out.getvalue())


def ids(commands, kind):
    return {c["id"] for c in commands if c["kind"] == kind}


def xsoar_yaml(root):
    [path] = root.glob("Packs/*/Integrations/*/*.yml")
    return yaml.safe_load(path.read_text())


def splunk_registrations(app_py: str) -> dict[str, str]:
    """{identifier: decorator} of every function registered with the SDK's App in app.py."""
    found = {}
    for node in ast.parse(app_py).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and getattr(deco.func.value, "id", "") == "app":
                kw = {k.arg: k.value.value for k in deco.keywords if isinstance(k.value, ast.Constant)}
                found[kw.get("identifier", deco.func.attr)] = deco.func.attr
    return found


def d3_functions(script: str) -> set[str]:
    return {n.name for n in ast.parse(script).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}


def test_export_xsoar_lists_every_manifest_command(packages, manifest_commands):
    root, _ = packages["xsoar"]
    doc = xsoar_yaml(root)
    names = {c["name"] for c in doc["script"]["commands"]}
    assert names == {f"cisco-esa-{cid.replace('_', '-')}" for cid in ids(manifest_commands, "action")}
    assert doc["script"]["isfetch"] is bool(ids(manifest_commands, "fetch_event"))  # fetch-incidents
    glue = next(root.glob("Packs/*/Integrations/*/*.py")).read_text()
    assert re.search(r"^TEST_COMMAND = 'test_connection'$", glue, re.M)  # test-module
    assert re.search(r"^FETCH_COMMAND = 'fetch_event'$", glue, re.M)


def test_export_splunk_lists_every_manifest_command(packages, manifest_commands):
    root, _ = packages["splunk-soar"]
    registered = splunk_registrations((root / "src" / "app.py").read_text())
    expected = {cid: "action" for cid in ids(manifest_commands, "action")}
    expected |= {"test_connectivity": "test_connectivity" for _ in ids(manifest_commands, "test_connection")}
    expected |= {"on_poll": "on_poll" for _ in ids(manifest_commands, "fetch_event")}
    assert registered == expected


def test_export_d3_has_one_function_per_manifest_command(packages, manifest_commands):
    root, _ = packages["d3"]
    [script] = root.glob("*.py")
    assert d3_functions(script.read_text()) == {c["id"] for c in manifest_commands}


def test_export_new_manifest_command_appears_in_every_package(tmp_path):
    model = load()
    extra = Command(id="quarantine_report", display_name="Quarantine Report", description="An invented command.",
                    kind="action", read_only=True, failure_indicator="Quarantine Report failed.",
                    params=(Param(id="days", title="Days", description="How far back.", type="integer",
                                  is_list=False, is_time=False, required=True),),
                    sample={"data": {"rows": [{"name": "spam", "count": 3}]}})
    grown = dataclasses.replace(model, commands=model.commands + (extra,))
    xsoar.export(grown, tmp_path / "x")
    splunk.export(grown, tmp_path / "s")
    d3.export(grown, tmp_path / "d")
    [command] = [c for c in xsoar_yaml(tmp_path / "x")["script"]["commands"] if c["name"] == "cisco-esa-quarantine-report"]
    assert command["arguments"][0]["name"] == "days" and command["arguments"][0]["required"] is True
    assert {o["contextPath"]: o["type"] for o in command["outputs"]} == {
        "CiscoESA.QuarantineReport.rows.count": "Number", "CiscoESA.QuarantineReport.rows.name": "String"}
    assert splunk_registrations((tmp_path / "s" / "src" / "app.py").read_text())["quarantine_report"] == "action"
    assert "quarantine_report" in d3_functions((tmp_path / "d" / "cisco_email_security.py").read_text())


def test_export_is_deterministic(tmp_path, packages):
    for platform, (root, files) in packages.items():
        again = cli.main(["export", platform, str(tmp_path / platform)])
        assert again == 0
        for path in files:
            assert (tmp_path / platform / path.relative_to(root)).read_bytes() == path.read_bytes(), path


def test_export_cli_unknown_platform_is_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["export", "qradar", str(tmp_path)])
    assert exc.value.code == 2
    assert "invalid choice: 'qradar'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_export_cli_unwritable_dir_is_usage_error(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert cli.main(["export", "d3", str(tmp_path / "file" / "sub")]) == 2
    assert "cannot write the package into" in capsys.readouterr().err


def test_export_connection_conventions_follow_the_manifest():
    from cisco_esa.export.model import ConnectionField

    model = load()
    extra = (ConnectionField(id="use_system_proxy", display_name="Use System Proxy", type="boolean", required=False,
                             secret=False, description="Honour HTTPS_PROXY.", default=False),
             ConnectionField(id="directory", display_name="Directory", type="string", required=False,
                             secret=False, description="A name the Splunk SDK reserves."))
    grown = dataclasses.replace(model, connection=model.connection + extra)
    settings, mapping = xsoar.connection_settings(grown)
    by_name = {s["name"]: s for s in settings}
    # XSOAR: the "Use system proxy settings" checkbox is ours; our proxy URL moves aside
    assert by_name["proxy"]["display"] == "Use system proxy settings" and by_name["proxy"]["type"] == xsoar.BOOLEAN
    assert ("proxy", "use_system_proxy", "boolean") in mapping and ("proxy_url", "proxy", "plain") in mapping
    assert ("credentials", "username", "credentials") in mapping and "password" not in by_name
    assert ("insecure", "verify_tls", "inverse") in mapping
    # Splunk: a reserved asset name is renamed, and mapped back to the connection id
    _, conn_map, _, _ = splunk.asset_class(grown)
    assert conn_map["esa_directory"] == "directory" and "directory" not in conn_map
