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
from cisco_esa.export import common, d3, splunk, xsoar
from cisco_esa.core.registry import manifest
from cisco_esa.export.model import Command, Files, Param, load


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


def assigned(source: str, name: str):
    """The literal a module assigns to `name`."""
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == name)
    return ast.literal_eval(node.value)


def class_fields(source: str, cls: str) -> dict[str, str]:
    """{field: its annotation and default, as source} of a class of a module."""
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == cls)
    return {a.target.id: ast.unparse(a)[len(a.target.id) + 2:] for a in node.body if isinstance(a, ast.AnnAssign)}


def files_tables(model, splunk_app: str, xsoar_glue: str) -> tuple[dict, dict]:
    expected = {c.id: {"folder": c.files.folder, "rows": c.files.rows, "path": c.files.path, "name": c.files.name,
                       "failure_indicator": c.failure_indicator} for c in model.commands if c.files}
    return expected, {"splunk": assigned(splunk_app, "FILES"), "xsoar": assigned(xsoar_glue, "FILES")}


def test_export_files_declaration_comes_from_the_manifest(packages):
    declared = {c.id: c.files for c in manifest().commands.values() if c.files}
    assert declared  # the attachment download writes files
    model = load()
    assert {c.id: c.files for c in model.commands if c.files} == {cid: Files(**f) for cid, f in declared.items()}
    splunk_app = (packages["splunk-soar"][0] / "src" / "app.py").read_text()
    glue = next(packages["xsoar"][0].glob("Packs/*/Integrations/*/*.py")).read_text()
    expected, tables = files_tables(model, splunk_app, glue)
    assert tables == {"splunk": expected, "xsoar": expected}
    commands = {c["name"]: c for c in xsoar_yaml(packages["xsoar"][0])["script"]["commands"]}
    d3_readme = (packages["d3"][0] / "README.md").read_text()
    for cid, files in declared.items():
        command = model.command(cid)
        # the golden sample lists its files where the declaration says, each row with its path and name
        rows = command.files.rows_of(command.sample["data"])
        assert rows and all(files["path"] in r and files["name"] in r for r in rows), cid
        # the folder is the package's own: no form offers it
        params = class_fields(splunk_app, splunk.params_class(command)[0])
        assert files["folder"] not in params and set(params) == {p.id for p in command.params} - {files["folder"]}
        args = [a["name"] for a in commands[xsoar.command_name(command)]["arguments"]]
        assert args == [p.id for p in command.params if p.id != files["folder"]]
        # each file row of the Splunk output declares the vault id, so that its datapath is listed
        row_class = common.pascal(command.display_name) + "Data" + "".join(common.pascal(k) for k in files["rows"].split("."))
        assert class_fields(splunk_app, row_class)["vault_id"] == "str | None = OutputField(cef_types=['vault id'])"
        assert f"It writes files: into the folder given as `{files['folder']}`" in d3_readme


def test_export_new_files_command_is_handled_in_every_package(tmp_path):
    model = load()
    extra = Command(id="export_report", display_name="Export Report", description="An invented command that writes files.",
                    kind="action", read_only=True, failure_indicator="Export Report failed.",
                    params=(Param(id="days", title="Days", description="How far back.", type="integer", is_list=False,
                                  is_time=False, required=True),
                            Param(id="target_dir", title="Target Dir", description="Where to write.", type="string",
                                  is_list=False, is_time=False, required=False)),
                    sample={"data": {"report": {"written": [{"file": "a.csv", "where": "/x/a.csv", "rows": 3}]}}},
                    files=Files(folder="target_dir", rows="report.written", path="where", name="file"))
    grown = dataclasses.replace(model, commands=model.commands + (extra,))
    xsoar.export(grown, tmp_path / "x")
    splunk.export(grown, tmp_path / "s")
    d3.export(grown, tmp_path / "d")
    splunk_app = (tmp_path / "s" / "src" / "app.py").read_text()
    glue = next((tmp_path / "x").glob("Packs/*/Integrations/*/*.py")).read_text()
    expected, tables = files_tables(grown, splunk_app, glue)
    assert tables["splunk"]["export_report"] == tables["xsoar"]["export_report"] == expected["export_report"] == {
        "folder": "target_dir", "rows": "report.written", "path": "where", "name": "file",
        "failure_indicator": "Export Report failed."}
    assert list(class_fields(splunk_app, "ExportReportParams")) == ["days"]
    assert class_fields(splunk_app, "ExportReportDataReportWritten") == {
        "file": "str | None = OutputField(cef_types=['file name'])", "rows": "int | None", "where": "str | None",
        "vault_id": "str | None = OutputField(cef_types=['vault id'])"}
    [command] = [c for c in xsoar_yaml(tmp_path / "x")["script"]["commands"] if c["name"] == "cisco-esa-export-report"]
    assert [a["name"] for a in command["arguments"]] == ["days"]
    assert "It writes files: into the folder given as `target_dir`" in (tmp_path / "d" / "README.md").read_text()
