"""Fail at load: a broken manifest is rejected by load_manifest with the file and the field named."""

from __future__ import annotations

import copy

import pytest
import yaml

from cisco_esa.core import resources
from cisco_esa.core.registry import ManifestError, load_manifest, manifest


@pytest.fixture(scope="module")
def good() -> dict:
    return yaml.safe_load(resources.MANIFEST.read_text())


def _write(tmp_path, data) -> "object":
    path = tmp_path / "integration.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data)
    return path


def _load_error(tmp_path, data) -> str:
    path = _write(tmp_path, data)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    text = str(info.value)
    assert text.startswith(f"{path}: "), text
    return text


def test_manifest_good_copy_loads_with_every_command(tmp_path, good):
    loaded = load_manifest(_write(tmp_path, good))
    assert list(loaded.commands) == [c["id"] for c in good["commands"]]
    assert loaded.find("Get AMP Details").id == "get_amp_details"
    assert loaded.find("get amp-details").id == "get_amp_details"
    assert loaded.find("GET_AMP_DETAILS").id == "get_amp_details"
    assert loaded.find("no such thing") is None


def test_manifest_missing_top_level_field_fails_naming_it(tmp_path, good):
    data = copy.deepcopy(good)
    del data["vendor"]
    assert "'vendor' is a required property" in _load_error(tmp_path, data)


def test_manifest_handler_field_is_refused_since_the_id_names_the_handler(tmp_path, good):
    data = copy.deepcopy(good)
    data["commands"][3]["handler"] = "commands.other:run"
    text = _load_error(tmp_path, data)
    assert "commands.3" in text and "'handler'" in text


def test_manifest_wrong_kind_fails_naming_the_field(tmp_path, good):
    data = copy.deepcopy(good)
    data["commands"][0]["kind"] = "widget"
    text = _load_error(tmp_path, data)
    assert "commands.0.kind" in text and "'widget'" in text


def test_manifest_read_only_not_boolean_fails_naming_the_field(tmp_path, good):
    data = copy.deepcopy(good)
    data["commands"][5]["read_only"] = "yes"
    assert "commands.5.read_only" in _load_error(tmp_path, data)


def test_manifest_unknown_field_fails_naming_it(tmp_path, good):
    data = copy.deepcopy(good)
    data["commands"][1]["hanlder"] = "commands.block_domain:run"
    text = _load_error(tmp_path, data)
    assert "commands.1" in text and "'hanlder'" in text


def test_manifest_connection_param_wrong_type_fails_naming_the_field(tmp_path, good):
    data = copy.deepcopy(good)
    data["connection"][0]["type"] = "url"
    assert "connection.0.type" in _load_error(tmp_path, data)


def test_manifest_failure_indicator_without_failed_fails(tmp_path, good):
    data = copy.deepcopy(good)
    at = next(i for i, c in enumerate(data["commands"]) if c["id"] == "test_connection")
    data["commands"][at]["failure_indicator"] = "Test Connection broke"
    assert f"commands.{at}.failure_indicator" in _load_error(tmp_path, data)


def test_manifest_duplicate_command_id_fails_naming_it(tmp_path, good):
    data = copy.deepcopy(good)
    data["commands"].append(copy.deepcopy(data["commands"][0]))
    assert "duplicate id add_entries" in _load_error(tmp_path, data)


def test_manifest_not_yaml_fails_naming_the_file(tmp_path):
    _load_error(tmp_path, "commands: [unclosed\n  - :")


def test_manifest_empty_file_fails_naming_the_file(tmp_path):
    assert "(top)" in _load_error(tmp_path, "")


def test_manifest_missing_file_fails_naming_the_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ManifestError, match=str(path)):
        load_manifest(path)


def test_manifest_connection_schema_derives_required_defaults_and_enums():
    schema = manifest().connection_params.schema
    assert schema["required"] == ["server_url", "username", "password"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["auth"] == {"type": "string", "title": "Authentication",
                                            "description": manifest().connection[5].description,
                                            "default": "jwt", "enum": ["jwt", "basic"], "minLength": 1,
                                            "x-keep-whitespace": True, "x-blank-is-absent": True}
    assert schema["properties"]["password"]["x-secret"] is True and "x-blank-is-absent" not in schema["properties"]["password"]
    assert manifest().secret_params == ["password", "proxy"]
