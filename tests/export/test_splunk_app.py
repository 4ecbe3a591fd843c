"""The exported Splunk SOAR app, read without the SDK (which needs Python 3.13: its own tooling
runs in scripts/check_platforms.sh): the asset holds every connection parameter, each action's
params are its schema's, datapaths come from the samples, and the project pins our runtime."""

from __future__ import annotations

import ast
import tomllib

import pytest

from cisco_esa.export.model import leaves, load, shape_of


@pytest.fixture(scope="module")
def app(packages):
    root, _ = packages["splunk-soar"]
    return ast.parse((root / "src" / "app.py").read_text())


def assigned(tree, name):
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == name)
    return ast.literal_eval(node.value)


def classes(tree) -> dict[str, dict[str, ast.AnnAssign]]:
    return {n.name: {a.target.id: a for a in n.body if isinstance(a, ast.AnnAssign)}
            for n in tree.body if isinstance(n, ast.ClassDef)}


def keywords(call: ast.Call) -> dict:
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg not in ("category",)}


def test_splunk_asset_holds_every_connection_parameter(app):
    model = load()
    assert list(assigned(app, "ASSET_FIELDS").values()) == [f.id for f in model.connection]
    asset = classes(app)["Asset"]
    password = keywords(asset["password"].value)
    assert password["sensitive"] is True
    assert keywords(asset["appliance"].value)["value_list"] == ["esa", "sma", "auto"]
    assert ast.unparse(asset["server_url"].annotation) == "str"  # required
    assert ast.unparse(asset["ca_bundle"].annotation) == "str | None"


def test_splunk_poll_settings_are_fetch_event_parameters(app):
    fetch = load().command("fetch_event")
    fields = assigned(app, "FETCH_FIELDS")
    assert set(fields.values()) == {p.id for p in fetch.params} - {"end_time", "offset", "limit"}
    asset = classes(app)["Asset"]
    assert keywords(asset["poll_start_time"].value)["default"] == "-1d"
    assert keywords(asset["poll_messages_source"].value)["value_list"] == ["Message Tracking", "Spam Quarantine",
                                                                         "PVO Quarantine"]
    assert assigned(app, "FETCH_FIXED") == {"end_time": "now"}


def test_splunk_action_params_follow_the_schemas(app):
    defined = classes(app)
    for command in load().of_kind("action"):
        params = defined[next(n for n in defined if n.lower() == command.display_name.lower().replace(" ", "") + "params")]
        # a files command's folder is the action's own temporary directory, never a form field
        offered = [p for p in command.params if not (command.files and p.id == command.files.folder)]
        assert list(params) == [p.id for p in offered], command.id
        for p in offered:
            kw = keywords(params[p.id].value)
            assert kw.get("allow_list", False) is p.is_list
            assert kw.get("value_list") == ([str(v) for v in p.enum] if p.enum else None)
            assert kw.get("required", False) is p.required
            assert kw.get("default") == p.default


def test_splunk_outputs_follow_the_samples(app):
    defined = classes(app)
    output = defined["GetAMPDetailsOutput"]
    assert ast.unparse(output["data"].annotation) == "GetAMPDetailsData | None"
    messages = defined["GetAMPDetailsDataMessages"]
    assert ast.unparse(messages["verdicts"].annotation) == "list[GetAMPDetailsDataMessagesVerdicts] | None"
    assert ast.unparse(messages["mid"].annotation) == "int | None"


def test_export_model_shapes_keys_that_are_data_as_maps():
    # Fetch Event's `Message Status` is keyed by message id: no fixed field set to declare
    assert shape_of({"7471": "Delivered"}).kind == "map"
    shape = shape_of({"rows": [{"a": 1}, {"a": 2.5, "b": None}, {"b": "x"}], "Document ID": 7})
    assert leaves(shape) == [(("Document ID",), "integer"), (("rows", "a"), "number"), (("rows", "b"), "string")]


def test_splunk_project_pins_our_runtime(packages):
    root, _ = packages["splunk-soar"]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    model = load()
    assert f"{model.distribution}=={model.runtime_version}" in project["project"]["dependencies"]
    assert project["tool"]["soar"]["app"]["main_module"] == "src.app:app"
    assert (root / "tests" / "test_app.py").is_file() and (root / "logo.svg").is_file()
